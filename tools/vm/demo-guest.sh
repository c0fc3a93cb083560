#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# demo-guest.sh - runs inside the test VM for `make demo`.
set -e
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

step "mdev parents and types as mdevctl sees them"
run 'mdevctl types || true'
run 'ls /sys/class/mdev_bus/ 2>/dev/null || echo "(no mdev parent registered yet)"'
