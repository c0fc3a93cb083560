#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# batch.sh NAME=PATH... - run several suites in one VM boot (make check does this
# on every kernel; a debug boot costs 80-100 s).  Each suite's output is
# framed by lines of their own, "MDK-SUITE-BEGIN name" and
# "MDK-SUITE-END name status", which check.sh splits the output at; the
# console gets "mdevkit: suite NAME" and "mdevkit: suite NAME end" so that
# a kernel report names the suite that was running, or none.
rc=0
for arg in "$@"; do
	name=${arg%%=*} s=${arg#*=}
	echo "mdevkit: suite $name" >/dev/kmsg
	echo "MDK-SUITE-BEGIN $name"
	"$s" </dev/null 2>&1
	st=$?
	# On a line of its own even after output without a last newline.
	printf '\nMDK-SUITE-END %s %s\n' "$name" "$st"
	echo "mdevkit: suite $name end" >/dev/kmsg
	[ "$st" -eq 0 ] || rc=1
done
exit $rc
