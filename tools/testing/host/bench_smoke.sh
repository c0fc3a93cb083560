#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bench_smoke - `make bench` still works end to end on a small scale: both
# builds of the benchmark parent load on their core in one VM run, every N
# gets a row for mdev_core and for the kernel's mdev.ko, and the table comes
# out; the region-access table has vfio_mdev and the kernel's mtty side by
# side, and so is their live migration's share of downtime;
# build/bench/report.md holds every section, the card's goal lines (for
# its sleeping and its poll-mode driver), its rows of both drivers, the
# other operations' rates, its fairness and latency tables, and its plots
# exist where it points. The
# numbers themselves are not checked (speed is not a test).
set -uo pipefail
. "$(dirname "$0")/../lib/host.sh"

tap_plan 18
# One host thread for the VM (make bench uses one per vCPU): make check runs
# this beside VMs whose timing tests a second busy core would disturb.
if MDK_QEMU_CPU="-accel tcg,thread=single -M q35 -cpu max -smp 2" \
	MDK_BENCH_NS=1,20 MDK_BENCH_REPS=5 MDK_BENCH_ROUNDS=1 MDK_BENCH_SECONDS=0.05 \
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
# Live migration, the card and the NIC beside the kernel's mtty (which
# migrates on 6.12).
tap_run migration_row_card grep -qE '^\| mdk_card VF \(vfio_mdev, mdev_core\) \| [0-9]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|$' "$tmp/out"
tap_run migration_row_nic grep -qE '^\| mdk_nic function \(vfio_mdev, mdev_core\) \| [0-9]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|$' "$tmp/out"
tap_run migration_row_mtty grep -qE '^\| mtty \(kernel sample, mdev.ko\) \| [0-9]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|$' "$tmp/out"

report=${MDK_BUILD:-$root/build}/bench/report.md
tap_run report_exists test -s "$report"
want=$'## mdev_core: create and remove\n## vfio_mdev: region access\n## Live migration: the device\'s share of downtime\n## mdk_card (software card)\n### Fairness\n### Latency next to a flood\n## mdk_nic (software NIC)'
tap_expect_eq "$want" "$(grep '^##' "$report" 2>/dev/null)" report_has_every_section
# Every plot is referenced by a relative path and is there, not empty.
plots=$(sed -n 's/^!\[[^]]*\](\([a-z_]*\.\(png\|svg\)\))$/\1/p' "$report" 2>/dev/null | xargs)
tap_expect_eq "create_remove card_copy card_shares" "$(echo "$plots" | sed 's/\.\(png\|svg\)//g')" report_references_three_plots
missing=
for p in $plots; do
	[ -s "$(dirname "$report")/$p" ] || missing+=" $p"
done
tap_expect_eq "" "$missing" plots_exist_next_to_the_report
tap_expect_eq 3 "$(grep -c '^- goal: >= .*: \(met\|NOT met\); poll: \(met\|NOT met\)$' "$tmp/out")" card_has_three_goal_lines
# Both drivers at every size (sleeping and poll mode), and the other
# operations' rates.
rows=$(grep -cE '^\| [0-9]+ (KiB|MiB) \| [0-9]+ \| [1-9][0-9]* \| [0-9.]+ \| [1-9][0-9]* \| [0-9.]+ \| [0-9]+ \|$' "$tmp/out")
tap_expect_eq 5 "$rows" card_copy_rows_for_both_drivers
tap_run card_other_operations grep -qE '^- the other operations at 64 KiB, MB/s .*: FILL [1-9][0-9]*, COMPARE [1-9][0-9]*, CRC32C [1-9][0-9]* \(COPY [1-9][0-9]*\)$' "$tmp/out"
rows=$(grep -cE '^\| (2|4) \| [0-3] \| [0-9]+ \| 0\.[0-9]{3} \| [0-9.]+ \|' "$report")
tap_expect_eq 6 "$rows" fairness_table_has_a_row_per_vf
# The latency table: with the scheduler, and without it unless the card
# module has no sched parameter (then the report says so).
lat=$(grep -cE '^\| (on|off \(sched=0\)) \| 64 B next to the flood \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \|$' "$report")
if grep -q '^No run without the scheduler' "$report"; then
	tap_expect_eq 1 "$lat" latency_rows_next_to_a_flood
else
	tap_expect_eq 2 "$lat" latency_rows_next_to_a_flood
fi
tap_done
