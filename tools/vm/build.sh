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

# A kernel with KUnit (the debug kernel) also gets the KUnit suites as a
# module: kunit/ with the pure sources beside it, as kunit/run.sh grafts them.
kmods=
eval "$("$MDK_ROOT/tools/vm/kernel.sh" env "$kver")"
if grep -q '^CONFIG_KUNIT=y' "$KBUILD/.config"; then
	stage=$MDK_BUILD/$kver/kunit-src
	rm -rf "$stage" && mkdir -p "$stage"
	cp -a "$MDK_ROOT/kunit/." "$stage/"
	for d in include mdev_core vfio_mdev parents/card parents/nic; do
		[ -d "$MDK_ROOT/$d" ] && mkdir -p "$stage/$(dirname "$d")" &&
			cp -a "$MDK_ROOT/$d" "$stage/$d"
	done
	syms="CONFIG_MDEVKIT_KUNIT_TEST=m $(sed -n 's/^config \(.*_KUNIT_TEST\)$/CONFIG_\1=y/p' "$MDK_ROOT/kunit/Kconfig" | grep -v MDEVKIT_KUNIT_TEST | xargs)"
	kmods=$(MDK_KBUILD_ARGS="$syms" "$MDK_ROOT/tools/vm/kbuild.sh" "$kver" extmod "$stage")
fi
"$MDK_ROOT/tools/vm/initramfs.sh" kernel "$kver" "$mods" "$tmods" $kmods >/dev/null
"$MDK_ROOT/tools/vm/initramfs.sh" project >/dev/null
"$MDK_ROOT/tools/vm/initramfs.sh" base >/dev/null
