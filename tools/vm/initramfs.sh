#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# initramfs.sh base                     -> path of the host-userland layer
# initramfs.sh kernel KVER MODDIR...    -> path of KVER's module layer
# initramfs.sh project                  -> path of the project layer
# initramfs.sh run OUT CMDFILE [EXTRA]  -> writes the per-run layer OUT
# initramfs.sh qemu                     -> path of the optional QEMU layer
#                                          (suites: "mdevkit-layers: qemu";
#                                          make vm-run: MDK_VM_LAYERS=qemu)
# initramfs.sh guest                    -> path of the optional nested-guest
#                                          layer (kernel + guest initramfs in
#                                          /opt/mdevkit/guest; "qemu guest")
# initramfs.sh libvirt                  -> path of the optional libvirt layer
#                                          (libvirtd 9.0 and virsh from
#                                          Debian 12; "qemu libvirt")
# initramfs.sh qemu10                   -> path of the optional QEMU 10 layer
#                                          (bookworm-backports' QEMU in
#                                          /opt/qemu10, beside the qemu layer's
#                                          7.2; "qemu10")
#
# The VM's initramfs is the concatenation of these uncompressed newc
# archives (each padded to 512 bytes, so every layer starts 4-byte aligned).
# The base layer is cached in $MDK_CACHE keyed by the host packages it copies.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Host programs copied into the VM, with the shared libraries they need.
BASE_BINS="/bin/busybox /bin/dash /bin/kmod /usr/bin/udevadm /usr/bin/mdevctl
	/usr/bin/lspci /usr/bin/setpci /bin/ip /usr/sbin/ethtool /usr/bin/flock
	/usr/bin/jq"
BASE_PKGS="busybox-static dash kmod udev mdevctl pciutils libc6 iproute2 ethtool util-linux jq"

mkcpio() { # DIR OUT
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2.tmp"
	mv "$2.tmp" "$2"
}

copy_with_libs() { # ROOT FILE...
	local root=$1 f lib
	shift
	for f in "$@"; do
		install -D -m 0755 "$f" "$root$f"
		for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
			[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
		done
	done
}

build_base() {
	local root=$1 a
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,var/log,lib/modules,opt,extra}
	copy_with_libs "$root" $BASE_BINS
	for a in $(/bin/busybox --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	# /bin/sh is dash, as on Debian: busybox's sh runs its own applets
	# (modprobe, insmod, ...) ahead of PATH, and the tests must run the
	# programs users have.
	ln -sf dash "$root/bin/sh"
	for a in modprobe insmod rmmod lsmod depmod modinfo; do
		echo "alias $a=/sbin/$a"
	done >"$root/etc/profile"
	# kmod's tools, not busybox's applets, wherever PATH finds them: they
	# are what users run (modprobe.d "install" lines, softdeps, messages).
	for a in modprobe insmod rmmod lsmod depmod modinfo; do
		ln -sf ../bin/kmod "$root/sbin/$a"
		ln -sf kmod "$root/bin/$a"
	done
	# systemd-udevd is udevadm under another name (as on the host).
	mkdir -p "$root/lib/systemd"
	ln -s /usr/bin/udevadm "$root/lib/systemd/systemd-udevd"
	ln -s /usr/bin/udevadm "$root/bin/udevadm"
	mkdir -p "$root/lib/udev"
	cp -a /lib/udev/rules.d "$root/lib/udev/"
	[ -e "$root/lib/udev/rules.d/60-mdevctl.rules" ] || mdk_die "mdevctl's udev rule is missing"
	# Debian's mdevctl rule calls /usr/sbin/mdevctl; the package ships
	# /usr/bin. No link here: the project's udev/60-mdevctl.rules, which
	# `make install` puts in /etc, fixes it, and the tests rely on it.
	ln -s mdevctl "$root/usr/bin/lsmdev"
	mkdir -p "$root/etc/mdevctl.d/scripts.d/callouts" "$root/etc/mdevctl.d/scripts.d/notifiers"
	install -D -m 0644 /usr/share/misc/pci.ids "$root/usr/share/misc/pci.ids"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\nkvm:x:36:\ntty:x:5:\ndisk:x:6:\naudio:x:29:\nvideo:x:44:\ninput:x:101:\nrender:x:102:\nsgx:x:103:\n' >"$root/etc/group"
	echo mdevkit-vm >"$root/etc/hostname"
}

base() {
	local key out tmp
	key=$( { cat "$0"; dpkg-query -W $BASE_PKGS; } | md5sum | cut -c1-16)
	out=$MDK_CACHE/initramfs/base-$key.cpio
	if [ ! -s "$out" ]; then
		mdk_log "building the base layer (host userland) $out"
		tmp=$(mktemp -d "$MDK_CACHE/initramfs.XXXXXX")
		build_base "$tmp/root"
		mkdir -p "$(dirname "$out")"
		mkcpio "$tmp/root" "$out"
		rm -rf "$tmp"
	fi
	echo "$out"
}

# Modules the bed loads from the target kernel, with their dependencies
# (veth: the NIC benchmark's baseline).
KMOD_WANT="vfio vfio_iommu_type1 vfio-pci mdev veth"

kernel_layer() { # KVER MODDIR...
	local kver=$1 root out m dep rel
	shift
	eval "$("$MDK_ROOT/tools/vm/kernel.sh" env "$kver")"
	out=$MDK_BUILD/$kver/initramfs-kernel.cpio
	root=$MDK_BUILD/$kver/initramfs-kernel
	rm -rf "$root"
	mkdir -p "$root/lib/modules/$KABI/updates"
	cp "$KMODS"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$KABI/" 2>/dev/null || true
	for m in $(modprobe -d "${KMODS%/lib/modules/*}" -S "$KABI" --show-depends -a $KMOD_WANT 2>/dev/null |
		   awk '$1 == "insmod" { print $2 }' | sort -u); do
		rel=${m#"$KMODS"/}
		mkdir -p "$root/lib/modules/$KABI/$(dirname "$rel")"
		case "$m" in
		*.xz) xz -dc "$m" >"$root/lib/modules/$KABI/${rel%.xz}" ;;
		*.zst) zstd -qdc "$m" >"$root/lib/modules/$KABI/${rel%.zst}" ;;
		*) cp "$m" "$root/lib/modules/$KABI/$rel" ;;
		esac
	done
	# The project's modules and the test-only ones, so `modprobe <name>` works.
	for dep in "$@"; do
		[ -d "$dep" ] || continue
		find "$dep" -name '*.ko' -exec cp {} "$root/lib/modules/$KABI/updates/" \;
	done
	depmod -b "$root" "$KABI"
	mkcpio "$root" "$out"
	echo "$out"
}

project_layer() {
	local root=$MDK_BUILD/initramfs-project out=$MDK_BUILD/initramfs-project.cpio
	rm -rf "$root"
	mkdir -p "$root/opt/mdevkit/tests" "$root/etc/udev/rules.d"
	install -m 0755 "$MDK_ROOT/tools/vm/init" "$root/init"
	install -m 0755 "$MDK_ROOT/tools/vm/demo-guest.sh" "$root/opt/mdevkit/demo.sh"
	cp -a "$MDK_ROOT/tools/testing/lib" "$root/opt/mdevkit/"
	find "$MDK_ROOT/tools/testing/suites" -maxdepth 1 -name '*.sh' \
		-exec install -m 0755 {} "$root/opt/mdevkit/tests/" \;
	[ -d "$MDK_BUILD/tools" ] && cp -a "$MDK_BUILD/tools/." "$root/opt/mdevkit/"
	if compgen -G "$MDK_ROOT/udev/*.rules" >/dev/null; then
		cp "$MDK_ROOT"/udev/*.rules "$root/etc/udev/rules.d/"
	fi
	# The rules' helper where make install puts it: /lib/udev, where
	# Debian 12's udev looks for programs named without a path. No
	# /etc/mdevkit/udev.conf: the defaults, as a fresh install's
	# commented-out file gives.
	install -D -m 0755 "$MDK_ROOT/udev/mdk-udev" "$root/lib/udev/mdk-udev"
	# Not in /etc/modprobe.d: the tests load the kernel's mdev.ko by name.
	# mdev_core_install installs it for its own tests.
	if [ -d "$MDK_ROOT/udev/modprobe.d" ]; then
		cp -a "$MDK_ROOT/udev/modprobe.d" "$root/opt/mdevkit/"
	fi
	mkcpio "$root" "$out"
	echo "$out"
}

# QEMU inside the VM, for the suites that hand an mdev to a nested
# qemu-system-x86_64 (about 50 MB, so only their VMs carry it): the binary
# with its libraries, the TCG accelerator module and the firmware it loads.
QEMU_PKGS="qemu-system-x86 qemu-system-data seabios"
# (Debian's QEMU looks for SeaBIOS in /usr/share/seabios.)
QEMU_FILES="/usr/share/seabios/bios-256k.bin /usr/share/seabios/vgabios-stdvga.bin
	/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/linuxboot.bin
	/usr/share/qemu/kvmvapic.bin"

qemu_layer() {
	local key out tmp root f
	key=$( { declare -f qemu_layer copy_with_libs; echo "$QEMU_FILES"; dpkg-query -W $QEMU_PKGS; } | md5sum | cut -c1-16)
	out=$MDK_CACHE/initramfs/qemu-$key.cpio
	if [ ! -s "$out" ]; then
		mdk_log "building the QEMU layer $out"
		tmp=$(mktemp -d "$MDK_CACHE/initramfs.XXXXXX")
		root=$tmp/root
		copy_with_libs "$root" /usr/bin/qemu-system-x86_64 \
			/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so
		for f in $QEMU_FILES; do
			[ -e "$f" ] || mdk_die "QEMU layer: $f is missing"
			install -D -m 0644 "$(readlink -f "$f")" "$root$f"
		done
		mkdir -p "$(dirname "$out")"
		mkcpio "$root" "$out"
		rm -rf "$tmp"
	fi
	echo "$out"
}

# A nested guest for the suites that boot one on an mdev (nic_guest,
# mig_guest): the kernel of $MDK_GUEST_KVER (default 6.12; Debian's own
# image, as the bed boots it) and a minimal initramfs for it, busybox and
# that kernel's own virtio_net with its dependencies, decompressed, a
# static mdk-guest-card (tools/vm/guest/mdk-guest-card.c: a card VF's
# driver in guest userspace), with tools/vm/guest/init as /init.  In the
# bed VM: /opt/mdevkit/guest/{vmlinuz,initrd.cpio,info}.
GUEST_KVER=${MDK_GUEST_KVER:-6.12}
GUEST_MODS="virtio_pci virtio_net"

guest_layer() {
	local key out tmp root g m rel list=
	eval "$("$MDK_ROOT/tools/vm/kernel.sh" env "$GUEST_KVER")"
	key=$( { declare -f guest_layer mkcpio; echo "$GUEST_MODS $KVERSION $KABI";
		cat "$MDK_ROOT/tools/vm/guest/init" "$MDK_ROOT/tools/vm/guest/mdk-guest-card.c" \
			"$MDK_ROOT/include/mdevkit/card_regs.h"; dpkg-query -W busybox-static;
		gcc --version | head -1; } |
		md5sum | cut -c1-16)
	out=$MDK_CACHE/initramfs/guest-$key.cpio
	if [ ! -s "$out" ]; then
		mdk_log "building the guest layer $out ($KABI)"
		tmp=$(mktemp -d "$MDK_CACHE/initramfs.XXXXXX")
		# The guest's own initramfs.
		g=$tmp/guest
		mkdir -p "$g"/{bin,dev,proc,sys,tmp,etc,lib/modules}
		install -m 0755 /bin/busybox "$g/bin/busybox"
		for m in $(/bin/busybox --list); do
			[ -e "$g/bin/$m" ] || ln -s busybox "$g/bin/$m"
		done
		install -m 0755 "$MDK_ROOT/tools/vm/guest/init" "$g/init"
		# A driver for an mdk_card VF, static: the guest has no libc.
		gcc -static -O2 -Wall -Werror -I"$MDK_ROOT/include" \
			-o "$g/bin/mdk-guest-card" "$MDK_ROOT/tools/vm/guest/mdk-guest-card.c" ||
			mdk_die "guest layer: cannot build mdk-guest-card"
		# Dependencies first, as modprobe would load them; built-in
		# ones (virtio_pci on Debian's 6.12) are left out.
		for m in $(modprobe -d "${KMODS%/lib/modules/*}" -S "$KABI" --show-depends -a $GUEST_MODS |
			   awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++'); do
			rel=$(basename "$m")
			case "$m" in
			*.xz) rel=${rel%.xz}; xz -dc "$m" >"$g/lib/modules/$rel" ;;
			*.zst) rel=${rel%.zst}; zstd -qdc "$m" >"$g/lib/modules/$rel" ;;
			*) cp "$m" "$g/lib/modules/$rel" ;;
			esac
			list="$list$rel
"
		done
		[ -n "$list" ] || mdk_die "guest layer: no modules for $GUEST_MODS in $KMODS"
		printf '%s' "$list" >"$g/etc/mdk-modules"
		# The bed's side: the kernel image and that initramfs.
		root=$tmp/root
		mkdir -p "$root/opt/mdevkit/guest"
		install -m 0644 "$KIMAGE" "$root/opt/mdevkit/guest/vmlinuz"
		mkcpio "$g" "$root/opt/mdevkit/guest/initrd.cpio"
		printf "KABI=%s\\nKVERSION='%s'\\n" "$KABI" "$KVERSION" >"$root/opt/mdevkit/guest/info"
		mkdir -p "$(dirname "$out")"
		mkcpio "$root" "$out"
		rm -rf "$tmp"
	fi
	echo "$out"
}

# libvirt inside the VM, for the suites that drive mdevs through it
# (libvirt_nodedev; docs/libvirt.md): Debian 12's libvirtd 9.0 with only the
# nodedev and qemu connection drivers, virsh, and the libraries they link.
# libvirt is not installed on the host (its packages start services): apt
# downloads the packages and their whole dependency closure (an empty dpkg
# status, no recommends) into $MDK_CACHE/libvirt-debs, dpkg-deb unpacks
# them into a scratch root, and only the programs named here and what ldd
# resolves for them in that root go into the layer. Cached as
# libvirt-<key>.cpio, keyed by the closure's package files and this
# function. Brings the qemu layer along (run.sh).
LIBVIRT_PKGS="libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libvirt0"
LIBVIRT_FILES="/usr/sbin/libvirtd /usr/bin/virsh /usr/sbin/dmidecode
	/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_nodedev.so
	/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so"

libvirt_layer() {
	local key out tmp root x debs st uris f lib
	debs=$MDK_CACHE/libvirt-debs
	mdk_apt_fresh	# a fresh machine's package lists may be empty
	mkdir -p "$debs/partial" "$debs/state"
	st=$debs/state/status
	: >"$st"
	apt_dl() { # apt-get ARGS... with an empty dpkg status: the whole closure
		apt-get -o Dir::Cache::archives="$debs" -o Dir::State::status="$st" \
			-o Debug::NoLocking=1 -o APT::Sandbox::User=root \
			--no-install-recommends "$@" $LIBVIRT_PKGS
	}
	# The closure's package files (apt's simulation lists every one;
	# --print-uris would leave out those already downloaded).
	uris=$(apt_dl -s install | awk '$1 == "Inst" {
		v = $3; sub(/^\(/, "", v); gsub(/:/, "%3a", v)
		match($0, /\[[a-z0-9]+\]\)/); a = substr($0, RSTART + 1, RLENGTH - 3)
		print $2 "_" v "_" a ".deb" }' | LC_ALL=C sort) && [ -n "$uris" ] ||
		mdk_die "libvirt layer: apt cannot resolve $LIBVIRT_PKGS"
	key=$( { declare -f libvirt_layer mkcpio; echo "$LIBVIRT_FILES"; echo "$uris"; } |
		md5sum | cut -c1-16)
	out=$MDK_CACHE/initramfs/libvirt-$key.cpio
	if [ ! -s "$out" ]; then
		mdk_log "building the libvirt layer $out"
		apt_dl -qq -y --download-only install >/dev/null ||
			mdk_die "libvirt layer: apt-get --download-only failed"
		tmp=$(mktemp -d "$MDK_CACHE/initramfs.XXXXXX")
		x=$tmp/x root=$tmp/root
		mkdir -p "$x" "$root"
		for f in $uris; do
			dpkg-deb -x "$debs/$f" "$x" || mdk_die "libvirt layer: cannot unpack $f"
		done
		for f in $LIBVIRT_FILES; do
			[ -e "$x$f" ] || mdk_die "libvirt layer: $f is missing"
			install -D -m 0755 "$x$f" "$root$f"
			# Libraries from the unpacked closure (same release as the
			# base's, which they may overwrite with identical files).
			for lib in $(LD_LIBRARY_PATH=$x/lib/x86_64-linux-gnu:$x/usr/lib/x86_64-linux-gnu \
					ldd "$x$f" | grep -o '/[^ ]*' | sort -u); do
				case "$lib" in
				"$x"/*) lib=${lib#"$x"} ;;
				*) continue ;;	# the loader itself, from base
				esac
				[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$x$lib")" "$root$lib"
			done
		done
		# The CPU models the qemu driver reads when it probes QEMU.
		mkdir -p "$root/usr/share/libvirt"
		cp -a "$x/usr/share/libvirt/cpu_map" "$root/usr/share/libvirt/"
		mkdir -p "$root/etc/libvirt" "$root/var/lib/libvirt/qemu" \
			"$root/var/cache/libvirt/qemu" "$root/var/log/libvirt/qemu" \
			"$root/run/libvirt"
		# libvirt's sockets are in /var/run/libvirt (its build's path).
		ln -s ../run "$root/var/run"
		# libvirtd as root on its UNIX socket, no TCP, no polkit.
		cat >"$root/etc/libvirt/libvirtd.conf" <<-'EOC'
		# mdevkit test bed (tools/vm/initramfs.sh libvirt_layer)
		unix_sock_group = "root"
		unix_sock_rw_perms = "0700"
		auth_unix_ro = "none"
		auth_unix_rw = "none"
		log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
		EOC
		# QEMU runs as Debian's libvirt-qemu:kvm (the suite adds the
		# user); no security modules, cgroups or mount namespace in the
		# VM; QEMU's output goes to /var/log/libvirt/qemu/NAME.log
		# directly (no virtlogd).
		cat >"$root/etc/libvirt/qemu.conf" <<-'EOC'
		# mdevkit test bed (tools/vm/initramfs.sh libvirt_layer)
		user = "libvirt-qemu"
		group = "kvm"
		dynamic_ownership = 1
		remember_owner = 0
		security_driver = "none"
		cgroup_controllers = [ ]
		namespaces = [ ]
		stdio_handler = "file"
		EOC
		mkdir -p "$(dirname "$out")"
		mkcpio "$root" "$out"
		rm -rf "$tmp"
	fi
	echo "$out"
}

# QEMU 10 inside the VM, beside the qemu layer's 7.2, for the suites that
# migrate an mdev between two QEMU processes (card_mig_qemu): Debian 12's
# QEMU 7.2 predates VFIO migration v2 as the kernel has it since 6.2, and
# bookworm-backports has 10.0. Backports are never installed on the host:
# as for the libvirt layer, apt downloads the closure (an empty dpkg status,
# no recommends) into $MDK_CACHE/qemu10-debs, but with apt state of its own
# there (a sources list of bookworm, -updates, -security and -backports;
# its package lists, caches and preferences), so the host's apt sources and
# lists are neither read nor changed. Unpacked in a scratch root, the layer
# takes the binary and what ldd finds for it in that root (not glibc: the
# loader and libc are the base's, the release the backport is built for)
# into /opt/qemu10/{libexec,lib}, the firmware into /opt/qemu10/share, and a
# wrapper /opt/qemu10/bin/qemu-system-x86_64 that sets LD_LIBRARY_PATH and
# -L. Debian's QEMU 10 has TCG built in (7.2 had it as a module), so no
# module directory. Cached as qemu10-<key>.cpio, keyed by the closure's
# package files and this function. Stands alone: suites that want 7.2 too
# name both layers.
QEMU10_PKGS="qemu-system-x86 seabios"
QEMU10_MIRROR=${MDK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
QEMU10_SECURITY=${MDK_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
# Firmware: SeaBIOS from the backport (1.16.3, the release QEMU 10 is
# tested with), the option ROMs QEMU loads on q35 with or without -kernel.
QEMU10_FILES="/usr/share/seabios/bios-256k.bin /usr/share/seabios/vgabios-stdvga.bin
	/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/linuxboot.bin
	/usr/share/qemu/kvmvapic.bin"

qemu10_layer() {
	local key out tmp root x debs st uris f lib apt t0 kw
	debs=$MDK_CACHE/qemu10-debs
	t0=$(date +%s)
	mkdir -p "$debs/partial" "$debs/state" "$debs/lists/partial" "$debs/cache" \
		"$debs/etc/sources.list.d" "$debs/etc/preferences.d"
	st=$debs/state/status
	: >"$st"
	kw=signed-by=/usr/share/keyrings/debian-archive-keyring.gpg
	cat >"$debs/etc/sources.list.new" <<-EOS
	# mdevkit test bed (tools/vm/initramfs.sh qemu10_layer)
	deb [$kw] $QEMU10_MIRROR bookworm main
	deb [$kw] $QEMU10_MIRROR bookworm-updates main
	deb [$kw] $QEMU10_SECURITY bookworm-security main
	deb [$kw] $QEMU10_MIRROR bookworm-backports main
	EOS
	# A changed list (another mirror) wants its lists fetched again.
	if cmp -s "$debs/etc/sources.list.new" "$debs/etc/sources.list"; then
		rm "$debs/etc/sources.list.new"
	else
		mv "$debs/etc/sources.list.new" "$debs/etc/sources.list"
		rm -f "$debs/updated"
	fi
	apt=(-o Dir::Etc::sourcelist="$debs/etc/sources.list"
		-o Dir::Etc::sourceparts="$debs/etc/sources.list.d"
		-o Dir::Etc::preferences="$debs/etc/preferences"
		-o Dir::Etc::preferencesparts="$debs/etc/preferences.d"
		-o Dir::State::Lists="$debs/lists" -o Dir::State::status="$st"
		-o Dir::Cache="$debs/cache" -o Dir::Cache::archives="$debs"
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	# Its own package lists, refreshed as mdk_apt_fresh does the host's
	# (every 6 hours).
	if [ ! -e "$debs/updated" ] || [ -n "$(find "$debs/updated" -mmin +360)" ] ||
	   ! compgen -G "$debs/lists/*backports*Packages*" >/dev/null; then
		mdk_log "qemu10 layer: apt-get update (private lists in $debs/lists)"
		apt-get "${apt[@]}" update -qq >&2 || mdk_die "qemu10 layer: apt-get update failed"
		touch "$debs/updated"
	fi
	apt_dl() { # apt-get ARGS... with an empty dpkg status: the whole closure
		apt-get "${apt[@]}" -t bookworm-backports --no-install-recommends "$@" $QEMU10_PKGS
	}
	uris=$(apt_dl -s install | awk '$1 == "Inst" {
		v = $3; sub(/^\(/, "", v); gsub(/:/, "%3a", v)
		match($0, /\[[a-z0-9]+\]\)/); a = substr($0, RSTART + 1, RLENGTH - 3)
		print $2 "_" v "_" a ".deb" }' | LC_ALL=C sort) && [ -n "$uris" ] ||
		mdk_die "qemu10 layer: apt cannot resolve $QEMU10_PKGS from bookworm-backports"
	grep -q '^qemu-system-x86_1%3a10\.' <<<"$uris" ||
		mdk_die "qemu10 layer: bookworm-backports has no QEMU 10 ($(grep '^qemu-system-x86_' <<<"$uris"))"
	key=$( { declare -f qemu10_layer mkcpio; echo "$QEMU10_FILES"; echo "$uris"; } |
		md5sum | cut -c1-16)
	out=$MDK_CACHE/initramfs/qemu10-$key.cpio
	if [ ! -s "$out" ]; then
		mdk_log "building the qemu10 layer $out: downloading $(wc -l <<<"$uris") packages to $debs"
		apt_dl -qq -y --download-only install >/dev/null ||
			mdk_die "qemu10 layer: apt-get --download-only failed"
		mdk_log "qemu10 layer: unpacking ($(($(date +%s) - t0)) s so far)"
		tmp=$(mktemp -d "$MDK_CACHE/initramfs.XXXXXX")
		x=$tmp/x root=$tmp/root
		mkdir -p "$x" "$root/opt/qemu10/bin" "$root/opt/qemu10/lib" "$root/opt/qemu10/share"
		for f in $uris; do
			# glibc is the base's (see above): leaving it out of the
			# scratch root makes ldd resolve it there too.
			case "$f" in libc6_*) continue ;; esac
			dpkg-deb -x "$debs/$f" "$x" || mdk_die "qemu10 layer: cannot unpack $f"
		done
		f=/usr/bin/qemu-system-x86_64
		[ -x "$x$f" ] || mdk_die "qemu10 layer: $f is missing"
		install -D -m 0755 "$x$f" "$root/opt/qemu10/libexec/qemu-system-x86_64"
		for lib in $(LD_LIBRARY_PATH=$x/lib/x86_64-linux-gnu:$x/usr/lib/x86_64-linux-gnu \
				ldd "$x$f" | grep -o '/[^ ]*' | sort -u); do
			case "$lib" in
			"$x"/*) install -m 0755 "$(readlink -f "$lib")" "$root/opt/qemu10/lib/$(basename "$lib")" ;;
			*) ;;	# the loader and glibc, from base
			esac
		done
		for f in $QEMU10_FILES; do
			[ -e "$x$f" ] || mdk_die "qemu10 layer: $f is missing"
			install -m 0644 "$(readlink -f "$x$f")" "$root/opt/qemu10/share/$(basename "$f")"
		done
		cat >"$root/opt/qemu10/bin/qemu-system-x86_64" <<-'EOW'
		#!/bin/sh
		# QEMU 10 from bookworm-backports (tools/vm/initramfs.sh qemu10_layer):
		# its own libraries, and its firmware ahead of /usr/share/qemu's.
		LD_LIBRARY_PATH=/opt/qemu10/lib exec /opt/qemu10/libexec/qemu-system-x86_64 -L /opt/qemu10/share "$@"
		EOW
		chmod 0755 "$root/opt/qemu10/bin/qemu-system-x86_64"
		# "qemu-system-x86 1:10.0.2+ds-...", from the package's file name.
		grep '^qemu-system-x86_' <<<"$uris" |
			sed 's/%3a/:/; s/_/ /; s/_[a-z0-9]*\.deb$//' >"$root/opt/qemu10/version"
		mkdir -p "$(dirname "$out")"
		mkcpio "$root" "$out"
		rm -rf "$tmp"
		mdk_log "qemu10 layer: $(du -m "$out" | cut -f1) MB in $(($(date +%s) - t0)) s"
	fi
	echo "$out"
}

run_layer() { # OUT CMDFILE [EXTRA]
	local out=$1 root
	root=$(mktemp -d)
	install -D -m 0644 "$2" "$root/etc/mdevkit/cmd"
	mkdir -p "$root/extra"
	if [ -n "${3:-}" ]; then
		[ -d "$3" ] || mdk_die "EXTRA=$3 is not a directory"
		cp -a "$3/." "$root/extra/"
	fi
	mkcpio "$root" "$out"
	rm -rf "$root"
}

case "${1:-}" in
base) base ;;
kernel) shift; kernel_layer "$@" ;;
project) project_layer ;;
run) shift; run_layer "$@" ;;
qemu) qemu_layer ;;
guest) guest_layer ;;
libvirt) libvirt_layer ;;
qemu10) qemu10_layer ;;
*) echo "usage: $0 base | kernel KVER MODDIR... | project | qemu | guest | libvirt | qemu10 | run OUT CMDFILE [EXTRA]" >&2; exit 2 ;;
esac
