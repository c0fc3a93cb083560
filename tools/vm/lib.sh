# SPDX-License-Identifier: GPL-2.0-only
# Shared helpers for the test bed scripts. Source it; do not run it.

MDK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MDK_CACHE=${MDK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdevkit}
MDK_BUILD=${MDK_BUILD:-$MDK_ROOT/build}

mdk_log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
mdk_die() { mdk_log "error: $*"; exit 1; }

# The packages' version: debian/changelog's first entry (also DKMS's).
mdk_pkg_version() {
	sed -n '1s/^mdevkit (\([^)]*\)).*/\1/p' "$MDK_ROOT/debian/changelog"
}

# Run as root, or through sudo when that exists.
mdk_sudo() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		mdk_die "need root for: $*"
	fi
}

# mdk_need_pkgs PKG...: install the Debian packages that are not installed yet.
mdk_need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	mdk_log "installing host packages: ${missing[*]}"
	mdk_apt_fresh
	mdk_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >&2 ||
		mdk_die "apt-get install ${missing[*]} failed"
}

# apt-get update once per boot of the package lists (or when they are empty).
mdk_apt_fresh() {
	local stamp=$MDK_CACHE/apt-updated
	if [ -n "${MDK_APT_UPDATED:-}" ]; then return 0; fi
	if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +360 2>/dev/null)" ] ||
	   [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ]; then
		mdk_log "apt-get update"
		mdk_sudo apt-get update -q >&2 || mdk_die "apt-get update failed"
		mkdir -p "$MDK_CACHE" && touch "$stamp"
	fi
	export MDK_APT_UPDATED=1
}

# Kernel reports that fail a VM run, wherever they appear in the console
# (run.sh; tools/testing/host/known_splats.sh checks what the known-bug
# filter leaves against them).
MDK_KERNEL_REPORTS='WARNING: CPU|------------\[ cut here \]|BUG: |Oops|general protection fault|Kernel panic|UBSAN:|KASAN:|possible circular locking|possible recursive locking|inconsistent lock state|INFO: trying to register non-static key|suspicious RCU usage|sleeping function called from invalid context|blocked for more than [0-9]+ seconds|rcu_.*detected stalls|self-detected stall|soft lockup|hard LOCKUP|unreferenced object 0x|suspected memory leak|Call Trace:|refcount_t: |list_(add|del) corruption|ODEBUG:|DEBUG_LOCKS_WARN_ON'

# Host packages the bed needs (see README: a fresh Debian 12 needs git, make, gcc).
MDK_HOST_PKGS="qemu-system-x86 busybox-static cpio kmod dwarves xz-utils
	udev mdevctl libudev-dev pciutils python3 bc flex bison gcc-12 libc6-dev
	libelf-dev libssl-dev rsync iproute2 ethtool gnuplot-nox zstd jq man-db"

# What `make deb` (tools/pkg/deb.sh) and host/packaging need besides.
MDK_DEB_PKGS="dpkg-dev debhelper dh-dkms dkms fakeroot libudev-dev lintian gcc make"

# Install what the bed needs, once per change of the package list.
mdk_host_deps() {
	local stamp=$MDK_CACHE/host-deps.$(echo $MDK_HOST_PKGS | md5sum | cut -c1-12)
	[ -e "$stamp" ] && return 0
	# shellcheck disable=SC2086
	mdk_need_pkgs $MDK_HOST_PKGS
	mkdir -p "$MDK_CACHE" && touch "$stamp"
}
