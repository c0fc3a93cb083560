#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kbuild.sh KVER modules       build the project's modules (top-level Kbuild)
# kbuild.sh KVER extmod DIR    build an out-of-tree module folder against the
#                              project's headers and Module.symvers
# kbuild.sh KVER extmod-upstream DIR
#                              the same folder against the kernel's own
#                              headers and symbols only (the kernel's mdev.ko):
#                              `make bench` builds its parent both ways
# kbuild.sh KVER clean
#
# KVER is a bed kernel (tools/vm/kernels: 6.12, 6.1, debug), a release with
# /lib/modules/KVER/build, or empty for the running kernel.  For bed kernels
# the sources are mirrored into build/KVER/ so that every kernel keeps its own
# objects and switching KVER does not rebuild the world; for a real kernel the
# build happens in place, as for any out-of-tree module.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-}
action=${2:?usage: kbuild.sh KVER modules|extmod DIR|extmod-upstream DIR|clean}
jobs=${JOBS:-$(nproc)}

if [ -n "$kver" ] && "$MDK_ROOT/tools/vm/kernel.sh" list | grep -qx -- "$kver"; then
	mdk_host_deps
	eval "$("$MDK_ROOT/tools/vm/kernel.sh" env "$kver")"
	out=$MDK_BUILD/$kver
	mirror=1
else
	KABI=${kver:-$(uname -r)}
	KBUILD=${KDIR:-/lib/modules/$KABI/build}
	out=$MDK_ROOT
	mirror=
	[ -d "$KBUILD" ] || mdk_die "no kernel build tree at $KBUILD (install linux-headers-$KABI, or use KVER=6.12|6.1|debug for the test bed)"
fi

# Copy sources (not objects) into the mirror; unchanged files keep their mtime.
sync_tree() {
	mkdir -p "$2"
	rsync -a --delete "${@:3}" --include='*/' --include='*.[chS]' --include=Kbuild \
		--include=Makefile --include='*.lds' --exclude='*' "$1/" "$2/"
}

kmake() {
	# NOSTDINC_FLAGS from the command line puts our include/ ahead of the
	# kernel's, so <linux/mdev.h> resolves to the project's compat header.
	make -C "$KBUILD" -j"$jobs" NOSTDINC_FLAGS="-I$MDK_ROOT/include -nostdinc" "$@"
}

kmake_upstream() {
	make -C "$KBUILD" -j"$jobs" "$@"
}

case "$action" in
modules)
	src=$MDK_ROOT
	if [ -n "$mirror" ]; then
		src=$out/kbuild
		sync_tree "$MDK_ROOT" "$src" --exclude=/build \
			--exclude=/tools --exclude=/kunit --exclude=/docs --exclude=/.git
	fi
	mdk_log "building modules for $KABI in $src"
	kmake M="$src" modules >&2
	echo "$src"
	;;
extmod)
	dir=$(cd "${3:?extmod needs a folder (M=DIR)}" && pwd)
	src=$dir
	if [ -n "$mirror" ]; then
		src=$out/ext/$(echo "$dir" | sed "s|^$MDK_ROOT/||; s|/|_|g")
		sync_tree "$dir" "$src"
	fi
	symvers=$([ -n "$mirror" ] && echo "$out/kbuild" || echo "$MDK_ROOT")/Module.symvers
	extra=()
	if [ -s "$symvers" ]; then
		extra=(KBUILD_EXTRA_SYMBOLS="$symvers")
		# kbuild does not rerun modpost when only the extra symbols
		# changed (a struct behind an export changes its CRC), and the
		# stale modules then fail to load ("disagrees about version of
		# symbol"): force it.
		if ! cmp -s "$symvers" "$src/.mdk-extra-symvers" 2>/dev/null; then
			rm -f "$src/Module.symvers" "$src"/*.mod.c "$src"/*.ko
			mkdir -p "$src"
			cp "$symvers" "$src/.mdk-extra-symvers"
		fi
	fi
	mdk_log "building $dir for $KABI in $src"
	# MDK_KBUILD_ARGS: extra make arguments (e.g. CONFIG_ symbols of a
	# folder whose Kbuild expects them, as the KUnit suites do).
	# shellcheck disable=SC2086
	kmake M="$src" "${extra[@]}" ${MDK_KBUILD_ARGS:-} modules >&2
	echo "$src"
	;;
extmod-upstream)
	dir=$(cd "${3:?extmod-upstream needs a folder}" && pwd)
	src=$out/ext-upstream/$(echo "$dir" | sed "s|^$MDK_ROOT/||; s|/|_|g")
	[ -n "$mirror" ] || src=$MDK_BUILD/ext-upstream/$(echo "$dir" | sed "s|^$MDK_ROOT/||; s|/|_|g")
	sync_tree "$dir" "$src"
	mdk_log "building $dir for $KABI against the kernel's own headers in $src"
	kmake_upstream M="$src" modules >&2
	echo "$src"
	;;
clean)
	if [ -n "$mirror" ]; then rm -rf "$out"; else kmake M="$MDK_ROOT" clean; fi
	;;
*)
	mdk_die "unknown action '$action'"
	;;
esac
