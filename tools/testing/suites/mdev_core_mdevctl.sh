#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdev_core_mdevctl - Debian's mdevctl (1.2.0) works unchanged on mdev_core:
# types, start, list, stop, define --auto, and the automatic start of defined
# mdevs when their parent registers (its udev rule acts on the parent's
# MDEV_STATE=registered uevent), here when the parent's module is reloaded.
. /opt/mdevkit/lib/tap.sh
tap_plan 12

SPEC="0 bar0=64 type=a:bar0=4 type=b/Bee:bar0=16@16"
PARENT=mdk_testparent.0
U1=3a3b3c3d-1111-4222-8333-000000000001
U2=3a3b3c3d-1111-4222-8333-000000000002
RULE=$(ls /lib/udev/rules.d/*mdevctl* /usr/lib/udev/rules.d/*mdevctl* \
	/etc/udev/rules.d/*mdevctl* /run/udev/rules.d/*mdevctl* 2>/dev/null | head -1)

modprobe mdev_core
tap_run parent_registers modprobe mdk_testparent new_device="$SPEC"
udevadm settle

tap_begin types_lists_the_parents_types
got=$(mdevctl types | grep -e "^$PARENT" -e "mdk_testparent-" -e "Available" -e "Name" | xargs)
tap_expect_eq "$PARENT mdk_testparent-a Available instances: 16 Name: a mdk_testparent-b Available instances: 4 Name: Bee" \
	"$got" types_lists_the_parents_types

tap_run start_creates_the_mdev mdevctl start -u $U1 -p $PARENT -t mdk_testparent-b
tap_expect_eq "mdk_testparent-b 3" \
	"$(basename "$(readlink /sys/bus/mdev/devices/$U1/mdev_type)") $(cat /sys/bus/mdev/devices/$U1/mdev_type/available_instances)" \
	started_mdev_has_its_type_and_takes_an_instance
tap_expect_eq "$U1 $PARENT mdk_testparent-b manual" "$(mdevctl list | xargs)" \
	list_shows_the_running_mdev
tap_run stop_removes_the_mdev mdevctl stop -u $U1
tap_expect_eq "gone 4" \
	"$(test -e /sys/bus/mdev/devices/$U1 || echo gone) $(cat /sys/class/mdev_bus/$PARENT/mdev_supported_types/mdk_testparent-b/available_instances)" \
	stopped_mdev_is_gone_and_its_instance_back
tap_run_fails start_of_an_unknown_type_fails \
	mdevctl start -u $U1 -p $PARENT -t mdk_testparent-zz

tap_run define_auto_is_accepted mdevctl define --auto -u $U2 -p $PARENT -t mdk_testparent-a
tap_expect_eq "$U2 $PARENT mdk_testparent-a auto" "$(mdevctl list --defined | xargs)" \
	list_defined_shows_it

# Reloading the parent's module: MDEV_STATE=registered starts U2 (udev runs
# mdevctl asynchronously: give it up to 10 s).
rmmod mdk_testparent
modprobe mdk_testparent new_device="$SPEC"
udevadm settle
i=0
while [ -n "$RULE" ] && [ ! -e /sys/bus/mdev/devices/$U2 ] && [ $i -lt 20 ]; do
	sleep 0.5
	i=$((i + 1))
done
if [ -z "$RULE" ]; then
	tap_skip defined_mdev_starts_when_the_parent_module_is_reloaded \
		"mdevctl's udev rule is not installed in the VM"
else
	tap_expect_eq "$PARENT/$U2" \
		"$(readlink -f /sys/bus/mdev/devices/$U2 | sed 's|.*/\([^/]*/[^/]*\)$|\1|')" \
		defined_mdev_starts_when_the_parent_module_is_reloaded
fi

mdevctl stop -u $U2 >/dev/null 2>&1
mdevctl undefine -u $U2 >/dev/null 2>&1
tap_run everything_unloads sh -c 'rmmod mdk_testparent && rmmod mdev_core'
tap_done
