// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_card migration (docs/migration.md): a VF's queues as vfio_mdev's
 * migration calls for them. vfio_mdev saves config space and the MSI-X
 * table and PBA; this file the rest of the VF: each queue's configuration,
 * its HEAD (the next descriptor to run), its counters and its portal page's
 * TAIL and HEAD, which live in memory of the source card.
 *
 * Quiescing freezes the VF's worker between batches: every descriptor
 * before HEAD has completed (record written, HEAD updated) and none after
 * it has started, so the target runs exactly those after HEAD, none twice
 * and none lost. The VF's cached pins are dropped then; the target pins
 * again as its worker meets the pages.
 *
 * The section, little endian: nq and next_q (u32 each), then per queue
 * MDK_CARD_MIG_Q bytes: ring, comp (u64), size, vector, flags (bit 0:
 * enabled), head, error, done, portal TAIL and portal HEAD (u32).
 */
#include <mdevkit/compat.h>

#include "card_priv.h"

#define MDK_CARD_MIG_VERSION	1
#define MDK_CARD_MIG_HDR	8
#define MDK_CARD_MIG_Q		48
#define MDK_CARD_MIG_ENABLED	BIT(0)

static int mdk_card_mig_quiesce(struct mdk_vdev *vdev)
{
	struct mdk_card_vf *vf = mdk_vdev_priv(vdev);

	/* The worker holds exec across a batch: it is between two now. */
	mutex_lock(&vf->exec);
	WRITE_ONCE(vf->frozen, true);
	mdk_card_pins_flush(vf);
	mutex_unlock(&vf->exec);
	return 0;
}

static void mdk_card_mig_resume(struct mdk_vdev *vdev)
{
	struct mdk_card_vf *vf = mdk_vdev_priv(vdev);

	mutex_lock(&vf->exec);
	WRITE_ONCE(vf->frozen, false);
	mutex_unlock(&vf->exec);
	wake_up(&vf->wake);
}

static size_t mdk_card_mig_size(struct mdk_vdev *vdev)
{
	struct mdk_card_vf *vf = mdk_vdev_priv(vdev);

	return MDK_CARD_MIG_HDR + vf->nq * MDK_CARD_MIG_Q;
}

static ssize_t mdk_card_mig_save(struct mdk_vdev *vdev, void *buf, size_t len)
{
	struct mdk_card_vf *vf = mdk_vdev_priv(vdev);
	size_t n = mdk_card_mig_size(vdev);
	unsigned int qi;
	u8 *p = buf;

	if (len < n)
		return -ENOSPC;
	mutex_lock(&vf->exec);
	put_unaligned_le32(vf->nq, p);
	put_unaligned_le32(vf->next_q, p + 4);
	p += MDK_CARD_MIG_HDR;
	for (qi = 0; qi < vf->nq; qi++, p += MDK_CARD_MIG_Q) {
		const struct mdk_card_queue *q = &vf->q[qi];

		put_unaligned_le64(q->ring, p);
		put_unaligned_le64(q->comp, p + 8);
		put_unaligned_le32(q->size, p + 16);
		put_unaligned_le32(q->vector, p + 20);
		put_unaligned_le32(q->enabled ? MDK_CARD_MIG_ENABLED : 0, p + 24);
		put_unaligned_le32(q->head, p + 28);
		put_unaligned_le32(q->error, p + 32);
		put_unaligned_le32(q->done, p + 36);
		put_unaligned_le32(mdk_card_portal_read(vf, qi,
							MDK_CARD_PORTAL_TAIL),
				   p + 40);
		put_unaligned_le32(mdk_card_portal_read(vf, qi,
							MDK_CARD_PORTAL_HEAD),
				   p + 44);
	}
	mutex_unlock(&vf->exec);
	return n;
}

/*
 * Could the VF have been in this state? What ENABLE = 1 checks, and HEAD.
 * The portal's TAIL and HEAD are not checked: the driver may write any
 * value there (the engine ignores a TAIL beyond the ring, never reads HEAD).
 */
static bool mdk_card_mig_q_valid(struct mdk_card_vf *vf, const u8 *p)
{
	u64 ring = get_unaligned_le64(p), comp = get_unaligned_le64(p + 8);
	u32 size = get_unaligned_le32(p + 16);
	u32 vector = get_unaligned_le32(p + 20);
	u32 flags = get_unaligned_le32(p + 24);
	u32 error = get_unaligned_le32(p + 32);

	if (flags & ~MDK_CARD_MIG_ENABLED || error > MDK_CARD_QERR_TAIL)
		return false;
	if (!(flags & MDK_CARD_MIG_ENABLED))
		return true;
	return size && size <= MDK_CARD_MAX_RING && !(size & (size - 1)) &&
	       !(ring & 63) && !(comp & 31) &&
	       (vector == MDK_CARD_NO_VECTOR || vector < vf->nq) &&
	       get_unaligned_le32(p + 28) < size;
}

static int mdk_card_mig_load(struct mdk_vdev *vdev, u32 version,
			     const void *buf, size_t len)
{
	struct mdk_card_vf *vf = mdk_vdev_priv(vdev);
	const u8 *p = buf;
	unsigned int qi;

	if (version != MDK_CARD_MIG_VERSION || len != mdk_card_mig_size(vdev) ||
	    get_unaligned_le32(p) != vf->nq ||
	    get_unaligned_le32(p + 4) >= vf->nq)
		return -EINVAL;
	for (qi = 0; qi < vf->nq; qi++)
		if (!mdk_card_mig_q_valid(vf, p + MDK_CARD_MIG_HDR +
					  qi * MDK_CARD_MIG_Q))
			return -EINVAL;
	mutex_lock(&vf->exec);
	vf->next_q = get_unaligned_le32(p + 4);
	p += MDK_CARD_MIG_HDR;
	for (qi = 0; qi < vf->nq; qi++, p += MDK_CARD_MIG_Q) {
		struct mdk_card_queue *q = &vf->q[qi];
		bool enabled = get_unaligned_le32(p + 24) & MDK_CARD_MIG_ENABLED;

		if (q->enabled)
			atomic_dec(&vf->nr_enabled);
		*q = (struct mdk_card_queue){
			.ring = get_unaligned_le64(p),
			.comp = get_unaligned_le64(p + 8),
			.size = get_unaligned_le32(p + 16),
			.vector = get_unaligned_le32(p + 20),
			.enabled = enabled,
			.head = get_unaligned_le32(p + 28),
			.error = get_unaligned_le32(p + 32),
			.done = get_unaligned_le32(p + 36),
		};
		mdk_card_portal_write(vf, qi, MDK_CARD_PORTAL_TAIL,
				      get_unaligned_le32(p + 40));
		mdk_card_portal_write(vf, qi, MDK_CARD_PORTAL_HEAD,
				      get_unaligned_le32(p + 44));
		if (enabled)
			atomic_inc(&vf->nr_enabled);
	}
	mutex_unlock(&vf->exec);
	return 0;
}

const struct mdk_vdev_mig_ops mdk_card_mig_ops = {
	.version	= MDK_CARD_MIG_VERSION,
	.quiesce	= mdk_card_mig_quiesce,
	.resume		= mdk_card_mig_resume,
	.size		= mdk_card_mig_size,
	.save		= mdk_card_mig_save,
	.load		= mdk_card_mig_load,
};
