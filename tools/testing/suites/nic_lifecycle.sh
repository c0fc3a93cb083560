#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# nic_lifecycle - the software NIC's life: NICs created and deleted at run
# time (new_device, del_device, and their errors), mdevctl types/start/stop
# of NIC mdevs with exact accounting, the representor tied to its mdev in
# sysfs, a MAC stable for its UUID, the host pinging a userspace virtio-net
# driver (mdk-vnet) through the representor on a trapped and on a
# passthrough-notify NIC, and removal, parent deletion and module unload
# while that driver has the device open and traffic flows (the REQ path).
. /opt/mdevkit/lib/tap.sh
tap_plan 28

DRV=/sys/bus/platform/drivers/mdk_nic
VNET=/opt/mdevkit/bin/mdk-vnet
U1=6e1c0000-0000-4000-8000-000000000001
U2=6e1c0000-0000-4000-8000-000000000002
U3=6e1c0000-0000-4000-8000-000000000003
types() { echo /sys/bus/platform/devices/mdk_nic.$1/mdev_supported_types; }
nicf() { cat /sys/bus/platform/devices/mdk_nic.$1/$2; }
rep() { cat /sys/bus/mdev/devices/$1/nic/representor; }
# write FILE VALUE: exit status of the write, its error on stderr
write() { sh -c "echo '$2' > '$1'" 2>&1; }
# serve REP NET UUID LOG: NET.1 on the representor, mdk-vnet answering for
# NET.2 on the mdev ($vnet), its output in LOG
serve() {
	ip link set "$1" up
	ip addr add "$2.1/24" dev "$1"
	$VNET respond "$3" "$2.2" 120 >"$4" 2>&1 &
	vnet=$!
	sleep 2
}
# under_traffic IP FILE VALUE: pings IP while writing VALUE to FILE; then
# waits for mdk-vnet ($vnet) to have let go
under_traffic() {
	ping -i 0.2 -W 1 "$1" >/dev/null 2>&1 &
	pinger=$!
	sleep 1
	write "$2" "$3"
	wait $vnet
	kill $pinger 2>/dev/null
}

modprobe vfio_iommu_type1
tap_run module_loads modprobe mdk_nic
udevadm settle

tap_run new_device_creates_a_nic write $DRV/new_device 0
tap_expect_eq "64 80 64 trap" "$(nicf 0 queues_total) $(nicf 0 vectors_total) $(nicf 0 notify_pages_total) $(nicf 0 notify)" \
	nic_shows_its_pools_and_mode
tap_run_fails new_device_twice_is_refused write $DRV/new_device 0
tap_run_fails new_device_past_255_is_refused write $DRV/new_device 256
tap_run_fails new_device_of_garbage_is_refused write $DRV/new_device "x1"
tap_run_fails new_device_with_an_unknown_mode_is_refused write $DRV/new_device "7 notify=magic"
tap_run_fails del_device_of_no_nic_is_refused write $DRV/del_device 9
tap_expect_eq "" "$(ls /sys/bus/platform/devices | grep -x 'mdk_nic.7\|mdk_nic.9')" refused_writes_left_no_nic

tap_begin mdevctl_types_lists_three_types
got=$(mdevctl types | grep -o 'mdk_nic-[124]qp' | xargs)
tap_expect_eq "mdk_nic-1qp mdk_nic-2qp mdk_nic-4qp" "$got" mdevctl_types_lists_three_types

tap_run mdevctl_start_creates_a_2qp mdevctl start -u $U1 -p mdk_nic.0 -t mdk_nic-2qp
tap_run sysfs_create_makes_a_4qp write "$(types 0)/mdk_nic-4qp/create" $U2
# 2qp: 5 queues, 6 vectors, 5 pages; 4qp: 9, 10, 9. Left: 50, 64, 50,
# room for 5 more 4qp (queues), 10 2qp, 21 1qp (vectors: 3 each).
tap_expect_eq "50 64 50 5 10 21" \
	"$(nicf 0 queues_free) $(nicf 0 vectors_free) $(nicf 0 notify_pages_free) $(cat "$(types 0)"/mdk_nic-4qp/available_instances) $(cat "$(types 0)"/mdk_nic-2qp/available_instances) $(cat "$(types 0)"/mdk_nic-1qp/available_instances)" \
	accounting_is_exact_for_a_mix

tap_begin representor_is_tied_to_its_mdev
r1=$(rep $U1)
tap_expect_eq "mdknic0v0 $U1 $r1" \
	"$r1 $(basename "$(readlink /sys/class/net/$r1/device)") $(ls /sys/bus/mdev/devices/$U1/net)" \
	representor_is_tied_to_its_mdev
tap_expect_eq "mdknic0v1 vf1" "$(rep $U2) $(cat /sys/class/net/$(rep $U2)/phys_port_name)" \
	second_mdev_gets_the_next_name
tap_expect_eq "mdk_nic mdk_nic.0/vf0" \
	"$(ethtool -i $r1 | sed -n 's/^driver: //p') $(ethtool -i $r1 | sed -n 's/^bus-info: //p')" \
	ethtool_names_driver_and_nic

tap_begin mac_is_stable_for_its_uuid
mac=$(cat /sys/bus/mdev/devices/$U1/nic/mac)
mdevctl stop -u $U1
mdevctl start -u $U1 -p mdk_nic.0 -t mdk_nic-2qp
tap_expect_eq "$mac" "$(cat /sys/bus/mdev/devices/$U1/nic/mac)" mac_is_stable_for_its_uuid
tap_run_fails multicast_mac_is_refused write /sys/bus/mdev/devices/$U1/nic/mac 03:00:00:00:00:01

# Traffic: the host pings mdk-vnet through the representor.
serve $r1 10.99.0 $U1 /tmp/vnet1.out
tap_run host_pings_the_driver_through_the_representor ping -c 3 -W 5 10.99.0.2
tap_expect_eq "1" "$(ethtool -S $r1 | sed -n 's/^ *guest_running: //p')" ethtool_shows_the_guest_running
tap_run_fails mac_cannot_change_while_open write /sys/bus/mdev/devices/$U1/nic/mac 02:00:00:00:00:01

# Removal while open and under traffic: REQ makes the driver let go.
tap_begin remove_during_traffic_asks_the_driver_back
under_traffic 10.99.0.2 /sys/bus/mdev/devices/$U1/remove 1
tap_expect_eq "gone 1" "$(test -e /sys/bus/mdev/devices/$U1 || echo gone) $(grep -c 'asked back' /tmp/vnet1.out)" \
	remove_during_traffic_asks_the_driver_back

# A NIC whose notify pages are passed through: the worker polls.
tap_run passthrough_nic_is_created write $DRV/new_device "1 notify=passthrough"
write "$(types 1)/mdk_nic-1qp/create" $U3
r3=$(rep $U3)
tap_expect_eq "passthrough mdknic1v0" "$(cat /sys/bus/mdev/devices/$U3/nic/notify) $r3" \
	passthrough_mdev_says_so
serve $r3 10.98.0 $U3 /tmp/vnet3.out
tap_run host_pings_through_a_passthrough_notify_nic ping -c 3 -W 5 10.98.0.2

# Deleting the NIC with an mdev open: REQ again, then everything goes.
tap_begin parent_delete_during_traffic
under_traffic 10.98.0.2 $DRV/del_device 1
tap_expect_eq "gone gone 1" \
	"$(test -e /sys/bus/mdev/devices/$U3 || echo gone) $(test -e /sys/class/net/$r3 || echo gone) $(grep -c 'asked back' /tmp/vnet3.out)" \
	parent_delete_during_traffic

r2=$(rep $U2)
tap_run module_unloads_with_an_mdev_left rmmod mdk_nic
tap_expect_eq "gone gone" \
	"$(test -e /sys/bus/mdev/devices/$U2 || echo gone) $(test -e /sys/class/net/$r2 || echo gone)" \
	unload_took_the_mdev_and_its_representor
tap_done
