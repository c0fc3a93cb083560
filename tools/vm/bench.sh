#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench.sh [KVER] - `make bench`: create+remove cost per operation at
# N = 1, 100, 1000, 4096 existing mdevs on one parent, for mdev_core and for
# the kernel's own mdev.ko, in the same VM run, with the same parent source
# (tools/bench/mdk_benchparent.c) built against each; then vfio_mdev's
# region access, the card (throughput, fairness, latency next to a flood)
# and the NIC. The guest side is tools/vm/bench-guest.sh; bench-report.sh
# prints the tables and writes them, with plots, to build/bench/report.md.
#
# Environment: MDK_BENCH_NS (default 1,100,1000,4096), MDK_BENCH_REPS
# (cycles timed per N, default 300), MDK_BENCH_ROUNDS (each core is
# measured this many times, alternating, and its best median kept; default 3),
# MDK_BENCH_SECONDS (per round of each rate, default 0.5; the card's
# fairness windows are 4 times that), MDK_QEMU_CPU (default: multi-threaded
# TCG, a host thread per vCPU, so that a device's engine thread runs beside
# its driver as hardware does; make check's VMs use single-threaded TCG).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-$("$MDK_ROOT/tools/vm/kernel.sh" list | head -1)}
ns=${MDK_BENCH_NS:-1,100,1000,4096}
reps=${MDK_BENCH_REPS:-300}
rounds=${MDK_BENCH_ROUNDS:-3}
secs=${MDK_BENCH_SECONDS:-0.5}	# per round of each region-access rate
export MDK_QEMU_CPU=${MDK_QEMU_CPU:--accel tcg,thread=multi -M q35 -cpu max -smp 2}

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
	"$MDK_BUILD/tools/bench/mdk_bench_mig" \
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

"$MDK_ROOT/tools/vm/bench-report.sh" "$out" "$MDK_BUILD/bench" "$KVERSION" "$reps" "$rounds"
