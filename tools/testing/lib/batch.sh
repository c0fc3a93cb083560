#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# batch.sh NAME=PATH... - run several suites in one VM boot (make check does this
# on every kernel; a debug boot costs 80-100 s).  Each suite's output is
# framed by lines of their own, "MDK-SUITE-BEGIN name" and
# "MDK-SUITE-END name status", which check.sh splits the output at; the
# console gets "mdevkit: suite NAME" and "mdevkit: suite NAME end" so that
# a kernel report names the suite that was running, or none.
#
# NAME=PATH@SECONDS gives a suite a time limit of its own (check.sh: its
# "mdevkit-timeout", else 900 s): a suite still running then is stopped
# with everything it started (its own session: TERM, KILL 10 s later) and
# ends with status 124; the next suites still run.
rc=0
for arg in "$@"; do
	name=${arg%%=*} s=${arg#*=} t=
	case $s in *@*) t=${s##*@} s=${s%@*} ;; esac
	echo "mdevkit: suite $name" >/dev/kmsg
	echo "MDK-SUITE-BEGIN $name"
	if [ -n "$t" ]; then
		# Not a group leader (no job control here), so setsid execs
		# the suite in place: $! is the suite, its session and group.
		setsid "$s" </dev/null 2>&1 &
		pid=$! i=0
		while [ -e /proc/$pid/stat ] && [ "$(cut -d' ' -f3 /proc/$pid/stat)" != Z ] &&
			[ $i -lt "$t" ]; do
			sleep 1
			i=$((i + 1))
		done
		if [ $i -ge "$t" ]; then
			echo "# $name: stopped at its time limit of $t s"
			kill -TERM -$pid 2>/dev/null
			sleep 10
			kill -KILL -$pid 2>/dev/null
			wait $pid
			st=124
		else
			wait $pid
			st=$?
		fi
	else
		"$s" </dev/null 2>&1
		st=$?
	fi
	# On a line of its own even after output without a last newline.
	printf '\nMDK-SUITE-END %s %s\n' "$name" "$st"
	echo "mdevkit: suite $name end" >/dev/kmsg
	[ "$st" -eq 0 ] || rc=1
done
exit $rc
