#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdevkit-kvers: 6.12
# mdevkit-layers: qemu10
# mdevkit-timeout: 600
# card_mig_qemu - QEMU 10 migrates an mdk_card VF between two QEMU
# processes in the VM (docs/migration.md), with bookworm-backports' QEMU of
# the qemu10 layer (Debian 12's 7.2 speaks only the removed v1 uAPI):
# - a paused source (-S) into a target on another VF of the same type: the
#   source in postmigrate, the target in prelaunch and running after `cont`;
# - a running source (SeaBIOS, no boot device) while it runs, the target
#   running; then back onto the first VF, whose QEMU had quit after
#   migrating out (it is free, and loads what it had saved);
# - a target VF of another type (2q for 1q): the migration fails, the
#   target exits naming the load failure, the source runs on and then
#   migrates into a right target;
# - QEMU's option: enable-migration=auto (the default) blocks migration with
#   type1 and no device dirty tracking (docs/migration.md), off too;
# - the kernel's mtty sample, when mtty.ko is there (Debian does not ship
#   the samples: skipped in make check): QEMU fails to migrate it, as mtty
#   offers device dirty tracking whose report fails (EOPNOTSUPP).
# Each migration's figures (query-migrate) show as # lines, with timings.
# QEMU is driven through QMP on pipe chardevs (/tmp/NAME.in, .out; no
# socat in the VM); each QEMU's stderr must hold nothing but known notes.
. /opt/mdevkit/lib/tap.sh
tap_plan 29

SOFT=/sys/devices/platform/mdk_card.0
TYPES=$SOFT/mdev_supported_types
MD=/sys/bus/mdev/devices
A=000c0a11-0000-4000-8000-00000000000a
B=000c0a11-0000-4000-8000-00000000000b
C=000c0a11-0000-4000-8000-00000000000c
T0=$(date +%s)

say() { echo "# [$(($(date +%s) - T0)) s] $*"; }

. /opt/mdevkit/lib/qmp.sh

# qstart NAME SYSFSDEV MIGOPT [ARGS...]: QEMU 10 with 128 MiB and the mdev
# as vf0 (qmp_start).
qstart() {
	local n=$1 dev=$2 mig=$3
	shift 3
	qmp_start $n -m 128 -device vfio-pci,sysfsdev=$dev$mig,id=vf0 "$@"
}

# run_migrations LABEL TYPE-DIR SRC-UUID DST-UUID OTHER-UUID: the whole
# harness on one parent's devices (OTHER: of another type, or empty).
run_migrations() {
	local l=$1 u1=$3 u2=$4 u3=$5 st s
	local d1=$MD/$u1 d2=$MD/$u2 on=,enable-migration=on

	# A paused source.
	say "$l: paused source on $u1, target on $u2"
	rm -f $SOCK
	qstart ${l}s1 $d1 $on -S
	qstart ${l}t1 $d2 $on -incoming unix:$SOCK
	s="$(status ${l}s1) $(status ${l}t1)"
	tap_expect_eq "prelaunch inmigrate" "$s" ${l}_paused_source_and_target_start
	tap_begin ${l}_paused_source_migrates
	tap_expect_eq completed "$(migrate ${l}s1)" ${l}_paused_source_migrates
	# The target takes the source's run state (prelaunch, with -S).
	s="$(status ${l}s1) $(settled ${l}t1)"
	tap_expect_eq "postmigrate prelaunch" "$s" ${l}_source_postmigrate_target_prelaunch
	qmp ${l}t1 cont >/dev/null
	tap_expect_eq running "$(status ${l}t1)" ${l}_target_runs_after_cont
	qquit ${l}s1 ${l}t1
	tap_expect_eq "0 0" "$RC" ${l}_both_quit
	tap_run ${l}_paused_stderr_clean stderr_clean ${l}s1 ${l}t1

	# A running source (SeaBIOS finds no boot device and waits), back
	# and forth: the first VF is the target the second time.
	say "$l: running source on $u1, target on $u2, then back to $u1"
	rm -f $SOCK
	qstart ${l}s2 $d1 $on
	qstart ${l}t2 $d2 $on -incoming unix:$SOCK
	sleep 2
	tap_expect_eq running "$(status ${l}s2)" ${l}_running_source_runs
	tap_begin ${l}_running_source_migrates
	tap_expect_eq completed "$(migrate ${l}s2)" ${l}_running_source_migrates
	s="$(status ${l}s2) $(settled ${l}t2)"
	tap_expect_eq "postmigrate running" "$s" ${l}_source_postmigrate_target_running
	# The source's QEMU lets go of its VF at exit.
	qquit ${l}s2
	st=$RC
	rm -f $SOCK
	qstart ${l}t3 $d1 $on -incoming unix:$SOCK
	tap_begin ${l}_migrates_back_into_the_first_vf
	s="$(migrate ${l}t2) $(settled ${l}t3)"
	tap_expect_eq "completed running" "$s" ${l}_migrates_back_into_the_first_vf
	qquit ${l}t2 ${l}t3
	tap_expect_eq "0 0 0" "$st $RC" ${l}_all_three_quit
	tap_run ${l}_running_stderr_clean stderr_clean ${l}s2 ${l}t2 ${l}t3

	[ -n "$u3" ] || return 0
	# A target of another type: its VF refuses the stream.
	say "$l: running source on $u1, target on $u3 (another type)"
	rm -f $SOCK
	qstart ${l}s4 $d1 $on
	qstart ${l}t4 $MD/$u3 $on -incoming unix:$SOCK
	tap_begin ${l}_another_type_fails
	tap_expect_eq failed "$(migrate ${l}s4)" ${l}_another_type_fails
	# It exits by itself (qquit sends no quit then).
	qquit ${l}t4
	sed "s/^/# ${l}t4: /" /tmp/${l}t4.err
	tap_expect_eq "1 yes" "$RC $(grep -q 'load of migration failed' /tmp/${l}t4.err && echo yes)" \
		${l}_target_exits_with_the_load_failure
	tap_expect_eq running "$(status ${l}s4)" ${l}_source_runs_on
	rm -f $SOCK
	qstart ${l}t5 $d2 $on -incoming unix:$SOCK
	tap_begin ${l}_then_migrates_into_a_right_target
	s="$(migrate ${l}s4) $(settled ${l}t5)"
	tap_expect_eq "completed running" "$s" ${l}_then_migrates_into_a_right_target
	qquit ${l}s4 ${l}t5
	tap_expect_eq "0 0" "$RC" ${l}_source_and_right_target_quit
	# The source learns of the target's refusal as a broken connection
	# while it sends RAM (the target refused the device's header, sent
	# in pre-copy, and exited).
	EXPECT='failed to save SaveStateEntry with id\(name\): [0-9]+\(ram\): -5$|Unable to write to socket: Broken pipe$'
	tap_run ${l}_negative_stderr_clean stderr_clean ${l}s4 ${l}t5
	EXPECT=
}

say "$($Q --version | head -1)"
tap_expect_eq yes "$($Q --version | grep -q '^QEMU emulator version 10\.0' && echo yes)" qemu_is_10_0

modprobe vfio_iommu_type1
modprobe -r mdk_card 2>/dev/null	# suites share VMs: start from no cards
tap_run card_loads modprobe mdk_card soft=1
tap_run vfs_created sh -c "echo $A > $TYPES/mdk_card-1q/create &&
	echo $B > $TYPES/mdk_card-1q/create && echo $C > $TYPES/mdk_card-2q/create"

run_migrations card $TYPES $A $B $C

# QEMU's option: without device dirty tracking, "auto" (the default) and
# "off" leave the device with a migration blocker.
for m in auto off; do
	say "enable-migration=$m"
	rm -f $SOCK
	qstart m$m $MD/$A ,enable-migration=$m -S
	qstart n$m $MD/$B ,enable-migration=on -incoming unix:$SOCK
	r=$(migrate m$m)
	echo "# migrate: $r"
	tap_expect_eq yes "$(case "$r" in refused:*) echo yes ;; *) echo "$r" ;; esac)" \
		enable_migration_${m}_blocks
	qquit m$m n$m
	sed "s/^/# m$m: /" /tmp/m$m.err
	tap_expect_eq "0 0" "$RC" enable_migration_${m}_quits
done

tap_run vfs_removed sh -c "echo 1 > $MD/$A/remove && echo 1 > $MD/$B/remove && echo 1 > $MD/$C/remove"

# The kernel's mtty sample, the reference: it migrates through the uAPI
# since 6.7 (make bench), but it also sets log_ops (stubs), so it offers
# device dirty tracking (VFIO_DEVICE_FEATURE_DMA_LOGGING), which QEMU then
# uses instead of the container's; the first DMA logging report fails with
# EOPNOTSUPP and the migration fails at RAM setup, before any device state
# moves; the source stays as it was. Debian's kernel
# packages do not ship the samples (make bench builds mtty from
# linux-source); a run with mtty.ko in /extra (run.sh -e) uses it. mtty
# runs on the kernel's mdev.ko, whose bus is mdev_core's: the card goes
# first.
if modinfo mtty >/dev/null 2>&1 || [ -e /extra/mtty.ko ]; then
	modprobe -r mdk_card
	modprobe mdev
	modprobe mtty 2>/dev/null || insmod /extra/mtty.ko
fi
if [ -d /sys/class/mdev_bus/mtty ]; then
	MT=/sys/class/mdev_bus/mtty/mdev_supported_types
	M1=000c0a11-0000-4000-8000-0000000000f1
	M2=000c0a11-0000-4000-8000-0000000000f2
	echo $M1 >$MT/mtty-1/create && echo $M2 >$MT/mtty-1/create
	say "mtty: paused source on $M1, target on $M2"
	rm -f $SOCK
	qstart mtty1 $MD/$M1 ,enable-migration=on -S
	qstart mtty2 $MD/$M2 ,enable-migration=on -incoming unix:$SOCK
	tap_begin mtty_fails_at_dirty_tracking
	r="$(migrate mtty1) $(qmp mtty1 query-migrate | jq -r '.return."error-desc"')"
	tap_expect_eq "failed ram_save_setup failed: Operation not supported" "$r" \
		mtty_fails_at_dirty_tracking
	tap_expect_eq prelaunch "$(status mtty1)" mtty_source_stays_in_prelaunch
	qquit mtty1 mtty2
	sed "s/^/# mtty1: /" /tmp/mtty1.err
	sed "s/^/# mtty2: /" /tmp/mtty2.err
	tap_expect_eq "0 1 yes" "$RC $(grep -q 'Failed to get DMA logging report.*Operation not supported' /tmp/mtty1.err && echo yes)" \
		mtty_source_quits_target_exits_source_names_dma_logging
	echo 1 >$MD/$M1/remove
	echo 1 >$MD/$M2/remove
	rmmod mtty
	rmmod mdev
else
	say "no mtty.ko in the module layer (Debian does not ship the kernel's samples)"
	for t in fails_at_dirty_tracking source_stays_in_prelaunch \
		 source_quits_target_exits_source_names_dma_logging; do
		tap_skip mtty_$t "no mtty.ko"
	done
fi
say "done"
tap_done
