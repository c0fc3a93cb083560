#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build.sh KVER - build everything the test VM of KVER carries: the project's
# modules, the test-only modules, the userspace tools and tests, and the
# kernel and project layers of the initramfs.  Incremental: a second call
# with nothing changed costs a few seconds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: build.sh KVER}
mdk_host_deps

# Every folder the top-level Kbuild lists must be buildable.
for d in $(sed -n 's|^obj-m *+= *\(.*\)/ *$|\1|p' "$MDK_ROOT/Kbuild"); do
	[ -e "$MDK_ROOT/$d/Kbuild" ] || [ -e "$MDK_ROOT/$d/Makefile" ] ||
		mdk_die "Kbuild lists $d/ but $d/ has no Kbuild"
done
mods=$("$MDK_ROOT/tools/vm/kbuild.sh" "$kver" modules)
tmods=$("$MDK_ROOT/tools/vm/kbuild.sh" "$kver" extmod "$MDK_ROOT/tools/testing/modules")
make -s -C "$MDK_ROOT/tools" O="$MDK_BUILD/tools" >&2
"$MDK_ROOT/tools/vm/initramfs.sh" kernel "$kver" "$mods" "$tmods" >/dev/null
"$MDK_ROOT/tools/vm/initramfs.sh" project >/dev/null
"$MDK_ROOT/tools/vm/initramfs.sh" base >/dev/null
