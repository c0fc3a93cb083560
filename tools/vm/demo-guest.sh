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

step "A parent with resource pools (the test parent until the sample card lands):"
echo "  BAR2: 64 pages of 4 KiB, 16 queues, 32 vectors; types take 1 or 4 queues"
run 'modprobe mdk_testparent new_device="1 bar2=64 queue=16 vector=32 type=small/Small-VF:bar2=1,queue=1,vector=2 type=large/Large-VF:bar2=4@4,queue=4@4,vector=8"'
run 'ls -l /sys/class/mdev_bus/'

step "Types as mdevctl sees them (available_instances is exact)"
run 'mdevctl types'

step "Create through sysfs, and through mdevctl"
T=/sys/class/mdev_bus/mdk_testparent.1/mdev_supported_types
run "echo 11111111-2222-3333-4444-555555555555 > $T/mdk_testparent-large/create"
run 'mdevctl start -u 6b1b4f0e-0d6a-4c4f-9a3e-000000000001 -p mdk_testparent.1 -t mdk_testparent-small'
run 'mdevctl list'
run "cat $T/*/available_instances"
run 'cat /sys/bus/platform/devices/mdk_testparent.1/grants'
run 'ls -l /sys/bus/mdev/devices/'

step "Errors that say what is wrong"
run "echo not-a-uuid | dd of=$T/mdk_testparent-small/create 2>&1 | grep error"
run "echo 11111111-2222-3333-4444-555555555555 | dd of=$T/mdk_testparent-small/create 2>&1 | grep error"
run "cat $T/mdk_testparent-large/available_instances"
run "for i in 1 2 3; do echo 0000000\$i-0000-0000-0000-000000000000 > $T/mdk_testparent-large/create && echo created \$i; done 2>&1"

step "Remove them all"
run 'mdevctl stop -u 6b1b4f0e-0d6a-4c4f-9a3e-000000000001'
run 'for i in 1 2; do echo 1 > /sys/bus/mdev/devices/0000000$i-0000-0000-0000-000000000000/remove; done'
run 'echo 1 > /sys/bus/mdev/devices/11111111-2222-3333-4444-555555555555/remove'
run "cat $T/*/available_instances"
