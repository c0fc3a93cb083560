#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# card_runtime - software cards made and deleted at run time through the
# mdk_card driver's new_device and del_device files (docs/card.md):
# - a new card is a registered parent at once: class mdev_bus, its types,
#   its pools, udev's MDK_* properties, parent-registered in `mdk monitor`;
# - bad input is refused with a clear errno and changes nothing;
# - deleting a card with mdevs removes them (card_traffic: with a user that
#   is asked through REQ); the id is free again, nothing left behind;
# - a `mdevctl define --auto` device on a card made at run time starts when
#   the card is made, once (udev/60-mdevctl.rules);
# - soft=N still makes cards 0..N-1 at load; module unload deletes all.
. /opt/mdevkit/lib/tap.sh
tap_plan 18

DRV=/sys/bus/platform/drivers/mdk_card
PD=/sys/bus/platform/devices
U1=5c5c5c5c-0000-4000-8000-000000000001
U2=5c5c5c5c-0000-4000-8000-000000000002
MDK=/opt/mdevkit/bin/mdk

. /opt/mdevkit/lib/sysfs.sh

cards() { ls $PD | grep '^mdk_card\.' | xargs; }
prop() { udevadm info -q property -p "$1" 2>/dev/null | sed -n "s/^$2=//p"; }
# errno_of FILE DATA: like sysfs_write, naming the errors these files give
errno_of() {
	local r
	r=$(sysfs_write "$1" "$2")
	case "$r" in
	*"No such file or directory"*) echo ENOENT ;;
	*"Numerical result out of range"*) echo ERANGE ;;
	*) echo "$r" ;;
	esac
}

modprobe vfio_iommu_type1
modprobe -r mdk_card 2>/dev/null	# suites share VMs: start from no cards
tap_run card_loads_without_cards modprobe mdk_card
tap_expect_eq "" "$(cards)" no_card_without_soft

$MDK --json monitor --kernel >/tmp/rt-mon.json &
MON=$!
sleep 1
tap_expect_eq OK "$(sysfs_write $DRV/new_device 3)" new_device_makes_a_card
tap_expect_eq "mdk_card.3 | mdk_card-1q mdk_card-2q mdk_card-4q mdk_card-8q | 64" \
	"$(ls /sys/class/mdev_bus | xargs) | $(ls $PD/mdk_card.3/mdev_supported_types | xargs) | $(cat $PD/mdk_card.3/portals_free)" \
	the_new_card_is_a_registered_parent_at_once
udevadm settle
tap_expect_eq "1 mdk_card" "$(prop $PD/mdk_card.3 MDK_PARENT) $(prop $PD/mdk_card.3 MDK_PARENT_DRIVER)" \
	udev_rules_see_the_new_parent

# ---- bad input ----------------------------------------------------------
tap_expect_eq "EEXIST mdk_card.3" "$(errno_of $DRV/new_device 3) $(cards)" \
	new_device_of_an_existing_id_is_eexist
tap_expect_eq "EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL ERANGE mdk_card.3" \
	"$(for v in '
' x -1 64 '3 x' 0x3 ' 3' 99999999999; do errno_of $DRV/new_device "$v"; done | xargs) $(cards)" \
	new_device_refuses_anything_but_an_id_below_64
tap_expect_eq "ENOENT EINVAL EINVAL mdk_card.3" \
	"$({ errno_of $DRV/del_device 5; errno_of $DRV/del_device x; errno_of $DRV/del_device 64; } | xargs) $(cards)" \
	del_device_of_no_card_is_enoent_and_bad_input_einval
tap_expect_eq "EACCES EACCES" \
	"$({ cat $DRV/new_device 2>&1 | grep -q 'Permission denied' && echo EACCES
	    cat $DRV/del_device 2>&1 | grep -q 'Permission denied' && echo EACCES; } | xargs)" \
	control_files_are_write_only

# ---- deletion with mdevs ------------------------------------------------
tap_expect_eq OK "$(sysfs_write $PD/mdk_card.3/mdev_supported_types/mdk_card-2q/create $U1)" \
	an_mdev_on_the_new_card
tap_expect_eq "OK missing " \
	"$(sysfs_write $DRV/del_device 3) $(test -e /sys/bus/mdev/devices/$U1 || echo missing) $(cards)" \
	del_device_removes_the_card_and_its_mdevs
sleep 0.5
kill $MON 2>/dev/null
tap_expect_eq "parent-registered mdk_card.3 mdk_card
mdev-created mdk_card.3 $U1
mdev-removed mdk_card.3 $U1
parent-unregistered mdk_card.3 null" \
	"$(jq -r 'select(.event | test("parent-|mdev-created|mdev-removed")) | "\(.event) \(.parent) \(.uuid // .driver)"' /tmp/rt-mon.json)" \
	monitor_sees_the_card_come_and_go
tap_expect_eq "OK 64" "$(sysfs_write $DRV/new_device 3) $(cat $PD/mdk_card.3/portals_free)" \
	the_id_can_be_used_again_and_the_card_is_whole

# ---- autostart on a card made at run time -------------------------------
tap_run define_an_auto_mdev_on_a_future_card mdevctl define -u $U2 -p mdk_card.7 -t mdk_card-1q --auto
sysfs_write $DRV/new_device 7 >/dev/null
udevadm settle
tap_expect_eq "yes 1" \
	"$(test -e /sys/bus/mdev/devices/$U2 && echo yes) $(grep -c ' mdk_card.7 ' /run/mdevkit/autostart/log)" \
	new_card_starts_its_auto_mdev_once
mdevctl stop -u $U2 >/dev/null 2>&1
mdevctl undefine -u $U2

# ---- load and unload ----------------------------------------------------
modprobe -r mdk_card
tap_expect_eq "" "$(cards)" unload_deletes_every_card
modprobe mdk_card soft=2
tap_expect_eq "mdk_card.0 mdk_card.1 EEXIST" "$(cards) $(errno_of $DRV/new_device 1)" \
	soft_still_makes_cards_at_load
tap_run card_unloads modprobe -r mdk_card
tap_done
