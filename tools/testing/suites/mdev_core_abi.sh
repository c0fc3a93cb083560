#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdev_core_abi - the sysfs ABI of mdev_core (Documentation/ABI/testing/
# sysfs-bus-vfio-mdev, docs/mdev-core.md), bad input included, with parents
# of the test-only module mdk_testparent:
#   parent 0: upstream counting, max_instances 4, types a and b (b pretty)
#   parent 1: resource model, bar0 of 64 pages, type x takes 16, no description
. /opt/mdevkit/lib/tap.sh
tap_plan 78

TP=/sys/module/mdk_testparent/parameters
P0=/sys/devices/platform/mdk_testparent.0
P1=/sys/devices/platform/mdk_testparent.1
TA=$P0/mdev_supported_types/mdk_testparent-a
TB=$P0/mdev_supported_types/mdk_testparent-b
TX=$P1/mdev_supported_types/mdk_testparent-x
U1=8d2b5c4e-3f6a-4b1c-9e2d-0a1b2c3d4e5f
U2=0c9d8e7f-6a5b-4c3d-8e1f-112233445566
U3=f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9
U4=5a5a5a5a-1111-4222-8333-444455556666
U5=77777777-8888-4999-aaaa-bbbbccccdddd

. /opt/mdevkit/lib/sysfs.sh

# read_errno FILE: OK if FILE can be read, else the errno name.
read_errno() {
	local err
	if err=$(cat "$1" 2>&1 >/dev/null); then echo OK; return; fi
	case "$err" in
	*"Permission denied"*) echo EACCES ;;
	*) echo "$err" ;;
	esac
}

nr_mdevs() { ls /sys/bus/mdev/devices | wc -l; }

# expect_logged NAME TEXT: mdev_core's dev_dbg said TEXT (dynamic debug).
expect_logged() {
	tap_begin "$1"
	if [ -z "$DYNDBG" ]; then
		tap_skip "$1" "no dynamic debug in this kernel"
	elif dmesg | tail -n 50 | grep -q -- "$2"; then
		tap_ok "$1"
	else
		tap_fail "$1" "expected dev_dbg '$2'" "saw: $(dmesg | tail -3)"
	fi
}

# expect_create_fails NAME ERRNO DATA [TYPE]: the write fails with ERRNO and
# no mdev appears.
expect_create_fails() {
	local before got after
	before=$(nr_mdevs)
	got=$(sysfs_write "${4:-$TA}/create" "$3")
	after=$(nr_mdevs)
	tap_expect_eq "$2 mdevs=$before" "$got mdevs=$after" "$1"
}

# ---- setup --------------------------------------------------------------
# Suites share VMs: parents an earlier suite left loaded would hold
# mdev_core, which the unload tests at the end need free.
modprobe -r -q mdk_card mdk_nic mdk_minimal 2>/dev/null
tap_run loads_when_bus_mdev_is_free modprobe mdev_core
DYNDBG=$(ls /proc/dynamic_debug/control /sys/kernel/debug/dynamic_debug/control 2>/dev/null | head -1)
[ -n "$DYNDBG" ] && echo 'module mdev_core +p' >"$DYNDBG"
udevadm monitor --kernel --property --subsystem-match=platform \
	--subsystem-match=mdev >/tmp/uevents 2>&1 &
MON=$!
mkdir -p /run/udev/rules.d
cat >/run/udev/rules.d/99-mdev-core-abi.rules <<'EOF'
ACTION=="add", SUBSYSTEM=="mdev", TEST=="mdev_type", RUN+="/bin/touch /tmp/add-saw-link-%k"
ACTION=="add", SUBSYSTEM=="mdev", TEST!="mdev_type", RUN+="/bin/touch /tmp/add-missed-link-%k"
EOF
udevadm control --reload
sleep 1
modprobe mdk_testparent
tap_expect_eq OK "$(sysfs_write $TP/new_device '0 max=4 type=a type=b/Pretty_B')" \
	parent_registers_with_upstream_api
tap_expect_eq OK "$(sysfs_write $TP/new_device '1 bar0=64 nodesc type=x:bar0=16@16')" \
	parent_registers_with_pools

# ---- parent and types ---------------------------------------------------
tap_expect_eq "$P0" "$(readlink -f /sys/class/mdev_bus/mdk_testparent.0)" \
	class_mdev_bus_links_the_parent
tap_expect_eq "mdk_testparent-a mdk_testparent-b" \
	"$(ls $P0/mdev_supported_types | xargs)" type_dirs_are_named_driver_dash_type
tap_expect_eq "available_instances create description device_api devices name" \
	"$(ls $TA | xargs)" type_dir_has_the_upstream_attributes
tap_expect_eq "available_instances create device_api devices name" \
	"$(ls $TX | xargs)" description_is_absent_without_show_description
tap_expect_eq a "$(cat $TA/name)" name_falls_back_to_sysfs_name
tap_expect_eq Pretty_B "$(cat $TB/name)" name_shows_pretty_name
tap_expect_eq vfio-pci "$(cat $TA/device_api)" device_api_is_the_drivers
tap_expect_eq "test type a" "$(cat $TA/description)" description_is_the_parents
tap_expect_eq "4 4 4" "$(cat $TA/available_instances $TB/available_instances $TX/available_instances | xargs)" \
	available_instances_starts_at_max_and_at_pool_capacity
tap_expect_eq "" "$(ls $TA/devices)" devices_dir_starts_empty

# ---- create -------------------------------------------------------------
tap_begin create_accepts_uuid_without_newline
tap_expect_eq OK "$(sysfs_write $TA/create $U1)" create_accepts_uuid_without_newline
D1=/sys/bus/mdev/devices/$U1
tap_expect_eq "$P0/$U1" "$(readlink -f $D1)" mdev_is_a_child_of_the_parent
tap_expect_eq "$(readlink -f $TA)" "$(readlink -f $D1/mdev_type)" mdev_type_links_the_type_dir
tap_expect_eq "$P0/$U1" "$(readlink -f $TA/devices/$U1)" devices_dir_links_the_mdev
tap_expect_eq mdk_testparent.0 "$(basename "$(readlink $D1/driver)")" mdev_is_bound_to_the_parents_driver
tap_expect_eq "MDEV_TYPE=mdk_testparent-a MDEV_PARENT=mdk_testparent.0" \
	"$(grep ^MDEV_ $D1/uevent | xargs)" uevent_carries_mdev_type_and_parent
tap_expect_eq "remove uevent" "$(find $D1/ -maxdepth 1 -type f | xargs -n1 basename | sort | xargs)" \
	mdev_has_remove_as_its_only_attribute
tap_expect_eq "3 3" "$(cat $TA/available_instances $TB/available_instances | xargs)" \
	max_instances_counts_all_types_of_the_parent

tap_expect_eq OK "$(sysfs_write $TB/create "$(echo $U2 | tr a-f A-F)
")" create_accepts_uppercase_and_one_newline
tap_expect_eq "$U2" "$(basename "$(readlink -f $TB/devices/*)")" mdev_is_named_in_lowercase

expect_create_fails duplicate_uuid_is_eexist EEXIST "$U1"
expect_create_fails duplicate_uuid_in_uppercase_is_eexist EEXIST "$(echo $U1 | tr a-f A-F)"
expect_create_fails duplicate_uuid_on_another_type_is_eexist EEXIST "$U1" "$TB"
expect_create_fails duplicate_uuid_on_another_parent_is_eexist EEXIST "$U1" "$TX"
expect_logged duplicate_is_logged "uuid already in use"

# ---- bad input ----------------------------------------------------------
expect_create_fails empty_line_is_einval EINVAL "
"
expect_create_fails uuid_of_35_chars_is_einval EINVAL "${U3%?}"
expect_create_fails uuid_of_37_chars_is_einval EINVAL "${U3}0"
expect_create_fails uuid_and_two_newlines_is_einval EINVAL "$U3

"
expect_create_fails uuid_and_space_is_einval EINVAL "$U3 "
expect_create_fails leading_space_is_einval EINVAL " $U3"
expect_create_fails braces_are_einval EINVAL "{$U3}"
expect_create_fails non_hex_digit_is_einval EINVAL "g${U3#?}"
expect_create_fails uuid_without_dashes_is_einval EINVAL "$(echo $U3 | tr -d -)0000"
expect_create_fails dashes_in_wrong_places_is_einval EINVAL "$(echo $U3 | sed 's/^\(........\)-\(.\)/\1\2-/')"
head -c 4096 /dev/urandom >/tmp/garbage
tap_begin garbage_of_4k_is_einval
before=$(nr_mdevs)
got=$(dd if=/tmp/garbage of=$TA/create bs=4096 count=1 2>&1 >/dev/null)
case "$got" in *"Invalid argument"*) got=EINVAL ;; "") got=OK ;; esac
tap_expect_eq "EINVAL mdevs=$before" "$got mdevs=$(nr_mdevs)" garbage_of_4k_is_einval
expect_logged malformed_uuid_is_logged "malformed uuid"

tap_expect_eq EACCES "$(read_errno $TA/create)" create_is_write_only
tap_expect_eq EACCES "$(read_errno $D1/remove)" remove_is_write_only
tap_expect_eq "EACCES EACCES EACCES EACCES" \
	"$(for f in name device_api available_instances description; do sysfs_write $TA/$f x; done | xargs)" \
	type_attributes_are_read_only

# ---- remove -------------------------------------------------------------
tap_expect_eq "EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL" \
	"$(for v in 0 -1 abc '' ' ' 1x; do sysfs_write $D1/remove "$v
"; done | xargs)" remove_refuses_anything_but_a_positive_integer
tap_expect_eq "$P0/$U1" "$(readlink -f $D1)" mdev_survives_refused_removes
expect_logged bad_remove_is_logged "is not a positive integer"
tap_expect_eq OK "$(sysfs_write $D1/remove 1)" remove_accepts_1
tap_expect_eq "missing missing 3" \
	"$({ test -e $D1 || echo missing; test -e $TA/devices/$U1 || echo missing;
	    cat $TA/available_instances; } | xargs)" \
	remove_takes_device_and_link_and_gives_the_instance_back
tap_expect_eq OK "$(sysfs_write $TA/create $U1)" uuid_can_be_reused_after_remove

# ---- capacity -----------------------------------------------------------
sysfs_write $TA/create $U3 >/dev/null
sysfs_write $TB/create $U4 >/dev/null
tap_expect_eq "0 0" "$(cat $TA/available_instances $TB/available_instances | xargs)" \
	available_instances_reaches_zero
expect_create_fails create_beyond_max_instances_is_eusers EUSERS "$U5"
tap_expect_eq OK "$(sysfs_write $TX/create $U5)" pools_create_fits
tap_expect_eq "3" "$(cat $TX/available_instances)" pools_available_instances_counts_down
tap_expect_eq "$U5 x bar0=0+16" "$(cat $P1/grants)" parent_sees_its_grant
tap_expect_eq "bar0 0 16" "$(cat /sys/bus/mdev/devices/$U5/mdevkit/grant)" \
	mdevkit_grant_shows_what_the_mdev_holds
tap_expect_eq "bar0 64 48 48" "$(cat $P1/mdevkit/pools)" \
	mdevkit_pools_show_size_free_and_largest
tap_expect_eq "absent absent" \
	"$(for d in $P0/mdevkit /sys/bus/mdev/devices/$U1/mdevkit; do
		test -e $d && echo present || echo absent; done | xargs)" \
	upstream_parents_and_their_mdevs_have_no_mdevkit_dir
tap_expect_eq "EACCES EACCES" \
	"$({ sysfs_write /sys/bus/mdev/devices/$U5/mdevkit/grant x; sysfs_write $P1/mdevkit/pools x; } | xargs)" \
	mdevkit_views_are_read_only
for u in a b c; do sysfs_write $TX/create "$u$u$u$u$u$u$u$u-0000-4000-8000-000000000000" >/dev/null; done
expect_create_fails create_beyond_pools_is_eusers EUSERS \
	"dddddddd-0000-4000-8000-000000000000" "$TX"
expect_logged no_capacity_is_logged "no capacity left"
tap_expect_eq "bar0 64 0 0" "$(cat $P1/mdevkit/pools)" mdevkit_pools_show_a_full_pool

# ---- uevents ------------------------------------------------------------
udevadm settle
# udevd judges an add when it gets to it: U1's first add may come after U1
# was removed (CI hit it once; a rule that holds udevd 2 s does it every
# time), so only the mdevs that still exist here are judged, U1 by its
# second add.
tap_expect_eq "yes yes yes yes none" \
	"$({ for u in $U1 $U2 $U3 $U4; do test -e /tmp/add-saw-link-$u && echo yes; done
	    ls /tmp/add-missed-link-* 2>/dev/null | grep -v $U1 || echo none; } | xargs)" \
	add_uevent_comes_after_the_mdev_type_link
tap_begin add_uevent_carries_mdev_type
awk -v RS= "/ACTION=add/ && /DEVPATH=.*$U2/" /tmp/uevents >/tmp/add-u2
tap_expect_eq "MDEV_PARENT=mdk_testparent.0 MDEV_TYPE=mdk_testparent-b" \
	"$(grep ^MDEV_ /tmp/add-u2 | sort | xargs)" add_uevent_carries_mdev_type
tap_expect_eq 2 "$(grep -c MDEV_STATE=registered /tmp/uevents)" \
	parent_registration_sends_mdev_state_registered

# ---- removal of the parent ---------------------------------------------
# Unbind parent 0 while removing its first mdev takes a second: meanwhile
# its types refuse creates and its other mdevs refuse removes.
echo 1000 >$P0/remove_delay_ms
echo mdk_testparent.0 >/sys/bus/platform/drivers/mdk_testparent/unbind &
UNBIND=$!
sleep 0.3
tap_expect_eq ENODEV "$(sysfs_write $TA/create 99999999-0000-4000-8000-000000000000)" \
	create_on_a_parent_going_away_is_enodev
tap_expect_eq ENODEV "$(sysfs_write /sys/bus/mdev/devices/$U4/remove 1)" \
	remove_on_a_parent_going_away_is_enodev
expect_logged parent_going_away_is_logged "parent is going away"
wait $UNBIND
tap_expect_eq "none none none" \
	"$({ ls /sys/bus/mdev/devices | grep -v -e $U5 -e aaaa -e bbbb -e cccc || echo none
	    test -e $P0/mdev_supported_types || echo none
	    test -e /sys/class/mdev_bus/mdk_testparent.0 || echo none; } | xargs)" \
	unbind_removes_mdevs_types_and_class_link
sleep 0.5
tap_expect_eq 1 "$(grep -c MDEV_STATE=unregistered /tmp/uevents)" \
	parent_unregistration_sends_mdev_state_unregistered
tap_expect_eq OK "$(sysfs_write /sys/bus/platform/drivers/mdk_testparent/bind mdk_testparent.0)" \
	rebind_registers_the_parent_again
tap_expect_eq "4 4" "$(cat $TA/available_instances $TB/available_instances | xargs)" \
	rebind_starts_with_full_capacity
# Each mdev holds mdev_core until its release has run, so that module exit
# never frees code a release is still running (it used to wait on a counter
# the release decremented before returning).
R0=$(cat /sys/module/mdev_core/refcnt)
sysfs_write $TA/create 6a6a6a6a-0000-4000-8000-000000000001 >/dev/null
sysfs_write $TA/create 6a6a6a6a-0000-4000-8000-000000000002 >/dev/null
R1=$(cat /sys/module/mdev_core/refcnt)
sysfs_write /sys/bus/mdev/devices/6a6a6a6a-0000-4000-8000-000000000001/remove 1 >/dev/null
sysfs_write /sys/bus/mdev/devices/6a6a6a6a-0000-4000-8000-000000000002/remove 1 >/dev/null
R2=$(cat /sys/module/mdev_core/refcnt)
tap_expect_eq "+2 +0" "+$((R1 - R0)) +$((R2 - R0))" each_mdev_holds_mdev_core_until_released
tap_run_fails unload_is_refused_while_parents_exist rmmod mdev_core
tap_expect_eq OK "$(sysfs_write $TP/del_device 1)" del_device_removes_a_parent_with_mdevs
tap_expect_eq 0 "$(nr_mdevs)" no_mdev_is_left
tap_run unload_after_parents_are_gone sh -c 'rmmod mdk_testparent && rmmod mdev_core'

# ---- coexistence with the kernel's mdev.ko ------------------------------
# busybox's modprobe tries finit_module(2), then init_module(2): each
# attempt must print exactly the one line, and nothing else.
modprobe mdev
tap_begin load_fails_cleanly_when_mdev_ko_owns_the_bus
dmesg -c >/dev/null
out=$(modprobe mdev_core 2>&1) && rc=0 || rc=$?
msg="mdev_core: bus 'mdev' is owned by another module (the kernel's mdev.ko?): rmmod mdev first"
lines=$(dmesg | grep -c "$msg")
others=$(dmesg | grep -v -e "$msg" -e "mdevkit: test" | wc -l)
left=$(test -e /sys/module/mdev_core && echo loaded)
if [ "$rc" -ne 0 ] && [ "$lines" -ge 1 ] && [ "$others" -eq 0 ] && [ -z "$left" ]; then
	tap_ok load_fails_cleanly_when_mdev_ko_owns_the_bus
else
	tap_fail load_fails_cleanly_when_mdev_ko_owns_the_bus \
		"expected: modprobe fails, only the one line per attempt, module not loaded" \
		"saw: status $rc, $lines line(s) and $others other(s), ${left:-not loaded}: $out" \
		"$(dmesg | tail -5)"
fi
rmmod mdev
tap_run loads_after_mdev_ko_is_unloaded modprobe mdev_core
rmmod mdev_core

kill $MON 2>/dev/null
rm -f /run/udev/rules.d/99-mdev-core-abi.rules
tap_done
