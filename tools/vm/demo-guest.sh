#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# demo-guest.sh - runs inside the test VM for `make demo`.
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; sh -c "$*"; }

step "The VM: Debian's kernel, booted by the test bed"
run 'uname -r'
run 'cat /proc/cmdline'

step "The physical device to slice: ivshmem (1af4:1110), BAR2 is its memory"
run 'lspci -nn -d 1af4:1110'
run "lspci -vv -d 1af4:1110 | grep -E 'Region|Kernel'"

step "VFIO from the target kernel, loaded at boot"
run 'lsmod | grep -E "^(vfio|mdev)" || true'
run 'ls -l /dev/vfio/'

step "The project's modules available in this VM"
run 'ls /lib/modules/$(uname -r)/updates/'

step "mdev_core: the mdev bus (drop-in for the kernel's mdev.ko)"
run 'modprobe mdev_core && ls /sys/bus/mdev /sys/class/mdev_bus'

step "The sample card takes the ivshmem device (driver_override: it claims nothing else)"
BDF=$(basename "$(dirname "$(grep -l 0x1110 /sys/bus/pci/devices/*/device | head -1)")")
C=/sys/bus/pci/devices/$BDF
run "modprobe vfio_iommu_type1 && modprobe mdk_card"
run "echo mdk_card > $C/driver_override && echo $BDF > /sys/bus/pci/drivers_probe"
run "lspci -k -s $BDF | grep driver"
run "cd $C && grep . portals_total portals_free queues_total vectors_total"

step "VF profiles as mdevctl sees them (available_instances is exact for any mix)"
run "mdevctl types | grep -A3 -e mdk_card-1q -e mdk_card-8q"

step "Create VFs: one through sysfs, two through mdevctl"
T=$C/mdev_supported_types
run "echo 11111111-2222-3333-4444-555555555555 > $T/mdk_card-8q/create"
run "mdevctl start -u 6b1b4f0e-0d6a-4c4f-9a3e-000000000001 -p $BDF -t mdk_card-2q"
run "mdevctl start -u 6b1b4f0e-0d6a-4c4f-9a3e-000000000002 -p $BDF -t mdk_card-1q"
run 'mdevctl list'
run "cd $C && grep . portals_free queues_free && cat $T/mdk_card-8q/available_instances"
run 'ls -l /sys/bus/mdev/devices/ /dev/vfio/'

step "mdk: the card's pools, its profiles and the VFs, and what one VF holds"
run '/opt/mdevkit/bin/mdk list'
run '/opt/mdevkit/bin/mdk show 6b1b4f0e-0d6a-4c4f-9a3e-000000000001'

step "What QEMU will see of the 2-queue VF (vfio_mdev's VFIO PCI device)"
run '/opt/mdevkit/bin/mdk vfio info 6b1b4f0e-0d6a-4c4f-9a3e-000000000001 | grep -v "^  \(ROM\|VGA\|BAR[1345]\)"'

step "Drive it from userspace: rings in this process's memory, doorbells through the mmapped portal"
run '/opt/mdevkit/bin/mdk card run 6b1b4f0e-0d6a-4c4f-9a3e-000000000001'

step "Errors that say what is wrong"
run "echo not-a-uuid | dd of=$T/mdk_card-1q/create 2>&1 | grep error"
run "echo 11111111-2222-3333-4444-555555555555 | dd of=$T/mdk_card-1q/create 2>&1 | grep error"
run "/opt/mdevkit/bin/mdk show 00000000-0000-0000-0000-00000000dead"

step "Remove them all"
run 'mdevctl stop -u 6b1b4f0e-0d6a-4c4f-9a3e-000000000001'
run 'mdevctl stop -u 6b1b4f0e-0d6a-4c4f-9a3e-000000000002'
run 'echo 1 > /sys/bus/mdev/devices/11111111-2222-3333-4444-555555555555/remove'
run "cd $C && grep . portals_free queues_free"

step "The software NIC: its mdevs are virtio-net functions, each with a host interface (its representor)"
run "modprobe mdk_nic nics=1 && cd /sys/bus/platform/devices/mdk_nic.0 && grep . queues_total vectors_total notify"
run "mdevctl types | grep -A4 mdk_nic-2qp"
N=6b1b4f0e-0d6a-4c4f-9a3e-0000000000aa
run "mdevctl start -u $N -p mdk_nic.0 -t mdk_nic-1qp"
run "cd /sys/bus/mdev/devices/$N && grep . nic/mac nic/mtu nic/representor && ls net/"
run "/opt/mdevkit/bin/mdk-vnet info $N"

step "Frames both ways: a userspace virtio-net driver (as DPDK's PMD drives a VFIO device) answers pings sent through the representor"
run "ip link set mdknic0v0 up && ip addr add 10.99.0.1/24 dev mdknic0v0"
/opt/mdevkit/bin/mdk-vnet respond $N 10.99.0.2 20 &
sleep 2
run "ip -br link show mdknic0v0"
run "ping -c 3 10.99.0.2"
run "ethtool -S mdknic0v0 | grep -E 'packets|guest'"
step "Removing the mdev while the driver has it open: it is asked to let go (REQ), then it goes"
run "mdevctl stop -u $N"
wait
run "ls /sys/class/net/ | grep mdknic || echo 'no representor left'"
