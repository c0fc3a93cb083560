# SPDX-License-Identifier: GPL-2.0-only
# guest.sh - what the suites that boot a nested stock guest share (sourced,
# busybox sh; nic_guest, nic_mig_guest): the guest speaks one line at a time
# on its second serial port, "GUEST <WORD> <uptime> [values]"
# (tools/vm/guest/init), which QEMU writes to the file $OUT; its kernel
# console goes to $CON. The suite sets OUT, CON, QPID (the QEMU process
# that runs the guest), QSTART (when it started) and END (the deadline no
# wait goes past).

. /opt/mdevkit/lib/qmp.sh	# alive()

now() { date +%s; }

# left MAX: seconds to the budget's end, at most MAX, at least 10.
left() {
	local l=$((END - $(now)))
	[ "$l" -gt "$1" ] && l=$1
	[ "$l" -lt 10 ] && l=10
	echo "$l"
}

# The last protocol line "GUEST WORD ..." of the guest, or nothing.
gline() { tr -d '\r' <$OUT 2>/dev/null | grep -a "^GUEST $1\( \|\$\)" | tail -1; }
# Field N (1-based, after "GUEST WORD") of that line.
gfield() { gline "$1" | awk -v n="$2" '{ print $(n + 2) }'; }

# wait_for WORD SECONDS: until the guest printed "GUEST WORD", with a progress
# line every 30 s; fails at the deadline, or at once when QEMU is gone.
wait_for() {
	local word=$1 limit=$2 t0 t next=30
	t0=$(now)
	while :; do
		[ -n "$(gline "$word")" ] && return 0
		if ! alive "$QPID"; then
			[ -n "$(gline "$word")" ] && return 0
			echo "# QEMU is gone, no GUEST $word"
			return 1
		fi
		t=$(($(now) - t0))
		if [ "$t" -ge "$limit" ] || [ "$(now)" -ge "$END" ]; then
			echo "# no GUEST $word after ${t} s"
			return 1
		fi
		if [ "$t" -ge "$next" ]; then
			echo "# waiting for GUEST $word: ${t} s (qemu up $(($(now) - QSTART)) s); console: $(tail -n 1 $CON 2>/dev/null | tr -d '\r' | cut -c1-100)"
			next=$((next + 30))
		fi
		sleep 2
	done
}

# Reports in the guest's own kernel log (its console files): the first 20.
guest_reports() {
	cat "$@" 2>/dev/null | tr -d '\r' |
		grep -a -n -E 'WARNING: |BUG: |Oops|Call Trace:|general protection|Kernel panic|virtio_net.*(error|fail)|virtio.*(NEEDS_RESET|broken)|hung_task|stall' |
		head -20
}
