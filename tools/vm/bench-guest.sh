#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-guest.sh NS REPS ROUNDS SECONDS - the in-VM side of `make bench` (run from
# /extra, which holds mdk_bench and the two builds of mdk_benchparent).
# Alternates the kernel's mdev.ko and mdev_core, ROUNDS times each. Then
# region access: the kernel's mtty sample on mdev.ko (when mtty.ko is
# there), and vfio_mdev's mdk_vfiotest on mdev_core, with mdk_bench_vfio.
set -eu
ns=$1 reps=$2 rounds=$3
export MDK_BENCH_SECONDS=${4:-0.5} MDK_BENCH_ROUNDS=$rounds
type=/sys/devices/platform/mdk_benchparent/mdev_supported_types/mdk_benchparent-bench

# udevd would handle every uevent while the clock runs: measure the core.
killall systemd-udevd 2>/dev/null || true
sleep 1

one() {
	label=$1 core=$2
	modprobe "$core"
	insmod "./$label/mdk_benchparent.ko"
	echo "$label: type $(cat "$type/name") of mdk_benchparent on $core ($(modinfo -F filename "$core"))"
	./mdk_bench "$label" "$type" "$ns" "$reps"
	rmmod mdk_benchparent
	rmmod "$core"
}

r=1
while [ "$r" -le "$rounds" ]; do
	one upstream mdev
	one ours mdev_core
	r=$((r + 1))
done

# Region access rates. mtty's BAR0 is 8 bytes of UART registers (offset 4:
# the modem control register); mdk_vfiotest's BAR0 has trapped scratch at 0
# and a passthrough page at 0x1000; mdk_minimal (docs/vfio-mdev.md) has its
# register at 0.
modprobe vfio_iommu_type1
u=00000b0e-0000-4000-8000-000000000001
if [ -e ./mtty.ko ]; then
	modprobe mdev
	insmod ./mtty.ko
	echo $u >/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create
	./mdk_bench_vfio mtty $u 0 4
	# Live migration's device share of downtime (docs/migration.md): mtty
	# migrates since 6.7.
	echo 00000b0e-0000-4000-8000-000000000002 \
		>/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create
	./mdk_bench_mig mtty $u 00000b0e-0000-4000-8000-000000000002
	echo 1 >/sys/bus/mdev/devices/00000b0e-0000-4000-8000-000000000002/remove
	echo 1 >/sys/bus/mdev/devices/$u/remove
	rmmod mtty
	rmmod mdev
fi
modprobe mdk_vfiotest
echo $u >/sys/devices/platform/mdk_vfiotest/mdev_supported_types/mdk_vfiotest-full/create
./mdk_bench_vfio vfio_mdev $u 0 0 0x1000
echo 1 >/sys/bus/mdev/devices/$u/remove
modprobe mdk_minimal
echo $u >/sys/devices/platform/mdk_minimal/mdev_supported_types/mdk_minimal-1/create
./mdk_bench_vfio minimal $u 0 0
echo 1 >/sys/bus/mdev/devices/$u/remove
rmmod mdk_minimal mdk_vfiotest

# mdk_card: copy throughput of a software card's VFs (docs/card.md), the
# shares of VFs of different weights that saturate it, and a small copy's
# latency next to a flood; the last two again with the card's scheduler
# off (sched=0), when the module has that parameter.
u2=00000b0e-0000-4000-8000-000000000002
u3=00000b0e-0000-4000-8000-000000000003
u4=00000b0e-0000-4000-8000-000000000004
types=/sys/devices/platform/mdk_card.0/mdev_supported_types
card_vfs() {
	for v in $u $u2 $u3 $u4; do
		if [ "$1" = create ]; then
			echo $v >$types/mdk_card-1q/create
		else
			echo 1 >/sys/bus/mdev/devices/$v/remove
		fi
	done
}
card_sched() {
	./mdk_bench_card fair soft $u:100 $u2:300
	./mdk_bench_card fair soft $u:100 $u2:200 $u3:300 $u4:400
	./mdk_bench_card lat soft $u $u2
}
modprobe mdk_card soft=1
card_vfs create
./mdk_bench_card soft $u $u2
./mdk_bench_mig card $u $u2
card_sched
card_vfs remove
rmmod mdk_card
if modinfo -p mdk_card | grep -q '^sched:' && modprobe mdk_card soft=1 sched=0; then
	echo "mdk_card reloaded with sched=$(cat /sys/module/mdk_card/parameters/sched)"
	card_vfs create
	card_sched
	card_vfs remove
	rmmod mdk_card
else
	echo "BENCH-CARD-NOSCHED no sched parameter in this mdk_card: the runs without the scheduler are left out"
fi
rmmod vfio_mdev mdev_core

# mdk_nic: frames between a userspace virtio-net driver and the
# representor, one pair and two, and a veth pair driven the same way
# (docs/nic.md). The best of the rounds is reported.
modprobe mdk_nic nics=1
types=/sys/devices/platform/mdk_nic.0/mdev_supported_types
echo $u >$types/mdk_nic-1qp/create
echo $u2 >$types/mdk_nic-2qp/create
r1=$(cat /sys/bus/mdev/devices/$u/nic/representor)
r2=$(cat /sys/bus/mdev/devices/$u2/nic/representor)
ip link set "$r1" up
ip link set "$r2" up
ip link add mdkvb0 type veth peer name mdkvb1
ip link set mdkvb0 up
ip link set mdkvb1 up
r=1
while [ "$r" -le "$rounds" ]; do
	./mdk_bench_nic veth mdkvb0 mdkvb1
	./mdk_bench_nic vnet $u "$r1" 1
	./mdk_bench_nic vnet $u2 "$r2" 2
	r=$((r + 1))
done
ip link set "$r1" down
./mdk_bench_nic idle $u
# Live migration of an idle 1-pair function (docs/migration.md).
echo $u3 >$types/mdk_nic-1qp/create
./mdk_bench_mig nic $u $u3
echo 1 >/sys/bus/mdev/devices/$u3/remove
ip link del mdkvb0
echo 1 >/sys/bus/mdev/devices/$u/remove
echo 1 >/sys/bus/mdev/devices/$u2/remove
rmmod mdk_nic
