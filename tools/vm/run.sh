#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh [options] [--] 'CMD'   boot the test VM, run CMD in it, return its status
#
#   -k KVER      kernel target (tools/vm/kernels; default: the first, 6.12)
#   -e DIR       copy DIR into the VM as /extra (the command's working directory)
#   -t SECONDS   kill the VM after this long (default 600) and fail
#   -n NAME      label for the log folder and the messages
#   -i           interactive: console on this terminal, no command (make vm-shell)
#   -B           do not build modules/tools first (make check builds them once)
#   -q           do not echo the command's output (it is still in the log folder)
#
# Exit status: CMD's own status when the VM ran cleanly; 124 when the VM hit
# the timeout; 125 when the kernel console shows an oops, BUG, WARN, KASAN,
# UBSAN, lockdep, hung-task, RCU-stall or kmemleak report; 126 when the VM
# stopped without reporting a status (panic, crash).  Every run keeps its
# console log, output and command in build/logs/KVER/<time>-<name>/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=$("$MDK_ROOT/tools/vm/kernel.sh" list | head -1)
extra= timeout=600 name=cmd interactive= build=1 quiet=
while getopts "k:e:t:n:iBq" opt; do
	case $opt in
	k) kver=$OPTARG ;;
	e) extra=$OPTARG ;;
	t) timeout=$OPTARG ;;
	n) name=$OPTARG ;;
	i) interactive=1 ;;
	B) build= ;;
	q) quiet=1 ;;
	*) sed -n '3,21p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
cmd=${*:-}
[ -n "$cmd" ] || [ -n "$interactive" ] || mdk_die "no command given (use -i for a shell)"
[ -z "$kver" ] && mdk_die "no kernel target"

mdk_host_deps
eval "$("$MDK_ROOT/tools/vm/kernel.sh" env "$kver")"

if [ -n "$build" ]; then
	"$MDK_ROOT/tools/vm/build.sh" "$kver" >&2
fi

logdir=$MDK_BUILD/logs/$kver/$(date +%Y%m%d-%H%M%S)-${name//[^A-Za-z0-9_.-]/_}-$$
mkdir -p "$logdir"
ln -sfn "$logdir" "$MDK_BUILD/logs/latest"
# Callers that run several VMs at once learn their own folder this way.
[ -n "${MDK_LOGDIR_FILE:-}" ] && echo "$logdir" >"$MDK_LOGDIR_FILE"
printf '%s\n' "$cmd" >"$logdir/cmd"
{
	echo "kernel: $kver $KABI ($KVERSION)"
	echo "command: $cmd"
	echo "extra: ${extra:-none}"
} >"$logdir/run.info"

# The initramfs: cached base + this kernel's modules + project + this run.
initrd=$logdir/initrd.cpio
"$MDK_ROOT/tools/vm/initramfs.sh" run "$logdir/run.cpio" "$logdir/cmd" "$extra"
# Optional layers (MDK_VM_LAYERS, a suite's "mdevkit-layers:"): qemu, and
# guest (a nested guest's kernel and initramfs) and libvirt (libvirtd and
# virsh), which bring qemu along; qemu10 (QEMU 10 in /opt/qemu10) stands
# alone.
layers=() want=" ${MDK_VM_LAYERS:-} "
[[ ( $want == *" guest "* || $want == *" libvirt "* ) && $want != *" qemu "* ]] && want="qemu$want"
for l in $want; do
	layers+=("$("$MDK_ROOT/tools/vm/initramfs.sh" "$l")") ||
		mdk_die "no initramfs layer '$l' (MDK_VM_LAYERS='${MDK_VM_LAYERS:-}')"
done
cat "$("$MDK_ROOT/tools/vm/initramfs.sh" base)" \
	"$MDK_BUILD/$kver/initramfs-kernel.cpio" \
	"$MDK_BUILD/initramfs-project.cpio" \
	"${layers[@]}" "$logdir/run.cpio" >"$initrd"
rm -f "$logdir/run.cpio"

mem=${MDK_VM_MEM:-2048}
qemu=(qemu-system-x86_64 ${MDK_QEMU_CPU:--accel tcg,thread=single -M q35 -cpu max -smp 2} -m "$mem"
	-no-reboot -net none -display none -monitor none
	-kernel "${KELF:-$KIMAGE}" -initrd "$initrd"
	-append "console=ttyS0,115200 loglevel=7 panic=-1 mdevkit.ivshmem_mb=16 kunit.enable=1 ${MDK_VM_APPEND:-}"
	-object "memory-backend-file,id=ivshmem,size=16M,share=on,mem-path=$logdir/ivshmem"
	-device ivshmem-plain,memdev=ivshmem)

start=$(date +%s.%N)
mdk_log "kernel $kver: $KVERSION; log in ${logdir#"$MDK_ROOT"/}"
if [ -n "$interactive" ]; then
	"${qemu[@]}" -chardev "stdio,id=con,mux=on,signal=off,logfile=$logdir/console.log" \
		-serial chardev:con -serial "file:$logdir/output.log" || true
	vmrc=0
else
	: >"$logdir/output.log"
	timeout -k 10 "$timeout" "${qemu[@]}" -serial "file:$logdir/console.log" \
		-serial "file:$logdir/output.log" </dev/null &
	qpid=$!
	if [ -z "$quiet" ]; then
		# The output as the command wrote it: without /init's status
		# line, nor the newline /init writes before it when that makes
		# an empty line (the command's output ended with a newline).
		tail -n +1 -F --pid=$qpid "$logdir/output.log" 2>/dev/null |
			sed -u -e '/^\r\?$/{N;/\nMDK-EXIT /d;P;D}' -e '/^MDK-EXIT /d' &
		tpid=$!
	fi
	vmrc=0
	wait $qpid || vmrc=$?
	[ -n "$quiet" ] || wait "$tpid" 2>/dev/null || true
fi
rm -f "$logdir/ivshmem" "$initrd" "$logdir/known-bugs"
elapsed=$(echo "$(date +%s.%N) - $start" | bc)

# Reports of known kernel bugs (tools/vm/known-splats) are blanked out of a
# copy of the console (line numbers kept) and noted in run.info; kernel
# reports left in it ($MDK_KERNEL_REPORTS, tools/vm/lib.sh) fail the run.
BAD=$MDK_KERNEL_REPORTS
awk -v known="$MDK_ROOT/tools/vm/known-splats" -v notes="$logdir/known-bugs" \
	-f "$MDK_ROOT/tools/vm/known-splats.awk" "$logdir/console.log" >"$logdir/console.checked" ||
	mdk_die "tools/vm/known-splats.awk failed on $logdir/console.log"
if [ -s "$logdir/known-bugs" ]; then
	sed 's/^/known: /' "$logdir/known-bugs" >>"$logdir/run.info"
	mdk_log "note: $(head -1 "$logdir/known-bugs") (see docs/testbed.md); lockdep is off for the rest of this boot"
fi
splat=$(grep -a -n -m1 -E "$BAD" "$logdir/console.checked" 2>/dev/null || true)

status=$(tr -d '\r' <"$logdir/output.log" | awk '$1 == "MDK-EXIT" { s = $2 } END { print s }')
rc=0
if [ -n "$splat" ]; then
	line=${splat%%:*}
	# The last test marker before the report names the culprit.
	who=$(head -n "$line" "$logdir/console.log" | grep -a -o 'mdevkit: test [^ ]*' | tail -1 | cut -d' ' -f3 || true)
	mdk_log "FAIL: kernel report during ${who:-$name} (console.log line $line): ${splat#*:}"
	grep -a -A 12 -E "$BAD" "$logdir/console.checked" | head -40 | sed 's/^/    /' >&2 || true
	rc=125
elif [ "$vmrc" = 124 ] || [ "$vmrc" = 137 ]; then
	mdk_log "FAIL: VM timed out after ${timeout}s running '$name'; last console lines:"
	tail -5 "$logdir/console.log" | sed 's/^/    /' >&2
	rc=124
elif [ -z "$status" ] && [ -z "$interactive" ]; then
	mdk_log "FAIL: VM stopped without a status (qemu exit $vmrc); last console lines:"
	tail -15 "$logdir/console.log" | sed 's/^/    /' >&2
	rc=126
else
	rc=${status:-0}
fi
echo "status=$rc elapsed=${elapsed}s" >>"$logdir/run.info"
mdk_log "$kver $name: status $rc in ${elapsed%.*}s"
exit "$rc"
