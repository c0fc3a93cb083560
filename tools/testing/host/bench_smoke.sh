#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bench_smoke - `make bench` still works end to end on a small scale: both
# builds of the benchmark parent load on their core in one VM run, every N
# gets a row for mdev_core and for the kernel's mdev.ko, and the table comes
# out; the region-access table has vfio_mdev and the kernel's mtty side by
# side. The numbers themselves are not checked (speed is not a test).
set -uo pipefail
. "$(dirname "$0")/../lib/host.sh"

tap_plan 6
if MDK_BENCH_NS=1,20 MDK_BENCH_REPS=5 MDK_BENCH_ROUNDS=1 MDK_BENCH_SECONDS=0.05 \
	"$root/tools/vm/bench.sh" >"$tmp/out" 2>"$tmp/err"; then
	tap_ok bench_runs
else
	tap_fail bench_runs "$(tail -20 "$tmp/err")"
fi
tap_expect_eq "upstream ours" "$(sed -n 's/^\([a-z]*\): type bench of mdk_benchparent on .*/\1/p' "$tmp/err" | xargs)" \
	both_cores_were_measured
rows=$(grep -cE '^\| (1|20) \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9.]+ \|$' "$tmp/out")
tap_expect_eq 2 "$rows" table_has_a_full_row_per_n
tap_run ratio_line_is_printed grep -q '^mdev_core at N=20 vs N=1: ' "$tmp/out"
tap_run region_rows_for_all grep -qE '^\| trapped pread \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9.]+ \| [0-9.]+ \|$' "$tmp/out"
tap_run passthrough_rows grep -qE '^\| passthrough mmap store \| [0-9]+ \| [0-9]+ \| [0-9.]+ \|$' "$tmp/out"
tap_done
