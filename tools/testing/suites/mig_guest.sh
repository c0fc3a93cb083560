#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdevkit-layers: qemu10 guest
# mdevkit-kvers: 6.12
# mdevkit-alone: long
# mdevkit-timeout: 1500
# mig_guest - live migration of a running stock guest that holds two
# mdevs, an mdk_nic function and an mdk_card VF, between two QEMU processes
# (docs/migration.md): QEMU 10 (the qemu10 layer) boots Debian's own 6.12
# kernel and the bed's guest initramfs (tools/vm/guest/init, mdk.mode=ping)
# with NIC mdev A and card VF CA (-device vfio-pci,...,enable-migration=on).
# In the guest, the kernel's virtio_net pings the host twice a second and
# the guest reports the replies so far ("GUEST TICK"); mdk-guest-card drives
# the VF from guest userspace (sysfs BARs, pagemap for DMA addresses),
# copying pages and checking every completion ("GUEST CARD"). A second QEMU
# waits with -incoming on NIC mdev B and VF CB, of the same types;
# `migrate` moves the guest while both run. As on a real target host, the
# host's end moves too: A's and B's representors share a MAC, and the
# host's address goes from A's to B's after the switch. Then the guest's
# pings go on (replies keep coming, now through B), the host pings the
# guest, A's representor is idle, and the card's descriptors go on with
# none lost (a descriptor that never completes), none run twice (the VF's
# DONE count equals the completions the guest saw) and no bad data; both
# QEMUs quit cleanly and the mdevs go.
# Knobs as nic_guest's: NIC_GUEST_BOOT_S (900), NIC_GUEST_BUDGET (1260).
. /opt/mdevkit/lib/tap.sh
tap_plan 20

BOOT_S=${NIC_GUEST_BOOT_S:-900}
END=$(($(date +%s) + ${NIC_GUEST_BUDGET:-1260}))
A=00000e1c-0000-4000-8000-00000000000a
B=00000e1c-0000-4000-8000-00000000000b
CA=00000e1c-0000-4000-8000-0000000000ca
CB=00000e1c-0000-4000-8000-0000000000cb
MD=/sys/bus/mdev/devices
CTYPE=/sys/devices/platform/mdk_card.0/mdev_supported_types/mdk_card-1q
TYPE=/sys/bus/platform/devices/mdk_nic.0/mdev_supported_types/mdk_nic-1qp
HOST_IP=10.99.0.1 GUEST_IP=10.99.0.2
W=/tmp/mig-guest
G=/opt/mdevkit/guest
rm -rf $W && mkdir -p $W
CON=$W/console-src.log OUT=$W/out-src.log
: >$CON && : >$OUT

. /opt/mdevkit/lib/guest.sh

say() { echo "# [$(($(now) - T0)) s] $*"; }
T0=$(now)

# --- the NIC and the card, two mdevs each, the host's end on A -------------
tap_run modules_load sh -c 'modprobe vfio_iommu_type1 && modprobe mdk_nic nics=1 && modprobe mdk_card soft=1'
tap_run mdevs_created sh -c "echo $A > $TYPE/create && echo $B > $TYPE/create &&
	echo $CA > $CTYPE/create && echo $CB > $CTYPE/create"
MAC=$(cat $MD/$A/nic/mac 2>/dev/null)
RA=$(cat $MD/$A/nic/representor 2>/dev/null)
RB=$(cat $MD/$B/nic/representor 2>/dev/null)
say "mdev A $A: mac $MAC, representor $RA; mdev B $B, representor $RB"
tap_run host_end_on_A sh -c "ip link set $RB address \$(cat /sys/class/net/$RA/address) &&
	ip addr add $HOST_IP/24 dev $RA && ip link set $RA up && ip link set $RB up"

# --- the guest on A ---------------------------------------------------------
GUEST="-cpu qemu64,-cx16 -smp 1 -m 256 -no-reboot"
APPEND="console=ttyS0 panic=-1 watchdog_thresh=60 mdk.mac=$MAC mdk.ip=$GUEST_IP/24 mdk.peer=$HOST_IP mdk.mode=ping"
tap_begin guest_boots_on_A
QSTART=$(now)
qmp_start src $GUEST -kernel $G/vmlinuz -initrd $G/initrd.cpio -append "$APPEND" \
	-serial file:$CON -serial file:$OUT \
	-device vfio-pci,sysfsdev=$MD/$A,enable-migration=on,id=nic0 \
	-device vfio-pci,sysfsdev=$MD/$CA,enable-migration=on,id=card0
QPID=$(qpid src)
say "guest: $(cat $G/info | tr '\n' ' '); $(cat /opt/qemu10/version)"
if wait_for BOOTED "$BOOT_S"; then
	say "guest booted in $(($(now) - QSTART)) s"
	tap_ok guest_boots_on_A
else
	tap_fail guest_boots_on_A "no GUEST BOOTED line after $(($(now) - QSTART)) s"
fi
wait_for IFACE 120
say "$(gline IFACE)"
tap_expect_eq "virtio_net $MAC" "$(gfield IFACE 4) $(gfield IFACE 3)" virtio_net_binds_A

# "GUEST TICK <uptime> <replies>": the guest's pings, answered.
ticks() { gfield TICK 2; }
# wait_ticks N SECONDS: until the replies reach N; prints them.
wait_ticks() {
	local t0=$(now) n
	while :; do
		n=$(ticks)
		[ "${n:-0}" -ge "$1" ] && break
		[ $(($(now) - t0)) -lt "$2" ] && [ "$(now)" -lt "$END" ] || break
		sleep 2
	done
	echo "${n:-0}"
}
tap_begin guest_pings_host_through_A
wait_for TICK 180
say "$(gline PING)"
n=$(wait_ticks 6 120)
say "replies before the switch: $n ($(gline TICK))"
[ "$n" -ge 6 ] && tap_ok guest_pings_host_through_A ||
	tap_fail guest_pings_host_through_A "replies: $n"

# "GUEST CARD <uptime> <completed> <bad> <HEAD> <DONE>": the card's driver.
card() { gfield CARD "$1"; }
# wait_card N SECONDS: until the completions reach N; prints them.
wait_card() {
	local t0=$(now) n
	while :; do
		n=$(card 2)
		[ "${n:-0}" -ge "$1" ] && break
		[ -z "$(gline CARD-FAILED)" ] && [ $(($(now) - t0)) -lt "$2" ] &&
			[ "$(now)" -lt "$END" ] || break
		sleep 2
	done
	echo "${n:-0}"
}
tap_begin guest_drives_card_VF_CA
wait_for CARD 120
say "$(gline CARD-READY) $(gline CARD-FAILED)"
c=$(wait_card 256 120)
say "card: $c descriptors completed before the switch ($(gline CARD))"
[ "$c" -ge 256 ] && [ "$(card 3)" = 0 ] && tap_ok guest_drives_card_VF_CA ||
	tap_fail guest_drives_card_VF_CA "$(gline CARD) $(gline CARD-FAILED)"

# --- the switch ---------------------------------------------------------------
rm -f $SOCK
qmp_start dst $GUEST -kernel $G/vmlinuz -initrd $G/initrd.cpio -append "$APPEND" \
	-serial file:$W/console-dst.log -serial file:$W/out-dst.log \
	-device vfio-pci,sysfsdev=$MD/$B,enable-migration=on,id=nic0 \
	-device vfio-pci,sysfsdev=$MD/$CB,enable-migration=on,id=card0 \
	-incoming unix:$SOCK
tap_expect_eq "running inmigrate" "$(status src) $(status dst)" target_waits_on_B

tap_begin running_guest_migrates
before=$(ticks)
st=$(migrate src)
tap_expect_eq completed "$st" running_guest_migrates
tap_expect_eq "postmigrate running" "$(status src) $(settled dst)" guest_runs_on_B
# The target host's end of the link: the host's address moves to B's
# representor (its MAC is A's, which the guest's ARP cache holds).
ip addr del $HOST_IP/24 dev $RA
ip addr add $HOST_IP/24 dev $RB
tap_expect_eq 1 "$(cat /sys/class/net/$RB/carrier)" B_representor_has_carrier

# The guest now speaks through the target's serial files.
CON=$W/console-dst.log OUT=$W/out-dst.log QPID=$(qpid dst)
tap_begin guest_pings_go_on_after_the_switch
rx0=$(cat /sys/class/net/$RB/statistics/rx_packets)
n=$(wait_ticks $((before + 10)) 180)
say "replies: $before before the switch, $n after ($(gline TICK)); B's representor received $(($(cat /sys/class/net/$RB/statistics/rx_packets) - rx0)) frames"
[ "$n" -ge $((before + 10)) ] && tap_ok guest_pings_go_on_after_the_switch ||
	tap_fail guest_pings_go_on_after_the_switch "replies: $before before, $n after"

tap_begin card_goes_on_after_the_switch
c0=$(card 2)
c=$(wait_card $((c0 + 256)) 180)
say "card: $c0 completed at the first report after the switch, $c now ($(gline CARD))"
[ "$c" -ge $((c0 + 256)) ] && tap_ok card_goes_on_after_the_switch ||
	tap_fail card_goes_on_after_the_switch "$(gline CARD) $(gline CARD-FAILED)"
# None lost: a descriptor that never completed would end the driver with
# CARD-FAILED; none run twice: DONE (the VF's count, carried over) equals
# the completions the guest saw; none wrong: no bad completion or data.
l=$(gline CARD)
tap_expect_eq "0 $(echo "$l" | awk '{ print $4 }')" \
	"$(echo "$l" | awk '{ print $5, $7 }')$(gline CARD-FAILED)" \
	card_none_lost_none_twice_data_intact

tap_begin host_pings_guest_on_B
st=0
ping -c 3 -W 5 $GUEST_IP >$W/ping.txt 2>&1 || st=$?
sed 's/^/# /' $W/ping.txt
tap_expect_eq 0 "$st" host_pings_guest_on_B

# A is quiesced: its representor has no carrier and takes nothing.
ra0=$(cat /sys/class/net/$RA/statistics/rx_packets)
sleep 3
tap_expect_eq "0 $ra0" "$(cat /sys/class/net/$RA/carrier 2>/dev/null || echo 0) $(cat /sys/class/net/$RA/statistics/rx_packets)" \
	A_representor_idle

# --- the end -------------------------------------------------------------------
qquit src dst
tap_expect_eq "0 0" "$RC" both_qemus_quit
tap_run qemu_stderr_clean stderr_clean src dst
tap_begin guest_kernel_log_clean
bad=$(guest_reports $W/console-src.log $W/console-dst.log)
tap_expect_eq "" "$bad" guest_kernel_log_clean
tap_run mdevs_removed sh -c "for u in $A $B $CA $CB; do echo 1 > $MD/\$u/remove && ! test -e $MD/\$u || exit 1; done"
rmmod mdk_nic mdk_card 2>/dev/null
echo "# guest protocol, source then target:"
tr -d '\r' <$W/out-src.log | grep -v 'TICK\|CARD ' | sed 's/^/#   /'
tr -d '\r' <$W/out-dst.log | tail -n 3 | sed 's/^/#   /'
echo "# guest kernel console (target, last lines):"
tr -d '\r' <$W/console-dst.log | tail -n 15 | sed 's/^/#   /'
tap_done
