// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_nic migration (docs/migration.md): a function's virtio state as
 * vfio_mdev's migration calls for it. vfio_mdev saves config space and the
 * MSI-X table and PBA; this file the rest: the feature selectors and the
 * negotiated features, device status, the ISR, the configuration vector,
 * queue_select, the active pairs, every virtqueue's setup, vector and
 * indices, and the MAC address and MTU the driver read.
 *
 * Quiescing stops the datapath between two passes (mdk_nic_vf_stop()): a
 * pass publishes every used element it pushed, so the rings in guest
 * memory and the indices saved here agree, and the target takes the
 * available ring from the saved last_avail on. Frames queued for the guest
 * are dropped (counted in the representor's tx_dropped), as a real NIC
 * loses what is on the wire; frames the guest posted after the quiesce are
 * in its ring and leave through the target.
 *
 * The section, little endian (MDK_NIC_MIG_VERSION 1):
 *   0  u32 virtqueues         4  u32 device_feature_select
 *   8  u32 driver_feature_select
 *  12  u8 status  u8 flags (bit 0 NEEDS_RESET, bit 1 link up (for
 *      the record: each side reports its own), bit 2 the datapath ran)
 *  14  u16 msix_config       16  u64 driver features
 *  24  u16 queue_select      26  u16 active pairs
 *  28  u16 MTU               30  u8 ISR  u8 config_generation
 *  32  MAC (6 bytes)         38  u16 zero
 * then per virtqueue, MDK_NIC_MIG_Q bytes: desc, avail, used (u64), size,
 * last_avail, used_idx, vector (u16), flags (u32, bit 0 enabled), zero
 * (u32).
 */
#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <mdevkit/compat.h>

#include "nic_priv.h"

#define MDK_NIC_MIG_VERSION	1
#define MDK_NIC_MIG_HDR		40
#define MDK_NIC_MIG_Q		40
#define MDK_NIC_MIG_BROKEN	BIT(0)
#define MDK_NIC_MIG_LINK	BIT(1)
#define MDK_NIC_MIG_RUNNING	BIT(2)
#define MDK_NIC_MIG_OK		(VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_FEATURES_OK)
#define MDK_NIC_MIG_ENABLED	BIT(0)

static int mdk_nic_mig_quiesce(struct mdk_vdev *vdev)
{
	struct mdk_nic_vf *vf = mdk_vdev_priv(vdev);

	spin_lock_bh(&vf->rx_lock);
	vf->frozen = true;
	vf->frozen_running = vf->running;
	spin_unlock_bh(&vf->rx_lock);
	mdk_nic_vf_stop(vf);
	return 0;
}

static void mdk_nic_mig_resume(struct mdk_vdev *vdev)
{
	struct mdk_nic_vf *vf = mdk_vdev_priv(vdev);

	spin_lock_bh(&vf->rx_lock);
	vf->frozen = false;
	vf->running = vf->frozen_running && !vf->broken;
	vf->frozen_running = false;
	spin_unlock_bh(&vf->rx_lock);
	mdk_nic_rep_carrier(vf);
	if (!READ_ONCE(vf->running))
		return;
	/*
	 * The link may have moved while the driver could not be told, or is
	 * another here: it reads the configuration again (a spurious
	 * interrupt is harmless, a lost one is not).
	 */
	mdk_nic_vf_config_changed(vf);
	mdk_nic_dp_kick(vf);
}

static size_t mdk_nic_mig_size(struct mdk_vdev *vdev)
{
	struct mdk_nic_vf *vf = mdk_vdev_priv(vdev);

	return MDK_NIC_MIG_HDR + vf->nvqs * MDK_NIC_MIG_Q;
}

static ssize_t mdk_nic_mig_save(struct mdk_vdev *vdev, void *buf, size_t len)
{
	struct mdk_nic_vf *vf = mdk_vdev_priv(vdev);
	size_t n = mdk_nic_mig_size(vdev);
	unsigned int i;
	u8 *p = buf;

	if (len < n)
		return -ENOSPC;
	memset(p, 0, n);
	put_unaligned_le32(vf->nvqs, p);
	put_unaligned_le32(vf->dev_features_sel, p + 4);
	put_unaligned_le32(vf->drv_features_sel, p + 8);
	p[12] = vf->status;
	p[13] = (READ_ONCE(vf->broken) ? MDK_NIC_MIG_BROKEN : 0) |
		(mdk_nic_vf_link_up(vf) ? MDK_NIC_MIG_LINK : 0) |
		(vf->frozen_running ? MDK_NIC_MIG_RUNNING : 0);
	put_unaligned_le16(vf->msix_config, p + 14);
	put_unaligned_le64(vf->features, p + 16);
	put_unaligned_le16(vf->queue_sel, p + 24);
	put_unaligned_le16(vf->active_pairs, p + 26);
	put_unaligned_le16(vf->mtu, p + 28);
	p[30] = atomic_read(&vf->isr);
	p[31] = READ_ONCE(vf->generation);
	ether_addr_copy(p + 32, vf->mac);
	p += MDK_NIC_MIG_HDR;
	for (i = 0; i < vf->nvqs; i++, p += MDK_NIC_MIG_Q) {
		const struct mdk_nic_q *q = &vf->q[i];

		put_unaligned_le64(q->vq.desc, p);
		put_unaligned_le64(q->vq.avail, p + 8);
		put_unaligned_le64(q->vq.used, p + 16);
		put_unaligned_le16(q->vq.size, p + 24);
		put_unaligned_le16(q->vq.last_avail, p + 26);
		put_unaligned_le16(q->vq.used_idx, p + 28);
		put_unaligned_le16(q->vector, p + 30);
		put_unaligned_le32(q->enabled ? MDK_NIC_MIG_ENABLED : 0, p + 32);
	}
	return n;
}

/* A vector the driver may have written: one of the function's, or none. */
static bool mdk_nic_mig_vector_ok(const struct mdk_nic_vf *vf, u16 vec)
{
	return vec == VIRTIO_MSI_NO_VECTOR || vec <= vf->nvqs;
}

/*
 * Could the function have been in this state? What the register writes
 * let a driver reach (nic_dev.c), nothing more: a forged section cannot
 * give the datapath a queue it would refuse to enable.
 */
static bool mdk_nic_mig_valid(const struct mdk_nic_vf *vf, const u8 *p,
			      struct mdk_nic_vq *vq)
{
	u64 features = get_unaligned_le64(p + 16);
	u16 pairs = get_unaligned_le16(p + 26);
	u16 mtu = get_unaligned_le16(p + 28);
	u8 status = p[12];
	unsigned int i;

	if (get_unaligned_le32(p) != vf->nvqs ||
	    status & VIRTIO_CONFIG_S_NEEDS_RESET ||
	    p[13] & ~(MDK_NIC_MIG_BROKEN | MDK_NIC_MIG_LINK |
		      MDK_NIC_MIG_RUNNING) ||
	    (p[13] & MDK_NIC_MIG_RUNNING &&
	     ((status & MDK_NIC_MIG_OK) != MDK_NIC_MIG_OK ||
	      p[13] & MDK_NIC_MIG_BROKEN)) ||
	    !mdk_nic_mig_vector_ok(vf, get_unaligned_le16(p + 14)) ||
	    !pairs || pairs > vf->pairs ||
	    mtu < ETH_MIN_MTU || mtu > vf->cfg_mtu ||
	    p[30] & ~(MDK_NIC_ISR_QUEUE | VIRTIO_PCI_ISR_CONFIG) ||
	    !is_valid_ether_addr(p + 32) || get_unaligned_le16(p + 38))
		return false;
	if (status & VIRTIO_CONFIG_S_FEATURES_OK &&
	    !mdk_nic_features_ok(mdk_nic_features(vf->pairs), features))
		return false;
	for (i = 0, p += MDK_NIC_MIG_HDR; i < vf->nvqs; i++, p += MDK_NIC_MIG_Q) {
		u32 flags = get_unaligned_le32(p + 32);

		vq->desc = get_unaligned_le64(p);
		vq->avail = get_unaligned_le64(p + 8);
		vq->used = get_unaligned_le64(p + 16);
		vq->size = get_unaligned_le16(p + 24);

		if (flags & ~MDK_NIC_MIG_ENABLED || get_unaligned_le32(p + 36) ||
		    !mdk_nic_mig_vector_ok(vf, get_unaligned_le16(p + 30)))
			return false;
		if (flags & MDK_NIC_MIG_ENABLED &&
		    (mdk_nic_vq_check(vq) ||
		     !(status & VIRTIO_CONFIG_S_FEATURES_OK)))
			return false;
	}
	return true;
}

static int mdk_nic_mig_load(struct mdk_vdev *vdev, u32 version,
			    const void *buf, size_t len)
{
	struct mdk_nic_vf *vf = mdk_vdev_priv(vdev);
	struct mdk_nic_vq *vq;
	const u8 *p = buf;
	unsigned int i;
	bool valid;

	if (version != MDK_NIC_MIG_VERSION || len != mdk_nic_mig_size(vdev))
		return -EINVAL;
	/* A scratch queue for mdk_nic_vq_check(): too big for the stack. */
	vq = kzalloc(sizeof(*vq), GFP_KERNEL);
	if (!vq)
		return -ENOMEM;
	valid = mdk_nic_mig_valid(vf, p, vq);
	kfree(vq);
	if (!valid)
		return -EINVAL;
	/* Quiesced and reset: the datapath is stopped, nothing is queued. */
	vf->dev_features_sel = get_unaligned_le32(p + 4);
	vf->drv_features_sel = get_unaligned_le32(p + 8);
	vf->status = p[12];
	WRITE_ONCE(vf->broken, p[13] & MDK_NIC_MIG_BROKEN);
	vf->frozen_running = p[13] & MDK_NIC_MIG_RUNNING;
	WRITE_ONCE(vf->msix_config, get_unaligned_le16(p + 14));
	vf->features = get_unaligned_le64(p + 16);
	vf->queue_sel = get_unaligned_le16(p + 24);
	WRITE_ONCE(vf->active_pairs, get_unaligned_le16(p + 26));
	atomic_set(&vf->isr, p[30]);
	WRITE_ONCE(vf->generation, p[31]);
	/*
	 * The driver read them: the function keeps them where it moves, for
	 * this session (close restores the administrator's).
	 */
	mutex_lock(&vf->nic->lock);
	vf->mtu = get_unaligned_le16(p + 28);
	ether_addr_copy(vf->mac, p + 32);
	mutex_unlock(&vf->nic->lock);
	for (i = 0, p += MDK_NIC_MIG_HDR; i < vf->nvqs; i++, p += MDK_NIC_MIG_Q) {
		struct mdk_nic_q *q = &vf->q[i];

		memset(q, 0, sizeof(*q));
		q->vq.desc = get_unaligned_le64(p);
		q->vq.avail = get_unaligned_le64(p + 8);
		q->vq.used = get_unaligned_le64(p + 16);
		q->vq.size = get_unaligned_le16(p + 24);
		q->vq.last_avail = get_unaligned_le16(p + 26);
		q->vq.used_idx = get_unaligned_le16(p + 28);
		/* The read-ahead starts again where the device is. */
		q->vq.heads_from = q->vq.last_avail;
		q->vector = get_unaligned_le16(p + 30);
		q->enabled = get_unaligned_le32(p + 32) & MDK_NIC_MIG_ENABLED;
	}
	return 0;
}

const struct mdk_vdev_mig_ops mdk_nic_mig_ops = {
	.version	= MDK_NIC_MIG_VERSION,
	.quiesce	= mdk_nic_mig_quiesce,
	.resume		= mdk_nic_mig_resume,
	.size		= mdk_nic_mig_size,
	.save		= mdk_nic_mig_save,
	.load		= mdk_nic_mig_load,
};
