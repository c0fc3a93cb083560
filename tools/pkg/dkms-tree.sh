#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dkms-tree.sh DIR - the DKMS source tree of mdevkit in DIR (created; must
# not exist or be empty): the top-level Kbuild, include/, the modules'
# folders (sources and Kbuild files only) and dkms.conf with its version
# filled in from debian/changelog.  `make dkms` and debian/rules use it;
# docs/install.md.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"
out=${1:?usage: dkms-tree.sh DIR}

version=$(mdk_pkg_version)
version=${version%%-*}
[ -n "$version" ] || { echo "dkms-tree.sh: no version in debian/changelog" >&2; exit 1; }
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
	echo "dkms-tree.sh: $out exists and is not empty" >&2
	exit 1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$MDK_ROOT"
# What tools/vm/kbuild.sh hands to kbuild: sources, Kbuild files, headers.
find Kbuild include mdev_core vfio_mdev parents \
	\( -name '*.[ch]' -o -name Kbuild \) -type f | LC_ALL=C sort |
while read -r f; do
	install -D -m 0644 "$f" "$out/$f"
done
sed "s/#MODULE_VERSION#/$version/" dkms.conf >"$out/dkms.conf"
echo "$version"
