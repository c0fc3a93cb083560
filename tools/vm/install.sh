#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# install.sh KVER DESTDIR PREFIX - `make install`:
#   - the modules (modules_install into /lib/modules/<release>/updates, so
#     they take precedence over the kernel's own, then depmod);
#   - udev/*.rules into /etc/udev/rules.d (60-mdevctl.rules replaces
#     mdevctl's rule, which calls a path Debian does not install;
#     61-mdevkit.rules names, properties and access), their helper
#     udev/mdk-udev into /lib/udev, udev/udev.conf into
#     /etc/mdevkit/udev.conf unless that exists (docs/operations.md);
#   - udev/modprobe.d/*.conf into /etc/modprobe.d ("modprobe mdev" loads
#     mdev_core; the kernel's mdev.ko is not loaded in its place);
#   - the tools into PREFIX/bin, mdk's man page into PREFIX/share/man/man1
#     and its bash completion into PREFIX/share/bash-completion/completions.
# KVER empty: the running kernel; a release: /lib/modules/KVER/build (or
# KDIR=); a bed kernel (6.12, 6.1, debug): its unpacked package, which with
# DESTDIR= gives a staged install for packaging or inspection.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:-} destdir=${2:-} prefix=${3:-/usr/local}

src=$("$MDK_ROOT/tools/vm/kbuild.sh" "$kver" modules)
if [ -n "$kver" ] && "$MDK_ROOT/tools/vm/kernel.sh" list | grep -qx -- "$kver"; then
	eval "$("$MDK_ROOT/tools/vm/kernel.sh" env "$kver")"
else
	KABI=${kver:-$(uname -r)}
	KBUILD=${KDIR:-/lib/modules/$KABI/build}
fi

# A kernel configured to sign every module but whose build tree has no key
# (every distribution's headers): install unsigned instead of failing noisily.
nosign=()
key=$(sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$/\1/p' "$KBUILD/.config" 2>/dev/null)
if grep -q '^CONFIG_MODULE_SIG_ALL=y' "$KBUILD/.config" 2>/dev/null &&
   [ ! -e "$key" ] && [ ! -e "$KBUILD/$key" ]; then
	mdk_log "not signing the modules: $KABI's build tree has no signing key ($key)"
	nosign=(CONFIG_MODULE_SIG_ALL=)
fi

mdk_log "installing modules for $KABI into ${destdir:-/}lib/modules/$KABI/updates"
make -C "$KBUILD" M="$src" INSTALL_MOD_DIR=updates "${nosign[@]}" \
	${destdir:+INSTALL_MOD_PATH="$destdir"} modules_install >&2
if [ -z "$destdir" ] || [ -d "$destdir/lib/modules/$KABI/kernel" ]; then
	depmod ${destdir:+-b "$destdir"} -a "$KABI"
else
	mdk_log "not running depmod: $destdir holds no kernel modules of $KABI"
fi

install -d "$destdir/etc/udev/rules.d" "$destdir/etc/modprobe.d"
install -m 0644 "$MDK_ROOT"/udev/*.rules "$destdir/etc/udev/rules.d/"
install -m 0644 "$MDK_ROOT"/udev/modprobe.d/*.conf "$destdir/etc/modprobe.d/"
# The rules' helper where udev finds programs named without a path; the
# operator's settings once, never over the operator's own file.
install -D -m 0755 "$MDK_ROOT/udev/mdk-udev" "$destdir/lib/udev/mdk-udev"
[ -e "$destdir/etc/mdevkit/udev.conf" ] ||
	install -D -m 0644 "$MDK_ROOT/udev/udev.conf" "$destdir/etc/mdevkit/udev.conf"
if [ -d "$MDK_BUILD/tools/bin" ]; then
	install -d "$destdir$prefix/bin"
	install -m 0755 "$MDK_BUILD"/tools/bin/* "$destdir$prefix/bin/"
fi
install -D -m 0644 "$MDK_ROOT/docs/man/mdk.1" "$destdir$prefix/share/man/man1/mdk.1"
install -D -m 0644 "$MDK_ROOT/tools/mdk.bash-completion" \
	"$destdir$prefix/share/bash-completion/completions/mdk"
if [ -z "$destdir" ] && command -v udevadm >/dev/null; then
	udevadm control --reload 2>/dev/null || true
fi
mdk_log "installed; the kernel's mdev.ko will not be loaded in place of mdev_core (/etc/modprobe.d/mdevkit.conf)"
