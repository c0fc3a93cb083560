#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# card_sched_mdevctl - mdevctl carries a card VF's scheduler attributes
# (qos/weight, qos/max_bytes_per_s): defined with them, the VF starts with
# them in sysfs; a defined value the card refuses makes the start fail and
# leaves no mdev behind; stop and undefine leave nothing.
. /opt/mdevkit/lib/tap.sh
tap_plan 13

CARD=mdk_card.0
U1=5c4ed5c4-0000-4000-8000-000000000001
U2=5c4ed5c4-0000-4000-8000-000000000002
DEV=/sys/bus/mdev/devices

modprobe vfio_iommu_type1
tap_run card_loads modprobe mdk_card soft=1
udevadm settle 2>/dev/null

tap_run define_a_1q_vf mdevctl define -u $U1 -p $CARD -t mdk_card-1q
tap_run modify_adds_the_weight \
	mdevctl modify -u $U1 --addattr=qos/weight --value=300
tap_run modify_adds_the_byte_limit \
	mdevctl modify -u $U1 --addattr=qos/max_bytes_per_s --value=16777216
tap_begin defined_json_has_both_attributes
got=$(mdevctl list --defined --dumpjson -u $U1 | tr -d ' \n')
case $got in
*'"qos/weight":"300"'*'"qos/max_bytes_per_s":"16777216"'*)
	tap_ok defined_json_has_both_attributes ;;
*)	tap_fail defined_json_has_both_attributes "saw: $got" ;;
esac
tap_run start_creates_the_vf mdevctl start -u $U1
tap_expect_eq "300 16777216 0" \
	"$(cat $DEV/$U1/qos/weight $DEV/$U1/qos/max_bytes_per_s $DEV/$U1/qos/max_ops_per_s 2>&1 | xargs)" \
	sysfs_has_the_defined_values
tap_run stop_removes_it mdevctl stop -u $U1
tap_run undefine_forgets_it mdevctl undefine -u $U1
tap_expect_eq "gone" "$(test -e $DEV/$U1 || mdevctl list --defined | grep -q $U1 || echo gone)" \
	nothing_left

# A weight of 0 is out of range: the start fails and no mdev remains.
mdevctl define -u $U2 -p $CARD -t mdk_card-2q >/dev/null 2>&1
mdevctl modify -u $U2 --addattr=qos/weight --value=0 >/dev/null 2>&1
tap_run_fails start_with_a_refused_weight_fails mdevctl start -u $U2
tap_expect_eq "gone 64" \
	"$(test -e $DEV/$U2 || echo gone) $(cat /sys/bus/platform/devices/$CARD/portals_free)" \
	refused_start_leaves_no_mdev
mdevctl undefine -u $U2 >/dev/null 2>&1
# Suites share VMs (make check's batches): leave the modules as found.
tap_run card_unloads modprobe -r mdk_card
tap_done
