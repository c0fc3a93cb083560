#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bed_runner - tests of the test bed itself, run on the host: the runner
# returns the command's status and output, brings EXTRA in, and fails a run
# on a kernel WARN, a hung task, a panic, a VM that stops without a status
# and a hang; and `make check`'s driver counts each of those as a failure.
set -uo pipefail
. "$(dirname "$0")/../lib/tap.sh"
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
RUN="$ROOT/tools/vm/run.sh -B -q"
KVER=$("$ROOT/tools/vm/kernel.sh" list | head -1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tap_begin() { :; }	# host side: no kernel log to mark

# vm NAME WANT_STATUS CMD [RUN-ARGS...]: run CMD in the VM, expect a status.
vm() {
	local name=$1 want=$2 cmd=$3 st=0
	shift 3
	$RUN -k "${K:-$KVER}" -n "bed_$name" "$@" -- "$cmd" >"$tmp/out" 2>"$tmp/err" || st=$?
	if [ "$st" = "$want" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "expected status $want, saw $st" "$(tail -5 "$tmp/err")"
	fi
}

# has NAME FILE PATTERN: FILE contains PATTERN.
has() {
	if grep -q -- "$3" "$2"; then tap_ok "$1"; else tap_fail "$1" "expected '$3' in:" "$(head -20 "$2")"; fi
}

tap_plan 20
"$ROOT/tools/vm/build.sh" "$KVER" >"$tmp/build" 2>&1 || { echo "# build failed"; tail "$tmp/build"; }

# One VM for three checks: a clean command's status, its output streamed,
# and EXTRA as its working directory.
echo "payload-$$" >"$tmp/extra-file"
mkdir -p "$tmp/x" && mv "$tmp/extra-file" "$tmp/x/"
st=0
"$ROOT/tools/vm/run.sh" -B -k "$KVER" -n bed_clean -e "$tmp/x" -- \
	"echo hello-\$((6*7)) from \$(uname -r); grep -qx payload-$$ extra-file && echo extra-ok; true" \
	>"$tmp/stdout" 2>"$tmp/err" || st=$?
if [ "$st" = 0 ]; then
	tap_ok clean_command_returns_0
else
	tap_fail clean_command_returns_0 "expected status 0, saw $st" "$(tail -5 "$tmp/err")"
fi
has command_output_is_streamed "$tmp/stdout" 'hello-42 from'
has extra_dir_is_the_working_directory "$tmp/stdout" 'extra-ok'
vm failing_command_status_is_returned 3 'exit 3'
vm warn_fails_the_run 125 'echo "mdevkit: test bed/warner" >/dev/kmsg; modprobe mdk_bedtest warn=1'
has warn_is_attributed_to_the_running_test "$tmp/err" 'kernel report during bed/warner'
vm hung_task_fails_the_run 125 'echo 2 >/proc/sys/kernel/hung_task_timeout_secs; modprobe mdk_bedtest hang=1; sleep 8'
has hung_task_is_named "$tmp/err" 'blocked for more than'
vm panic_fails_the_run 125 'echo c >/proc/sysrq-trigger'
vm vm_stopping_without_status_fails 126 'poweroff -f'
vm hang_is_killed_at_the_timeout 124 'sleep 100000' -t 40
has timeout_is_reported "$tmp/err" 'timed out after 40s'

# The debug kernel's kmemleak scan after the command catches a leak.
if "$ROOT/tools/vm/kernel.sh" list | grep -qx debug && [ -z "${MDK_BED_NO_DEBUG:-}" ]; then
	"$ROOT/tools/vm/build.sh" debug >"$tmp/build" 2>&1 || { echo "# debug build failed"; tail "$tmp/build"; }
	K=debug vm leak_fails_the_run_on_debug 125 'modprobe mdk_bedtest leak=1'
	has leak_is_reported_by_kmemleak "$tmp/err" 'unreferenced object'
else
	tap_skip leak_fails_the_run_on_debug "no debug kernel target"
	tap_skip leak_is_reported_by_kmemleak "no debug kernel target"
fi

# make check's driver over three bad suites: each must count as a failure.
st=0
MDK_CHECK_DIR=$tmp/nested MDK_CHECK_BATCH= MDK_SUITE_TIMEOUT=60 "$ROOT/tools/vm/check.sh" -K -H -k "$KVER" \
	-s "$ROOT/tools/testing/bed-failing" >"$tmp/check" 2>&1 || st=$?
last=$(tail -1 "$tmp/check")
if [ "$st" -ne 0 ] && [ "$last" = "2 passed, 3 failed" ]; then
	tap_ok check_counts_failure_warn_and_hang
else
	tap_fail check_counts_failure_warn_and_hang "expected exit != 0 and '2 passed, 3 failed'" \
		"saw exit $st and '$last'" "$(cat "$tmp/check")"
fi
[ "$(grep -c 'kernel_warn\|hang\|failing_test' "$tmp/check")" -ge 3 ] &&
	tap_ok check_names_each_failing_suite ||
	tap_fail check_names_each_failing_suite "$(cat "$tmp/check")"

# The same suites in one VM (make check's batches): each suite is tallied
# on its own, the WARN is charged to the suite that was running when the
# kernel reported it, not to its neighbours, and the hang is stopped at its
# own time limit (here 60 s) while the suites after it still run.
mkdir -p "$tmp/batch"
cp "$ROOT/tools/testing/bed-failing/failing_test.sh" "$ROOT/tools/testing/bed-failing/kernel_warn.sh" \
	"$ROOT/tools/testing/bed-failing/hang.sh" "$tmp/batch/"
printf '#!/bin/sh\necho "1..2"\necho "ok 1 - one"\nprintf "ok 2 - two, no newline"\n' >"$tmp/batch/passing.sh"
chmod +x "$tmp/batch/passing.sh"
st=0
MDK_CHECK_DIR=$tmp/nested-batch MDK_CHECK_BATCH=$KVER MDK_SUITE_TIMEOUT=60 \
	"$ROOT/tools/vm/check.sh" -K -H -k "$KVER" -s "$tmp/batch" >"$tmp/bcheck" 2>&1 || st=$?
last=$(tail -1 "$tmp/bcheck")
if [ "$st" -ne 0 ] && [ "$last" = "4 passed, 3 failed" ] &&
   grep -qx "\[check\] $KVER/batch1:failing_test.sh hang.sh kernel_warn.sh passing.sh" \
	"$tmp/nested-batch/batches.txt"; then
	tap_ok batch_counts_each_suite_in_one_vm
else
	tap_fail batch_counts_each_suite_in_one_vm "expected one VM, exit != 0 and '4 passed, 3 failed'" \
		"saw exit $st and '$last'" "$(cat "$tmp/bcheck" "$tmp/nested-batch/batches.txt")"
fi
grep -q "^$KVER/kernel_warn.sh .*1 failed.*kernel reported a problem" "$tmp/bcheck" &&
	tap_ok batch_charges_the_warn_to_its_suite ||
	tap_fail batch_charges_the_warn_to_its_suite "$(cat "$tmp/bcheck")"
grep -q "^$KVER/passing.sh  *2 passed  *0 failed" "$tmp/bcheck" &&
	tap_ok batch_neighbours_of_a_warn_pass ||
	tap_fail batch_neighbours_of_a_warn_pass "$(cat "$tmp/bcheck")"
grep -q "^$KVER/hang.sh  *0 passed  *1 failed.*timed out" "$tmp/bcheck" &&
	grep -qx "# hang.sh: stopped at its time limit of 60 s" "$tmp/nested-batch/results/.out-$KVER-hang.sh" &&
	tap_ok batch_stops_a_hung_suite_at_its_limit ||
	tap_fail batch_stops_a_hung_suite_at_its_limit "$(cat "$tmp/bcheck")"
tap_done
