#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-guest.sh NS REPS ROUNDS - the in-VM side of `make bench` (run from
# /extra, which holds mdk_bench and the two builds of mdk_benchparent).
# Alternates the kernel's mdev.ko and mdev_core, ROUNDS times each.
set -eu
ns=$1 reps=$2 rounds=$3
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
