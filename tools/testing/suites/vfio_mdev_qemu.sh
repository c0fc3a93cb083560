#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdevkit-layers: qemu
# vfio_mdev_qemu - QEMU sees it: a nested qemu-system-x86_64 (TCG, paused
# with -S) realizes an mdk_vfiotest mdev with
# -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/UUID, and its monitor's
# `info pci` shows the IDs and the three BARs with their sizes and kinds.
# Then QEMU quits and the mdev is removed.
. /opt/mdevkit/lib/tap.sh
tap_plan 8

UUID=00000f10-0e00-4000-8000-000000000001
DEV=/sys/bus/mdev/devices/$UUID
OUT=/tmp/qemu-info-pci.txt

tap_run modules_load sh -c 'modprobe vfio_iommu_type1 && modprobe mdk_vfiotest'
tap_run mdev_created sh -c "echo $UUID > /sys/devices/platform/mdk_vfiotest/mdev_supported_types/mdk_vfiotest-full/create"

tap_begin qemu_realizes_the_device
start=$(date +%s)
printf 'info pci\nquit\n' | timeout 120 qemu-system-x86_64 -accel tcg -M q35 \
	-nodefaults -display none -m 128 -S -monitor stdio \
	-device vfio-pci,sysfsdev=$DEV,id=mdev0 >$OUT 2>/tmp/qemu.err
st=$?
echo "# qemu exit $st after $(($(date +%s) - start)) s"
sed 's/^/# /' /tmp/qemu.err
tap_expect_eq 0 "$st" qemu_realizes_the_device

# The device's block of `info pci`, from its IDs to its id line.
sed -n '/PCI device 1af4:10f1/,/id "mdev0"/p' $OUT | tr -d '\r' >/tmp/dev.txt
sed 's/^/# /' /tmp/dev.txt
tap_run info_pci_shows_the_ids grep -q 'PCI device 1af4:10f1' /tmp/dev.txt
tap_run subsystem_ids grep -q 'PCI subsystem 1af4:1100' /tmp/dev.txt
tap_run bar0_64bit_prefetchable_64k grep -q 'BAR0: 64 bit prefetchable memory at .* \[0x0000fffe\]' /tmp/dev.txt
tap_run bar2_32bit_8k_bar4_io_256 sh -c "grep -q 'BAR2: 32 bit memory at .* \[0x00001ffe\]' /tmp/dev.txt && grep -q 'BAR4: I/O at .* \[0x00fe\]' /tmp/dev.txt"
tap_run mdev_removed_after_qemu sh -c "echo 1 > $DEV/remove && ! test -e $DEV"
tap_done
