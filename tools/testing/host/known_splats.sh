#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# known_splats - the runner's filter of known kernel bugs
# (tools/vm/known-splats.awk over tools/vm/known-splats) blanks the genuine
# report of type1's lock-order bug and notes it, keeps the lines other CPUs
# print in the middle of it, and leaves every look-alike for the run to fail
# on: a cycle through a third lock (ours), the same two locks the other way
# round or taken elsewhere, a cycle of our locks with type1's names only in
# other CPUs' lines, and reports of other kinds.  Samples in consoles/ follow
# lockdep's print_circular_bug(); the variants are made from them here.
# Runs on the host.
set -uo pipefail
. "$(dirname "$0")/../lib/host.sh"
. "$root/tools/vm/lib.sh"
con=$here/consoles
genuine=$con/type1-circular.log

# filter CONSOLE: the filtered console in "$tmp/out", notes in "$tmp/notes".
filter() {
	: >"$tmp/notes"
	awk -v known="$root/tools/vm/known-splats" -v notes="$tmp/notes" \
		-f "$root/tools/vm/known-splats.awk" "$1" >"$tmp/out" 2>"$tmp/err"
}

# reports: the lines run.sh would fail the run on.
reports() { grep -a -n -E "$MDK_KERNEL_REPORTS" "$tmp/out"; }

# blanked NAME CONSOLE: no kernel report left, one note.
blanked() {
	filter "$2"
	if [ -z "$(reports)" ] && [ "$(wc -l <"$tmp/notes")" -eq 1 ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "expected no kernel report left and one note" \
			"saw left: $(reports | head -3 | tr '\n' '|')" "saw notes: $(tr '\n' '|' <"$tmp/notes")"
	fi
}

# kept NAME CONSOLE: the report is still there for run.sh, nothing noted.
kept() {
	filter "$2"
	if [ -n "$(reports)" ] && [ ! -s "$tmp/notes" ] && [ ! -s "$tmp/err" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "expected the report to stay and no note" \
			"saw left: $(reports | head -1)" "saw notes: $(tr '\n' '|' <"$tmp/notes")" \
			"saw errors: $(head -1 "$tmp/err")"
	fi
}

# after PATTERN LINE... <CONSOLE: insert LINEs after the first line matching
# PATTERN (as another CPU printing in the middle of the report).
after() {
	local pat=$1
	shift
	awk -v pat="$pat" -v add="$(printf '%s\n' "$@")" \
		'{ print } !done && index($0, pat) { printf "%s\n", add; done = 1 }'
}

tap_plan 16

# 1. The genuine report.
hdr=$(grep -n 'WARNING: possible circular' "$genuine" | cut -d: -f1)
blanked genuine_report_is_blanked "$genuine"
tap_expect_eq "known kernel bug vfio-type1-unmap-lock-order at console line $hdr" \
	"$(cat "$tmp/notes")" genuine_report_is_noted_with_its_first_line
around="1,$((hdr - 1))p;\$p"
if [ "$(wc -l <"$tmp/out")" -eq "$(wc -l <"$genuine")" ] &&
   diff <(sed -n "$around" "$genuine") <(sed -n "$around" "$tmp/out") >/dev/null; then
	tap_ok lines_around_the_report_stay_in_place
else
	tap_fail lines_around_the_report_stay_in_place \
		"expected $(wc -l <"$genuine") lines, 1-$((hdr - 1)) and the last unchanged" \
		"saw $(wc -l <"$tmp/out") lines: $(sed -n "$around" "$tmp/out" | tr '\n' '|')"
fi
sed 's/$/\r/' "$genuine" >"$tmp/crlf.log"
blanked genuine_report_with_crlf_line_ends_is_blanked "$tmp/crlf.log"

# Other CPUs' lines in the middle, quoting type1's names too: the report is
# still the known one, and their lines stay.
other1='[   41.283860] mdevkit: test vfio_mdev_dma/unmap_while_pinned_drops_the_pins'
other2='[   41.284703] vfio_mdev_dma[298]: unmapping &iommu->lock at vfio_iommu_type1_unpin_pages+0x4d/0x1c0'
other3='[   41.287200] -> #7 is not a chain entry of this report'
after 'is trying to acquire lock:' "$other1" <"$genuine" |
	after '-> #1 (' "$other2" | after 'CPU0    ' "$other3" >"$tmp/others.log"
blanked genuine_report_with_other_cpus_lines_is_blanked "$tmp/others.log"
if grep -qxF "$other1" "$tmp/out" && grep -qxF "$other2" "$tmp/out" && grep -qxF "$other3" "$tmp/out"; then
	tap_ok other_cpus_lines_in_a_known_report_are_kept
else
	tap_fail other_cpus_lines_in_a_known_report_are_kept "expected the three inserted lines in the output" \
		"saw: $(grep -v '^$' "$tmp/out" | tr '\n' '|')"
fi
after 'Call Trace:' '[   41.288400] ------------[ cut here ]------------' \
	'[   41.288401] WARNING: CPU: 0 PID: 12 at drivers/vfio/vfio_main.c:1641 vfio_unpin_pages+0x7f/0x90 [vfio]' \
	<"$genuine" >"$tmp/warn-inside.log"
filter "$tmp/warn-inside.log"
if reports | grep -q 'WARNING: CPU: 0 PID: 12 at'; then
	tap_ok warn_printed_inside_a_known_report_still_fails
else
	tap_fail warn_printed_inside_a_known_report_still_fails "expected the WARN line to stay" \
		"saw left: $(reports | head -3 | tr '\n' '|')"
fi

# 2. Look-alikes: circular reports that are not exactly the known one.
kept three_lock_chain_through_vf_exec_is_not_blanked "$con/three-lock-vf-exec.log"
kept three_lock_chain_through_vdev_lock_is_not_blanked "$con/three-lock-vdev.log"
sed 's/&iommu->lock/\x01/g; s/&iommu->device_list_lock/\&iommu->lock/g; s/\x01/\&iommu->device_list_lock/g' \
	"$genuine" >"$tmp/swapped.log"
kept same_locks_acquired_the_other_way_round_are_not_blanked "$tmp/swapped.log"
sed 's|\(&iommu->lock){+.+.}-{4:4}, at: \)vfio_iommu_type1_unpin_pages+0x4d/0x1c0|\1vfio_iommu_type1_pin_pages+0x1a2/0x5f0|' \
	"$genuine" >"$tmp/pin.log"
kept same_locks_acquired_outside_unpin_are_not_blanked "$tmp/pin.log"
# A cycle of two of our locks, type1's names only in lines from other CPUs.
sed 's/&iommu->lock/\&vf->exec/g; s/&iommu->device_list_lock/\&vdev->lock/g;
     s/vfio_iommu_type1_\(unpin_pages\|ioctl\|register_device\)/mdk_card_vf_\1/g' "$genuine" |
	after 'is trying to acquire lock:' \
		'[   41.283901] 1 lock held by qemu-system-x86/88:' \
		'[   41.283902]  #0: ffff888006a4e0e0 (&iommu->device_list_lock){+.+.}-{4:4}, at: vfio_iommu_type1_ioctl+0x8a1/0x1a40 [vfio_iommu_type1]' |
	after '-> #0 (' '[   41.285620]  vfio_iommu_type1_unpin_pages+0x4d/0x1c0 [vfio_iommu_type1]' \
		'[   41.285621] ffff888006a4e0b8 (&iommu->lock){+.+.}-{4:4}, at: vfio_iommu_type1_unpin_pages+0x4d/0x1c0 [vfio_iommu_type1]' \
		>"$tmp/ours.log"
kept cycle_of_our_locks_with_type1_names_from_other_cpus_is_not_blanked "$tmp/ours.log"

# 3. Reports of other kinds in type1's unpin path, with its locks.
cat >"$tmp/hung.log" <<'EOF'
[  93.104410] INFO: task vfio_mdev_dma:297 blocked for more than 30 seconds.
[  93.104530]       Tainted: G           O       6.12.117 #1
[  93.104801] task:vfio_mdev_dma   state:D stack:0     pid:297   tgid:297   ppid:290    flags:0x00004002
[  93.104950] Call Trace:
[  93.105010]  <TASK>
[  93.105061]  __schedule+0x4a1/0xc90
[  93.105139]  schedule+0x27/0xf0
[  93.105212]  __mutex_lock+0x3b5/0x9c0
[  93.105290]  vfio_iommu_type1_unpin_pages+0x4d/0x1c0 [vfio_iommu_type1]
[  93.105402]  vfio_unpin_pages+0x6b/0x90 [vfio]
[  93.105490]  vfio_iommu_type1_ioctl+0x8c5/0x1a40 [vfio_iommu_type1]
[  93.105601]  </TASK>
[  93.105660] 1 lock held by vfio_mdev_dma/297:
[  93.105738]  #0: ffff888006a4e0e0 (&iommu->device_list_lock){+.+.}-{4:4}, at: vfio_iommu_type1_ioctl+0x8a1/0x1a40 [vfio_iommu_type1]
[  93.105920] 1 lock held by vfio_mdev_dma/301:
[  93.105998]  #0: ffff888006a4e0b8 (&iommu->lock){+.+.}-{4:4}, at: vfio_iommu_type1_ioctl+0x2d4/0x1a40 [vfio_iommu_type1]
EOF
kept hung_task_holding_type1_locks_is_not_blanked "$tmp/hung.log"
cat >"$tmp/warn.log" <<'EOF'
[  41.283400] ------------[ cut here ]------------
[  41.283519] WARNING: CPU: 1 PID: 297 at drivers/vfio/vfio_iommu_type1.c:915 vfio_iommu_type1_unpin_pages+0x1b0/0x1c0 [vfio_iommu_type1]
[  41.283605] Modules linked in: mdk_vfiotest(O) vfio_mdev(O) mdev_core(O) vfio_iommu_type1 vfio iommufd
[  41.283690] CPU: 1 UID: 0 PID: 297 Comm: vfio_mdev_dma Tainted: G           O       6.12.117 #1
[  41.283771] RIP: 0010:vfio_iommu_type1_unpin_pages+0x1b0/0x1c0 [vfio_iommu_type1]
[  41.283852] Call Trace:
[  41.283938]  <TASK>
[  41.284127]  vfio_unpin_pages+0x6b/0x90 [vfio]
[  41.284209]  mdk_vt_dma_unmap+0x9e/0xd0 [mdk_vfiotest]
[  41.284392]  vfio_iommu_type1_ioctl+0x8c5/0x1a40 [vfio_iommu_type1]
[  41.284531]  </TASK>
[  41.284650] 1 lock held by vfio_mdev_dma/297:
[  41.284761]  #0: ffff888006a4e0e0 (&iommu->device_list_lock){+.+.}-{4:4}, at: vfio_iommu_type1_ioctl+0x8a1/0x1a40 [vfio_iommu_type1]
[  41.284842] ---[ end trace 0000000000000000 ]---
EOF
kept warn_in_type1_unpin_is_not_blanked "$tmp/warn.log"
sed 's/------------\[ cut here \]------------/==================================================================/;
     s/WARNING: CPU: 1 PID: 297 at .*/BUG: KASAN: slab-use-after-free in vfio_iommu_type1_unpin_pages+0x9a\/0x1c0 [vfio_iommu_type1]/' \
	"$tmp/warn.log" >"$tmp/kasan.log"
kept kasan_in_type1_unpin_is_not_blanked "$tmp/kasan.log"

# 4. A malformed entry stops the filter (run.sh then fails the run) rather
# than letting a console through unread.
printf 'vfio-type1-unmap-lock-order\tpossible circular locking dependency detected\t&iommu->lock\n' >"$tmp/old-format"
st=0
awk -v known="$tmp/old-format" -v notes="$tmp/notes" -f "$root/tools/vm/known-splats.awk" \
	"$genuine" >/dev/null 2>"$tmp/err" || st=$?
if [ "$st" -ne 0 ] && grep -q 'bad entry' "$tmp/err"; then
	tap_ok malformed_entry_stops_the_filter
else
	tap_fail malformed_entry_stops_the_filter "expected a non-zero exit and 'bad entry'" \
		"saw exit $st: $(head -1 "$tmp/err")"
fi
tap_done
