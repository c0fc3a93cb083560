#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# packaging - the Debian packages and DKMS (docs/install.md), as a user gets
# them: `make deb`'s script builds mdevkit-dkms and mdevkit-tools from the
# tracked files with dpkg-buildpackage, lintian finds no error or warning;
# DKMS builds the package's module sources for the bed's Debian 6.12 and
# 6.1 kernels (private DKMS trees, the headers the bed unpacked); each of
# those kernels boots with the modules DKMS built in place of the bed's and
# runs suites on them; then both packages are installed on this host with
# 6.12's headers present (the postinst has DKMS build and install the
# modules), 6.1's headers are added and the kernel packages' DKMS hook
# builds them for 6.1 too, and both packages are purged: every file they
# installed and both kernels' modules are gone, DKMS knows nothing of
# mdevkit, and mdevctl's diverted udev rule is back.  Runs on the host.
set -uo pipefail
. "$(dirname "$0")/../lib/host.sh"

MODS="mdev_core vfio_mdev mdk_minimal mdk_card mdk_nic"
# Suites that load every module: card, NIC, minimal parent, modprobe config.
SUITES="mdev_core_install=/opt/mdevkit/tests/mdev_core_install.sh
	vfio_mdev_minimal=/opt/mdevkit/tests/vfio_mdev_minimal
	card_ops=/opt/mdevkit/tests/card_ops
	nic_lifecycle=/opt/mdevkit/tests/nic_lifecycle.sh"
kvers="6.12 6.1"

# build_id FILE...: the GNU build ID of the first module file given that exists.
build_id() {
	local f
	for f; do
		[ -e "$f" ] || continue
		case "$f" in
		*.xz) xz -dc "$f" >"$tmp/bid.ko" && f=$tmp/bid.ko ;;
		esac
		readelf -n "$f" 2>/dev/null | awk '/Build ID:/ { print $3 }'
		return
	done
}

tap_plan 17
echo "# packaging: make deb (dpkg-buildpackage + lintian)" >&2
deb_ok=
if "$root/tools/pkg/deb.sh" "$tmp/deb" >"$tmp/deb.out" 2>"$tmp/deb.err"; then
	deb_ok=1
	tap_ok make_deb_builds_and_lintian_passes
else
	tap_fail make_deb_builds_and_lintian_passes "$(tail -30 "$tmp/deb.err")"
fi
version=$(. "$root/tools/vm/lib.sh" && mdk_pkg_version)
ddeb=$tmp/deb/mdevkit-dkms_${version}_all.deb
tdeb=$tmp/deb/mdevkit-tools_${version}_amd64.deb
tap_expect_eq "1 1" "$([ -s "$ddeb" ] && echo 1) $([ -s "$tdeb" ] && echo 1)" \
	both_packages_are_built

# lintian again, here: its tags counted, not just its exit status.
tags=$(lintian "$tmp/deb"/*.changes 2>/dev/null | grep -E '^[EW]: ')
tap_expect_eq "" "$tags" lintian_has_no_error_or_warning_tags

dpkg-deb -c "$ddeb" 2>/dev/null | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/dkms.list"
dpkg-deb -c "$tdeb" 2>/dev/null | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/tools.list"
src=/usr/src/mdevkit-$version
missing=
for f in $src/dkms.conf $src/Kbuild $src/include/linux/mdev.h $src/mdev_core/mdev_main.c \
	 $src/vfio_mdev/Kbuild $src/parents/card/card_engine.c $src/parents/nic/Kbuild \
	 $src/parents/minimal/Kbuild; do
	grep -qx -- "$f" "$tmp/dkms.list" || missing="$missing $f"
done
tap_expect_eq "" "$missing" dkms_package_holds_the_module_sources
missing=
for f in /usr/bin/mdk /usr/bin/mdk-vfio /usr/bin/mdk-card /usr/bin/mdk-vnet \
	 /lib/udev/rules.d/60-mdevctl.rules /lib/udev/rules.d/61-mdevkit.rules \
	 /lib/udev/mdk-udev /etc/modprobe.d/mdevkit.conf /etc/mdevkit/udev.conf \
	 /usr/share/man/man1/mdk.1.gz /usr/share/bash-completion/completions/mdk \
	 /usr/share/doc/mdevkit-tools/install.md.gz; do
	grep -qx -- "$f" "$tmp/tools.list" || missing="$missing $f"
done
tap_expect_eq "" "$missing" tools_package_holds_programs_rules_and_configuration

# DKMS, from the sources as the package ships them, in trees of its own.
dpkg-deb -x "$ddeb" "$tmp/x" 2>/dev/null
tap_expect_eq "PACKAGE_VERSION=\"$version\"" \
	"$(grep -s '^PACKAGE_VERSION=' "$tmp/x$src/dkms.conf")" dkms_conf_carries_the_version
d=(dkms --dkmstree "$tmp/dkms" --sourcetree "$tmp/x/usr/src" --installtree "$tmp/inst")
mkdir -p "$tmp/dkms" "$tmp/inst"
"${d[@]}" add -m mdevkit -v "$version" >"$tmp/dkms-add.log" 2>&1
for k in $kvers; do
	eval "$("$root/tools/vm/kernel.sh" env "$k")"
	echo "# packaging: dkms build for $KABI" >&2
	"${d[@]}" build -m mdevkit -v "$version" -k "$KABI" --kernelsourcedir "$KBUILD" \
		>"$tmp/dkms-$k.log" 2>&1
	mdir=$tmp/dkms/mdevkit/$version/$KABI/x86_64/module
	got=
	for m in $MODS; do
		f=$(ls "$mdir/$m".ko* 2>/dev/null | head -1)
		[ -n "$f" ] && [ "$(modinfo -F vermagic "$f" | cut -d' ' -f1)" = "$KABI" ] &&
			got="$got $m"
	done
	tap_expect_eq " $MODS" "$got" "dkms_builds_every_module_for_$k" ||
		tail -20 "$tmp/dkms-$k.log" | sed 's/^/# /'
	mkdir -p "$tmp/vm-$k/dkms"
	cp "$mdir"/*.ko* "$tmp/vm-$k/dkms/" 2>/dev/null
done

# The modules DKMS built, in the VM in place of the bed's own.
for k in $kvers; do
	eval "$("$root/tools/vm/kernel.sh" env "$k")"
	cat >"$tmp/vm-$k/run.sh" <<EOF
k=/lib/modules/\$(uname -r)
for m in $MODS; do rm -f \$k/updates/\$m.ko; done
mkdir -p \$k/updates/dkms && cp /extra/dkms/* \$k/updates/dkms/ && depmod -a
for m in $MODS; do echo "MODPATH \$m \$(modinfo -n \$m)"; done
/opt/mdevkit/lib/batch.sh $(echo $SUITES)
modprobe mdk_card && modprobe mdk_nic && modprobe mdk_minimal
for m in $MODS; do echo "LOADED \$m \$(od -An -tx1 -v /sys/module/\$m/notes/.note.gnu.build-id | tr -d ' \\n')"; done
EOF
	echo "# packaging: $k VM with the DKMS-built modules" >&2
	st=0
	MDK_LOGDIR_FILE=$tmp/logdir-$k "$root/tools/vm/run.sh" -B -q -k "$k" -t 900 -e "$tmp/vm-$k" -n packaging-dkms \
		-- 'sh /extra/run.sh' >"$tmp/vm-$k.out" 2>"$tmp/vm-$k.err" || st=$?
	# -q: the output is in the run's log folder only.
	out=$(tr -d '\r' <"$(cat "$tmp/logdir-$k" 2>/dev/null)/output.log" 2>/dev/null)
	paths=$(echo "$out" | awk '$1 == "MODPATH" && $3 ~ "/updates/dkms/" $2 "\\.ko" { print $2 }' | xargs)
	# Loaded means: the running module's build ID is the DKMS file's, which
	# is not the bed's own build of the same sources.
	loaded=
	for m in $MODS; do
		want=$(build_id "$tmp/vm-$k/dkms/$m.ko"*)
		bed=$(build_id "$root/build/$k/kbuild/"*/"$m.ko" "$root/build/$k/kbuild/parents/"*/"$m.ko")
		echo "$out" | awk -v m="$m" '$1 == "LOADED" && $2 == m { print $3 }' | grep -q "${want:-none}$" &&
			[ "$want" != "$bed" ] && loaded="$loaded $m"
	done
	loaded=${loaded# }
	tap_expect_eq "$MODS/$MODS" "$paths/$loaded" "vm_loads_the_dkms_modules_on_$k" ||
		echo "$out" | grep -E '^(MODPATH|LOADED)' | sed 's/^/# /'
	res=$(echo "$out" | sed -n 's/^# \([a-z_0-9]*\): pass:\([0-9]*\) fail:\([0-9]*\) .*/\1 \2 \3/p')
	bad=$(echo "$res" | awk '$2 == 0 || $3 != 0 { print $1 }' | xargs)
	tap_expect_eq "4 0 0" "$(echo "$res" | grep -c .) $([ -n "$bad" ] && echo "$bad" | wc -w || echo 0) $st" \
		"suites_pass_on_the_dkms_modules_on_$k" ||
		{ echo "$res" | sed 's/^/# /'; tail -5 "$tmp/vm-$k.err" | sed 's/^/# /'; }
done

# The packages installed on this host, with 6.12's headers where DKMS looks.
eval "$("$root/tools/vm/kernel.sh" env 6.12)"
made_kdir=
rule=/lib/udev/rules.d/60-mdevctl.rules
cp -a "$rule" "$tmp/rule.orig" 2>/dev/null
KABI2=$(eval "$("$root/tools/vm/kernel.sh" env 6.1)"; echo "$KABI")
KBUILD2=$(eval "$("$root/tools/vm/kernel.sh" env 6.1)"; echo "$KBUILD")
if [ -e "/lib/modules/$KABI" ] || [ -e "/lib/modules/$KABI2" ] ||
   dpkg-query -W mdevkit-dkms mdevkit-tools >/dev/null 2>&1; then
	tap_fail host_install_preconditions "/lib/modules/$KABI or $KABI2 exists or mdevkit is already installed: not touching this host"
	tap_skip dpkg_install_builds_the_modules_with_dkms "no install"
	tap_skip mdevctl_rule_is_diverted "no install"
	tap_skip kernel_install_hook_builds_for_the_new_kernel "no install"
	tap_skip dpkg_purge_removes_every_installed_file "no install"
	tap_done
	exit
fi
tap_ok host_install_preconditions
cleanup() {
	dpkg --purge mdevkit-tools mdevkit-dkms >/dev/null 2>&1
	[ -n "$made_kdir" ] && rm -rf "/lib/modules/$KABI" "/lib/modules/$KABI2"
	rmdir /lib/modules 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# What of the packages' paths this host had before (/lib, mdevctl's rule).
cat "$tmp/dkms.list" "$tmp/tools.list" | sed 's|/$||' | sort -u |
	while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done >"$tmp/pre"
mkdir -p "/lib/modules/$KABI" && made_kdir=1
ln -s "$KBUILD" "/lib/modules/$KABI/build"
echo "# packaging: dpkg -i (DKMS builds for $KABI)" >&2
if dpkg -i "$ddeb" "$tdeb" >"$tmp/dpkg-i.log" 2>&1; then
	st=$(dkms status -m mdevkit -v "$version" -k "$KABI" 2>/dev/null)
	n=$(ls "/lib/modules/$KABI/updates/dkms/" 2>/dev/null | grep -cE "^($(echo $MODS | tr ' ' '|'))\.ko")
	tap_expect_eq "installed 5" "$(echo "$st" | grep -o 'installed$') $n" \
		dpkg_install_builds_the_modules_with_dkms || sed 's/^/# /' "$tmp/dpkg-i.log" | tail -20
else
	tap_fail dpkg_install_builds_the_modules_with_dkms "$(tail -20 "$tmp/dpkg-i.log")"
fi
tap_expect_eq "1 1" "$(cmp -s "$root/udev/60-mdevctl.rules" "$rule" && echo 1) $(cmp -s "$tmp/rule.orig" "$rule.mdevctl" && echo 1)" \
	mdevctl_rule_is_diverted
# A kernel installed later (its headers first, as apt orders them): the
# hook its package runs builds the modules for it.
mkdir -p "/lib/modules/$KABI2" && ln -s "$KBUILD2" "/lib/modules/$KABI2/build"
echo "# packaging: /etc/kernel/postinst.d/dkms $KABI2" >&2
/etc/kernel/postinst.d/dkms "$KABI2" >"$tmp/hook.log" 2>&1
n=$(ls "/lib/modules/$KABI2/updates/dkms/" 2>/dev/null | grep -cE "^($(echo $MODS | tr ' ' '|'))\.ko")
tap_expect_eq "installed 5" \
	"$(dkms status -m mdevkit -v "$version" -k "$KABI2" 2>/dev/null | grep -o 'installed$') $n" \
	kernel_install_hook_builds_for_the_new_kernel || sed 's/^/# /' "$tmp/hook.log" | tail -20
dpkg -L mdevkit-dkms mdevkit-tools 2>/dev/null | grep -vx "/." | sort -u >"$tmp/installed"
echo "# packaging: dpkg --purge" >&2
dpkg --purge mdevkit-tools mdevkit-dkms >"$tmp/dpkg-r.log" 2>&1
left=$(grep -vxF -f "$tmp/pre" "$tmp/installed" |
	while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done
	ls "/lib/modules/$KABI/updates/dkms/" "/lib/modules/$KABI2/updates/dkms/" 2>/dev/null
	dkms status -m mdevkit 2>/dev/null; ls -d "$src" /var/lib/dkms/mdevkit 2>/dev/null
	cmp -s "$tmp/rule.orig" "$rule" || echo "$rule differs"
	[ -e "$rule.mdevctl" ] && echo "$rule.mdevctl")
tap_expect_eq "0 " "$(grep -c . "$tmp/installed" | awk '{ print ($1 > 20) ? 0 : "too few: " $1 }') $left" \
	dpkg_purge_removes_every_installed_file
tap_done
