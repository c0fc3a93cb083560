// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_card virtual functions: each mdev is a VF with the portal pages,
 * queues and vectors mdev_core granted it. BAR0 passes its portal pages
 * through (a slice of the card's BAR2, or of the soft card's memory); BAR2
 * holds its control registers (trapped here) and the MSI-X table and PBA
 * (vfio_mdev's). Register map: include/mdevkit/card_regs.h.
 */

#include <linux/io.h>
#include <linux/slab.h>
#include <mdevkit/compat.h>

#include "card_priv.h"

/* Stops every queue and forgets its configuration (vf->exec held). */
static void mdk_card_vf_quiesce(struct mdk_card_vf *vf)
{
	unsigned int qi;

	for (qi = 0; qi < vf->nq; qi++) {
		if (vf->q[qi].enabled)
			atomic_dec(&vf->nr_enabled);
		vf->q[qi] = (struct mdk_card_queue){
			.vector = MDK_CARD_NO_VECTOR,
		};
		mdk_card_portal_write(vf, qi, MDK_CARD_PORTAL_TAIL, 0);
		mdk_card_portal_write(vf, qi, MDK_CARD_PORTAL_HEAD, 0);
	}
}

static void mdk_card_vf_reset(struct mdk_vdev *vdev)
{
	struct mdk_card_vf *vf = mdk_vdev_priv(vdev);

	mutex_lock(&vf->exec);
	mdk_card_vf_quiesce(vf);
	mdk_card_pins_flush(vf);	/* the engine is out: nothing in flight */
	mutex_unlock(&vf->exec);
}

/* ENABLE = 1: check the configuration, then hand the queue to the engine. */
static void mdk_card_q_enable(struct mdk_card_vf *vf, unsigned int qi)
{
	struct mdk_card_queue *q = &vf->q[qi];

	if (q->enabled)
		return;
	if (!q->size || q->size > MDK_CARD_MAX_RING || (q->size & (q->size - 1)) ||
	    (q->ring & 63) || (q->comp & 31) ||
	    (q->vector != MDK_CARD_NO_VECTOR && q->vector >= vf->nq)) {
		q->error = MDK_CARD_QERR_CONFIG;
		return;
	}
	q->head = 0;
	q->error = MDK_CARD_QERR_NONE;
	mdk_card_portal_write(vf, qi, MDK_CARD_PORTAL_TAIL, 0);
	mdk_card_portal_write(vf, qi, MDK_CARD_PORTAL_HEAD, 0);
	q->enabled = true;
	if (atomic_inc_return(&vf->nr_enabled) == 1)
		wake_up(&vf->wake);
}

static void mdk_card_q_write(struct mdk_card_vf *vf, unsigned int qi,
			     unsigned int reg, u32 val)
{
	struct mdk_card_queue *q = &vf->q[qi];

	if (reg == MDK_CARD_Q_ENABLE) {
		if (val & 1) {
			mdk_card_q_enable(vf, qi);
		} else if (q->enabled) {
			q->enabled = false;
			atomic_dec(&vf->nr_enabled);
		}
		return;
	}
	if (q->enabled)		/* the configuration is fixed while it runs */
		return;
	switch (reg) {
	case MDK_CARD_Q_RING_LO:
		q->ring = (q->ring & ~0xffffffffULL) | val;
		break;
	case MDK_CARD_Q_RING_HI:
		q->ring = lower_32_bits(q->ring) | (u64)val << 32;
		break;
	case MDK_CARD_Q_SIZE:
		q->size = val;
		break;
	case MDK_CARD_Q_VECTOR:
		q->vector = val;
		break;
	case MDK_CARD_Q_COMP_LO:
		q->comp = (q->comp & ~0xffffffffULL) | val;
		break;
	case MDK_CARD_Q_COMP_HI:
		q->comp = lower_32_bits(q->comp) | (u64)val << 32;
		break;
	}
}

static u32 mdk_card_q_read(struct mdk_card_vf *vf, unsigned int qi,
			   unsigned int reg)
{
	struct mdk_card_queue *q = &vf->q[qi];

	switch (reg) {
	case MDK_CARD_Q_RING_LO: return lower_32_bits(q->ring);
	case MDK_CARD_Q_RING_HI: return upper_32_bits(q->ring);
	case MDK_CARD_Q_SIZE: return q->size;
	case MDK_CARD_Q_VECTOR: return q->vector;
	case MDK_CARD_Q_COMP_LO: return lower_32_bits(q->comp);
	case MDK_CARD_Q_COMP_HI: return upper_32_bits(q->comp);
	case MDK_CARD_Q_ENABLE: return q->enabled;
	case MDK_CARD_Q_ERROR: return q->error;
	case MDK_CARD_Q_DONE: return q->done;
	}
	return 0;
}

/* Which queue register @off is, if any: its queue in *@qi. */
static int mdk_card_q_reg(struct mdk_card_vf *vf, u64 off, unsigned int *qi)
{
	if (off < MDK_CARD_Q(0) || off >= MDK_CARD_Q(vf->nq))
		return -1;
	*qi = (off - MDK_CARD_Q(0)) / 0x40;
	return (off - MDK_CARD_Q(0)) % 0x40;
}

static int mdk_card_vf_read(struct mdk_vdev *vdev, unsigned int bar, u64 off,
			    void *buf, unsigned int len)
{
	struct mdk_card_vf *vf = mdk_vdev_priv(vdev);
	unsigned int qi;
	int reg;
	u32 v = 0;

	if (len != 4 || off % 4)
		return 0;	/* registers are dwords; the rest reads zero */
	switch (off) {
	case MDK_CARD_ID:
		v = MDK_CARD_ID_VALUE;
		break;
	case MDK_CARD_VERSION:
		v = 1;
		break;
	case MDK_CARD_NQUEUES:
	case MDK_CARD_NVECTORS:
		v = vf->nq;
		break;
	default:
		reg = mdk_card_q_reg(vf, off, &qi);
		if (reg >= 0) {
			mutex_lock(&vf->exec);
			v = mdk_card_q_read(vf, qi, reg);
			mutex_unlock(&vf->exec);
		}
	}
	put_unaligned_le32(v, buf);
	return 0;
}

static int mdk_card_vf_write(struct mdk_vdev *vdev, unsigned int bar, u64 off,
			     const void *buf, unsigned int len)
{
	struct mdk_card_vf *vf = mdk_vdev_priv(vdev);
	u32 v = len == 4 ? get_unaligned_le32(buf) : 0;
	unsigned int qi;
	int reg;

	if (len != 4 || off % 4)
		return 0;	/* ignored */
	if (off == MDK_CARD_RESET) {
		if (v & 1)
			mdk_card_vf_reset(vdev);
		return 0;
	}
	reg = mdk_card_q_reg(vf, off, &qi);
	if (reg >= 0) {
		mutex_lock(&vf->exec);
		mdk_card_q_write(vf, qi, reg, v);
		mutex_unlock(&vf->exec);
	}
	return 0;
}

/* The user closed the VF: no DMA for it any more. */
static void mdk_card_vf_close(struct mdk_vdev *vdev)
{
	mdk_card_vf_reset(vdev);
}

/* The user unmapped memory: drop the cached pins in it. */
static void mdk_card_vf_dma_unmap(struct mdk_vdev *vdev, u64 iova, u64 len)
{
	mdk_card_pins_unmap(mdk_vdev_priv(vdev), iova, len);
}

static const struct mdk_vdev_ops mdk_card_vf_ops = {
	.close		= mdk_card_vf_close,
	.read		= mdk_card_vf_read,
	.write		= mdk_card_vf_write,
	.reset		= mdk_card_vf_reset,
	.dma_unmap	= mdk_card_vf_dma_unmap,
	.mig		= &mdk_card_mig_ops,
};

/**
 * mdk_card_vf_probe() - an mdev of the card becomes a VF
 * @mdev: the mdev, with its grant
 *
 * Return: 0, or -ENOMEM or vfio_mdev's error.
 */
int mdk_card_vf_probe(struct mdev_device *mdev)
{
	struct mdk_card *card = container_of(mdev->type->parent,
					     struct mdk_card, parent);
	const struct mdk_res_grant *g = mdk_mdev_grant(mdev);
	struct mdk_vdev_info info = {};
	unsigned long portal_off;
	struct mdk_card_vf *vf;
	int ret;

	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	vf->card = card;
	vf->nq = g->count[MDK_RES_QUEUE];
	mutex_init(&vf->exec);
	init_waitqueue_head(&vf->idle);
	mdk_card_pins_init(vf);
	init_waitqueue_head(&vf->grant);
	portal_off = (unsigned long)g->start[MDK_RES_BAR2] * MDK_CARD_PORTAL_SIZE;
	vf->ranges[0] = (struct mdk_vdev_range){
		.offset = 0, .size = vf->nq * MDK_CARD_PORTAL_SIZE,
		.kind = MDK_VBAR_PASSTHROUGH,
	};
	if (card->portal_mem) {
		vf->portal = card->portal_mem + portal_off;
		vf->ranges[0].mem = vf->portal;
	} else {
		vf->portal_io = card->portal_io + portal_off;
		vf->ranges[0].phys = card->portal_phys + portal_off;
		vf->ranges[0].io = vf->portal_io;
	}
	vf->ranges[1] = (struct mdk_vdev_range){
		.offset = 0, .size = MDK_CARD_CTRL_SIZE, .kind = MDK_VBAR_TRAP,
	};
	mdk_card_vf_quiesce(vf);
	info.pci = (struct mdk_vcfg_desc){
		.vendor = MDK_CARD_VENDOR, .device = MDK_CARD_DEVICE,
		.subsystem_vendor = MDK_CARD_VENDOR, .subsystem_device = 0x1100,
		.class = 0x088000,	/* system peripheral, other */
		.revision = 1, .express = true,
		.bars = {
			[0] = { vf->nq * MDK_CARD_PORTAL_SIZE,
				MDK_VCFG_BAR_64 | MDK_VCFG_BAR_PREFETCH },
			[2] = { MDK_CARD_CTRL_SIZE, 0 },
		},
	};
	info.bars[0] = (struct mdk_vdev_bar){ 1, &vf->ranges[0] };
	info.bars[2] = (struct mdk_vdev_bar){ 1, &vf->ranges[1] };
	info.msix_vectors = vf->nq;
	info.msix_bar = 2;
	info.msix_table = MDK_CARD_MSIX_TABLE;
	info.msix_pba = MDK_CARD_MSIX_PBA;
	/* A VF's share of the engine grows with its queues (docs/sched.md). */
	ret = mdk_engine_user_add(&card->engine, &vf->eu,
				  MDK_SCHED_WEIGHT_DEFAULT * vf->nq,
				  mdk_card_granted, &mdev->dev);
	if (ret)
		goto err_free;
	ret = mdk_card_worker_start(vf, dev_name(&mdev->dev));
	if (ret)
		goto err_user;
	vf->vdev = mdk_vdev_create(mdev, &info, &mdk_card_vf_ops, vf);
	if (IS_ERR(vf->vdev)) {
		ret = PTR_ERR(vf->vdev);
		goto err_worker;
	}
	mutex_lock(&card->lock);
	list_add_tail(&vf->node, &card->vfs);
	card->used[MDK_RES_BAR2] += vf->nq;
	card->used[MDK_RES_QUEUE] += vf->nq;
	card->used[MDK_RES_VECTOR] += vf->nq;
	mutex_unlock(&card->lock);
	return 0;

err_worker:
	mdk_card_worker_stop(vf);
err_user:
	mdk_engine_user_del(&vf->eu);
err_free:
	kfree(vf);
	return ret;
}

/**
 * mdk_card_vf_remove() - the mdev goes
 * @mdev: the mdev
 *
 * Waits until its user has closed it (vfio_mdev asks through REQ), which
 * stops its queues; then its worker stops.
 */
void mdk_card_vf_remove(struct mdev_device *mdev)
{
	struct mdk_vdev *vdev = dev_get_drvdata(&mdev->dev);
	struct mdk_card_vf *vf = mdk_vdev_priv(vdev);
	struct mdk_card *card = vf->card;

	mdk_vdev_destroy(vdev);
	mdk_card_worker_stop(vf);
	mdk_engine_user_del(&vf->eu);
	mutex_lock(&card->lock);
	list_del(&vf->node);
	card->used[MDK_RES_BAR2] -= vf->nq;
	card->used[MDK_RES_QUEUE] -= vf->nq;
	card->used[MDK_RES_VECTOR] -= vf->nq;
	mutex_unlock(&card->lock);
	mutex_lock(&vf->exec);
	mdk_card_vf_quiesce(vf);
	mutex_unlock(&vf->exec);
	xa_destroy(&vf->pins);	/* emptied when the user closed the VF */
	kfree(vf);
}
