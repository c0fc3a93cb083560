#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# debug-kernel.sh NAME SOURCE-PACKAGE - build (once) the debug kernel from
# Debian's kernel source with allnoconfig + tools/vm/NAME.config and print
# the same assignments as kernel.sh env.  The build is cached in
# $MDK_CACHE/kernels/NAME-<source version>-<config hash>/, so only the first
# run on a machine pays for it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=$1
frag=$MDK_ROOT/tools/vm/$name.config
mdk_host_deps
src=$("$MDK_ROOT/tools/vm/linux-source.sh" "${2#linux-source-}")
srcver=$(basename "$src")
srcver=${srcver#linux-source-}
key=$( { cat "$frag"; gcc --version | head -1; } | md5sum | cut -c1-12)
dir=$MDK_CACHE/kernels/$name-$srcver-$key
out=$dir/build

if [ ! -e "$dir/.complete" ]; then
	mdk_log "building the $name kernel from linux-source $srcver (first run only, ~10-20 min)"
	mkdir -p "$out"
	exec 9>"$dir.lock"
	flock 9
	if [ ! -e "$dir/.complete" ]; then
		(
			cd "$src"
			KCONFIG_ALLCONFIG=$frag make -s O="$out" allnoconfig
			# Every line of the fragment must have survived Kconfig.
			missing=$(grep '^CONFIG_' "$frag" | while read -r l; do
				grep -qx -- "$l" "$out/.config" ||
				{ [ "${l#*=}" = n ] && ! grep -q "^${l%%=*}=" "$out/.config"; } ||
				echo "$l"; done)
			[ -z "$missing" ] || mdk_log "warning: not in the final config: $(echo $missing)"
			make -s O="$out" -j"$(nproc)" bzImage modules
			make -s O="$out" INSTALL_MOD_PATH="$dir/root" modules_install
		) >&2 || mdk_die "debug kernel build failed (log above)"
		touch "$dir/.complete"
	fi
	exec 9>&-
fi
rel=$(cat "$out/include/config/kernel.release")
cat <<EOT | tee "$MDK_CACHE/kernels/$name.env"
KNAME=$name
KABI=$rel
KVERSION='linux-source $srcver + tools/vm/$name.config ($key)'
KIMAGE=$out/arch/x86/boot/bzImage
KBUILD=$out
KMODS=$dir/root/lib/modules/$rel
EOT
