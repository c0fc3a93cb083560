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
#   -f FILTER    only suites whose name contains FILTER
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
	local kver=$1 s=$2 st=0 tag
	shift 2
	tag=$CDIR/results/.logdir-$kver-$s
	MDK_LOGDIR_FILE=$tag "$MDK_ROOT/tools/vm/run.sh" -B -q -k "$kver" -n "$s" \
		-t "${MDK_SUITE_TIMEOUT:-900}" "$@" 2>"$tag.err" || st=$?
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
	124) extra="VM timed out" ;;
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

rm -rf "$CDIR"
mkdir -p "$CDIR/results"
: >"$CDIR/failures.txt"
mdk_host_deps

if [ -n "$kunit" ]; then
	log=$CDIR/kunit.log
	st=0
	bash "$MDK_ROOT/kunit/run.sh" >"$log" 2>&1 || st=$?
	read -r p f s <<<"$(awk -F'[ =]' '/^KUNIT-TOTALS/ { print $3, $5, $7 }' "$log" | tail -1)"
	p=${p:-0} f=${f:-1} s=${s:-0}
	[ "$st" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	echo "$p $f $s" >"$CDIR/results/kunit"
	[ "$f" -gt 0 ] && echo "kunit: see $log" >>"$CDIR/failures.txt"
	printf '%-36s %3d passed %3d failed %3d skipped\n' "kunit (UML)" "$p" "$f" "$s"
fi

if [ -n "$host" ]; then
	for s in "$MDK_ROOT"/tools/testing/host/*.sh; do
		[ -e "$s" ] || continue
		name=host/$(basename "$s" .sh)
		[ -n "$filter" ] && [[ $name != *"$filter"* ]] && continue
		log=$CDIR/$(echo "$name" | tr / _).log
		st=0
		bash "$s" >"$log" 2>"$log.err" || st=$?
		tally "$log" "$name" "$st"
	done
fi

for kver in $kvers; do
	if ! "$MDK_ROOT/tools/vm/build.sh" "$kver" >"$CDIR/build-$kver.log" 2>&1; then
		echo "0 1 0" >"$CDIR/results/build-$kver"
		echo "$kver: build failed (see $CDIR/build-$kver.log)" | tee -a "$CDIR/failures.txt"
		tail -20 "$CDIR/build-$kver.log" | sed 's/^/    /'
		continue
	fi
	if [ -n "$suitedir" ]; then
		suites=$(cd "$suitedir" && ls)
	else
		suites=$(cd "$MDK_ROOT/tools/testing/suites" && ls | sed -n 's/\.\(sh\|c\)$//p' | sort -u)
	fi
	for s in $suites; do
		[ -n "$filter" ] && [[ $s != *"$filter"* ]] && continue
		# A suite may name the kernels it applies to: "# mdevkit-kvers: debug".
		only=$(sed -n 's/^[#/* ]*mdevkit-kvers: *//p' "${suitedir:-$MDK_ROOT/tools/testing/suites}/$s"* 2>/dev/null | head -1)
		[ -n "$only" ] && [[ " $only " != *" $kver "* ]] && continue
		# ... the extra initramfs layers it needs: "# mdevkit-layers: qemu",
		# and kernel parameters: "# mdevkit-append: iomem=relaxed".
		layers=$(sed -n 's/^[#/* ]*mdevkit-layers: *//p' "${suitedir:-$MDK_ROOT/tools/testing/suites}/$s"* 2>/dev/null | head -1)
		append=$(sed -n 's/^[#/* ]*mdevkit-append: *//p' "${suitedir:-$MDK_ROOT/tools/testing/suites}/$s"* 2>/dev/null | head -1)
		if [ -n "$suitedir" ]; then
			args=(-e "$suitedir" -- "./$s")
		elif [ -e "$MDK_ROOT/tools/testing/suites/$s.sh" ]; then
			args=(-- "/opt/mdevkit/tests/$s.sh")
		else
			args=(-- "/opt/mdevkit/tests/$s")
		fi
		# Each VM is one TCG thread: run as many at once as there are cores.
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
		MDK_VM_LAYERS=$layers MDK_VM_APPEND="${MDK_VM_APPEND:-} $append" \
			run_suite "$kver" "$s" "${args[@]}" &
	done
	wait
done

read -r PASS FAIL SKIP <<<"$(cat "$CDIR"/results/* 2>/dev/null |
	awk '{ p += $1; f += $2; s += $3 } END { print p + 0, f + 0, s + 0 }')"
if [ -s "$CDIR/failures.txt" ]; then
	echo "failures:"
	sed 's/^/  /' "$CDIR/failures.txt"
fi
echo "logs: build/logs/<kernel>/ per VM run, $CDIR for the rest; time $(($(date +%s) - t0))s"
[ "$SKIP" -gt 0 ] && echo "$SKIP skipped (not counted as passed)"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
