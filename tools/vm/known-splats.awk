# SPDX-License-Identifier: GPL-2.0-only
#
# known-splats.awk - take the reports of known kernel bugs out of a console log
#
#   awk -v known=tools/vm/known-splats -v notes=FILE -f known-splats.awk CONSOLE
#
# Prints CONSOLE with the lines of every report that an entry of `known`
# describes exactly replaced by empty lines (so line numbers still point into
# console.log), and appends "known kernel bug NAME at console line N" to
# FILE for each.  run.sh then looks for kernel reports in what is left.
#
# A report runs from its first line to the end of its stack dump ("</TASK>",
# at most 400 lines).  Other CPUs may print in the middle of it, so the
# match reads only the report's own lines, in their places in lockdep's
# format (kernel/locking/lockdep.c, print_circular_bug()):
#   - the lock of the next lock line (print_lock()'s "<address> (<lock>)
#     {...}-{n:n}, at: <site>") after "<task>/<pid> is trying to acquire
#     lock:", and its site;
#   - the lock of the next lock line after "but task is already holding
#     lock:", and its site;
#   - the "-> #N (<lock>){...}-{n:n}:" entries of the dependency chain, in
#     order, numbered down to #0; and a "Chain exists of:" exactly when
#     they are three or more (as lockdep prints it).
# Within a matched report only the lines in lockdep's or dump_stack()'s
# shapes are blanked; anything else (another CPU's line, another report
# printed meanwhile) stays for run.sh to see.

# The text of a console line: no CR, no "[  41.283519] " time stamp, no
# "[T297]" caller id.
function text(l) {
	sub(/\r$/, "", l)
	sub(/^\[ *[0-9]+\.[0-9]+\] ?/, "", l)
	sub(/^\[ *[TC][0-9]+\] ?/, "", l)
	return l
}

# A held lock as print_lock() writes it: "<address> (<name>){<usage>}-{n:n},
# at: <symbol>"; sets NAME and AT.
function lockline(s,   p) {
	if (s !~ /^[0-9a-f]+ \(.*\)\{[^}]*\}-\{[0-9]+:[0-9]+\}, at: /)
		return 0
	p = index(s, " (")
	match(s, /\)\{[^}]*\}-\{[0-9]+:[0-9]+\}, at: /)
	NAME = substr(s, p + 2, RSTART - p - 2)
	AT = substr(s, RSTART + RLENGTH)
	return 1
}

# A chain entry as print_circular_bug_entry() writes it: "-> #N (<name>)
# {<usage>}-{n:n}:"; sets NAME and DEPTH.
function chainline(s,   p) {
	if (s !~ /^-> #[0-9]+ \(.*\)\{[^}]*\}-\{[0-9]+:[0-9]+\}:$/)
		return 0
	p = index(s, " (")
	DEPTH = substr(s, 5, p - 5) + 0
	match(s, /\)\{[^}]*\}-\{[0-9]+:[0-9]+\}:$/)
	NAME = substr(s, p + 2, RSTART - p - 2)
	return 1
}

# Lines of the report itself: lockdep's text and dump_stack()'s.
function own(s) {
	return s == "" || s ~ /^(=+|-+)$/ || s == HEADER ||
	    s ~ /^[^ ]+ [^ ]+ (Not tainted|Tainted: .*)$/ ||
	    s ~ /^[^ ].*\/[0-9]+ is trying to acquire lock:$/ ||
	    s == "but task is already holding lock:" ||
	    s == "which lock already depends on the new lock." ||
	    s == "the existing dependency chain (in reverse order) is:" ||
	    s == "other info that might help us debug this:" ||
	    s == "Chain exists of:" || s ~ /^  [^ ].* --> .*[^ ]$/ ||
	    s == " Possible unsafe locking scenario:" ||
	    s ~ /^ +CPU0 +CPU1$/ || s ~ /^ +---- +----$/ ||
	    s ~ /^ +(r?lock|sync)\(.*\);$/ || s == " *** DEADLOCK ***" ||
	    s ~ /^([0-9]+ locks? held by .*:|no locks held by .*\.)$/ ||
	    lockline(s) || (s ~ /^ #[0-9]+: / && lockline(substr(s, index(s, ": ") + 2))) ||
	    chainline(s) || s == "stack backtrace:" ||
	    s ~ /^CPU: [0-9]+ (UID: [0-9]+ )?PID: [0-9]+ Comm: / ||
	    s ~ /^Tainted: \[/ || s ~ /^Hardware name: / || s == "Call Trace:" ||
	    s ~ /^ *<\/?(TASK|IRQ|NMI|SOFTIRQ)>$/ ||
	    s ~ /^ +(\? )?([A-Za-z0-9_.$]+\+0x[0-9a-f]+\/0x[0-9a-f]+( \[[^]]+\])?|0x[0-9a-f]+)$/ ||
	    s ~ /^(RIP|Code|RSP|RAX|RDX|RBP|R10|R13): /
}

# The entry of `known` the report in blk[1..nb] is, or 0.
function which(   b, s, want, acq, acqat, held, heldat, chain, nch, depths, chainof, i) {
	want = ""
	for (b = 1; b <= nb; b++) {
		s = text(blk[b])
		if (s ~ /^[^ ].*\/[0-9]+ is trying to acquire lock:$/ && acq == "")
			want = "acquire"
		else if (s == "but task is already holding lock:" && held == "")
			want = "held"
		else if (want != "" && lockline(s)) {
			if (want == "acquire") { acq = NAME; acqat = AT }
			else { held = NAME; heldat = AT }
			want = ""
		} else if (chainline(s)) {
			chain = chain (nch++ ? " " : "") NAME
			depths = depths " " DEPTH
		} else if (s == "Chain exists of:")
			chainof = 1
	}
	for (i = 1; i <= k; i++) {
		if (acq != acquire[i] || held != holding[i] || chain != chains[i])
			continue
		if (acqat !~ acquire_at[i] || heldat !~ holding_at[i])
			continue
		if (depths != expect_depths(nch) || chainof + 0 != (nch > 2))
			continue
		return i
	}
	return 0
}

function expect_depths(n,   s) {
	while (n-- > 0)
		s = s " " n
	return s
}

function flush(   hit, b) {
	hit = which()
	for (b = 1; b <= nb; b++)
		print ((hit && own(text(blk[b]))) ? "" : blk[b])
	if (hit)
		print "known kernel bug " name[hit] " at console line " start >>notes
	nb = 0
}

BEGIN {
	HEADER = "WARNING: possible circular locking dependency detected"
	if (notes == "")
		notes = "/dev/stderr"
	while ((getline l < known) > 0) {
		if (l ~ /^#/ || l == "")
			continue
		n = split(l, f, "\t")
		if (n != 7 || f[2] != "circular") {
			print "known-splats.awk: " known ": bad entry: " l >"/dev/stderr"
			bad = 1
			exit 2
		}
		k++
		name[k] = f[1]
		acquire[k] = f[3]; acquire_at[k] = f[4]
		holding[k] = f[5]; holding_at[k] = f[6]
		chains[k] = f[7]
	}
	close(known)
}

{
	if (!nb) {
		if (k && text($0) == HEADER) {
			nb = 1
			blk[1] = $0
			start = NR
		} else {
			print
		}
		next
	}
	blk[++nb] = $0
	if (text($0) ~ /^ *<\/TASK>$/ || nb > 400)
		flush()
}

END {
	if (bad)
		exit 2
	if (nb)
		flush()
}
