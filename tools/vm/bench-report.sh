#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-report.sh OUTPUT DIR KERNEL REPS ROUNDS - turns the output of one
# `make bench` VM run (the BENCH* lines of tools/vm/bench-guest.sh) into
# DIR/report.md, with its plots next to it (gnuplot, PNG or SVG), and
# prints the tables. bench.sh runs it; it can be run again on a saved
# output (build/bench/KVER/output.txt).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# = 5 ] || { sed -n '3,8p' "$0" >&2; exit 2; }
out=$1 dir=$2 kernel=$3 reps=$4 rounds=$5
report=$dir/report.md
dat=$dir/data
mkdir -p "$dat"
rm -f "$report" "$dir"/*.png "$dir"/*.svg "$dat"/*

# Plots: pngcairo when this gnuplot has it, else SVG; none without gnuplot.
plot_ext=
if command -v gnuplot >/dev/null; then
	plot_ext=svg
	gnuplot -e 'set terminal pngcairo' 2>/dev/null && plot_ext=png
fi

# plot NAME ALT GNUPLOT-COMMANDS: DIR/NAME.EXT, and its line in the report.
plot() {
	local name=$1 alt=$2 term
	if [ -z "$plot_ext" ]; then
		printf '\n(no gnuplot: plot "%s" left out)\n' "$alt" >>"$report"
		return 0
	fi
	term="pngcairo noenhanced size 800,480 font 'sans,11'"
	[ "$plot_ext" = png ] || term="svg noenhanced size 800,480 font 'sans,11'"
	printf '%s\n' "set terminal $term" "set output '$dir/$name.$plot_ext'" \
		"set key top left" "set grid" "$3" >"$dat/$name.gp"
	if gnuplot "$dat/$name.gp" 2>"$dat/$name.err"; then
		printf '\n![%s](%s.%s)\n' "$alt" "$name" "$plot_ext" >>"$report"
	else
		mdk_log "gnuplot failed for $name: $(head -3 "$dat/$name.err")"
		printf '\n(plot "%s" failed)\n' "$alt" >>"$report"
	fi
}

# section TITLE: a heading in the report and on the terminal.
section() {
	printf '\n## %s\n' "$1" | tee -a "$report"
}

{
	echo "# make bench"
	echo
	echo "Kernel $kernel in a QEMU guest (${MDK_QEMU_CPU:-single-threaded TCG, 2 vCPUs}) on a $(nproc)-CPU host, $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo "Tables also printed by \`make bench\`; raw lines in build/bench/*/output.txt."
} >"$report"

section "mdev_core: create and remove"
awk -v kver="$kernel" -v reps="$reps" -v rounds="$rounds" -v dat="$dat/create_remove.dat" '
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
			printf "%d %.1f %.1f\n", n, pair[o], pair[u] > dat
		}
		first = order[1]; last = order[nn]
		printf "\nmdev_core at N=%d vs N=%d: %.2fx (goal: at most 1.2x)\n", last, first,
			pair["ours" SUBSEP last] / pair["ours" SUBSEP first]
		printf "mdev.ko   at N=%d vs N=%d: %.2fx\n", last, first,
			pair["upstream" SUBSEP last] / pair["upstream" SUBSEP first]
	}' "$out" | tee -a "$report"
plot create_remove "create+remove cost against N" "
	set title 'create + remove of one mdev with N others on the parent'
	set logscale x; set xlabel 'mdevs on the parent (N)'
	set ylabel 'microseconds (median)'; set yrange [0:*]
	plot '$dat/create_remove.dat' using 1:2 with linespoints lw 2 pt 7 title 'mdev_core', \
	     '' using 1:3 with linespoints lw 2 pt 5 title 'kernel mdev.ko'"

section "vfio_mdev: region access"
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
	}' "$out" | tee -a "$report"

section "Live migration: the device's share of downtime"
awk '
	$1 == "BENCH-MIG" {
		n++; label[n] = $2
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[n, kv[1]] = kv[2] }
	}
	END {
		if (!n) exit
		printf "\nMedians of %s migrations of one device into another of its type, same VM run (docs/migration.md): stop = RUNNING -> STOP (quiesce), save = STOP_COPY and its data fd read, load = RESUMING, the stream written, -> RUNNING\n\n", v[1, "reps"] ? v[1, "reps"] : "the"
		printf "| device | state (bytes) | stop (us) | save (us) | load (us) | total (us) |\n|---|---:|---:|---:|---:|---:|\n"
		for (i = 1; i <= n; i++) {
			name = label[i] == "mtty" ? "mtty (kernel sample, mdev.ko)" : label[i] == "card" ? "mdk_card VF (vfio_mdev, mdev_core)" : label[i] == "nic" ? "mdk_nic function (vfio_mdev, mdev_core)" : label[i]
			if ((i, "unsupported") in v)
				printf "| %s | does not migrate here (errno %s) | | | | |\n", name, v[i, "unsupported"]
			else
				printf "| %s | %s | %s | %s | %s | %s |\n", name, v[i, "bytes"], v[i, "stop_us"], v[i, "save_us"], v[i, "load_us"], v[i, "total_us"]
		}
	}' "$out" | tee -a "$report"

section "mdk_card (software card)"
# Copy throughput: the ratios and goals against the fastest memcpy() rate
# of the run, at whatever size (glibc's memcpy swings 7x between sizes
# under TCG).
awk -v dat="$dat/card_copy.dat" '
	$1 == "BENCH-CARD" {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		k = v["op"] SUBSEP v["size"] SUBSEP v["vfs"]
		r[k] += v["rate"]
		if (v["op"] == "copy" && !(v["size"] in seen)) { seen[v["size"]] = 1; sz[++ns] = v["size"] }
	}
	function kib(s) { return s >= 1048576 ? s / 1048576 " MiB" : s / 1024 " KiB" }
	function goal(ok) { return ok ? "met" : "NOT met" }
	END {
		if (!(("copy" SUBSEP 4096 SUBSEP 1) in r)) exit
		for (i = 1; i <= ns; i++)
			if (r["memcpy" SUBSEP sz[i] SUBSEP 1] > best) { best = r["memcpy" SUBSEP sz[i] SUBSEP 1]; at = sz[i] }
		q = r["inflight" SUBSEP 0 SUBSEP 1]
		printf "\nCOPY throughput, MB/s, %s descriptors in flight per VF; ratio = 1 VF / the fastest\n", q ? q : "?"
		printf "memcpy() rate of this run at any size (%.0f MB/s, at %s)\n\n", best, kib(at)
		printf "1 VF: its driver sleeps 20 us between looks at a completion record; poll: a poll-mode driver spins on it\n\n"
		printf "| size | memcpy | 1 VF | 1 VF / fastest memcpy | 1 VF, poll | poll / fastest memcpy | 2 VFs (sum) |\n|---:|---:|---:|---:|---:|---:|---:|\n"
		for (i = 1; i <= ns; i++) {
			m = r["memcpy" SUBSEP sz[i] SUBSEP 1]; c1 = r["copy" SUBSEP sz[i] SUBSEP 1]
			c2 = r["copy" SUBSEP sz[i] SUBSEP 2]; f[sz[i]] = c1 / best
			cp = r["copy_poll" SUBSEP sz[i] SUBSEP 1]; fp[sz[i]] = cp / best
			printf "| %s | %.0f | %.0f | %.2f | %.0f | %.2f | %.0f |\n", kib(sz[i]), m, c1, c1 / best, cp, cp / best, c2
			printf "%d %.1f %.1f %.1f \"%s\" %.1f\n", sz[i], m, c1, c2, kib(sz[i]), cp > dat
		}
		printf "%s %.1f\n", q ? q : "?", best > (dat ".meta")
		d = r["desc" SUBSEP 64 SUBSEP 1]; dp = r["desc_poll" SUBSEP 64 SUBSEP 1]
		printf "\n- 64-byte descriptors per second, 1 VF: %.0f (poll-mode driver: %.0f)\n", d, dp
		printf "- engine CPU with a queue enabled and idle: %.1f %% of one CPU\n", r["idle_cpu" SUBSEP 0 SUBSEP 1]
		printf "- the other operations at 64 KiB, MB/s (the scheduler charges their bytes as COPY'"'"'s): FILL %.0f, COMPARE %.0f, CRC32C %.0f (COPY %.0f)\n",
			r["op_fill" SUBSEP 65536 SUBSEP 1], r["op_compare" SUBSEP 65536 SUBSEP 1],
			r["op_crc32c" SUBSEP 65536 SUBSEP 1], r["copy" SUBSEP 65536 SUBSEP 1]
		printf "- goal: >= 0.5x the fastest memcpy at 4 KiB (%.2fx; poll %.2fx): %s; poll: %s\n",
			f[4096], fp[4096], goal(f[4096] >= 0.5), goal(fp[4096] >= 0.5)
		printf "- goal: >= 0.8x the fastest memcpy at 64 KiB and 1 MiB (%.2fx, %.2fx; poll %.2fx, %.2fx): %s; poll: %s\n",
			f[65536], f[1048576], fp[65536], fp[1048576],
			goal(f[65536] >= 0.8 && f[1048576] >= 0.8), goal(fp[65536] >= 0.8 && fp[1048576] >= 0.8)
		printf "- goal: >= 500k 64-byte descriptors/s (%.0fk; poll %.0fk): %s; poll: %s\n",
			d / 1000, dp / 1000, goal(d >= 500000), goal(dp >= 500000)
	}' "$out" | tee -a "$report"
[ -s "$dat/card_copy.dat" ] && read -r inflight best <"$dat/card_copy.dat.meta" &&
plot card_copy "card copy throughput against descriptor size" "
	set title 'COPY throughput against descriptor size ($inflight in flight per VF)'
	set logscale x; set xrange [2048:2097152]; set xlabel 'bytes per descriptor'
	set ylabel 'MB/s'; set yrange [0:*]; set offsets 0, 0, graph 0.3, 0
	plot '$dat/card_copy.dat' using 1:2:xtic(5) with linespoints lw 2 pt 7 lc rgb '#8250df' title 'memcpy() in the guest', \
	     '' using 1:3 with linespoints lw 2 pt 5 lc rgb '#1a7f37' title '1 VF', \
	     '' using 1:6 with linespoints lw 2 pt 13 lc rgb '#bf3989' title '1 VF, poll-mode driver', \
	     '' using 1:4 with linespoints lw 2 pt 9 lc rgb '#0969da' title '2 VFs (sum)', \
	     $best with lines dt 2 lc rgb 'gray' title 'fastest memcpy (the goals: 0.5x, 0.8x of it)'"

# Fairness: shares of the bytes of VFs of different weights that all keep
# the card busy; with the scheduler, and without it (sched=0) when run.
awk -v dat="$dat" '
	$1 == "BENCH-CARD-FAIR" {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		k = v["vfs"] SUBSEP v["vf"]
		if (!(v["vfs"] in sets)) { sets[v["vfs"]] = 1; set[++nsets] = v["vfs"] }
		if (v["sched"]) { w[k] = v["weight"]; want[k] = v["want"]; got[k] = v["got"]; dry[v["vfs"]] += v["dry"] }
		else { got0[k] = v["got"]; nosched = 1; if (v["by"] == "completions") bycomp = 1 }
		mb[v["sched"] SUBSEP v["vfs"]] += v["mbps"]
		f = dat "/shares_" v["sched"] "_" v["vfs"] ".dat"
		print v["want"], v["got"] > f
	}
	END {
		if (!nsets) exit
		printf "\n### Fairness\n\n"
		printf "VFs that each keep 64 COPYs of 256 KiB in flight, weights set in qos/weight; measured\n"
		printf "share = what qos/bytes of the VF counted over the window / the sum over the VFs%s\n\n",
			bycomp ? "\n(sched=0: qos/ counted nothing, those shares come from the completions counted)" : ""
		printf "| VFs | VF | weight | configured share | measured share |%s\n", nosched ? " without the scheduler (sched=0) |" : ""
		printf "|---:|---:|---:|---:|---:|%s\n", nosched ? "---:|" : ""
		for (s = 1; s <= nsets; s++)
			for (i = 0; i < set[s]; i++) {
				k = set[s] SUBSEP i
				printf "| %d | %d | %d | %.3f | %.3f |", set[s], i, w[k], want[k], got[k]
				if (nosched) printf " %s |", (k in got0) ? sprintf("%.3f", got0[k]) : "-"
				printf "\n"
			}
		printf "\n"
		for (s = 1; s <= nsets; s++) {
			printf "- %d VFs: %.0f MB/s in all", set[s], mb[1 SUBSEP set[s]]
			if (nosched) printf " (%.0f without the scheduler)", mb[0 SUBSEP set[s]]
			printf "\n"
		}
		for (s = 1; s <= nsets; s++)
			if (dry[set[s]])
				printf "- %d VFs: queues ran dry %d times in the window (there the shares measure the benchmark, not the card)\n", set[s], dry[set[s]]
	}' "$out" | tee -a "$report"
if [ -s "$dat/shares_1_2.dat" ]; then
	series="'$dat/shares_1_2.dat' with points pt 7 ps 1.6 lc rgb '#1a7f37' title '2 VFs, 1:3', \
		'$dat/shares_1_4.dat' with points pt 5 ps 1.6 lc rgb '#1a7f37' title '4 VFs, 1:2:3:4'"
	[ -s "$dat/shares_0_2.dat" ] && series+=", \
		'$dat/shares_0_2.dat' with points pt 6 ps 1.6 lc rgb '#cf222e' title '2 VFs, sched=0', \
		'$dat/shares_0_4.dat' with points pt 4 ps 1.6 lc rgb '#cf222e' title '4 VFs, sched=0'"
	plot card_shares "shares against weights" "
		set title 'measured share against configured share (on the line: fair)'
		set xlabel 'configured share (weight / sum of weights)'
		set ylabel 'measured share of the bytes'
		set xrange [0:0.8]; set yrange [0:0.8]; set size square
		set key outside right top
		plot x with lines lc rgb 'gray' dt 2 title 'measured = configured', $series"
fi

# Latency of single 64-byte COPYs next to a VF flooding 1 MiB ones.
awk '
	$1 == "BENCH-CARD-LAT" {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		k = v["sched"] SUBSEP v["case"]
		med[k] = v["median_us"]; p99[k] = v["p99_us"]; mx[k] = v["max_us"]; n[k] = v["n"]
		fl[k] = v["flood_mbps"]; have[v["sched"]] = 1
	}
	function row(s, c, name) {
		k = s SUBSEP c
		if (!(k in med)) return
		printf "| %s | %s | %.0f | %.0f | %.0f | %s |\n", s ? "on" : "off (sched=0)", name,
			med[k], p99[k], mx[k], c == "flood" ? sprintf("%.0f", fl[k]) : "-"
	}
	END {
		if (!(1 in have) && !(0 in have)) exit
		printf "\n### Latency next to a flood\n\n"
		printf "One VF submits single 64-byte COPYs and waits for the interrupt of each (%d samples),\n", n[1 SUBSEP "flood"]
		printf "alone and while a neighbour VF keeps 64 COPYs of 1 MiB in flight; microseconds\n\n"
		printf "| scheduler | single COPY | median | p99 | max | flood MB/s |\n|---|---|---:|---:|---:|---:|\n"
		for (s = 1; s >= 0; s--) {
			row(s, "alone", "64 B alone"); row(s, "flood", "64 B next to the flood")
			row(s, "t1m", "1 MiB alone")
		}
		if (!(0 in have)) printf "\nNo run without the scheduler: this mdk_card has no sched parameter.\n"
		if ((1 SUBSEP "t1m") in med)
			printf "\nThe wait that docs/sched.md bounds with the scheduler: about one 1 MiB COPY (%.0f us here),\nup to 2 ms of polling and a wake-up (under TCG a vCPU can wait tens of ms for the host).\n", med[1 SUBSEP "t1m"]
	}' "$out" | tee -a "$report"

section "mdk_nic (software NIC)"
awk '
	$1 == "BENCH-NIC" && $2 == "idle" { split($3, kv, "="); idle = kv[2]; next }
	$1 == "BENCH-NIC" {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		k = $2 SUBSEP v["dir"] SUBSEP v["size"] SUBSEP v["pairs"]
		if (v["fps"] > fps[k]) { fps[k] = v["fps"]; mb[k] = v["mbps"] }
	}
	END {
		if (!(("veth" SUBSEP "a_to_b" SUBSEP 64 SUBSEP 1) in fps)) exit
		printf "\nframes between a userspace virtio-net driver and the representor\n"
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
	}' "$out" | tee -a "$report"
mdk_log "report: $report"
