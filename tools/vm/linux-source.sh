#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# linux-source.sh - print the path of an unpacked Debian linux-source tree.
#
# Usage: tools/vm/linux-source.sh [SERIES]      (SERIES defaults to 6.12)
#
# Installs the linux-source-SERIES package with apt-get when it is missing
# (running "apt-get update" first if apt-cache does not know it), then unpacks
# /usr/src/linux-source-SERIES.tar.xz once into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/mdevkit/src/linux-source-<pkg version>/
# and prints that path on stdout. Everything else goes to stderr.
#
# Idempotent and safe to interrupt: the tarball is unpacked into a temporary
# directory beside the destination and renamed into place only when complete,
# so the destination either does not exist or is a whole tree. Concurrent
# callers serialise on a lock file in the cache.

set -euo pipefail

series=${1:-6.12}
pkg=linux-source-$series
tarball=/usr/src/$pkg.tar.xz
cache=${XDG_CACHE_HOME:-$HOME/.cache}/mdevkit/src

log() { printf 'linux-source: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"	# mdk_sudo

pkg_version() {
	dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true
}

pkg_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" = \
	  "install ok installed" ] && [ -f "$tarball" ]
}

install_pkg() {
	if ! apt-cache show "$pkg" >/dev/null 2>&1; then
		log "apt-cache does not know $pkg: running apt-get update"
		mdk_sudo apt-get update >&2
	fi
	log "installing $pkg"
	mdk_sudo env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "$pkg" >&2
}

# Unpack $tarball to $1 through a temporary directory and a rename.
unpack() {
	local dest=$1 tmp top

	# Leftovers of an interrupted unpack are ours to remove.
	rm -rf "$cache"/.unpack-* 2>/dev/null || true
	tmp=$(mktemp -d "$cache/.unpack-XXXXXX")
	log "unpacking $tarball (takes a minute)"
	tar -C "$tmp" -xJf "$tarball"
	top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	if [ -z "$top" ] || [ ! -f "$top/Makefile" ]; then
		die "$tarball has no kernel tree at its top"
	fi
	mv -T "$top" "$dest"
	rmdir "$tmp"
	log "unpacked into $dest"
}

main() {
	local version dest

	pkg_installed || install_pkg
	pkg_installed || die "$pkg did not install $tarball"
	version=$(pkg_version)
	[ -n "$version" ] || die "dpkg-query gives no version for $pkg"
	dest=$cache/linux-source-$version
	if [ ! -f "$dest/Makefile" ]; then
		# One unpacker at a time; a waiter finds the tree done.
		mkdir -p "$cache"
		exec 9>"$cache/.lock"
		flock 9
		[ -f "$dest/Makefile" ] || unpack "$dest"
		exec 9>&-
	fi
	printf '%s\n' "$dest"
}

main "$@"
