#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdevkit-kvers: debug
#
# kunit_modules - the project's KUnit suites built as a module against the
# debug kernel (KUNIT=y) and run in the VM, next to the real bus and VFIO.
# Each KUnit test case becomes one TAP result here.
. /opt/mdevkit/lib/tap.sh

mods=$(ls /lib/modules/"$(uname -r)"/updates/ | sed -n 's/\.ko$//p' | grep '_kunit$')
results=/sys/kernel/debug/kunit
echo "TAP version 13"
if [ -z "$mods" ] || [ ! -d $results ]; then
	echo "1..1"
	tap_fail kunit_modules_present "expected *_kunit.ko modules and $results" \
		"saw modules: '$mods'"
	tap_done
fi

out=/tmp/kunit-tap
: >$out
# KUnit runs every case inside modprobe: its longest (mdk_res's random
# sequences, 35-54 s each on a slow host) outlast the bed's 30 s hung-task
# timeout (tools/vm/init), which reported modprobe as hung. A real hang
# still ends in the VM's timeout.
hung=$(cat /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null || echo)
[ -n "$hung" ] && echo 600 >/proc/sys/kernel/hung_task_timeout_secs
for m in $mods; do
	tap_begin "load_$m"
	before=$(ls $results)
	if ! modprobe "$m"; then
		echo "not ok - $m loads" >>$out
		continue
	fi
	for s in $(ls $results); do
		echo "$before" | grep -qx "$s" && continue
		# Test cases are the ok lines one level (4 spaces) below the suite.
		awk -v suite="$s" '
			match($0, /^ *(not )?ok [0-9]+ /) {
				n++; ind[n] = match($0, /[^ ]/) - 1; line[n] = $0
				if (min == "" || ind[n] < min) min = ind[n]
			}
			END {
				for (i = 1; i <= n; i++) {
					want = min + 4
					if (ind[i] != want) continue
					l = line[i]; sub(/^ */, "", l)
					bad = (l ~ /^not ok/); sub(/^(not )?ok [0-9]+ /, "", l)
					print (bad ? "not ok" : "ok") " - " suite "." l
				}
			}' "$results/$s/results" >>$out
	done
	rmmod "$m" || echo "not ok - $m unloads" >>$out
done
[ -n "$hung" ] && echo "$hung" >/proc/sys/kernel/hung_task_timeout_secs
echo "1..$(wc -l <$out)"
awk '{ sub(/ - /, " " NR " - "); print }' $out
grep -q '^not ok' $out && exit 1
exit 0
