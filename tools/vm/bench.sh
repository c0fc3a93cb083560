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
secs=${MDK_BENCH_SECONDS:-0.5}	# per round of each region-access rate

"$MDK_ROOT/tools/vm/build.sh" "$kver"
ours=$("$MDK_ROOT/tools/vm/kbuild.sh" "$kver" extmod "$MDK_ROOT/tools/bench")
upstream=$("$MDK_ROOT/tools/vm/kbuild.sh" "$kver" extmod-upstream "$MDK_ROOT/tools/bench")

stage=$MDK_BUILD/bench/$kver
rm -rf "$stage"
mkdir -p "$stage/ours" "$stage/upstream"
cp "$ours/mdk_benchparent.ko" "$stage/ours/"
cp "$upstream/mdk_benchparent.ko" "$stage/upstream/"
cp "$MDK_BUILD/tools/bench/mdk_bench" "$MDK_BUILD/tools/bench/mdk_bench_vfio" \
	"$MDK_BUILD/tools/bench/mdk_bench_card" "$MDK_BUILD/tools/bench/mdk_bench_nic" \
	"$MDK_ROOT/tools/vm/bench-guest.sh" "$stage/"

# The kernel's mtty sample, the reference for trapped region access: built
# from the Debian linux-source of the kernel's series against its headers
# (it runs on the kernel's mdev.ko).
eval "$("$MDK_ROOT/tools/vm/kernel.sh" env "$kver")"
series=$(echo "$KABI" | cut -d. -f1,2)
if src=$("$MDK_ROOT/tools/vm/linux-source.sh" "$series"); then
	msrc=$MDK_BUILD/bench/mtty-src-$series
	mkdir -p "$msrc"
	cp "$src/samples/vfio-mdev/mtty.c" "$msrc/"
	echo 'obj-m += mtty.o' >"$msrc/Kbuild"
	mtty=$("$MDK_ROOT/tools/vm/kbuild.sh" "$kver" extmod-upstream "$msrc")
	cp "$mtty/mtty.ko" "$stage/"
else
	mdk_log "no linux-source-$series: the region benchmark runs without mtty"
fi

mdk_log "benchmark on $kver: N=$ns, $reps cycles per N, $rounds rounds per core"
out=$stage/output.txt
set +e
"$MDK_ROOT/tools/vm/run.sh" -B -k "$kver" -e "$stage" -n bench -t 3000 -- \
	"./bench-guest.sh $ns $reps $rounds $secs" | tee "$out" >&2
status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] || mdk_die "the benchmark VM failed (status $status); see build/logs/$kver/"

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

awk '
	$1 == "BENCH-VFIO" {
		split($3, a, "="); split($4, b, "=")
		r[$2 SUBSEP a[2]] = b[2]
	}
	function row(name, op) {
		o = r["vfio_mdev" SUBSEP op]; n = r["minimal" SUBSEP op]; m = r["mtty" SUBSEP op]
		if (m) printf "| %s | %.0f | %.0f | %.0f | %.2f | %.2f |\n", name, o, n, m, o / m, n / m
		else printf "| %s | %.0f | %.0f | - | - | - |\n", name, o, n
	}
	END {
		if (!(("vfio_mdev" SUBSEP "trap_read") in r)) exit
		printf "\n4-byte region accesses per second (higher is better), same VM run\n\n"
		printf "| access | vfio_mdev: mdk_vfiotest | vfio_mdev: mdk_minimal | mtty (kernel sample) | mdk_vfiotest / mtty | mdk_minimal / mtty |\n"
		printf "|---|---:|---:|---:|---:|---:|\n"
		row("trapped pread", "trap_read"); row("trapped pwrite", "trap_write")
		t = r["vfio_mdev" SUBSEP "trap_read"]
		printf "\n| access | per second | / trapped pread | / plain memory |\n|---|---:|---:|---:|\n"
		split("pt_load pt_store mem_load mem_store", ops, " ")
		split("passthrough mmap load|passthrough mmap store|plain memory load|plain memory store", names, "|")
		for (i = 1; i <= 4; i++) {
			v = r["vfio_mdev" SUBSEP ops[i]]
			mem = r["vfio_mdev" SUBSEP (i % 2 ? "mem_load" : "mem_store")]
			printf "| %s | %.0f | %.0f | %.2f |\n", names[i], v, v / t, v / mem
		}
		m = r["mtty" SUBSEP "trap_read"]
		pl = r["vfio_mdev" SUBSEP "pt_load"]; ps = r["vfio_mdev" SUBSEP "pt_store"]
		g1 = !m ? "no mtty" : (t >= m) ? "met" : "NOT met"
		g2 = (pl >= 100 * t) ? "met" : "NOT met"
		g3 = (pl >= 0.5 * r["vfio_mdev" SUBSEP "mem_load"] && ps >= 0.5 * r["vfio_mdev" SUBSEP "mem_store"]) ? "met" : "NOT met"
		printf "\ngoals: trapped >= mtty: %s; passthrough >= 100x trapped: %s; passthrough >= 0.5x plain memory: %s\n", g1, g2, g3
	}' "$out" | tee -a "$stage/table.md"
awk '
	$1 == "BENCH-NIC" && $2 == "idle" { split($3, kv, "="); idle = kv[2]; next }
	$1 == "BENCH-NIC" {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		k = $2 SUBSEP v["dir"] SUBSEP v["size"] SUBSEP v["pairs"]
		if (v["fps"] > fps[k]) { fps[k] = v["fps"]; mb[k] = v["mbps"] }
	}
	END {
		if (!(("veth" SUBSEP "a_to_b" SUBSEP 64 SUBSEP 1) in fps)) exit
		printf "\nmdk_nic (software NIC): frames between a userspace virtio-net driver and the representor\n"
		printf "(packet socket), next to a veth pair driven with packet sockets; best of the rounds\n\n"
		printf "| path | 64 B frames/s | 1500 B Mbit/s |\n|---|---:|---:|\n"
		printf "| veth pair, socket to socket | %.0f | %.0f |\n", fps["veth" SUBSEP "a_to_b" SUBSEP 64 SUBSEP 1], mb["veth" SUBSEP "a_to_b" SUBSEP 1500 SUBSEP 1]
		ok = 1
		for (p = 1; p <= 2; p++) {
			split("to_host to_guest", d, " ")
			for (j = 1; j <= 2; j++) {
				a = fps["vnet" SUBSEP d[j] SUBSEP 64 SUBSEP p]; b = mb["vnet" SUBSEP d[j] SUBSEP 1500 SUBSEP p]
				printf "| NIC mdev, %d pair%s, %s | %.0f | %.0f |\n", p, (p > 1 ? "s" : ""), (d[j] == "to_host" ? "driver to representor" : "representor to driver"), a, b
				if (a < fps["veth" SUBSEP "a_to_b" SUBSEP 64 SUBSEP 1]) ok = 0
			}
		}
		printf "\nsystem CPU busy with a NIC mdev up and idle (trapped notify): %s %%\n", idle
		printf "goal: at least the frame rate of the veth pair: %s\n", ok ? "met" : "NOT met"
	}' "$out" | tee -a "$stage/table.md"

awk '
	$1 == "BENCH-CARD" {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		k = v["op"] SUBSEP v["size"] SUBSEP v["vfs"]
		r[k] += v["rate"]
	}
	END {
		if (!(("copy" SUBSEP 4096 SUBSEP 1) in r)) exit
		printf "\nmdk_card (software card) COPY throughput, MB/s, 128 descriptors in flight\n\n"
		printf "| size | memcpy | 1 VF | 1 VF / memcpy | 2 VFs (sum) |\n|---:|---:|---:|---:|---:|\n"
		split("4096 65536 1048576", sz, " ")
		ok = 1
		for (i = 1; i <= 3; i++) {
			m = r["memcpy" SUBSEP sz[i] SUBSEP 1]; c1 = r["copy" SUBSEP sz[i] SUBSEP 1]
			printf "| %d | %.0f | %.0f | %.2f | %.0f |\n", sz[i], m, c1, c1 / m, r["copy" SUBSEP sz[i] SUBSEP 2]
			if (sz[i] >= 65536 && c1 < 0.8 * m) ok = 0
		}
		printf "\n64-byte descriptors per second, 1 VF: %.0f\n", r["desc" SUBSEP 64 SUBSEP 1]
		printf "engine CPU with a queue enabled and idle: %.1f %% of one CPU\n", r["idle_cpu" SUBSEP 0 SUBSEP 1]
		printf "goal: >= 0.8x memcpy at 64 KiB and 1 MiB: %s\n", ok ? "met" : "NOT met"
	}' "$out" | tee -a "$stage/table.md"

