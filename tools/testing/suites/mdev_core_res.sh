#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdevkit-alone: long
# mdev_core_res - the resource model and instance accounting: after every
# create and remove of a pseudo-random sequence over mixed types,
# available_instances of every type is exactly the number of creates of that
# type that then succeed (checked by trying), a create fails with EUSERS
# exactly when available_instances was 0, the grants the parent sees are
# disjoint and aligned, and the upstream counting modes (max_instances,
# get_available) behave as the kernel's mdev core.
. /opt/mdevkit/lib/tap.sh
tap_plan 19

TP=/sys/module/mdk_testparent/parameters
P0=/sys/devices/platform/mdk_testparent.0
TYPES="small big odd vec"
STEPS=${MDK_RES_STEPS:-40}
# The debug kernel (KASAN, lockdep) is ~6x slower: keep under the suite timeout.
case $(uname -r) in *debug*) STEPS=${MDK_RES_STEPS:-6} ;; esac

. /opt/mdevkit/lib/sysfs.sh

# next_uuid: a fresh UUID in $U (not in a subshell, or N would not move).
N=0
next_uuid() { N=$((N + 1)); U=$(printf '%08x-0000-4000-8000-%012x' "$N" "$N"); }
tdir() { echo "$P0/mdev_supported_types/mdk_testparent-$1"; }
avail() { cat "$(tdir "$1")/available_instances"; }
create() { sysfs_write "$(tdir "$1")/create" "$2"; }
remove() { sysfs_write "/sys/bus/mdev/devices/$1/remove" 1; }
nr_mdevs() { ls /sys/bus/mdev/devices | wc -l; }

# trial TYPE: create until it fails; print "COUNT ERRNO"; remove the trials.
trial() {
	local k=0 u made="" got
	while :; do
		next_uuid
		got=$(create "$1" "$U")
		[ "$got" = OK ] || break
		made="$made $U"
		k=$((k + 1))
	done
	for u in $made; do remove "$u" >/dev/null; done
	echo "$k $got"
}

# check_all LABEL: available_instances of every type against trials.
BAD_AVAIL="" BAD_ERRNO="" BAD_STABLE=""
check_all() {
	local label=$1 t a a2 k e
	for t in $TYPES; do
		a=$(avail "$t")
		set -- $(trial "$t")
		k=$1 e=$2
		a2=$(avail "$t")
		[ "$a" = "$k" ] || BAD_AVAIL="$BAD_AVAIL [$label: $t said $a, $k created]"
		[ "$e" = EUSERS ] || BAD_ERRNO="$BAD_ERRNO [$label: $t failed with $e]"
		[ "$a" = "$a2" ] || BAD_STABLE="$BAD_STABLE [$label: $t $a then $a2]"
	done
}

# rnd N: a pseudo-random number below N in $R (not in a subshell, or the
# seed would not move).
seed=12345
rnd() { seed=$(( (seed * 1103515245 + 12345) % 2147483648 )); R=$(( seed / 65536 % $1 )); }

# ---- setup --------------------------------------------------------------
modprobe mdev_core
modprobe mdk_testparent
SPEC="0 bar0=64 bar2=32 queue=8 vector=16 opaque0=5
	type=small:bar0=4@4,queue=1,vector=2 type=big:bar0=16@16,queue=4,vector=4
	type=odd:bar0=3,bar2=5@2,opaque0=2 type=vec:vector=3@4"
tap_expect_eq OK "$(sysfs_write $TP/new_device "$(echo $SPEC)")" parent_with_pools_registers
INITIAL=$(for t in $TYPES; do avail "$t"; done | xargs)
tap_expect_eq "8 2 2 4" "$INITIAL" available_instances_of_an_idle_parent

# ---- the sequence -------------------------------------------------------
tap_begin available_instances_is_exact_after_every_step
LIVE="" BAD_CREATE=""
check_all start
step=0
while [ $step -lt "$STEPS" ]; do
	step=$((step + 1))
	set -- $LIVE
	rnd 3
	if [ $# -gt 0 ] && [ $R = 0 ]; then
		rnd $#
		victim=$(eval echo "\${$((R + 1))}")
		remove "${victim%:*}" >/dev/null
		LIVE=$(echo $LIVE | tr ' ' '\n' | grep -v "^$victim\$" | xargs)
	else
		rnd 4
		t=$(echo $TYPES | cut -d' ' -f$((R + 1)))
		a=$(avail "$t")
		next_uuid
		got=$(create "$t" "$U")
		[ "$got" = OK ] && LIVE="$LIVE $U:$t"
		if [ "$a" -gt 0 ] && [ "$got" != OK ]; then
			BAD_CREATE="$BAD_CREATE [$step: $t had $a, create $got]"
		elif [ "$a" -eq 0 ] && [ "$got" != EUSERS ]; then
			BAD_CREATE="$BAD_CREATE [$step: $t had 0, create $got]"
		fi
	fi
	check_all "$step"
done
echo "# $STEPS steps, $(echo $LIVE | wc -w) mdevs live at the end: $(echo $LIVE | tr ' ' '\n' | sed 's/.*://' | sort | uniq -c | xargs)"
tap_expect_eq "" "$BAD_AVAIL" available_instances_is_exact_after_every_step
tap_expect_eq "" "$BAD_ERRNO" create_beyond_available_is_eusers
tap_expect_eq "" "$BAD_STABLE" failed_and_removed_trials_leave_available_unchanged
tap_expect_eq "" "$BAD_CREATE" create_succeeds_exactly_when_available_is_positive
tap_expect_eq 0 "$(cat $P0/grant_errors)" grants_are_disjoint_aligned_and_sized
tap_expect_eq "$(echo $LIVE | wc -w)" "$(grep -c . $P0/grants)" parent_sees_one_grant_per_mdev

# ---- failures give everything back -------------------------------------
# The random walk may have left no room for a small instance: make some, so
# the probe (not the capacity check) is what fails below.
for e in $LIVE; do
	[ "$(avail small)" -gt 0 ] && break
	remove "${e%:*}" >/dev/null
	LIVE=$(echo $LIVE | tr ' ' '\n' | grep -v "^$e\$" | xargs)
done
before=$(for t in $TYPES; do avail "$t"; done | xargs)
echo 1 >$P0/fail_probe
next_uuid
tap_expect_eq EIO "$(create small "$U")" failed_probe_fails_the_create
tap_expect_eq "$before" "$(for t in $TYPES; do avail "$t"; done | xargs)" \
	failed_probe_releases_the_reservation
for e in $LIVE; do remove "${e%:*}" >/dev/null; done
tap_expect_eq "$INITIAL 0" "$( (for t in $TYPES; do avail "$t"; done; nr_mdevs) | xargs)" \
	removing_everything_restores_the_idle_capacity
tap_expect_eq OK "$(sysfs_write $TP/del_device 0)" parent_unregisters

# ---- registration checks ------------------------------------------------
tap_expect_eq EINVAL "$(sysfs_write $TP/new_device '1 bar0=8 type=x:bar0=16')" \
	demand_larger_than_its_pool_is_refused
tap_expect_eq EINVAL "$(sysfs_write $TP/new_device '1 bar0=8 type=x:bar0=4@3')" \
	alignment_not_a_power_of_two_is_refused
tap_expect_eq EINVAL "$(sysfs_write $TP/new_device '1 avail=4 bar0=8 type=x:bar0=4')" \
	pools_with_get_available_are_refused

# ---- max_instances bounds the pools; get_available is the parent's -----
sysfs_write $TP/new_device '2 max=3 queue=16 type=q:queue=2' >/dev/null
Q=/sys/devices/platform/mdk_testparent.2/mdev_supported_types/mdk_testparent-q
for i in 1 2; do next_uuid; sysfs_write $Q/create "$U" >/dev/null; done
a=$(cat $Q/available_instances)
next_uuid; r1=$(sysfs_write $Q/create "$U")
next_uuid; r2=$(sysfs_write $Q/create "$U")
tap_expect_eq "1 OK EUSERS" "$a $r1 $r2" max_instances_bounds_the_pools
sysfs_write $TP/del_device 2 >/dev/null

sysfs_write $TP/new_device '3 avail=2 type=g' >/dev/null
G=/sys/devices/platform/mdk_testparent.3/mdev_supported_types/mdk_testparent-g
first=$(cat $G/available_instances)
next_uuid; r1=$(sysfs_write $G/create "$U")
next_uuid; r2=$(sysfs_write $G/create "$U")
tap_expect_eq "2 OK OK 0" "$first $r1 $r2 $(cat $G/available_instances)" \
	get_available_is_shown_as_the_parent_counts
before=$(nr_mdevs)
next_uuid
tap_expect_eq "ENOSPC $before" "$(sysfs_write $G/create "$U") $(nr_mdevs)" \
	get_available_parent_refuses_in_probe_as_upstream
sysfs_write $TP/del_device 3 >/dev/null
tap_run everything_unloads sh -c 'rmmod mdk_testparent && rmmod mdev_core'
tap_done
