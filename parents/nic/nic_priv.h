/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdk_nic: a software NIC whose mdevs are virtio-net PCI functions, each
 * with a host-side representor (docs/nic.md).
 *
 * Locking, per mdev (struct mdk_nic_vf):
 * - vfio_mdev serialises the register callbacks (read, write, reset, open,
 *   close); they own the virtio state (status, features, queue setup).
 * - The datapath runs in @work, never concurrently with itself. It reads
 *   the queue setup without a lock: the callbacks change a queue only while
 *   @running is false and after cancel_work_sync() (mdk_nic_vf_stop()).
 * - @rx_lock guards @running and @rxq, where the representor's transmit
 *   path queues frames for the guest. No lock is held across an access to
 *   the guest's memory.
 */
#ifndef _MDK_NIC_PRIV_H
#define _MDK_NIC_PRIV_H

#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <mdevkit/engine.h>
#include <mdevkit/mdev_core.h>
#include <mdevkit/vfio_mdev.h>

#include "nic_vq.h"

#define MDK_NIC_NAME		"mdk_nic"
#define MDK_NIC_NR_TYPES	3	/* 1, 2 and 4 queue pairs */
#define MDK_NIC_MAX_PAIRS	4
#define MDK_NIC_MAX_VQS		(2 * MDK_NIC_MAX_PAIRS + 1)

/* BAR0 (docs/nic.md) */
#define MDK_NIC_COMMON		0x0000
#define MDK_NIC_COMMON_LEN	0x40
#define MDK_NIC_ISR		0x1000
#define MDK_NIC_ISR_LEN		0x4
#define MDK_NIC_ISR_QUEUE	0x1	/* and VIRTIO_PCI_ISR_CONFIG, 0x2 */
#define MDK_NIC_DEVCFG		0x2000
#define MDK_NIC_DEVCFG_LEN	0x20
#define MDK_NIC_MSIX_TABLE	0x3000
#define MDK_NIC_MSIX_PBA	0x3800
#define MDK_NIC_NOTIFY		0x4000
#define MDK_NIC_NOTIFY_MUL	0x1000

/* Largest MTU a function may report (nic/mtu). */
#define MDK_NIC_MAX_MTU		9000

/* Frames queued for the guest per pair before the representor drops. */
#define MDK_NIC_RXQ_MAX		1024
/* Longest interval between two polls of passthrough notify pages. */
#define MDK_NIC_POLL_MAX	8

/* Chains a pass of the worker takes from one queue before it yields. */
#define MDK_NIC_BUDGET		64
/*
 * Time a transmit pass may take before it ends early (at least one frame
 * per queue): a fifth of the engine's stall limit (MDK_ENGINE_STALL_NS),
 * so that a slow kernel's pass is a turn, not a stall.
 */
#define MDK_NIC_TX_SLICE_NS	(MDK_ENGINE_STALL_MS * NSEC_PER_MSEC / 5)

/**
 * struct mdk_nic_q - one virtqueue
 * @vq: the ring state (nic_vq.h)
 * @vector: MSI-X vector (VIRTIO_MSI_NO_VECTOR for none)
 * @enabled: queue_enable was written 1 with a valid setup
 */
struct mdk_nic_q {
	struct mdk_nic_vq vq;
	u16 vector;
	bool enabled;
};

/**
 * struct mdk_nic_stats - representor counters
 * @syncp: u64_stats
 * @rx_packets: from the guest (the representor receives them)
 * @rx_bytes: ...
 * @tx_packets: to the guest
 * @tx_bytes: ...
 *
 * Written by the worker only; the drops, written from the representor's
 * transmit path too, are atomics of their own (struct mdk_nic_vf).
 */
struct mdk_nic_stats {
	struct u64_stats_sync syncp;
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
};

struct mdk_nic;

/**
 * struct mdk_nic_vf - one mdev: a virtio-net function and its representor
 * @nic: its NIC
 * @mdev: its mdev
 * @vdev: vfio_mdev's device
 * @rep: the representor
 * @index: N of the representor's name, unique on the NIC
 * @pairs: queue pairs of its type
 * @nvqs: virtqueues: 2 × @pairs, plus the control queue when @pairs > 1
 * @mac: the MAC address the device reports
 * @mtu: the MTU it reports
 * @cfg_mac: the administrator's (nic/mac): @mac at each open and close
 * @cfg_mtu: the administrator's (nic/mtu): @mtu at each open and close; a
 *	migrated function reports its source's values while it is open
 *	(nic_mig.c), at most this MTU
 * @opened: the VFIO device is open: @cfg_mac and @cfg_mtu are fixed
 * @ranges: BAR0's ranges
 * @vcaps: the virtio capabilities
 * @vcap_body: their bodies
 * @dev_features_sel: device_feature_select
 * @drv_features_sel: driver_feature_select
 * @features: what the driver wrote to driver_feature
 * @status: device_status
 * @generation: config_generation
 * @isr: ISR status (bit 0 a queue, bit 1 the configuration)
 * @broken: the driver made an error: DEVICE_NEEDS_RESET until reset
 * @msix_config: the configuration vector
 * @queue_sel: queue_select
 * @active_pairs: pairs in use (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET)
 * @q: the virtqueues
 * @work: the datapath (delayed only to poll passthrough notify pages)
 * @poll: the current polling interval in jiffies (passthrough notify)
 * @notify_mem: the notify pages when they are passed through (else NULL)
 * @rx_lock: see the top of this file
 * @running: the datapath may run (DRIVER_OK, not NEEDS_RESET, not @frozen)
 * @frozen: quiesced for migration: the datapath stays stopped until the
 *	function resumes (nic_mig.c)
 * @frozen_running: @running when the function was quiesced (a loaded
 *	state's): what resume restores
 * @rxq: frames from the representor for each pair's receive queue
 * @stats: the representor's counters
 * @tx_dropped: frames for the guest dropped: no buffers, not running,
 *	too long, or reset
 * @rx_dropped: frames from the guest dropped: malformed or too long
 * @txu: its place at the NIC's transmit engine
 * @chain: the worker's chain buffer (too big for the stack)
 * @chain2: a second one, for merged receive buffers
 * @mrg_head: heads of the chains one received frame takes
 * @mrg_len: bytes written into each
 */
struct mdk_nic_vf {
	struct mdk_nic *nic;
	struct mdev_device *mdev;
	struct mdk_vdev *vdev;
	struct net_device *rep;
	int index;
	unsigned int pairs;
	unsigned int nvqs;
	u8 mac[ETH_ALEN];
	u16 mtu;
	u8 cfg_mac[ETH_ALEN];
	u16 cfg_mtu;
	bool opened;
	struct mdk_vdev_range ranges[5];
	struct mdk_vdev_vendor_cap vcaps[4];
	u8 vcap_body[4][20];

	u32 dev_features_sel;
	u32 drv_features_sel;
	u64 features;
	u8 status;
	u8 generation;
	atomic_t isr;
	bool broken;
	u16 msix_config;
	u16 queue_sel;
	unsigned int active_pairs;
	struct mdk_nic_q q[MDK_NIC_MAX_VQS];

	struct delayed_work work;
	unsigned long poll;
	void *notify_mem;
	spinlock_t rx_lock;	/* see above */
	bool running;
	bool frozen;
	bool frozen_running;
	struct sk_buff_head rxq[MDK_NIC_MAX_PAIRS];
	struct mdk_nic_stats stats;
	atomic_long_t tx_dropped;
	atomic_long_t rx_dropped;
	struct mdk_engine_user txu;
	struct mdk_nic_chain *chain;
	struct mdk_nic_chain *chain2;
	u16 mrg_head[MDK_NIC_VQ_MAX_SIZE];
	u32 mrg_len[MDK_NIC_VQ_MAX_SIZE];
};

/**
 * struct mdk_nic - one software NIC
 * @dev: its platform device's
 * @id: its ID (the platform device's)
 * @parent: its mdev parent
 * @types: its mdev types
 * @typeps: pointers to them, for registration
 * @demands: what each type takes from the pools
 * @pools: the pools: queues, vectors, notify pages
 * @lock: guards @used and @indices
 * @used: units of each pool in use
 * @indices: representor indices in use
 * @notify_pt: its functions' notify pages are passed through
 * @tx: its transmit engine: the functions' transmit queues take turns at
 *	it, as the device scheduler decides (docs/sched.md)
 */
struct mdk_nic {
	struct device *dev;
	int id;
	struct mdev_parent parent;
	struct mdev_type types[MDK_NIC_NR_TYPES];
	struct mdev_type *typeps[MDK_NIC_NR_TYPES];
	struct mdk_res_demand demands[MDK_NIC_NR_TYPES];
	struct mdk_res_pools pools;
	struct mutex lock;	/* see above */
	u32 used[MDK_RES_NR];
	struct ida indices;
	bool notify_pt;
	struct mdk_engine tx;
};

/* nic_main.c */
extern struct mdev_driver mdk_nic_mdev_driver;
extern struct workqueue_struct *mdk_nic_wq;

/* nic_dev.c */
void mdk_nic_vf_stop(struct mdk_nic_vf *vf);
int mdk_nic_vf_probe(struct mdev_device *mdev);
void mdk_nic_vf_remove(struct mdev_device *mdev);
void mdk_nic_vf_needs_reset(struct mdk_nic_vf *vf);
void mdk_nic_vf_config_changed(struct mdk_nic_vf *vf);
bool mdk_nic_vf_link_up(struct mdk_nic_vf *vf);

/* nic_mig.c */
extern const struct mdk_vdev_mig_ops mdk_nic_mig_ops;

/* nic_dp.c */
void mdk_nic_dp_work(struct work_struct *work);
void mdk_nic_dp_kick(struct mdk_nic_vf *vf);
void mdk_nic_tx_granted(struct mdk_engine_user *u);
void mdk_nic_dp_raise(struct mdk_nic_vf *vf, unsigned int qi);
netdev_tx_t mdk_nic_dp_to_guest(struct mdk_nic_vf *vf, struct sk_buff *skb);

/* nic_rep.c */
struct net_device *mdk_nic_rep_create(struct mdk_nic_vf *vf);
void mdk_nic_rep_destroy(struct mdk_nic_vf *vf);
void mdk_nic_rep_carrier(struct mdk_nic_vf *vf);

#endif /* _MDK_NIC_PRIV_H */
