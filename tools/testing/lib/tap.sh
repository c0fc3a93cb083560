# SPDX-License-Identifier: GPL-2.0-only
# tap.sh - TAP output for the in-VM shell suites (the shell twin of
# tools/testing/harness.h).  Source it, then:
#
#   tap_plan 3
#   tap_begin "create_accepts_uppercase"     # names the test in the kernel log
#   tap_expect_eq "$want" "$got" "create_accepts_uppercase"
#   tap_run "module loads" modprobe mdev_core
#   tap_skip "needs 6.12" "reason"
#   tap_done                                # summary line; exit 1 on failure
#
# A failed check prints what was expected and what was seen as "# " lines.

TAP_SUITE=${TAP_SUITE:-$(basename "$0" .sh)}
TAP_N=0 TAP_PASS=0 TAP_FAIL=0 TAP_SKIP=0

tap_plan() { echo "TAP version 13"; echo "1..$1"; }

# Marker in the kernel log so a kernel report is pinned on this test.
tap_begin() { echo "mdevkit: test $TAP_SUITE/$1" >/dev/kmsg 2>/dev/null || true; }

tap_ok() { TAP_N=$((TAP_N + 1)); TAP_PASS=$((TAP_PASS + 1)); echo "ok $TAP_N - $1"; }

tap_fail() {
	TAP_N=$((TAP_N + 1)); TAP_FAIL=$((TAP_FAIL + 1))
	echo "not ok $TAP_N - $1"
	shift
	[ $# -gt 0 ] && printf '# %s\n' "$@"
	return 0
}

tap_skip() { TAP_N=$((TAP_N + 1)); TAP_SKIP=$((TAP_SKIP + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }

# tap_expect_eq WANT GOT NAME
tap_expect_eq() {
	if [ "$1" = "$2" ]; then tap_ok "$3"; else tap_fail "$3" "expected: $1" "saw: $2"; fi
}

# tap_run NAME CMD... : passes when CMD exits 0.
tap_run() {
	local name=$1 out rc
	shift
	tap_begin "$name"
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq 0 ]; then tap_ok "$name"; else tap_fail "$name" "command: $*" "exit status $rc" "$out"; fi
}

# tap_run_fails NAME CMD... : passes when CMD exits non-zero.
tap_run_fails() {
	local name=$1 out rc
	shift
	tap_begin "$name"
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -ne 0 ]; then tap_ok "$name"; else tap_fail "$name" "command: $*" "expected failure, it succeeded" "$out"; fi
}

tap_done() {
	echo "# $TAP_SUITE: pass:$TAP_PASS fail:$TAP_FAIL skip:$TAP_SKIP total:$TAP_N"
	[ "$TAP_FAIL" -eq 0 ]
	exit $?
}
