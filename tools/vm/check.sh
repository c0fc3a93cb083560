#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check.sh - everything `make check` runs, with one progress line per suite
# and exactly one closing line "N passed, N failed".
#
#   -k "KVERS"   kernels to run the in-VM suites on (default: every target
#                in tools/vm/kernels, or $MDK_CHECK_KVERS)
#   -s DIR       run the suites of DIR (copied in as /extra) instead of the
#                project's (the bed's own tests use this)
#   -K           no KUnit        -H  no host-side suites
#   -f FILTER    only suites whose name contains FILTER (or one of the
#                comma-separated parts of FILTER)
#
# Suites: tools/testing/suites/NAME.sh and NAME.c (built to
# /opt/mdevkit/tests/NAME), each printing TAP; tools/testing/host/*.sh run on
# the host.  A suite run adds one failure when the VM reports a kernel
# problem, times out, crashes, or exits non-zero without a failing test, or
# when fewer results than planned arrive.  Skips are counted on their own.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kvers=${MDK_CHECK_KVERS:-$("$MDK_ROOT/tools/vm/kernel.sh" list | xargs)}
suitedir= kunit=1 host=1 filter=
while getopts "k:s:KHf:" opt; do
	case $opt in
	k) kvers=$OPTARG ;;
	s) suitedir=$(cd "$OPTARG" && pwd) ;;
	K) kunit= ;;
	H) host= ;;
	f) filter=$OPTARG ;;
	*) sed -n '3,19p' "$0" >&2; exit 2 ;;
	esac
done

t0=$(date +%s)
# Where this run keeps its tallies (the bed's own tests run a nested check).
CDIR=${MDK_CHECK_DIR:-$MDK_BUILD/check}
jobs=${MDK_CHECK_JOBS:-$(nproc)}

# run_suite KVER SUITE RUN-ARGS...: one VM for one suite, then its tally.
run_suite() {
	local kver=$1 s=$2 st=0 tag t
	shift 2
	tag=$CDIR/results/.logdir-$kver-$s
	# A suite alone may ask for a longer VM timeout: "mdevkit-timeout: S".
	t=$(suite_tag "$s" timeout)
	MDK_LOGDIR_FILE=$tag "$MDK_ROOT/tools/vm/run.sh" -B -q -k "$kver" -n "$s" \
		-t "${t:-${MDK_SUITE_TIMEOUT:-900}}" "$@" 2>"$tag.err" || st=$?
	tally "$(cat "$tag")/output.log" "$kver/$s" "$st"
	if [ "$st" -ge 124 ] && [ "$st" -le 126 ]; then
		grep -v '^\s*\[kbuild' "$tag.err" | head -20 | sed 's/^/    /'
	fi
}

# tally FILE LABEL STATUS: print FILE's TAP results and record them in
# check-results/ (suites run in parallel; the totals are summed at the end).
tally() {
	local file=$1 label=$2 status=$3 p f s plan seen
	read -r p f s plan <<<"$(tr -d '\r' <"$file" | awk '
		/^ok [0-9]+.*# *SKIP/ { s++; next }
		/^ok [0-9]+/ { p++; next }
		/^not ok [0-9]+/ { f++; next }
		/^1\.\.[0-9]+/ { plan = substr($1, 4) }
		END { print p + 0, f + 0, s + 0, plan + 0 }')"
	seen=$((p + f + s))
	tr -d '\r' <"$file" | grep -E '^not ok' | sed "s|^|$label: |" \
		>>"$CDIR/failures.txt" || true
	local extra=
	case "$status" in
	0) ;;
	124) extra="timed out (the VM, or the suite at its own limit)" ;;
	125) extra="kernel reported a problem (see the console log)" ;;
	126) extra="VM stopped without a status" ;;
	*) [ "$f" -gt 0 ] || extra="exit status $status without a failing test" ;;
	esac
	if [ "$plan" -gt "$seen" ] && [ -z "$extra" ]; then
		extra="$((plan - seen)) of $plan planned results missing"
	fi
	if [ "$seen" -eq 0 ] && [ -z "$extra" ]; then
		extra="no test results"
	fi
	[ -n "$extra" ] && f=$((f + 1)) && echo "$label: $extra" >>"$CDIR/failures.txt"
	echo "$p $f $s" >"$CDIR/results/$(echo "$label" | tr / _)"
	printf '%-36s %3d passed %3d failed %3d skipped%s\n' "$label" "$p" \
		"$f" "$s" "${extra:+  ($extra)}"
}

# tally_batch KVER BATCH STATUS SUITE...: split a batch VM's output at its
# MDK-SUITE-BEGIN/END lines and tally each suite; a suite the VM never
# finished gets the VM's status, one it never began is a failure; a kernel
# report or timeout after every suite ended is the batch's own failure.
tally_batch() {
	local kver=$1 b=$2 vst=$3 dir out s st running= culprit= line
	shift 3
	dir=$(cat "$CDIR/results/.logdir-$kver-$b")
	out=$dir/output.log
	# A kernel report: the console's last suite marker before it.
	if [ "$vst" -eq 125 ]; then
		line=$(grep -a -n -m1 -E "$MDK_KERNEL_REPORTS" "$dir/console.checked" | cut -d: -f1)
		culprit=$(head -n "${line:-0}" "$dir/console.log" | tr -d "\r" |
			grep -a -o 'mdevkit: suite [^ ]*\( end\)\?' | tail -1 | cut -d' ' -f3-)
		[[ $culprit == *" end" ]] && culprit=
	fi
	for s in "$@"; do
		# awk reads the file itself: behind tr, its early exit once made tr
		# die of SIGPIPE now and then, and pipefail + set -e the job.
		awk -v s="$s" -v f="$CDIR/results/.out-$kver-$s" '
			{ sub(/\r$/, "") }
			$0 == "MDK-SUITE-BEGIN " s { on = 1; next }
			on && $1 == "MDK-SUITE-END" && $2 == s { print $3 >f ".st"; exit }
			on { print >f }' "$out" 2>/dev/null || true
		if ! grep -qx "MDK-SUITE-BEGIN $s" "$out"; then
			: >"$CDIR/results/.out-$kver-$s"
			echo "$kver/$s: not run (the batch VM of $b ended with status $vst)" \
				>>"$CDIR/failures.txt"
			echo "0 1 0" >"$CDIR/results/${kver}_$s"
			printf '%-36s %3d passed %3d failed %3d skipped  (not run: batch VM status %s)\n' \
				"$kver/$s" 0 1 0 "$vst"
			continue
		fi
		if [ "$s" = "$culprit" ]; then
			st=125 running=$s
		elif [ -s "$CDIR/results/.out-$kver-$s.st" ]; then
			st=$(cat "$CDIR/results/.out-$kver-$s.st")
		else
			st=$vst running=$s
			[ "$st" -eq 0 ] && st=126
		fi
		tally "$CDIR/results/.out-$kver-$s" "$kver/$s" "$st"
	done
	if [ -z "$running" ] && [ "$vst" -ge 124 ] && [ "$vst" -le 126 ]; then
		echo "$kver/$b ($*): VM status $vst after the last suite (see its console log)" \
			>>"$CDIR/failures.txt"
		echo "0 1 0" >"$CDIR/results/${kver}_$b"
		printf '%-36s %3d passed %3d failed %3d skipped  (VM status %s after its suites)\n' \
			"$kver/$b" 0 1 0 "$vst"
	fi
}

# run_batch KVER BATCH SUITE...: one VM for several suites (batch.sh).
# Each suite in it has its own time limit (batch.sh), the VM the sum of them.
run_batch() {
	local kver=$1 b=$2 st=0 tag s t total=120 paths=()
	shift 2
	tag=$CDIR/results/.logdir-$kver-$b
	for s in "$@"; do
		t=$(suite_tag "$s" timeout)
		t=${t:-${MDK_SUITE_TIMEOUT:-900}}
		total=$((total + t))
		if [ -n "$suitedir" ]; then
			paths+=("$s=./$s@$t")
		elif [ -e "$MDK_ROOT/tools/testing/suites/$s.sh" ]; then
			paths+=("$s=/opt/mdevkit/tests/$s.sh@$t")
		else
			paths+=("$s=/opt/mdevkit/tests/$s@$t")
		fi
	done
	MDK_LOGDIR_FILE=$tag "$MDK_ROOT/tools/vm/run.sh" -B -q -k "$kver" -n "$b" \
		-t "$total" ${suitedir:+-e "$suitedir"} -- \
		"/opt/mdevkit/lib/batch.sh ${paths[*]}" 2>"$tag.err" || st=$?
	tally_batch "$kver" "$b" "$st" "$@"
}

# suite_tag SUITE TAG: a suite's "mdevkit-TAG: value" line (first one), from
# SUITE, SUITE.sh or SUITE.c (not SUITE*: card_mig took card_mig_qemu's).
suite_tag() {
	local d=${suitedir:-$MDK_ROOT/tools/testing/suites} f
	for f in "$d/$1" "$d/$1.sh" "$d/$1.c"; do
		[ -f "$f" ] || continue
		sed -n "s/^[#/* ]*mdevkit-$2: *//p" "$f" | head -1
		return 0
	done
}

# pool CMD...: run CMD in the background once fewer than $jobs jobs run.
# Each VM is one TCG thread, kunit's build and the host suites about one
# core: as many at once as there are cores.
pool() {
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
	"$@" &
}

run_kunit() {
	local log=$CDIR/kunit.log st=0 p f s
	bash "$MDK_ROOT/kunit/run.sh" >"$log" 2>&1 || st=$?
	read -r p f s <<<"$(awk -F'[ =]' '/^KUNIT-TOTALS/ { print $3, $5, $7 }' "$log" | tail -1)"
	p=${p:-0} f=${f:-1} s=${s:-0}
	[ "$st" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	echo "$p $f $s" >"$CDIR/results/kunit"
	[ "$f" -gt 0 ] && echo "kunit: see $log" >>"$CDIR/failures.txt"
	printf '%-36s %3d passed %3d failed %3d skipped\n' "kunit (UML)" "$p" "$f" "$s"
}

# wanted SUITE: whether -f selects SUITE.
wanted() {
	local part
	[ -z "$filter" ] && return 0
	for part in ${filter//,/ }; do
		[[ $1 == *"$part"* ]] && return 0
	done
	return 1
}

# host_suites: the host suites the filter selects, as host/NAME.
host_suites() {
	local s
	for s in "$MDK_ROOT"/tools/testing/host/*.sh; do
		[ -e "$s" ] || continue
		s=host/$(basename "$s" .sh)
		wanted "$s" || continue
		echo "$s"
	done
}

# The host suites one after another: some build or boot VMs of their own.
run_host() {
	local name log st
	for name in $(host_suites); do
		log=$CDIR/$(echo "$name" | tr / _).log
		st=0
		bash "$MDK_ROOT/tools/testing/$name.sh" >"$log" 2>"$log.err" || st=$?
		tally "$log" "$name" "$st"
	done
}

rm -rf "$CDIR"
mkdir -p "$CDIR/results"
: >"$CDIR/failures.txt"
: >"$CDIR/expected.txt"
mdk_host_deps

# KUnit builds on UML while the bed kernels' modules build.
[ -n "$kunit" ] && { echo "[check] KUnit on UML (in the background)"; echo kunit >>"$CDIR/expected.txt"; pool run_kunit; }

# build_with_progress KVER: build.sh KVER into build-KVER.log, with a line
# a minute while it runs (a cold debug kernel takes 10-20 min).
build_with_progress() {
	local log=$CDIR/build-$1.log pid st=0 n=0
	"$MDK_ROOT/tools/vm/build.sh" "$1" >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 5
		n=$((n + 1))
		[ $((n % 12)) -eq 0 ] && kill -0 "$pid" 2>/dev/null &&
			echo "[check] $1: still building after $((n / 12)) min: $(tail -1 "$log" | cut -c1-100)"
	done
	wait "$pid" || st=$?
	return "$st"
}

built=
for kver in $kvers; do
	echo "[check] building modules, tools and initramfs for $kver"
	if ! build_with_progress "$kver"; then
		echo "0 1 0" >"$CDIR/results/build-$kver"
		echo "$kver: build failed (see $CDIR/build-$kver.log)" | tee -a "$CDIR/failures.txt"
		tail -20 "$CDIR/build-$kver.log" | sed 's/^/    /'
		continue
	fi
	built="$built $kver"
done

t_built=$(($(date +%s) - t0))

if [ -n "$host" ]; then
	# Now, not from a suite while other jobs run: apt takes a lock.
	# shellcheck disable=SC2086
	host_suites | grep -qx host/packaging && mdk_need_pkgs $MDK_DEB_PKGS
	host_suites >>"$CDIR/expected.txt"
	pool run_host
fi

# Every in-VM suite of every kernel in one queue, longest first: suites
# marked "mdevkit-alone: long", then the batches, then the rest; within
# each, the kernels of $MDK_CHECK_SLOW (debug) first (a slow VM last in the
# queue leaves the other slot idle while it runs).
# On the kernels in $MDK_CHECK_BATCH (default: all; empty: none) suites share
# VMs, grouped by the layers and kernel parameters they ask for: those
# without "mdevkit-alone" at most $MDK_CHECK_BATCH_SIZE (10) a VM, the long
# ones $MDK_CHECK_LONG_BATCH_SIZE (2) a VM; "mdevkit-alone: yes" keeps a
# suite alone. A VM costs ~12 s on 6.1/6.12, 60-70 s on debug (KASAN,
# lockdep, two kmemleak scans) whatever it runs.
batch_kvers=${MDK_CHECK_BATCH-$kvers}
slow_kvers=${MDK_CHECK_SLOW-debug}
bsize=${MDK_CHECK_BATCH_SIZE:-10}
lsize=${MDK_CHECK_LONG_BATCH_SIZE:-2}
longq=() batchq=() queue=() slow_longq=() slow_batchq=() slow_queue=()
# push QUEUE KVER JOB: JOB to QUEUE, to the front part of it for a slow kernel.
push() {
	local name=$1
	[[ " $slow_kvers " == *" $2 "* ]] && name=slow_$1
	local -n __q=$name
	__q+=("$3")
}
for kver in $built; do
	if [ -n "$suitedir" ]; then
		suites=$(cd "$suitedir" && ls)
	else
		suites=$(cd "$MDK_ROOT/tools/testing/suites" && ls | sed -n 's/\.\(sh\|c\)$//p' | sort -u)
	fi
	declare -A groups=()
	batching=
	[[ " $batch_kvers " == *" $kver "* ]] && batching=1
	for s in $suites; do
		wanted "$s" || continue
		# A suite may name the kernels it applies to: "mdevkit-kvers: debug",
		# the extra initramfs layers it needs: "mdevkit-layers: qemu", and
		# kernel parameters: "mdevkit-append: iomem=relaxed".
		only=$(suite_tag "$s" kvers)
		[ -n "$only" ] && [[ " $only " != *" $kver "* ]] && continue
		alone=$(suite_tag "$s" alone)
		if [ -n "$batching" ] && { [ -z "$alone" ] || [ "$alone" = long ]; }; then
			key="${alone:-short}|$(suite_tag "$s" layers)|$(suite_tag "$s" append)"
			groups[$key]="${groups[$key]:-} $s"
		elif [ "$alone" = long ]; then
			push longq "$kver" "suite $kver $s"
		else
			push queue "$kver" "suite $kver $s"
		fi
	done
	n=0
	for key in "${!groups[@]}"; do
		set -- ${groups[$key]}
		size=$bsize qname=batchq
		[ "${key%%|*}" = long ] && size=$lsize qname=longq
		# As few VMs as $size allows, the suites spread evenly over them
		# (18 short suites at 10: 9 and 9, not 10 and 8).
		[ "$size" -gt 1 ] && size=$((($# + ($# + size - 1) / size - 1) / (($# + size - 1) / size)))
		while [ $# -gt 0 ]; do
			if [ $# -eq 1 ] || [ "$size" -le 1 ]; then
				# One suite: a VM of its own, as without batching.
				push $qname "$kver" "suite $kver $1"
				shift
				continue
			fi
			n=$((n + 1))
			push $qname "$kver" "batch $kver batch$n|${key#*|}|${*:1:$size}"
			shift $(($# < size ? $# : size))
		done
	done
	unset groups
done

for job in "${slow_longq[@]}" "${longq[@]}" "${slow_batchq[@]}" "${batchq[@]}" \
	   "${slow_queue[@]}" "${queue[@]}"; do
	read -r kind kver rest <<<"$job"
	if [ "$kind" = batch ]; then
		IFS='|' read -r b layers append list <<<"$rest"
		echo "[check] $kver/$b:$list" >>"$CDIR/batches.txt"
		for s in $list; do echo "$kver/$s"; done >>"$CDIR/expected.txt"
		MDK_VM_LAYERS=$layers MDK_VM_APPEND="${MDK_VM_APPEND:-} $append" \
			pool run_batch "$kver" "$b" $list
		continue
	fi
	s=$rest
	if [ -n "$suitedir" ]; then
		args=(-e "$suitedir" -- "./$s")
	elif [ -e "$MDK_ROOT/tools/testing/suites/$s.sh" ]; then
		args=(-- "/opt/mdevkit/tests/$s.sh")
	else
		args=(-- "/opt/mdevkit/tests/$s")
	fi
	echo "$kver/$s" >>"$CDIR/expected.txt"
	MDK_VM_LAYERS=$(suite_tag "$s" layers) \
	MDK_VM_APPEND="${MDK_VM_APPEND:-} $(suite_tag "$s" append)" \
		pool run_suite "$kver" "$s" "${args[@]}"
done
wait

# Every suite queued has its result, or counts as failed: a job that died
# (a bug of this script) must not make its suites vanish from the totals.
while read -r label; do
	[ -e "$CDIR/results/$(echo "$label" | tr / _)" ] && continue
	echo "$label: no result (its job in check.sh died; see $CDIR)" >>"$CDIR/failures.txt"
	echo "0 1 0" >"$CDIR/results/$(echo "$label" | tr / _)"
done <"$CDIR/expected.txt"

read -r PASS FAIL SKIP <<<"$(cat "$CDIR"/results/* 2>/dev/null |
	awk '{ p += $1; f += $2; s += $3 } END { print p + 0, f + 0, s + 0 }')"
if [ -s "$CDIR/failures.txt" ]; then
	echo "failures:"
	sed 's/^/  /' "$CDIR/failures.txt"
fi
# vm_time: the VMs' elapsed seconds summed, and how many VMs ran.
vm_time() {
	local f
	for f in "$CDIR"/results/.logdir-*; do
		case $f in *.err) continue ;; esac
		[ -e "$(cat "$f")/run.info" ] && grep -ho 'elapsed=[0-9]*' "$(cat "$f")/run.info"
	done | cut -d= -f2 | awk '{ s += $1; n++ } END { printf "%d s in %d VMs", s, n }'
}

# CI shows the tail of this output: what failed where, in a few lines, and
# how fast this machine was (a slow day doubles every VM's time).
if [ -s "$CDIR/failures.txt" ]; then
	echo "failing suites: $(cut -d: -f1 "$CDIR/failures.txt" | sort | uniq -c |
		sort -rn | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }')" | fold -s -w 160
fi
echo "machine: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), $(df -h "$MDK_BUILD" | awk 'NR == 2 { print $4 }') free;" \
	"builds ${t_built:-?}s; VM time $(vm_time)"
echo "logs: build/logs/<kernel>/ per VM run, $CDIR for the rest; time $(($(date +%s) - t0))s"
[ "$SKIP" -gt 0 ] && echo "$SKIP skipped (not counted as passed)"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
