# SPDX-License-Identifier: GPL-2.0-only
# qmp.sh - QEMU processes driven through QMP inside the bed VM (sourced,
# busybox sh; card_mig_qemu, mig_guest, and guest.sh for alive()): QEMU 10
# of the qemu10 layer by default ($Q), its QMP monitor on a pipe chardev
# (/tmp/NAME.in, .out; no socat in the VM), its answers in /tmp/NAME.log,
# its stderr in /tmp/NAME.err. jq reads the answers. QEMU is started and
# waited for in the suite's own shell: only that shell can wait for it.

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

qpid() { eval "echo \$PID_$1"; }

# alive PID: not yet exited (kill -0 succeeds on a zombie, which a QEMU that
# quit stays until the shell that started it waits for it).
alive() { [ -e /proc/$1/stat ] && [ "$(cut -d' ' -f3 /proc/$1/stat)" != Z ]; }

# qmp NAME COMMAND [ARGUMENTS-JSON]: prints QMP's answer (one JSON line,
# "return" or "error"); fails when none comes within 60 s. The ids count in
# a file: most calls run in a subshell ($(...), pipes), where a variable's
# count would be lost and an id reused would match an old answer.
qmp() {
	local n=$1 id i r
	id=c$(($(cat /tmp/qmp.id 2>/dev/null || echo 0) + 1))
	echo ${id#c} >/tmp/qmp.id
	# Opening the fifo blocks for good once QEMU is gone (no reader).
	alive "$(qpid $n)" || { echo "no answer to $2 from $n: it exited"; return 1; }
	if [ -n "${3:-}" ]; then
		printf '{"execute": "%s", "arguments": %s, "id": "%s"}\n' "$2" "$3" $id
	else
		printf '{"execute": "%s", "id": "%s"}\n' "$2" $id
	fi | timeout 10 tee /tmp/$n.in >/dev/null ||
		{ echo "no answer to $2 from $n: its monitor takes nothing"; return 1; }
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

# status NAME: query-status's "status"
status() { qmp $1 query-status | jq -r '.return.status // .error.desc'; }

# settled NAME: the status of a migration's target once it has loaded the
# stream (up to 120 s): the source reports "completed" when it has sent the
# last byte, the target may still be loading ("inmigrate") then.
settled() {
	local s i=0
	while s=$(status $1) && [ "$s" = inmigrate ] && [ $i -lt 600 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	echo "$s"
}

# migrate SRC: migrates SRC to $SOCK, waits for the end (up to 300 s);
# prints query-migrate's final status, the details as # lines on stderr.
migrate() {
	local n=$1 t r s
	t=$(date +%s)
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

# qquit NAME...: `quit` to each that still runs, then waits up to 60 s for
# each; RC is their exit statuses ("killed" when one had to be). Not in a
# subshell: only the shell that started QEMU can wait for it.
qquit() {
	local n p i
	for n in "$@"; do
		alive "$(qpid $n)" && qmp $n quit >/dev/null
	done
	RC=
	for n in "$@"; do
		p=$(qpid $n) i=0
		while alive "$p" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
		if alive "$p"; then
			kill -9 "$p"
			# A QEMU stuck in the kernel outlives SIGKILL: say where,
			# and do not wait for it for good.
			i=0
			while alive "$p" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
			if alive "$p"; then
				echo "# $n (pid $p) survives SIGKILL: $(cat /proc/$p/wchan 2>/dev/null)"
				sed "s/^/# $n: /" /proc/$p/stack 2>/dev/null
				RC="$RC stuck"
				continue
			fi
			wait "$p"
			RC="$RC killed"
		else
			wait "$p"
			RC="$RC $?"
		fi
	done
	RC=${RC# }
}

# stderr_clean NAME...: QEMU's stderr shows (as # lines) and holds nothing
# beyond what is known to be harmless: with enable-migration=on and no
# device dirty tracking, QEMU warns at realize (docs/migration.md); $EXPECT,
# when set, adds what a failed migration makes the source say.
QMP_KNOWN="^\$|: warning: [0-9a-f-]{36}: VFIO device doesn't support device and IOMMU dirty tracking\$"
stderr_clean() {
	local n bad=0
	for n in "$@"; do
		[ -s /tmp/$n.err ] || continue
		sed "s/^/# $n: /" /tmp/$n.err
		grep -v -E "$QMP_KNOWN" /tmp/$n.err | grep -qv -E "${EXPECT:-^\$}" && bad=1
	done
	[ $bad = 0 ]
}
