#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deb.sh [OUTDIR] - `make deb`: the Debian packages mdevkit-dkms and
# mdevkit-tools, built with dpkg-buildpackage from the tree's tracked files
# (what a clean clone holds) in OUTDIR/src, then checked with lintian.
# The .debs, .buildinfo and .changes land in OUTDIR (default build/deb);
# the last line printed is the .changes file.  docs/install.md.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

out=$(mkdir -p "${1:-$MDK_BUILD/deb}" && cd "${1:-$MDK_BUILD/deb}" && pwd)
# shellcheck disable=SC2086
mdk_need_pkgs $MDK_DEB_PKGS

version=$(mdk_pkg_version)
src=$out/src/mdevkit-$version
rm -rf "$out/src" "$out"/mdevkit*_"$version"*
mkdir -p "$src"
# Tracked files only (with their edits in the work tree): no build/ caches.
if git -C "$MDK_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$MDK_ROOT" && git ls-files -z --cached | xargs -0 -I{} sh -c \
		'[ -e "$1" ] && cp -a --parents "$1" "$2"' _ {} "$src")
else
	rsync -a --exclude=/build "$MDK_ROOT/" "$src/"
fi

mdk_log "dpkg-buildpackage in $src"
(cd "$src" && dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1) || {
	tail -30 "$out/build.log" >&2
	mdk_die "dpkg-buildpackage failed (log: $out/build.log)"
}
for f in "$out"/src/mdevkit*_"$version"*; do mv "$f" "$out/"; done
changes=$out/mdevkit_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
mdk_log "lintian $(basename "$changes")"
lintian --fail-on error,warning --info "$changes" >&2 || mdk_die "lintian found problems"
ls "$out"/*.deb >&2
echo "$changes"
