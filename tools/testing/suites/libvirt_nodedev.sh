#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mdevkit-layers: qemu libvirt
# mdevkit-kvers: 6.12
# libvirt_nodedev - libvirt 9.0 (Debian 12, the bed's `libvirt` layer) drives
# mdk_card's mdevs (docs/libvirt.md). The VM's ivshmem (1af4:1110) is bound
# to mdk_card (as card_pci does; libvirt lists mdev parents only on PCI, css
# and ap), libvirtd is started by hand (no systemd), and virsh must show:
# - the card as a node device with mdev_types whose types and
#   availableInstances are sysfs's;
# - an mdev made through sysfs as an mdev node device (type, UUID, parent),
#   and gone when it is removed;
# - persistent mdevs: nodedev-define, -start, -autostart, -undefine,
#   -destroy, checked in sysfs and in `mdevctl list -d` after each step
#   (libvirt implements them with mdevctl); mdevctl's own define and start
#   seen by libvirt; transient nodedev-create; an unknown type;
# - a TCG domain with <hostdev type='mdev'> started paused: QEMU runs as
#   libvirt-qemu:kvm with -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/
#   UUID, and the mdev's /dev/vfio/GROUP is handed to that user and back to
#   root when the domain stops;
# - clear errors: a second domain on the same mdev, a domain on a missing
#   UUID;
# - a software card (platform device) is not listed as an mdev parent and
#   nodedev-define refuses it, yet its mdev is an mdev node device, and a
#   domain starts on it by UUID.
# libvirtd's log is /var/log/libvirt/libvirtd.log, QEMU's
# /var/log/libvirt/qemu/NAME.log; both are copied into the output at the end.
. /opt/mdevkit/lib/tap.sh
tap_plan 37

V="virsh -q -c qemu:///system"
U1=11b7c0de-0000-4000-8000-000000000001
U2=11b7c0de-0000-4000-8000-000000000002
U3=11b7c0de-0000-4000-8000-000000000003
U4=11b7c0de-0000-4000-8000-000000000004
U5=11b7c0de-0000-4000-8000-000000000005
U6=11b7c0de-0000-4000-8000-000000000006
UX=11b7c0de-0000-4000-8000-0000000000ff
MDEVS=/sys/bus/mdev/devices
# Debian's ids for libvirt's QEMU user (qemu.conf in the layer: user
# libvirt-qemu, group kvm; kvm is 36 in the base layer's /etc/group).
QUID=64055
KVM_GID=36

# wait_for SECONDS CMD...: until CMD succeeds (udev events reach libvirtd
# asynchronously).
wait_for() {
	local n=$(($1 * 5))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.2
	done
}
# node_listed CAP NAME [--all]: NAME is in `nodedev-list --cap CAP`
node_listed() { $V nodedev-list --cap "$1" ${3:-} | grep -qx "$2"; }
node_absent() { ! node_listed "$@"; }
# domain_xml NAME UUID: a minimal TCG domain, no disk, with the mdev
domain_xml() {
	cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
      <source><address uuid='$2'/></source>
    </hostdev>
  </devices>
</domain>
EOF
}
# mdev_node_appears UUID NAME: wait for libvirt to list an mdev made
# outside it. An mdev's ADD uevent comes before its driver binds (as
# upstream's: device_add, then the driver), and libvirt 9.0 reads
# iommu_group while it handles the ADD, ignores BIND, and drops the device
# when the link is not there yet ("failed to access .../iommu_group" in
# libvirtd.log; about one mdev in six here). The rule docs/libvirt.md gives
# operators, installed below, has udev send a "change" after the BIND,
# which libvirt handles like an "add": with it the mdev must appear.
mdev_node_appears() {
	wait_for 10 node_listed mdev "$2" && return 0
	grep "iommu_group" /var/log/libvirt/libvirtd.log | tail -1 | sed 's/^/# /'
	return 1
}
# start_must_fail TEST DOMAIN WORDS...: defining DOMAIN from
# /tmp/DOMAIN.xml and starting it fails with an error that has the WORDS
# in that order.
start_must_fail() {
	local t=$1 d=$2 out rc pat='*' w
	shift 2
	for w; do pat="$pat$w*"; done
	tap_begin "$t"
	$V define /tmp/$d.xml >/dev/null 2>&1
	out=$($V start --paused "$d" 2>&1) && rc=0 || rc=$?
	case "$rc $out" in
	0*) tap_fail "$t" "$d started: $out" ;;
	$pat) tap_ok "$t"; echo "$out" | sed 's/^/# /' ;;
	*) tap_fail "$t" "error does not say '$*': $out" ;;
	esac
}
qemu_pid() { cat /run/libvirt/qemu/$1.pid 2>/dev/null; }
owner() { stat -c '%u:%g' "$1" 2>&1; }
# mdevctl_defined UUID: UUID's line in `mdevctl list -d` (empty when absent)
mdevctl_defined() { mdevctl list -d 2>&1 | grep "^$1 " | xargs; }

# libvirt's QEMU user, as Debian's libvirt-daemon-system makes it.
grep -q '^libvirt-qemu:' /etc/group ||
	echo "libvirt-qemu:x:$QUID:" >>/etc/group
grep -q '^libvirt-qemu:' /etc/passwd ||
	echo "libvirt-qemu:x:$QUID:$KVM_GID:Libvirt Qemu:/var/lib/libvirt:/bin/false" >>/etc/passwd

modprobe vfio_iommu_type1
modprobe -r mdk_card 2>/dev/null	# suites share VMs: start from no cards
BDF=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/vendor):$(cat $d/device)" = 0x1af4:0x1110 ] && BDF=$(basename $d)
done
PCI=/sys/bus/pci/devices/$BDF
NODE=pci_$(echo "$BDF" | tr :. __)
tap_begin pci_card_binds
modprobe mdk_card
echo mdk_card >$PCI/driver_override
echo "$BDF" >/sys/bus/pci/drivers_probe
tap_expect_eq "mdk_card" "$(basename "$(readlink $PCI/driver)")" pci_card_binds
udevadm settle

# docs/libvirt.md's rule: a change event once an mdev's driver has bound.
RULE=/etc/udev/rules.d/62-mdev-bound-change.rules
echo 'ACTION=="bind", SUBSYSTEM=="mdev", RUN+="/bin/sh -c '"'echo change >/sys%p/uevent'"'"' >$RULE
udevadm control --reload

tap_begin libvirtd_starts
libvirtd -d
wait_for 60 $V version
tap_run libvirtd_starts $V version

# --- the card as a node device ---------------------------------------------
tap_expect_eq "$NODE" "$($V nodedev-list --cap mdev_types | xargs)" \
	nodedev_lists_the_pci_card_as_mdev_parent
# Types and free counts, sorted: "mdk_card-1q=1024 ..." from sysfs and XML.
sysfs_types() {
	for t in $PCI/mdev_supported_types/*; do
		echo "$(basename $t)=$(cat $t/available_instances)"
	done | sort | xargs
}
xml_types() {
	$V nodedev-dumpxml "$NODE" | tr -d '\n' |
		grep -o "<type id='[^']*'>.*</type>" | sed 's|</type>|&\n|g' |
		sed -n "s|.*<type id='\([^']*\)'>.*<deviceAPI>vfio-pci</deviceAPI>.*<availableInstances>\([0-9]*\)</availableInstances>.*|\1=\2|p" |
		sort | xargs
}
tap_begin dumpxml_types_are_sysfs_types
want=$(sysfs_types)
got=$(xml_types)
case "$want" in *mdk_card-1q=*mdk_card-8q=*) ;; *) want="mdk_card-1q..8q in sysfs, saw: $want" ;; esac
tap_expect_eq "$want" "$got" dumpxml_types_are_sysfs_types

# --- an mdev made through sysfs --------------------------------------------
M1=mdev_$(echo "$U1" | tr - _)_$(echo "$BDF" | tr :. __)
tap_begin sysfs_mdev_appears_in_nodedev
echo $U1 >$PCI/mdev_supported_types/mdk_card-2q/create
mdev_node_appears $U1 "$M1"
tap_expect_eq "$M1" "$($V nodedev-list --cap mdev | xargs)" sysfs_mdev_appears_in_nodedev
tap_begin mdev_dumpxml_has_type_uuid_parent
x=$($V nodedev-dumpxml "$M1" | tr -d '\n ')
got="$(echo "$x" | grep -o "<parent>[^<]*</parent>") $(echo "$x" | grep -o "<typeid='[^']*'/>") $(echo "$x" | grep -o "<uuid>[^<]*</uuid>")"
tap_expect_eq "<parent>$NODE</parent> <typeid='mdk_card-2q'/> <uuid>$U1</uuid>" "$got" \
	mdev_dumpxml_has_type_uuid_parent
tap_begin parent_free_count_follows
tap_expect_eq "$(sysfs_types)" "$(xml_types)" parent_free_count_follows

# --- persistent mdevs through mdevctl --------------------------------------
M2=mdev_$(echo "$U2" | tr - _)_$(echo "$BDF" | tr :. __)
cat >/tmp/mdev2.xml <<EOF
<device>
  <parent>$NODE</parent>
  <capability type='mdev'>
    <type id='mdk_card-1q'/>
    <uuid>$U2</uuid>
  </capability>
</device>
EOF
tap_begin nodedev_define_defines_in_mdevctl
$V nodedev-define /tmp/mdev2.xml 2>&1 | sed 's/^/# /'
got="$(mdevctl_defined $U2) | $(test -e $MDEVS/$U2 && echo running || echo not-running)"
tap_expect_eq "$U2 $BDF mdk_card-1q manual | not-running" "$got" nodedev_define_defines_in_mdevctl
tap_begin defined_mdev_is_an_inactive_node
node_listed mdev "$M2" --inactive
tap_expect_eq "$M2" "$($V nodedev-list --cap mdev --inactive | xargs)" defined_mdev_is_an_inactive_node

tap_begin nodedev_start_creates_it
$V nodedev-start "$M2" 2>&1 | sed 's/^/# /'
wait_for 10 test -e $MDEVS/$U2
got="$(basename "$(readlink $MDEVS/$U2/mdev_type)") $(mdevctl list 2>&1 | grep "^$U2 " | xargs)"
tap_expect_eq "mdk_card-1q $U2 $BDF mdk_card-1q manual (defined)" "$got" nodedev_start_creates_it
tap_begin started_node_is_active
wait_for 10 node_listed mdev "$M2"
tap_expect_eq "$M1 $M2" "$($V nodedev-list --cap mdev | sort | xargs)" started_node_is_active

tap_begin nodedev_autostart_sets_auto
$V nodedev-autostart "$M2" 2>&1 | sed 's/^/# /'
got="$(mdevctl_defined $U2) | $($V nodedev-info "$M2" 2>&1 | sed -n 's/^Autostart: *//p')"
tap_expect_eq "$U2 $BDF mdk_card-1q auto (active) | yes" "$got" nodedev_autostart_sets_auto

tap_begin nodedev_undefine_leaves_it_running_transient
$V nodedev-undefine "$M2" 2>&1 | sed 's/^/# /'
wait_for 10 sh -c "! mdevctl list -d | grep -q '^$U2 '"
got="[$(mdevctl_defined $U2)] $(test -e $MDEVS/$U2 && echo running || echo not-running) $($V nodedev-info "$M2" 2>&1 | sed -n 's/^Persistent: *//p')"
tap_expect_eq "[] running no" "$got" nodedev_undefine_leaves_it_running_transient

tap_begin nodedev_destroy_removes_it
$V nodedev-destroy "$M2" 2>&1 | sed 's/^/# /'
wait_for 10 node_absent mdev "$M2" --all
got="$(test -e $MDEVS/$U2 && echo running || echo gone) [$($V nodedev-list --cap mdev --all | grep -x "$M2")]"
tap_expect_eq "gone []" "$got" nodedev_destroy_removes_it

# mdevctl's own definitions reach libvirt (it watches mdevctl's directory).
M4=mdev_$(echo "$U4" | tr - _)_$(echo "$BDF" | tr :. __)
tap_begin mdevctl_define_is_seen_by_libvirt
mdevctl define -u $U4 -p $BDF -t mdk_card-4q
wait_for 10 node_listed mdev "$M4" --inactive
tap_expect_eq "$M4" "$($V nodedev-list --cap mdev --inactive | xargs)" mdevctl_define_is_seen_by_libvirt
tap_begin mdevctl_start_is_seen_by_libvirt
mdevctl start -u $U4
mdev_node_appears $U4 "$M4"
tap_expect_eq "yes yes" \
	"$($V nodedev-info "$M4" 2>&1 | sed -n 's/^\(Active\|Persistent\): *//p' | xargs)" \
	mdevctl_start_is_seen_by_libvirt
mdevctl stop -u $U4
mdevctl undefine -u $U4
wait_for 10 node_absent mdev "$M4" --all

# Transient mdevs (mdevctl start --jsonfile), and a type the card lacks.
M5=mdev_$(echo "$U5" | tr - _)_$(echo "$BDF" | tr :. __)
mdev_xml() { # UUID TYPE
	printf "<device><parent>%s</parent><capability type='mdev'><type id='%s'/><uuid>%s</uuid></capability></device>\n" \
		"$NODE" "$2" "$1"
}
tap_begin nodedev_create_makes_a_transient_mdev
mdev_xml $U5 mdk_card-8q >/tmp/mdev5.xml
$V nodedev-create /tmp/mdev5.xml 2>&1 | sed 's/^/# /'
got="$(basename "$(readlink $MDEVS/$U5/mdev_type)") [$(mdevctl_defined $U5)] $($V nodedev-info "$M5" 2>&1 | sed -n 's/^Persistent: *//p')"
tap_expect_eq "mdk_card-8q [] no" "$got" nodedev_create_makes_a_transient_mdev
$V nodedev-destroy "$M5" >/dev/null 2>&1
wait_for 10 node_absent mdev "$M5" --all
tap_begin nodedev_create_of_an_unknown_type_fails_clearly
mdev_xml $U6 mdk_card-9q >/tmp/mdev6.xml
out=$($V nodedev-create /tmp/mdev6.xml 2>&1) && rc=0 || rc=$?
case "$rc $out" in
0*) tap_fail nodedev_create_of_an_unknown_type_fails_clearly "created: $out" ;;
*"does not support mdev type mdk_card-9q"*)
	tap_ok nodedev_create_of_an_unknown_type_fails_clearly; echo "$out" | sed 's/^/# /' ;;
*) tap_fail nodedev_create_of_an_unknown_type_fails_clearly "error does not name the type: $out" ;;
esac
# mdevctl define does not check the type, so neither does nodedev-define:
# the start is what fails.
M6=mdev_$(echo "$U6" | tr - _)_$(echo "$BDF" | tr :. __)
tap_begin an_unknown_type_is_defined_but_does_not_start
$V nodedev-define /tmp/mdev6.xml >/dev/null 2>&1
out=$($V nodedev-start "$M6" 2>&1) && rc=0 || rc=$?
got="$(mdevctl_defined $U6) | $rc $(test -e $MDEVS/$U6 && echo running || echo not-running)"
case "$out" in *mdk_card-9q*) ;; *) got="$got, the error does not name the type: $out" ;; esac
tap_expect_eq "$U6 $BDF mdk_card-9q manual | 1 not-running" "$got" \
	an_unknown_type_is_defined_but_does_not_start
$V nodedev-undefine "$M6" >/dev/null 2>&1

# --- a domain on the mdev -----------------------------------------------------
GROUP=$(basename "$(readlink $MDEVS/$U1/iommu_group)")
domain_xml lv1 $U1 >/tmp/lv1.xml
domain_xml lv2 $U1 >/tmp/lv2.xml
domain_xml lvx $UX >/tmp/lvx.xml
tap_begin domain_starts_paused_on_the_mdev
$V define /tmp/lv1.xml >/dev/null 2>&1
$V start --paused lv1 2>&1 | sed 's/^/# /'
tap_expect_eq "paused" "$($V domstate lv1 2>&1 | xargs)" domain_starts_paused_on_the_mdev
PID=$(qemu_pid lv1)
tap_begin qemu_has_vfio_pci_with_sysfsdev
cmd=$(tr '\0' ' ' </proc/${PID:-0}/cmdline 2>/dev/null)
dev=$(echo "$cmd" | grep -o '{"driver":"vfio-pci"[^}]*}')
case "$dev" in
*"\"sysfsdev\":\"$MDEVS/$U1\""*) tap_ok qemu_has_vfio_pci_with_sysfsdev ;;
*) tap_fail qemu_has_vfio_pci_with_sysfsdev "QEMU pid ${PID:-none}: ${cmd:-no command line}" ;;
esac
tap_begin qemu_runs_as_libvirt_qemu
tap_expect_eq "$QUID $KVM_GID" \
	"$(awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u, g }' /proc/${PID:-0}/status 2>&1)" \
	qemu_runs_as_libvirt_qemu
tap_expect_eq "$QUID:$KVM_GID" "$(owner /dev/vfio/$GROUP)" vfio_group_is_handed_to_qemu
tap_expect_eq "1" "$(grep -c "vfio-pci.*\"sysfsdev\":\"$MDEVS/$U1\"" /var/log/libvirt/qemu/lv1.log 2>&1)" \
	domain_log_has_the_device

start_must_fail second_domain_on_the_same_mdev_fails_clearly lv2 "$U1" "in use"
tap_expect_eq "shut off paused" "$($V domstate lv2 | xargs) $($V domstate lv1 | xargs)" \
	first_domain_unharmed

start_must_fail missing_uuid_fails_clearly lvx "$UX"
tap_expect_eq "shut off" "$($V domstate lvx | xargs)" missing_uuid_domain_is_shut_off

tap_begin destroy_gives_the_group_back
$V destroy lv1 2>&1 | sed 's/^/# /'
wait_for 10 sh -c "[ ! -e /proc/$PID ]"
tap_expect_eq "0:0 gone" "$(owner /dev/vfio/$GROUP) $(test -e /proc/${PID:-0} && echo running || echo gone)" \
	destroy_gives_the_group_back
tap_begin sysfs_remove_removes_the_node
echo 1 >$MDEVS/$U1/remove
wait_for 10 node_absent mdev "$M1" --all
tap_expect_eq "" "$($V nodedev-list --cap mdev --all | xargs)" sysfs_remove_removes_the_node

# --- a software card: not a node device, but usable by UUID -----------------
tap_begin software_card_is_made
echo 0 >/sys/bus/platform/drivers/mdk_card/new_device
udevadm settle
tap_expect_eq "mdk_card.0" "$(ls /sys/class/mdev_bus | grep -x mdk_card.0)" software_card_is_made
echo $U3 >/sys/class/mdev_bus/mdk_card.0/mdev_supported_types/mdk_card-1q/create
udevadm settle
sleep 1
# libvirt does not list the platform parent (no mdev_types capability
# outside PCI, css, ap), but it does list the mdev, named after the parent,
# as a child of "computer" with the parent's name in parent_addr.
M3=mdev_$(echo "$U3" | tr - _)_mdk_card_0
tap_expect_eq "$NODE" "$($V nodedev-list --cap mdev_types | xargs)" \
	software_card_is_not_an_mdev_parent_node
tap_begin software_mdev_is_an_mdev_node
mdev_node_appears $U3 "$M3"
x=$($V nodedev-dumpxml "$M3" 2>&1)
echo "$x" | sed 's/^/# /'
x=$(echo "$x" | tr -d '\n ')
tap_expect_eq "<parent>computer</parent> <typeid='mdk_card-1q'/> <uuid>$U3</uuid> <parent_addr>mdk_card.0</parent_addr>" \
	"$(echo "$x" | grep -o "<parent>[^<]*</parent>") $(echo "$x" | grep -o "<typeid='[^']*'/>") $(echo "$x" | grep -o "<uuid>[^<]*</uuid>") $(echo "$x" | grep -o "<parent_addr>[^<]*</parent_addr>")" \
	software_mdev_is_an_mdev_node
tap_begin nodedev_define_refuses_a_software_parent
printf "<device><parent>mdk_card.0</parent><capability type='mdev'><type id='mdk_card-1q'/><uuid>%s</uuid></capability></device>\n" \
	$U4 >/tmp/mdev-soft.xml
out=$($V nodedev-define /tmp/mdev-soft.xml 2>&1) && rc=0 || rc=$?
case "$rc $out" in
0*) tap_fail nodedev_define_refuses_a_software_parent "defined: $out" ;;
*"invalid parent device 'mdk_card.0'"*)
	tap_ok nodedev_define_refuses_a_software_parent; echo "$out" | sed 's/^/# /' ;;
*) tap_fail nodedev_define_refuses_a_software_parent "unexpected error: $out" ;;
esac
tap_begin domain_starts_on_a_software_card_mdev
domain_xml lv3 $U3 >/tmp/lv3.xml
$V define /tmp/lv3.xml >/dev/null 2>&1
$V start --paused lv3 2>&1 | sed 's/^/# /'
tap_expect_eq "paused" "$($V domstate lv3 2>&1 | xargs)" domain_starts_on_a_software_card_mdev
PID=$(qemu_pid lv3)
tap_begin software_mdev_is_on_the_qemu_command_line
case "$(tr '\0' ' ' </proc/${PID:-0}/cmdline 2>/dev/null)" in
*"\"sysfsdev\":\"$MDEVS/$U3\""*) tap_ok software_mdev_is_on_the_qemu_command_line ;;
*) tap_fail software_mdev_is_on_the_qemu_command_line "QEMU pid ${PID:-none}" ;;
esac
$V destroy lv3 >/dev/null 2>&1
wait_for 10 sh -c "[ ! -e /proc/${PID:-0} ]"

# --- cleanup ----------------------------------------------------------------------
tap_begin everything_goes_away
for d in lv1 lv2 lvx lv3; do $V undefine $d >/dev/null 2>&1; done
echo 1 >$MDEVS/$U3/remove 2>/dev/null
kill "$(cat /run/libvirtd.pid 2>/dev/null)" 2>/dev/null
wait_for 10 sh -c '! pidof libvirtd'
echo "$BDF" >$PCI/driver/unbind
echo >$PCI/driver_override
tap_run everything_goes_away modprobe -r mdk_card

for f in /var/log/libvirt/libvirtd.log /var/log/libvirt/qemu/*.log; do
	[ -e "$f" ] || continue
	echo "# --- $f"
	sed 's/^/#   /' "$f"
done
rm -f $RULE
udevadm control --reload
tap_done
