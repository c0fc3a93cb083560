#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdevkit-layers: qemu
# card_tools - mdk_card VFs through the tools people use: mdevctl lists the
# card's VF profiles, starts and stops VFs; the card's free counts follow;
# and a VF given to a nested qemu-system-x86_64 with
# -device vfio-pci,sysfsdev=... is realized with its BARs (portal pages in
# BAR0, control registers in BAR2) and its IDs.
. /opt/mdevkit/lib/tap.sh
tap_plan 10

CARD=mdk_card.0
U1=ca4dca4d-0000-4000-8000-000000000001
U2=ca4dca4d-0000-4000-8000-000000000002

modprobe vfio_iommu_type1
tap_run card_loads modprobe mdk_card soft=1
udevadm settle 2>/dev/null

tap_begin types_lists_the_profiles
got=$(mdevctl types | grep -e "mdk_card-" | xargs)
tap_expect_eq "mdk_card-1q mdk_card-2q mdk_card-4q mdk_card-8q" "$got" types_lists_the_profiles

tap_run start_a_4q_vf mdevctl start -u $U1 -p $CARD -t mdk_card-4q
tap_run start_a_1q_vf mdevctl start -u $U2 -p $CARD -t mdk_card-1q
tap_expect_eq "$U1 $CARD mdk_card-4q manual $U2 $CARD mdk_card-1q manual" \
	"$(mdevctl list | sort -k3r | xargs)" list_shows_both
tap_expect_eq "59 59" "$(cat /sys/bus/platform/devices/$CARD/portals_free) $(cat /sys/bus/platform/devices/$CARD/queues_free)" \
	free_counts_follow

tap_begin qemu_realizes_a_vf
printf 'info pci\nquit\n' | timeout 120 qemu-system-x86_64 -accel tcg -M q35 \
	-nodefaults -display none -m 128 -S -monitor stdio \
	-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/$U1,id=vf0 >/tmp/qemu.out 2>/tmp/qemu.err
st=$?
sed 's/^/# /' /tmp/qemu.err
tap_expect_eq 0 "$st" qemu_realizes_a_vf
sed -n '/PCI device 1af4:10f2/,/id "vf0"/p' /tmp/qemu.out | tr -d '\r' >/tmp/vf.txt
sed 's/^/# /' /tmp/vf.txt
tap_run qemu_sees_four_portal_pages_and_the_control_bar sh -c \
	"grep -q 'BAR0: 64 bit prefetchable memory at .* \[0x00003ffe\]' /tmp/vf.txt && grep -q 'BAR2: 32 bit memory at .* \[0x00000ffe\]' /tmp/vf.txt"

tap_run stop_both sh -c "mdevctl stop -u $U1 && mdevctl stop -u $U2"
tap_expect_eq "64 0" "$(cat /sys/bus/platform/devices/$CARD/portals_free) $(ls /sys/bus/mdev/devices | wc -l)" \
	all_returned
tap_done
