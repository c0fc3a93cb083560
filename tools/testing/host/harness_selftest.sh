#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# harness_selftest - tools/testing/harness.h reports every outcome as what it
# is (pass, EXPECT and ASSERT failures, skip, crash, timeout, variants), and
# says what it expected and saw.  Runs on the host.
set -uo pipefail
. "$(dirname "$0")/../lib/host.sh"

tap_plan 12
if ! gcc -Wall -Werror -D_GNU_SOURCE -o "$tmp/sample" "$here/harness_sample.c" 2>"$tmp/cc"; then
	tap_fail harness_sample_builds "$(cat "$tmp/cc")"
	tap_done
fi
tap_ok harness_sample_builds
st=0
"$tmp/sample" >"$tmp/out" 2>&1 || st=$?

line() { grep -E "^(not )?ok [0-9]+ - $1( |$)" "$tmp/out" | head -1; }
want() { # NAME EXPECTED-PREFIX
	local l
	l=$(line "$1")
	case "$l" in
	"$2"*) tap_ok "$1_is_reported_as_${3}" ;;
	*) tap_fail "$1_is_reported_as_${3}" "expected a line starting '$2'" "saw: '$l'" ;;
	esac
}
want passes "ok " pass
want expect_fails_but_continues "not ok " fail
want assert_fails_and_stops "not ok " fail
l=$(line skips)
[[ $l == ok*"# SKIP not applicable here" ]] && tap_ok skip_carries_its_reason ||
	tap_fail skip_carries_its_reason "saw: '$l'"
want crashes "not ok " fail
want times_out "not ok " fail
grep -q 'one.fx_value_matches_variant$' "$tmp/out" && want 'one.fx_value_matches_variant' "ok " pass ||
	tap_fail one_variant_runs "$(cat "$tmp/out")"
want 'two.fx_value_matches_variant' "not ok " fail
if grep -q 'expected 1 (1) == 2 (2)' "$tmp/out" && grep -q 'still running after EXPECT' "$tmp/out" &&
   ! grep -q 'must not be reached' "$tmp/out"; then
	tap_ok failure_says_expected_and_seen
else
	tap_fail failure_says_expected_and_seen "$(cat "$tmp/out")"
fi
tap_expect_eq 2 "$(grep -c '^# teardown of fx ran (value 7)' "$tmp/out")" \
	teardown_runs_after_a_failed_assert_in_the_body
tap_expect_eq 1 "$st" suite_exit_status_is_1_on_failure
tap_done
