#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kernel.sh env KVER   - fetch (or build) the bed kernel KVER into the cache and
#                        print shell assignments describing it:
#                        KNAME KABI KVERSION KIMAGE KBUILD KMODS, and KELF
#                        (the kernel as an ELF with a PVH entry, or empty)
# kernel.sh list       - the kernel targets of tools/vm/kernels
#
# Debian kernels: the newest package of the series that apt offers now is
# resolved whenever apt's package lists changed (the archive drops
# superseded security builds; see memo_valid) and
# fetched with `apt-get download` + `dpkg -x` into
# $MDK_CACHE/kernels/<abi>_<version>/; nothing is installed on the host.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KFILE=$MDK_ROOT/tools/vm/kernels

kernel_line() {
	grep -v '^#' "$KFILE" | awk -v k="$1" '$1 == k { print $2, $3 }'
}

# Newest image package matching the pattern that apt can still download.
resolve_image_pkg() {
	local pat=$1 prefix regex name
	prefix=${pat%%\**}
	regex="^$(printf '%s' "$pat" | sed 's/[.+]/\\&/g; s/\*/[0-9]+/g')\$"
	for name in $(apt-cache pkgnames "$prefix" | grep -E "$regex" | sort -rV); do
		if [ -n "$(pkg_version "$name")" ]; then
			echo "$name"
			return 0
		fi
	done
	return 1
}

pkg_version() {
	apt-cache policy "$1" | awk '/Candidate: [0-9]/ { print $2 }'
}

# The headers package depends on its -common and linux-kbuild packages.
header_deps() {
	apt-cache depends "$1" | awk '/Depends: linux-(headers-.*-common|kbuild-)/ { print $2 }' |
		grep -v '^<' | sort -u
}

# The answer of the last resolution while apt's package lists have not
# changed since (apt-cache answers from them: the same answer), for the same
# pattern and with the kernel still in the cache. Asking apt-cache took 5 s,
# at each of make check's 50-odd VM runs.
memo_valid() { # NAME PAT
	local memo=$MDK_CACHE/kernels/$1.memo img
	[ -s "$memo" ] && [ "$(head -1 "$memo")" = "$2" ] || return 1
	[ -z "$(find /var/lib/apt/lists -maxdepth 1 -newer "$memo" -print -quit 2>/dev/null)" ] ||
		return 1
	img=$(sed -n 's/^KIMAGE=//p' "$memo")
	[ -n "$img" ] && [ -e "$img" ] || return 1
	img=$(sed -n 's/^KELF=//p' "$memo")
	[ -z "$img" ] || [ -e "$img" ]
}

# The image's kernel uncompressed, an ELF that QEMU starts at its PVH entry
# (CONFIG_PVH: Debian's kernels have it): no firmware loader and no
# decompression in TCG, 3.3 s less of every VM's boot. Made once into the
# kernel's cache folder; empty when the image has none (QEMU then boots the
# bzImage, as before).
pvh_elf() { # BZIMAGE OUT
	local img=$1 out=$2 magic tool off
	if [ ! -s "$out" ]; then
		for magic in '\x28\xb5\x2f\xfd:zstd' '\xfd7zXZ\x00:xz' '\x1f\x8b\x08:gzip'; do
			tool=${magic##*:}
			command -v "$tool" >/dev/null || continue
			for off in $(LC_ALL=C grep -aboP "${magic%:*}" "$img" | cut -d: -f1 | head -3); do
				tail -c +$((off + 1)) "$img" | "$tool" -dcq >"$out.tmp" 2>/dev/null || true
				if LC_ALL=C readelf -n "$out.tmp" 2>/dev/null | grep -q 'type: (0x00000012)'; then
					mv "$out.tmp" "$out"
					break 2
				fi
			done
		done
		rm -f "$out.tmp"
	fi
	[ -s "$out" ] && echo "$out"
	return 0
}

fetch_debian() {
	local name=$1 pat=$2 img abi ver dir tmp hdr pkgs p debs
	mdk_apt_fresh
	if memo_valid "$name" "$pat"; then
		tail -n +2 "$MDK_CACHE/kernels/$name.memo"
		return
	fi
	img=$(resolve_image_pkg "$pat") || img=
	if [ -z "$img" ]; then
		# Offline or no match: reuse what an earlier run fetched.
		[ -s "$MDK_CACHE/kernels/$name.env" ] ||
			mdk_die "no package matches '$pat' and nothing is cached for $name"
		mdk_log "apt has no '$pat'; using the cached $name kernel"
		cat "$MDK_CACHE/kernels/$name.env"
		return
	fi
	abi=${img#linux-image-}
	abi=${abi%-unsigned}
	ver=$(pkg_version "$img")
	dir=$MDK_CACHE/kernels/${abi}_$ver
	if [ ! -e "$dir/.complete" ]; then
		hdr=linux-headers-$abi
		pkgs="$img $hdr $(header_deps "$hdr")"
		mdk_log "fetching $name kernel $abi ($ver): $(echo $pkgs)"
		tmp=$dir.tmp
		rm -rf "$tmp" && mkdir -p "$tmp/debs" "$tmp/root"
		(cd "$tmp/debs" && apt-get -q -o APT::Sandbox::User=root download $pkgs >&2) ||
			mdk_die "apt-get download $pkgs failed"
		for p in "$tmp"/debs/*.deb; do dpkg -x "$p" "$tmp/root"; done
		# Debian's arch headers include the common ones by absolute path.
		sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" \
			"$tmp/root/usr/src/linux-headers-$abi/Makefile"
		# The package ships no modules.dep (its postinst makes it).
		depmod -b "$tmp/root" "$abi"
		rm -rf "$tmp/debs" "$dir"
		mv "$tmp" "$dir"
		touch "$dir/.complete"
	fi
	mkdir -p "$MDK_CACHE/kernels"
	cat <<EOF | tee "$MDK_CACHE/kernels/$name.env"
KNAME=$name
KABI=$abi
KVERSION='$img $ver'
KIMAGE=$dir/root/boot/vmlinuz-$abi
KBUILD=$dir/root/usr/src/linux-headers-$abi
KMODS=$dir/root/lib/modules/$abi
KELF=$(pvh_elf "$dir/root/boot/vmlinuz-$abi" "$dir/vmlinux-pvh")
EOF
	{ echo "$pat"; cat "$MDK_CACHE/kernels/$name.env"; } >"$MDK_CACHE/kernels/$name.memo.tmp" &&
		mv "$MDK_CACHE/kernels/$name.memo.tmp" "$MDK_CACHE/kernels/$name.memo"
}

case "${1:-}" in
list)
	grep -v '^#' "$KFILE" | awk 'NF { print $1 }'
	;;
env)
	kver=${2:?usage: kernel.sh env KVER}
	read -r kind pat <<<"$(kernel_line "$kver")" || true
	case "${kind:-}" in
	debian) fetch_debian "$kver" "$pat" ;;
	source) exec "$MDK_ROOT/tools/vm/debug-kernel.sh" "$kver" "$pat" ;;
	*) mdk_die "unknown KVER '$kver' (known: $(echo $("$0" list)))" ;;
	esac
	;;
*)
	echo "usage: $0 env KVER | list" >&2
	exit 2
	;;
esac
