#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bed_userland - the VM's userland that the mdev suites rely on: udevd is
# running and sees uevents, mdevctl runs and its udev rule is the project's
# (udev/60-mdevctl.rules, which calls it where Debian installs it), modprobe finds the target kernel's modules by name, and the kernel's
# own mdev.ko registers bus "mdev" (the coexistence and benchmark suites
# compare against it).
. /opt/mdevkit/lib/tap.sh
tap_plan 8

tap_run udevd_is_running pidof udevadm systemd-udevd
tap_run mdevctl_runs mdevctl --version
tap_run mdevctl_rule_is_the_projects grep -q mdevkit /etc/udev/rules.d/60-mdevctl.rules
tap_run lsmdev_is_mdevctl sh -c 'lsmdev --help | grep -qi mdev'

tap_begin udev_sees_a_module_uevent
udevadm monitor --kernel --subsystem-match=module >/tmp/uevents 2>&1 &
mon=$!
sleep 1
modprobe mdev
sleep 1
kill $mon
if grep -q 'add.*/module/mdev ' /tmp/uevents; then
	tap_ok udev_sees_a_module_uevent
else
	tap_fail udev_sees_a_module_uevent "expected an 'add /module/mdev' uevent" "saw: $(cat /tmp/uevents)"
fi

tap_run kernel_mdev_registers_bus_mdev test -d /sys/bus/mdev
tap_run kernel_mdev_unloads rmmod mdev
tap_expect_eq "" "$(ls -d /sys/bus/mdev 2>/dev/null)" bus_mdev_is_gone_after_unload
tap_done
