#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdk_cli - the mdk command (tools/mdk.c, man mdk) against sysfs, on a
# software card (mdk_card soft=1: pools, VFIO) and an upstream-style parent
# of the test-only mdk_testparent (no pools, no VFIO):
# - `mdk --json list` and `mdk --json show` parsed by jq (a strict JSON
#   parser), every value compared with what sysfs says and what was created;
# - show sees a real opener of the VFIO group (a process holding it open),
#   the grant (mdevkit/grant) and the QoS settings (qos/);
# - `mdk --json monitor` sees a scripted create, remove, parent unbind and
#   bind in the kernel's order, from the kernel and from udevd;
# - `mdk vfio` and `mdk card` do what mdk-vfio and mdk-card do;
# - bad input: exit status 2 with usage, 1 with a message naming the UUID.
. /opt/mdevkit/lib/tap.sh
tap_plan 28

MDK=/opt/mdevkit/bin/mdk
CARD=mdk_card.0
PC=/sys/bus/platform/devices/$CARD
TP=/sys/devices/platform/mdk_testparent.0
U1=c11c11c1-0000-4000-8000-000000000001
U2=c11c11c1-0000-4000-8000-000000000002
U3=c11c11c1-0000-4000-8000-000000000003
DEV=/sys/bus/mdev/devices

. /opt/mdevkit/lib/sysfs.sh

group_of() { basename "$(readlink "$DEV/$1/iommu_group")"; }
# status CMD...: the exit status of CMD, its output thrown away
status() { "$@" >/dev/null 2>&1; echo $?; }

modprobe vfio_iommu_type1
# Suites share VMs: start from these two parents alone.
modprobe -r mdk_card mdk_testparent mdk_nic mdk_minimal mdk_vfiotest 2>/dev/null
tap_run card_loads modprobe mdk_card soft=1
modprobe mdk_testparent
tap_expect_eq OK "$(sysfs_write /sys/module/mdk_testparent/parameters/new_device '0 max=4 type=a')" \
	testparent_registers
tap_expect_eq "OK OK" \
	"$({ sysfs_write $PC/mdev_supported_types/mdk_card-1q/create $U1
	    sysfs_write $TP/mdev_supported_types/mdk_testparent-a/create $U2; } | xargs)" \
	mdevs_are_created
udevadm settle

# ---- list ---------------------------------------------------------------
$MDK --json list >/tmp/list.json
tap_expect_eq "0 1" "$(jq -e . /tmp/list.json >/dev/null; echo $?) $(jq .schema /tmp/list.json)" \
	list_json_parses_strictly_and_has_schema_1
tap_expect_eq "$(ls /sys/class/mdev_bus | xargs)" \
	"$(jq -r '.parents[].name' /tmp/list.json | xargs)" list_names_every_parent_of_class_mdev_bus
tap_expect_eq "platform mdk_card $(readlink -f $PC) | platform mdk_testparent $(readlink -f $TP)" \
	"$(jq -r '[.parents[] | "\(.subsystem) \(.driver) \(.syspath)"] | join(" | ")' /tmp/list.json)" \
	list_gives_subsystem_driver_and_syspath

# Every type of every parent, as sysfs has it: "PARENT TYPE NAME API AVAIL MDEVS".
sysfs_types() {
	for p in /sys/class/mdev_bus/*; do
		for t in $p/mdev_supported_types/*; do
			echo "$(basename $p) $(basename $t) $(cat $t/name) $(cat $t/device_api)" \
			     "$(cat $t/available_instances) [$(ls $t/devices | xargs)]"
		done
	done
}
tap_expect_eq "$(sysfs_types)" \
	"$(jq -r '.parents[] | .name as $p | .types[] |
		"\($p) \(.id) \(.name) \(.device_api) \(.available_instances) [\(.mdevs | join(" "))]"' /tmp/list.json)" \
	list_types_match_sysfs_with_their_mdevs
tap_expect_eq "$(cat $PC/mdevkit/pools) | 0" \
	"$(jq -r '.parents[] | select(.name == "'$CARD'") | .pools[] |
		"\(.kind) \(.size) \(.free) \(.largest_free)"' /tmp/list.json) | $(jq '.parents[1].pools | length' /tmp/list.json)" \
	list_pools_match_mdevkit_pools_and_none_without_pools
T1Q=$PC/mdev_supported_types/mdk_card-1q
tap_expect_eq "$(cat $T1Q/description 2>/dev/null || echo null)|$(cat $TP/mdev_supported_types/mdk_testparent-a/description)" \
	"$(jq -r '[.parents[].types[] | select(.id == "mdk_card-1q" or .id == "mdk_testparent-a") | .description] | map(. // "null") | join("|")' /tmp/list.json)" \
	list_gives_descriptions_or_null
tap_expect_eq "$U1 $CARD mdk_card-1q mdk_card bound $(group_of $U1) | $U2 mdk_testparent.0 mdk_testparent-a mdk_testparent.0 bound null" \
	"$(jq -r '[.mdevs[] | "\(.uuid) \(.parent) \(.type) \(.driver) \(.state) \(.vfio_group)"] | join(" | ")' /tmp/list.json)" \
	list_mdevs_match_what_was_created
tap_begin list_text_names_parents_types_and_mdevs
out=$($MDK list)
case "$out" in
*"parent $CARD (platform, driver mdk_card)"*"type mdk_card-1q"*"mdev $U1"*"mdev $U1  parent $CARD  type mdk_card-1q  bound  vfio group $(group_of $U1)"*)
	tap_ok list_text_names_parents_types_and_mdevs ;;
*) tap_fail list_text_names_parents_types_and_mdevs "$out" ;;
esac

# ---- show ---------------------------------------------------------------
G1=$(group_of $U1)
$MDK --json show $U1 >/tmp/show.json
tap_expect_eq "0 $U1 $CARD mdk_card mdk_card-1q $(cat $DEV/$U1/mdev_type/name) mdk_card bound $G1 /dev/vfio/$G1 0" \
	"$(jq -e . /tmp/show.json >/dev/null; echo $?) $(jq -r '"\(.uuid) \(.parent) \(.parent_driver) \(.type) \(.type_name) \(.driver) \(.state) \(.vfio_group) \(.vfio_node) \(.open_by | length)"' /tmp/show.json)" \
	show_json_matches_sysfs
tap_expect_eq "$(cat $DEV/$U1/mdevkit/grant)" \
	"$(jq -r '.grant[] | "\(.kind) \(.start) \(.count)"' /tmp/show.json)" show_gives_the_grant
tap_begin show_gives_qos_as_sysfs_has_it
if [ -d $DEV/$U1/qos ]; then
	tap_expect_eq "$(for f in $DEV/$U1/qos/*; do echo "$(basename $f) $(cat $f)"; done | grep -v -e '^bytes' -e '^ops' -e '^throttled')" \
		"$(jq -r '.qos | to_entries[] | "\(.key) \(.value)"' /tmp/show.json | grep -v -e '^bytes' -e '^ops' -e '^throttled')" \
		show_gives_qos_as_sysfs_has_it
else
	tap_fail show_gives_qos_as_sysfs_has_it "the card's mdev has no qos/"
fi
tap_expect_eq "null null null" \
	"$($MDK --json show $U2 | jq -c '.grant, .qos, .vfio_group' | xargs)" \
	show_without_pools_vfio_or_qos_gives_null

sh -c "exec 3<>/dev/vfio/$G1; exec sleep 60" &
HOLDER=$!
sleep 1
tap_expect_eq "open true sleep" \
	"$($MDK --json show $U1 | jq -r --argjson p $HOLDER '"\(.state) \([.open_by[].pid] | index($p) != null) \(.open_by[0].comm)"')" \
	show_sees_the_process_that_holds_the_group_open
tap_expect_eq "open" "$($MDK --json list | jq -r '.mdevs[] | select(.uuid == "'$U1'") | .state')" \
	list_sees_it_open_too
kill $HOLDER; wait $HOLDER 2>/dev/null
tap_expect_eq "bound" "$($MDK --json show $U1 | jq -r .state)" closed_is_bound_again
tap_begin show_text_gives_the_same
out=$($MDK show "$(echo $U1 | tr a-f A-F)")
case "$out" in
"mdev $U1"*"parent      $CARD (driver mdk_card)"*"vfio group  $G1 (/dev/vfio/$G1)"*"holds       "*)
	tap_ok show_text_gives_the_same ;;
*) tap_fail show_text_gives_the_same "$out" ;;
esac

# ---- bad input ----------------------------------------------------------
tap_expect_eq "2 2 2 2 2 2 2 1" \
	"$({ status $MDK; status $MDK frob; status $MDK list extra; status $MDK show
	    status $MDK show not-a-uuid; status $MDK monitor --count 0
	    status $MDK monitor --count x; status $MDK show c11c11c1-0000-4000-8000-00000000dead; } | xargs)" \
	bad_input_exits_2_and_a_missing_mdev_1
tap_begin missing_mdev_is_named
out=$($MDK show c11c11c1-0000-4000-8000-00000000dead 2>&1)
case "$out" in
*"no mdev c11c11c1-0000-4000-8000-00000000dead"*) tap_ok missing_mdev_is_named ;;
*) tap_fail missing_mdev_is_named "$out" ;;
esac

# ---- the absorbed tools -------------------------------------------------
tap_expect_eq "$(/opt/mdevkit/bin/mdk-vfio info --json $U1; echo $?)" \
	"$($MDK vfio info --json $U1; echo $?)" vfio_info_is_mdk_vfios
tap_expect_eq "2 2" "$({ status $MDK vfio; status $MDK vfio info; } | xargs)" vfio_usage_errors_are_2
tap_begin card_run_drives_the_vf
out=$($MDK card run $U1 2>&1)
rc=$?
case "$rc $out" in
"0 "*crc*) tap_ok card_run_drives_the_vf ;;
*) tap_fail card_run_drives_the_vf "status $rc" "$out" ;;
esac

# ---- monitor ------------------------------------------------------------
# The kernel's order: an mdev's group goes with its driver, before the
# unbind; a parent's mdevs go before it unregisters.
EXPECTED="mdev-created $U3
vfio-group-added $U3
mdev-bound $U3
vfio-group-removed $U3
mdev-unbound $U3
mdev-removed $U3
vfio-group-removed $U1
mdev-unbound $U1
mdev-removed $U1
parent-unregistered $CARD
parent-registered $CARD"
$MDK --json monitor --kernel --count 11 >/tmp/mon-kernel.json &
MK=$!
$MDK --json monitor --count 11 >/tmp/mon-udev.json &
MU=$!
sleep 1
# udevd passes a group's event on after its rules ran: the group of an mdev
# removed meanwhile cannot be told from sysfs any more (see man mdk), so the
# script lets udevd finish each step.
sysfs_write $PC/mdev_supported_types/mdk_card-1q/create $U3 >/dev/null
udevadm settle
sysfs_write $DEV/$U3/remove 1 >/dev/null
udevadm settle
echo $CARD >/sys/bus/platform/drivers/mdk_card/unbind
echo $CARD >/sys/bus/platform/drivers/mdk_card/bind
udevadm settle
for i in $(seq 50); do
	kill -0 $MK 2>/dev/null || kill -0 $MU 2>/dev/null || break
	sleep 0.2
done
kill $MK $MU 2>/dev/null
tap_expect_eq "0 $EXPECTED" \
	"$(jq -e . /tmp/mon-kernel.json >/dev/null; echo $?) $(jq -r '"\(.event) \(.uuid // .parent)"' /tmp/mon-kernel.json)" \
	monitor_kernel_sees_the_script_in_order
tap_expect_eq "$EXPECTED" \
	"$(jq -r -s 'sort_by(.seqnum)[] | "\(.event) \(.uuid // .parent)"' /tmp/mon-udev.json)" \
	monitor_udev_sees_the_same_events
tap_expect_eq "$CARD mdk_card-1q mdk_card" \
	"$({ jq -r 'select(.event == "mdev-created") | "\(.parent) \(.type)"' /tmp/mon-kernel.json
	    jq -r 'select(.event == "parent-registered") | .driver' /tmp/mon-kernel.json; } | xargs)" \
	monitor_events_carry_parent_type_and_driver
tap_expect_eq "1" "$(jq -s '[.[].seqnum] | . == (sort) and (unique | length) == length' /tmp/mon-kernel.json | grep -c true)" \
	monitor_kernel_seqnums_ascend

sysfs_write $DEV/$U2/remove 1 >/dev/null
echo 0 >/sys/module/mdk_testparent/parameters/del_device
rmmod mdk_testparent mdk_card
tap_done
