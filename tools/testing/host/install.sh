#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# install - `make install` into a staging DESTDIR for the primary bed kernel:
# the modules land in updates/ (so they win over the kernel's own), the udev
# rule that replaces mdevctl's and the modprobe configuration land in /etc,
# and nothing is written outside DESTDIR.  Runs on the host; what the files
# do is tested in the VM by mdev_core_install and mdev_core_mdevctl.
set -uo pipefail
. "$(dirname "$0")/../lib/host.sh"
kver=$("$root/tools/vm/kernel.sh" list | head -1)

tap_plan 16
before=$(stat -c %Y /etc/modprobe.d /etc/udev/rules.d 2>/dev/null | xargs)
if make -C "$root" -s install KVER="$kver" DESTDIR="$tmp/root" >"$tmp/log" 2>&1; then
	tap_ok make_install_into_destdir_succeeds
else
	tap_fail make_install_into_destdir_succeeds "$(tail -20 "$tmp/log")"
fi
ko=$(find "$tmp/root/lib/modules" -path '*/updates/*' -name 'mdev_core.ko*' | head -1)
tap_expect_eq 1 "$([ -n "$ko" ] && echo 1)" mdev_core_is_installed_under_updates
name=$(modinfo -F name "$ko" 2>/dev/null)
tap_expect_eq mdev_core "$name" installed_module_is_mdev_core
kabi=$(eval "$("$root/tools/vm/kernel.sh" env "$kver")"; echo "$KABI")
tap_expect_eq "$kabi" "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" module_is_built_for_the_kernel
vko=$(find "$tmp/root/lib/modules" -path '*/updates/*' -name 'vfio_mdev.ko*' | head -1)
tap_expect_eq vfio_mdev "$(modinfo -F name "$vko" 2>/dev/null)" vfio_mdev_is_installed_under_updates
tap_run inspector_is_installed test -x "$tmp/root/usr/local/bin/mdk-vfio"
tap_run mdk_is_installed test -x "$tmp/root/usr/local/bin/mdk"
tap_expect_eq "2 MDK(1)" \
	"$("$tmp/root/usr/local/bin/mdk" >/dev/null 2>&1; echo $?) $(MANWIDTH=80 man -l "$tmp/root/usr/local/share/man/man1/mdk.1" 2>/dev/null | head -1 | awk '{print $1}')" \
	mdk_runs_and_its_man_page_renders
# The completion, sourced by a real bash and asked as bash asks it.
comp=$(bash -c '. "$1"; COMP_WORDS=(mdk --json s); COMP_CWORD=2; _mdk; echo "${COMPREPLY[*]}";
	COMP_WORDS=(mdk vfio ""); COMP_CWORD=2; _mdk; echo "${COMPREPLY[*]}";
	COMP_WORDS=(mdk monitor --); COMP_CWORD=2; _mdk; echo "${COMPREPLY[*]}"' _ \
	"$tmp/root/usr/local/share/bash-completion/completions/mdk" 2>&1 | xargs)
tap_expect_eq "show info --json --kernel --count" "$comp" bash_completion_completes_commands_and_options
tap_run bash_completion_is_registered_for_mdk \
	bash -c '. "$1"; complete -p mdk | grep -q _mdk' _ "$tmp/root/usr/local/share/bash-completion/completions/mdk"
tap_run modprobe_conf_maps_mdev_to_mdev_core \
	grep -Eq '^alias mdev mdev_core$' "$tmp/root/etc/modprobe.d/mdevkit.conf"
tap_run mdevctl_rule_replaces_debians \
	cmp -s "$root/udev/60-mdevctl.rules" "$tmp/root/etc/udev/rules.d/60-mdevctl.rules"
tap_run mdevkit_rule_is_installed \
	cmp -s "$root/udev/61-mdevkit.rules" "$tmp/root/etc/udev/rules.d/61-mdevkit.rules"
tap_run rule_helper_is_in_udevs_program_dir test -x "$tmp/root/lib/udev/mdk-udev"
tap_run udev_conf_is_installed cmp -s "$root/udev/udev.conf" "$tmp/root/etc/mdevkit/udev.conf"
after=$(stat -c %Y /etc/modprobe.d /etc/udev/rules.d 2>/dev/null | xargs)
tap_expect_eq "$before" "$after" host_etc_is_untouched
tap_done
