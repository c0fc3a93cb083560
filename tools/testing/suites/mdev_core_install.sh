#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdevkit-alone: yes (installs files into the VM that change how later suites load modules)
# mdev_core_install - what `make install` configures: with
# udev/modprobe.d/mdevkit.conf in /etc/modprobe.d, "modprobe mdev" loads
# mdev_core and never the kernel's mdev.ko; without it, the kernel's module
# loads again (so the file is what made the difference). The udev rule that
# `make install` adds is exercised by mdev_core_mdevctl (automatic start).
. /opt/mdevkit/lib/tap.sh
tap_plan 9

CONF=/etc/modprobe.d/mdevkit.conf
mkdir -p /etc/modprobe.d
cp /opt/mdevkit/modprobe.d/mdevkit.conf $CONF

tap_run modprobe_mdev_succeeds modprobe mdev
tap_run mdev_core_is_loaded test -d /sys/module/mdev_core
tap_expect_eq "" "$(ls -d /sys/module/mdev 2>/dev/null)" kernel_mdev_is_not_loaded
tap_run bus_mdev_exists test -d /sys/bus/mdev
tap_run modprobe_mdev_again_is_a_no_op modprobe mdev
tap_run a_parent_loads_on_it modprobe mdk_testparent new_device="0 max=2"
tap_run parent_is_registered test -e /sys/class/mdev_bus/mdk_testparent.0
rmmod mdk_testparent
rmmod mdev_core

rm -f $CONF
tap_begin without_the_file_modprobe_mdev_loads_the_kernels
modprobe mdev
tap_expect_eq "mdev:" "$(ls -d /sys/module/mdev 2>/dev/null | sed 's|.*/||'):$(ls -d /sys/module/mdev_core 2>/dev/null)" \
	without_the_file_modprobe_mdev_loads_the_kernels
rmmod mdev 2>/dev/null
tap_expect_eq "" "$(ls -d /sys/module/mdev /sys/module/mdev_core 2>/dev/null)" nothing_left_loaded
tap_done
