# SPDX-License-Identifier: GPL-2.0-only
#
# known-splats.awk - take the reports of known kernel bugs out of a console log
#
#   awk -v known=tools/vm/known-splats -v notes=FILE -f known-splats.awk CONSOLE
#
# Prints CONSOLE with every report that matches an entry of `known` blanked
# (line numbers kept) and appends "known kernel bug NAME at console line N"
# to FILE for each.
BEGIN {
	FS = "\t"
	if (notes == "")
		notes = "/dev/stderr"
	while ((getline l < known) > 0) {
		if (l ~ /^#/ || l == "") continue
		n = split(l, f, "\t")
		k++; name[k] = f[1]; first[k] = f[2]; np[k] = n - 2
		for (i = 3; i <= n; i++) pat[k, i - 2] = f[i]
	}
}
function flush(   i, j, ok, hit) {
	hit = 0
	for (i = 1; i <= k && !hit; i++) {
		if (index(blk[1], first[i]) == 0) continue
		ok = 1
		for (j = 1; j <= np[i] && ok; j++) {
			ok = 0
			for (b = 1; b <= nb; b++)
				if (index(blk[b], pat[i, j])) { ok = 1; break }
		}
		if (ok) hit = i
	}
	for (b = 1; b <= nb; b++) print (hit ? "" : blk[b])
	if (hit) print "known kernel bug " name[hit] " at console line " start >>notes
	nb = 0
}
{
	if (!nb) {
		for (i = 1; i <= k; i++)
			if (index($0, first[i])) { nb = 1; blk[1] = $0; start = NR; next }
		print; next
	}
	blk[++nb] = $0
	if (index($0, "</TASK>") || nb > 400) flush()
}
END { if (nb) flush() }
