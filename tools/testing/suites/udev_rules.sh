#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# udev_rules - mdevkit's udev rules (udev/61-mdevkit.rules,
# udev/60-mdevctl.rules, their helper udev/mdk-udev) acting on real events
# under the VM's systemd-udevd, on a software card (mdk_card soft=1):
# - parent and mdev properties (MDK_*), TAG systemd and the alias, in
#   udevadm info's database, and in `udevadm test`;
# - /dev/vfio/by-mdev/UUID names the mdev's VFIO group node, and goes with
#   the mdev;
# - the node stays root-only by default; with /etc/mdevkit/udev.conf it gets
#   the group and mode set there, and a non-root user in that group opens
#   it (su, a real open) while a group made before the setting stays shut
#   to that user until `udevadm trigger` applies it;
# - `mdevctl define --auto` devices start once per registration of their
#   parent: module reload, unbind and bind, and a replayed "add"
#   (coldplug) that must not start them twice;
# - with MDK_REPRESENTOR_NAMES=uuid a software NIC's representor is named
#   after its mdev (mdk + the UUID's last 12 hex digits), without it the
#   NIC's own name stays.
. /opt/mdevkit/lib/tap.sh
tap_plan 32

CARD=mdk_card.0
PDEV=/sys/bus/platform/devices/$CARD
U1=0dec0de0-0000-4000-8000-000000000001
U2=0dec0de0-0000-4000-8000-000000000002
U3=0dec0de0-0000-4000-8000-000000000003
DEV=/sys/bus/mdev/devices
LOG=/run/mdevkit/autostart/log

prop() { # SYSPATH KEY: the property in udev's database
	udevadm info -q property -p "$1" 2>/dev/null | sed -n "s/^$2=//p"
}
group_of() { basename "$(readlink "$DEV/$1/iommu_group")"; }
node() { stat -c '%U %G %a' "$1" 2>&1; }
# (grep -c prints 0 and fails on a log without CARD: no "|| echo 0" then)
starts() { cat $LOG 2>/dev/null | grep -c " $CARD "; }
create() { echo "$1" >"$PDEV/mdev_supported_types/mdk_card-1q/create"; }

modprobe vfio_iommu_type1
tap_run card_loads modprobe mdk_card soft=1
udevadm settle

tap_expect_eq "1 mdk_card" "$(prop $PDEV MDK_PARENT) $(prop $PDEV MDK_PARENT_DRIVER)" \
	parent_has_mdk_parent_and_its_driver
case " $(prop $PDEV MDK_PARENT_TYPES) " in
*" mdk_card-1q "*) tap_ok parent_lists_its_types ;;
*) tap_fail parent_lists_its_types "saw '$(prop $PDEV MDK_PARENT_TYPES)'" ;;
esac

tap_run create_an_mdev create $U1
udevadm settle
M=$DEV/$U1
tap_expect_eq "$U1 mdk_card-1q $CARD" \
	"$(prop $M MDK_MDEV_UUID) $(prop $M MDK_MDEV_TYPE) $(prop $M MDK_MDEV_PARENT)" \
	mdev_has_uuid_type_and_parent
tap_expect_eq "mdk_card-1q $CARD" "$(prop $M MDEV_TYPE) $(prop $M MDEV_PARENT)" \
	kernels_own_properties_are_kept
tap_expect_eq "$(cat $M/mdev_type/name)" "$(prop $M MDK_MDEV_TYPE_NAME)" \
	mdev_has_its_profile_name
case "$(prop $M TAGS)" in
*:systemd:*) tap_ok mdev_is_tagged_for_systemd ;;
*) tap_fail mdev_is_tagged_for_systemd "TAGS='$(prop $M TAGS)'" ;;
esac
tap_expect_eq "/sys/bus/mdev/devices/$U1" "$(prop $M SYSTEMD_ALIAS)" mdev_has_a_systemd_alias
G1=$(group_of $U1)
N=/sys/class/vfio/$G1
tap_expect_eq "$G1 mdk_card" "$(prop $N MDK_VFIO_GROUP) $(prop $N MDK_PARENT_DRIVER)" \
	group_node_has_its_number_and_the_parents_driver
tap_expect_eq "/dev/vfio/$G1" "$(readlink -f /dev/vfio/by-mdev/$U1)" by_mdev_link_names_the_group_node
tap_expect_eq "$U1 mdk_card-1q $CARD" \
	"$(prop $N MDK_MDEV_UUID) $(prop $N MDK_MDEV_TYPE) $(prop $N MDK_MDEV_PARENT)" \
	group_node_has_the_mdevs_uuid_type_and_parent
tap_begin udevadm_test_shows_the_link
out=$(udevadm test /sys/class/vfio/$G1 2>&1)
case $out in
*"vfio/by-mdev/$U1"*) tap_ok udevadm_test_shows_the_link ;;
*) tap_fail udevadm_test_shows_the_link "$(echo "$out" | tail -15)" ;;
esac
tap_expect_eq "root root 600" "$(node /dev/vfio/$G1)" node_is_root_only_by_default

# The operator's setting, then a second mdev.
mkdir -p /etc/mdevkit
printf 'MDK_VFIO_GROUP_OWNER=kvm\nMDK_VFIO_MODE=0660\n' >/etc/mdevkit/udev.conf
tap_run create_a_second_mdev create $U2
udevadm settle
G2=$(group_of $U2)
tap_expect_eq "root kvm 660" "$(node /dev/vfio/$G2)" node_gets_the_configured_group_and_mode
tap_expect_eq "root root 600" "$(node /dev/vfio/$G1)" earlier_node_is_unchanged
grep -q '^mdkuser:' /etc/passwd || echo 'mdkuser:x:1000:1000::/tmp:/bin/sh' >>/etc/passwd
sed -i 's/^kvm:x:36:$/kvm:x:36:mdkuser/' /etc/group
tap_run user_in_kvm_opens_the_group \
	su -s /bin/sh mdkuser -c "exec 3<>/dev/vfio/$G2"
tap_run_fails user_cannot_open_the_earlier_group \
	su -s /bin/sh mdkuser -c "exec 3<>/dev/vfio/$G1"
udevadm trigger --subsystem-match=vfio --action=change
udevadm settle
tap_expect_eq "root kvm 660" "$(node /dev/vfio/$G1)" trigger_applies_the_setting
rm -f /etc/mdevkit/udev.conf

echo 1 >$DEV/$U2/remove
udevadm settle
tap_expect_eq gone "$(test -e /dev/vfio/by-mdev/$U2 || echo gone)" link_goes_with_the_mdev
echo 1 >$DEV/$U1/remove
udevadm settle

# The NIC's representor named after its mdev, when asked.
U4=0dec0de0-0000-4000-8000-00000000a0b4
U5=0dec0de0-0000-4000-8000-00000000a0b5
NTYPES=/sys/bus/platform/devices/mdk_nic.0/mdev_supported_types/mdk_nic-1qp
tap_run nic_loads sh -c 'modprobe mdk_nic && echo 0 >/sys/bus/platform/drivers/mdk_nic/new_device'
printf 'MDK_REPRESENTOR_NAMES=uuid\n' >/etc/mdevkit/udev.conf
echo $U4 >$NTYPES/create
udevadm settle
tap_expect_eq "mdk00000000a0b4 mdk00000000a0b4" \
	"$(cat $DEV/$U4/nic/representor) $(ls $DEV/$U4/net 2>&1)" representor_is_named_after_its_mdev
tap_run ip_knows_it_by_that_name ip link show mdk00000000a0b4
rm -f /etc/mdevkit/udev.conf
echo $U5 >$NTYPES/create
udevadm settle
case "$(cat $DEV/$U5/nic/representor)" in
mdknic0v*) tap_ok without_the_setting_the_nic_names_it ;;
*) tap_fail without_the_setting_the_nic_names_it "saw $(cat $DEV/$U5/nic/representor)" ;;
esac
echo 1 >$DEV/$U4/remove
echo 1 >$DEV/$U5/remove
tap_run nic_unloads sh -c 'echo 0 >/sys/bus/platform/drivers/mdk_nic/del_device && modprobe -r mdk_nic'

# Autostart: once per registration of the parent.
tap_run define_an_auto_mdev mdevctl define -u $U3 -p $CARD -t mdk_card-1q --auto
n0=$(starts)
modprobe -r mdk_card
modprobe mdk_card soft=1
udevadm settle
tap_expect_eq "$((n0 + 1)) yes" "$(starts) $(test -e $DEV/$U3 && echo yes)" \
	module_reload_starts_it_once
drv=$(readlink -f $PDEV/driver)
mdevctl stop -u $U3 >/dev/null 2>&1
echo $CARD >"$drv/unbind"
echo $CARD >"$drv/bind"
udevadm settle
tap_expect_eq "$((n0 + 2)) yes" "$(starts) $(test -e $DEV/$U3 && echo yes)" \
	unbind_and_bind_start_it_once_more
mdevctl stop -u $U3 >/dev/null 2>&1
udevadm trigger --action=add $PDEV
udevadm settle
tap_expect_eq "$((n0 + 2)) no" "$(starts) $(test -e $DEV/$U3 && echo yes || echo no)" \
	replayed_add_of_the_same_registration_starts_nothing
tap_run undefine_it mdevctl undefine -u $U3
# Suites share VMs (make check's batches): leave the modules as found.
tap_run card_unloads modprobe -r mdk_card
tap_done
