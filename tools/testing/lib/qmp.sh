# SPDX-License-Identifier: GPL-2.0-only
# qmp.sh - QEMU processes driven through QMP inside the bed VM (sourced,
# busybox sh; card_mig_qemu, nic_mig_guest): QEMU 10 of the qemu10 layer
# by default ($Q), its QMP monitor on a pipe chardev (/tmp/NAME.in, .out;
# no socat in the VM), its answers in /tmp/NAME.log, its stderr in
# /tmp/NAME.err. jq reads the answers.

Q=${Q:-/opt/qemu10/bin/qemu-system-x86_64}
SOCK=${SOCK:-/tmp/mig.sock}

# qmp_start NAME ARGS...: QEMU (TCG, q35, no default devices or display)
# with ARGS in the background, PID_NAME its pid. QEMU opens both fifos
# read-write, so neither side blocks.
qmp_start() {
	local n=$1
	shift
	rm -f /tmp/$n.in /tmp/$n.out /tmp/$n.log /tmp/$n.err
	mkfifo /tmp/$n.in /tmp/$n.out
	$Q -accel tcg -M q35 -nodefaults -display none \
		-chardev pipe,id=qmp,path=/tmp/$n -mon chardev=qmp,mode=control \
		"$@" </dev/null >/tmp/$n.err 2>&1 &
	eval "PID_$n=$!"
	# Ends at QEMU's exit (the fifo's last writer).
	cat /tmp/$n.out >/tmp/$n.log &
	qmp $n qmp_capabilities >/dev/null
}

# qmp NAME COMMAND [ARGUMENTS-JSON]: prints QMP's answer (one JSON line,
# "return" or "error"); fails when none comes within 60 s. The ids count in
# a file: most calls run in a subshell ($(...), pipes), where a variable's
# count would be lost and an id reused would match an old answer.
qmp() {
	local n=$1 id i r
	id=c$(($(cat /tmp/qmp.id 2>/dev/null || echo 0) + 1))
	echo ${id#c} >/tmp/qmp.id
	if [ -n "${3:-}" ]; then
		printf '{"execute": "%s", "arguments": %s, "id": "%s"}\n' "$2" "$3" $id
	else
		printf '{"execute": "%s", "id": "%s"}\n' "$2" $id
	fi >/tmp/$n.in
	i=0
	while [ $i -lt 600 ]; do
		r=$(grep -E "\"id\": *\"$id\"" /tmp/$n.log | tail -1)
		[ -n "$r" ] && { echo "$r"; return 0; }
		alive "$(qpid $n)" || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "no answer to $2 from $n"
	return 1
}

qpid() { eval "echo \$PID_$1"; }

# status NAME: query-status's "status"
status() { qmp $1 query-status | jq -r '.return.status // .error.desc'; }

# migrate SRC: migrates SRC to $SOCK, waits for the end (up to 300 s);
# prints query-migrate's final status, the details as # lines on stderr.
migrate() {
	local n=$1 t=$(date +%s) r s
	r=$(qmp $n migrate "{\"uri\": \"unix:$SOCK\"}")
	case "$r" in *'"error"'*) echo "refused: $(echo "$r" | jq -r .error.desc)"; return ;; esac
	while :; do
		r=$(qmp $n query-migrate)
		s=$(echo "$r" | jq -r '.return.status // .error.desc')
		case "$s" in completed|failed|cancelled) break ;; esac
		[ $(($(date +%s) - t)) -lt 300 ] || { s="still $s after 300 s"; break; }
		sleep 0.2
	done
	echo "$r" | jq -c '.return | {status, "total-time", downtime, "setup-time",
		transferred: .ram.transferred, "error-desc"}' | sed 's/^/# /' >&2
	echo "# migration from $n: $s in $(($(date +%s) - t)) s" >&2
	echo "$s"
}

# alive PID: it runs (a child that exited stays a zombie, which kill -0
# still finds, until the shell waits for it).
alive() {
	local st
	st=$(sed 's/.*) //' /proc/$1/stat 2>/dev/null | cut -c1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# qexit NAME: waits up to 60 s for QEMU to exit; QRC is its exit status, or
# "killed" (it did not). Runs in the suite's shell, not in $(...): only the
# shell that started QEMU can wait for it.
qexit() {
	local p t0
	p=$(qpid $1)
	t0=$(date +%s)
	while alive "$p" && [ $(($(date +%s) - t0)) -lt 60 ]; do sleep 0.2; done
	if alive "$p"; then
		kill -9 "$p"
		wait "$p"
		QRC=killed
		return
	fi
	QRC=0
	wait "$p" || QRC=$?
}

# qquit NAME: `quit` (if it still runs), then qexit.
qquit() {
	alive "$(qpid $1)" && qmp $1 quit >/dev/null
	qexit $1
}

# stderr_clean NAME...: QEMU's stderr shows (as # lines) and holds nothing
# beyond what is known to be harmless: with enable-migration=on and no
# device dirty tracking, QEMU warns at realize (docs/migration.md).
QMP_KNOWN="^\$|: warning: [0-9a-f-]{36}: VFIO device doesn't support device and IOMMU dirty tracking\$"
stderr_clean() {
	local n bad=0
	for n in "$@"; do
		[ -s /tmp/$n.err ] || continue
		sed "s/^/# $n: /" /tmp/$n.err
		grep -qv -E "$QMP_KNOWN" /tmp/$n.err && bad=1
	done
	[ $bad = 0 ]
}
