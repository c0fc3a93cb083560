#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench.sh [KVER] - `make bench`: create+remove cost per operation at
# N = 1, 100, 1000, 4096 existing mdevs on one parent, for mdev_core and for
# the kernel's own mdev.ko, in the same VM run, with the same parent source
# (tools/bench/mdk_benchparent.c) built against each. Prints a table with
# both and the ratio. The guest side is tools/vm/bench-guest.sh.
#
# Environment: MDK_BENCH_NS (default 1,100,1000,4096), MDK_BENCH_REPS
# (cycles timed per N, default 300), MDK_BENCH_ROUNDS (each core is
# measured this many times, alternating, and its best median kept; default 3).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$("$MDK_ROOT/tools/vm/kernel.sh" list | head -1)}
ns=${MDK_BENCH_NS:-1,100,1000,4096}
reps=${MDK_BENCH_REPS:-300}
rounds=${MDK_BENCH_ROUNDS:-3}

"$MDK_ROOT/tools/vm/build.sh" "$kver"
ours=$("$MDK_ROOT/tools/vm/kbuild.sh" "$kver" extmod "$MDK_ROOT/tools/bench")
upstream=$("$MDK_ROOT/tools/vm/kbuild.sh" "$kver" extmod-upstream "$MDK_ROOT/tools/bench")

stage=$MDK_BUILD/bench/$kver
rm -rf "$stage"
mkdir -p "$stage/ours" "$stage/upstream"
cp "$ours/mdk_benchparent.ko" "$stage/ours/"
cp "$upstream/mdk_benchparent.ko" "$stage/upstream/"
cp "$MDK_BUILD/tools/bench/mdk_bench" "$MDK_ROOT/tools/vm/bench-guest.sh" "$stage/"

mdk_log "benchmark on $kver: N=$ns, $reps cycles per N, $rounds rounds per core"
out=$stage/output.txt
set +e
"$MDK_ROOT/tools/vm/run.sh" -B -k "$kver" -e "$stage" -n bench -t 3000 -- \
	"./bench-guest.sh $ns $reps $rounds" | tee "$out" >&2
status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] || mdk_die "the benchmark VM failed (status $status); see build/logs/$kver/"

eval "$("$MDK_ROOT/tools/vm/kernel.sh" env "$kver")"
awk -v kver="$KVERSION" -v reps="$reps" -v rounds="$rounds" '
	$1 == "BENCH" {
		label = $2
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n = v["n"]
		if (!(n in seen)) { seen[n] = 1; order[++nn] = n }
		k = label SUBSEP n
		if (!(k in pair) || v["pair_us"] < pair[k]) {
			pair[k] = v["pair_us"]; cr[k] = v["create_us"]; rm[k] = v["remove_us"]
		}
	}
	END {
		if (!nn) { print "no results" > "/dev/stderr"; exit 1 }
		printf "\ncreate+remove of one mdev with N others on the parent\n"
		printf "kernel %s under TCG; median of %d cycles, best of %d rounds; microseconds\n\n", kver, reps, rounds
		printf "| N | mdev_core create | remove | create+remove | mdev.ko create | remove | create+remove | mdev_core / mdev.ko |\n"
		printf "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
		for (i = 1; i <= nn; i++) {
			n = order[i]; o = "ours" SUBSEP n; u = "upstream" SUBSEP n
			printf "| %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f |\n", n,
				cr[o], rm[o], pair[o], cr[u], rm[u], pair[u],
				pair[u] ? pair[o] / pair[u] : 0
		}
		first = order[1]; last = order[nn]
		printf "\nmdev_core at N=%d vs N=%d: %.2fx (goal: at most 1.2x)\n", last, first,
			pair["ours" SUBSEP last] / pair["ours" SUBSEP first]
		printf "mdev.ko   at N=%d vs N=%d: %.2fx\n", last, first,
			pair["upstream" SUBSEP last] / pair["upstream" SUBSEP first]
	}' "$out" | tee "$stage/table.md"
