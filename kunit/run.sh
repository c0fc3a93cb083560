#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kunit/run.sh - run the mdevkit KUnit suites on UML (what `make kunit` does).
#
# Usage: bash kunit/run.sh [kunit.py run options...]
#   e.g. bash kunit/run.sh 'mdk_res.*'        (a suite/test filter glob)
#
# 1. Installs the host packages a UML build needs, when missing.
# 2. Gets an unpacked linux-source tree from tools/vm/linux-source.sh.
# 3. Makes, once, a work tree in the cache: a `cp -rs` symlink farm of that
#    tree with real copies of drivers/Kconfig and drivers/Makefile (which
#    source and descend into drivers/mdevkit/) and of tools/testing/kunit
#    (kunit.py finds its tree through its own real path).
# 4. Refreshes drivers/mdevkit/ from this repository: kunit/ at its top,
#    include/mdevkit/, mdev_core/ and vfio_mdev/ beside it. Files are copied
#    only when their content changed, so a warm run recompiles only those.
# 5. Runs kunit.py with --kunitconfig=drivers/mdevkit and a build directory
#    kept in the cache, and prints its output.
#
# The last line of output is always
#   KUNIT-TOTALS passed=N failed=N skipped=N
# and the exit status is non-zero if anything failed, crashed or did not
# build. Logs of this script go to stderr.

set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/mdevkit/kunit
jobs=${KUNIT_JOBS:-2}
host_pkgs="bc bison flex gcc make libc6-dev python3 xz-utils"
# Repository directories copied under drivers/mdevkit/ (C sources only).
src_dirs="include/mdevkit mdev_core vfio_mdev parents/card parents/nic"

log() { printf 'kunit: %s\n' "$*" >&2; }

reported=0
totals() {
	reported=1
	printf 'KUNIT-TOTALS passed=%d failed=%d skipped=%d\n' "$1" "$2" "$3"
}

# Whatever stops the script, its last line is the totals line.
on_exit() {
	local rc=$?

	if [ "$reported" -eq 0 ]; then
		log "error: stopped (exit $rc) before kunit.py reported"
		totals 0 1 0
		[ "$rc" -ne 0 ] || rc=1
	fi
	exit "$rc"
}
trap on_exit EXIT

# Fail before kunit.py could report: say why, print failed=1, exit.
fail() {
	log "error: $*"
	totals 0 1 0
	exit 1
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		fail "need root to run '$*' (no sudo)"
	fi
}

ensure_host_pkgs() {
	local p missing=""

	for p in $host_pkgs; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	log "installing host packages:$missing"
	# shellcheck disable=SC2086
	if ! as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends $missing >&2; then
		as_root apt-get update >&2
		# shellcheck disable=SC2086
		as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends $missing >&2 ||
			fail "cannot install:$missing"
	fi
}

# Append a line to drivers/$1 of tree $2 before its final "endmenu" (Kconfig)
# or at its end (Makefile), replacing the symlink with a real copy.
graft_line() {
	local file=$2/drivers/$1 line=$3 real

	real=$(readlink -f "$file")
	rm "$file"
	if [ "$1" = Kconfig ]; then
		sed '$ { /^endmenu/ d }' "$real" >"$file"
		printf '%s\n\nendmenu\n' "$line" >>"$file"
	else
		cat "$real" >"$file"
		printf '%s\n' "$line" >>"$file"
	fi
}

# Make the work tree $2 from source tree $1, through a temporary directory.
make_work_tree() {
	local src=$1 work=$2 tmp

	log "making work tree $work (once)"
	rm -rf "$work".tmp-*
	tmp=$(mktemp -d "$work.tmp-XXXXXX")
	cp -rs "$src/." "$tmp/"
	graft_line Kconfig "$tmp" 'source "drivers/mdevkit/Kconfig"'
	# shellcheck disable=SC2016 # a make variable, not a shell one
	graft_line Makefile "$tmp" 'obj-$(CONFIG_MDEVKIT_KUNIT_TEST)	+= mdevkit/'
	rm -rf "$tmp/tools/testing/kunit"
	cp -r "$src/tools/testing/kunit" "$tmp/tools/testing/kunit"
	mkdir -p "$tmp/drivers/mdevkit"
	mv -T "$tmp" "$work"
}

# Lay out in $1 what drivers/mdevkit/ should hold.
stage_sources() {
	local stage=$1 d

	cp "$repo"/kunit/Kconfig "$repo"/kunit/Makefile \
	   "$repo"/kunit/.kunitconfig "$stage/"
	cp "$repo"/kunit/*.[ch] "$stage/" 2>/dev/null || true
	for d in $src_dirs; do
		[ -d "$repo/$d" ] || continue
		mkdir -p "$stage/$d"
		find "$repo/$d" -maxdepth 1 -type f -name '*.[ch]' \
			-exec cp {} "$stage/$d/" \;
	done
}

# Make $2 hold exactly the files of $1, touching only files that changed.
sync_tree() {
	local from=$1 to=$2 f

	(cd "$from" && find . -type f) | while read -r f; do
		if ! cmp -s "$from/$f" "$to/$f"; then
			mkdir -p "$(dirname "$to/$f")"
			cp "$from/$f" "$to/$f"
			log "updated drivers/mdevkit/${f#./}"
		fi
	done
	(cd "$to" && find . -type f) | while read -r f; do
		[ -e "$from/$f" ] || { rm -f "$to/$f"; log "removed ${f#./}"; }
	done
}

refresh_sources() {
	local work=$1 stage

	stage=$(mktemp -d)
	stage_sources "$stage"
	sync_tree "$stage" "$work/drivers/mdevkit"
	rm -rf "$stage"
}

# Print "passed failed skipped errors" from kunit.py's "Testing complete."
# line (failed counts crashed tests too); print nothing if there is none.
parse_totals() {
	sed 's/\x1b\[[0-9;]*m//g' "$1" |
		grep -o 'Testing complete\. Ran [0-9]* tests\?:.*' | tail -n 1 |
		awk '{
			p = f = s = e = 0
			for (i = 1; i <= NF; i++) {
				k = $i; v = $(i + 1) + 0
				if (k == "passed:") p = v
				if (k == "failed:" || k == "crashed:") f += v
				if (k == "skipped:") s = v
				if (k == "errors:") e = v
			}
			print p, f, s, e
		}' || true
}

# On UML, 6.12's tools/testing/kunit/configs/arch_uml.config enables PCI over
# virtio without a device ID, and the kernel WARNs at boot for it
# (arch/um/drivers/virt-pci.c:1005). Give it an ID no device uses.
uml_pci_fix() {
	case " $* " in
	*" --arch"*) ;;
	*) echo "--kconfig_add=CONFIG_UML_PCI_OVER_VIRTIO_DEVICE_ID=65535" ;;
	esac
}

run_kunit() {
	local work=$1 logf=$2 rc fix

	shift 2
	fix=$(uml_pci_fix "$@")
	set +e
	# shellcheck disable=SC2086 # $fix is one word or none
	(cd "$work" && python3 tools/testing/kunit/kunit.py run \
		--kunitconfig=drivers/mdevkit --build_dir="$work/.kunit" \
		--jobs="$jobs" $fix "$@") 2>&1 | tee "$logf"
	rc=${PIPESTATUS[0]}
	set -e
	return "$rc"
}

report() {
	local logf=$1 rc=$2 passed failed skipped errors counts

	counts=$(parse_totals "$logf")
	[ -n "$counts" ] ||
		fail "kunit.py printed no 'Testing complete.' line (exit $rc):" \
		     "the UML kernel did not configure, build or boot; see above"
	read -r passed failed skipped errors <<<"$counts"
	if [ "$errors" -gt 0 ] && [ "$failed" -eq 0 ]; then
		log "kunit.py found $errors errors in the test output"
		failed=1
	fi
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		log "kunit.py exited $rc with no failed test"
		failed=1
	fi
	[ "$((passed + failed + skipped))" -gt 0 ] || {
		log "no test ran"; failed=1; }
	totals "$passed" "$failed" "$skipped"
	[ "$failed" -eq 0 ]
}

main() {
	local src version work logf rc=0 t0=$SECONDS

	ensure_host_pkgs
	src=$(bash "$repo/tools/vm/linux-source.sh") || fail "no linux-source tree"
	version=${src##*/linux-source-}
	work=$cache/$version
	mkdir -p "$cache"
	# One run at a time per cache: the work tree and build dir are shared.
	exec 9>"$cache/.lock"
	flock 9
	[ -d "$work" ] || make_work_tree "$src" "$work"
	refresh_sources "$work"
	logf=$work/.kunit-run.log
	run_kunit "$work" "$logf" "$@" || rc=$?
	log "kunit.py exited $rc after $((SECONDS - t0)) s (tree $work)"
	report "$logf" "$rc"
}

main "$@"
