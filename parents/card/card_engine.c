// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_card engine: the card's "hardware". One thread per card polls the
 * TAIL of every enabled queue in the portal pages, which the VF's driver
 * writes through its passthrough mapping without any trap; executes the new
 * descriptors, fetched from the ring in the user's memory through VFIO DMA;
 * writes their completion records; advances HEAD; raises MSI-X.
 *
 * Polling backs off from 10 us to 1 ms while every queue is idle; with no
 * queue enabled on the card the thread sleeps until one is.
 *
 * Data moves between pinned pages (the VF's pin cache, card_pins.c), one
 * copy from the source pages to the destination pages: no bounce buffer. A
 * descriptor whose addresses are not all inside the user's DMA mappings
 * (readable and writable) gets BAD_ADDRESS and touches nothing.
 */

#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/sched.h>

#include "card_priv.h"

#define MDK_CARD_POLL_MIN_US	10
#define MDK_CARD_POLL_MAX_US	1000
/* Descriptors of one queue per pass, so that queues share the engine. */
#define MDK_CARD_BATCH		64

/**
 * mdk_card_portal_read() - a register of a queue's portal page
 * @vf: the VF
 * @q: the queue
 * @reg: MDK_CARD_PORTAL_TAIL or _HEAD
 *
 * Return: the value.
 */
u32 mdk_card_portal_read(struct mdk_card_vf *vf, unsigned int q,
			 unsigned int reg)
{
	unsigned long off = q * MDK_CARD_PORTAL_SIZE + reg;

	if (vf->portal_io)
		return readl(vf->portal_io + off);
	return le32_to_cpu(READ_ONCE(*(__le32 *)(vf->portal + off)));
}

/**
 * mdk_card_portal_write() - write a register of a queue's portal page
 * @vf: the VF
 * @q: the queue
 * @reg: MDK_CARD_PORTAL_TAIL or _HEAD
 * @val: the value
 */
void mdk_card_portal_write(struct mdk_card_vf *vf, unsigned int q,
			   unsigned int reg, u32 val)
{
	unsigned long off = q * MDK_CARD_PORTAL_SIZE + reg;

	if (vf->portal_io)
		writel(val, vf->portal_io + off);
	else
		WRITE_ONCE(*(__le32 *)(vf->portal + off), cpu_to_le32(val));
}

/* A buffer of the user's, its pages pinned (card_pins.c). */
struct mdk_card_buf {
	u64 iova;
	int npages;
	struct page **pages;
};

static int mdk_card_buf_get(struct mdk_card_vf *vf, struct mdk_card_buf *b,
			    u64 iova, u32 len, struct page **pages)
{
	b->iova = iova;
	b->pages = pages;
	b->npages = mdk_card_pins_get(vf, iova, len, pages);
	return b->npages < 0 ? b->npages : 0;
}

/* The page and offset of byte @pos of a pinned buffer; bytes to its end. */
static u8 *mdk_card_map(struct mdk_card_buf *b, u32 pos, u32 *room)
{
	u64 at = (b->iova & ~PAGE_MASK) + pos;

	*room = PAGE_SIZE - (at & ~PAGE_MASK);
	return kmap_local_page(b->pages[at >> PAGE_SHIFT]) + (at & ~PAGE_MASK);
}

/* Runs @d on pinned @src/@dst; the result word of its completion. */
static u32 mdk_card_run(const struct mdk_card_desc *d, struct mdk_card_buf *src,
			struct mdk_card_buf *dst)
{
	u32 pos = 0, result = 0, crc = ~0U, n, rs, rd;
	u8 *s, *t;

	while (pos < d->len) {
		n = d->len - pos;
		s = src->npages ? mdk_card_map(src, pos, &rs) : NULL;
		t = dst->npages ? mdk_card_map(dst, pos, &rd) : NULL;
		if (s)
			n = min(n, rs);
		if (t)
			n = min(n, rd);
		switch (d->opcode) {
		case MDK_CARD_OP_COPY:
			memcpy(t, s, n);
			break;
		case MDK_CARD_OP_FILL: {
			u32 k;

			for (k = 0; k < n; k++)
				t[k] = d->pattern >> (8 * ((pos + k) % 8));
			break;
		}
		case MDK_CARD_OP_COMPARE:
			if (memcmp(s, t, n))
				result = 1;
			break;
		case MDK_CARD_OP_CRC32C:
			crc = mdk_card_crc32c(crc, s, n);
			break;
		}
		if (t)
			kunmap_local(t);
		if (s)
			kunmap_local(s);
		pos += n;
	}
	return d->opcode == MDK_CARD_OP_CRC32C ? ~crc : result;
}

/* Executes one descriptor; fills its completion record. */
static void mdk_card_exec(struct mdk_card_vf *vf, struct mdk_card_desc *d,
			  struct mdk_card_comp *c)
{
	struct mdk_card *card = vf->card;
	struct mdk_card_buf src = {}, dst = {};
	bool need_src = d->opcode != MDK_CARD_OP_FILL;
	bool need_dst = d->opcode == MDK_CARD_OP_COPY ||
			d->opcode == MDK_CARD_OP_FILL ||
			d->opcode == MDK_CARD_OP_COMPARE;
	int ret = 0;

	c->status = mdk_card_desc_check(d);
	if (c->status)
		return;
	if (atomic_long_read(&vf->nr_pins) > MDK_CARD_MAX_PINS)
		mdk_card_pins_flush(vf);	/* nothing in flight here */
	mdk_card_pins_enter(vf);
	if (need_src)
		ret = mdk_card_buf_get(vf, &src, d->src, d->len,
				       card->src_pages);
	if (!ret && need_dst)
		ret = mdk_card_buf_get(vf, &dst, d->dst, d->len,
				       card->dst_pages);
	if (!ret) {
		c->result = mdk_card_run(d, &src, &dst);
		c->bytes = d->len;
		c->status = MDK_CARD_ST_SUCCESS;
	} else {
		c->status = MDK_CARD_ST_BAD_ADDRESS;
	}
	mdk_card_pins_leave(vf);
}

/* One descriptor of queue @qi at its head: fetch, execute, complete. */
static void mdk_card_one(struct mdk_card_vf *vf, unsigned int qi)
{
	struct mdk_card_queue *q = &vf->q[qi];
	struct mdk_card_desc d = {};
	struct mdk_card_comp c = {};
	u32 status;
	u64 rec;
	int ret;

	if (mdk_vdev_dma_rw(vf->vdev, q->ring + (u64)q->head * sizeof(d), &d,
			    sizeof(d), false)) {
		c.status = MDK_CARD_ST_BAD_ADDRESS;
	} else {
		c.cookie = d.cookie;
		mdk_card_exec(vf, &d, &c);
	}
	/*
	 * The record, then HEAD, then the record's status: a driver that
	 * polls the status finds the rest of the record written and HEAD past
	 * the descriptor (the copies are not atomic). A completion the user
	 * did not map is lost, as on hardware.
	 */
	rec = q->comp + (u64)q->head * sizeof(c);
	status = c.status;
	c.status = 0;
	ret = mdk_vdev_dma_rw(vf->vdev, rec, &c, sizeof(c), true);
	q->done++;
	q->head = (q->head + 1) & (q->size - 1);
	mdk_card_portal_write(vf, qi, MDK_CARD_PORTAL_HEAD, q->head);
	if (!ret) {
		smp_wmb();	/* the record and HEAD before the status */
		mdk_vdev_dma_rw(vf->vdev, rec, &status, sizeof(status), true);
	}
	if ((d.flags & MDK_CARD_F_IRQ) && q->vector != MDK_CARD_NO_VECTOR)
		mdk_vdev_raise(vf->vdev, q->vector);
}

/**
 * mdk_card_vf_execute() - run a VF's enabled queues once
 * @vf: the VF
 *
 * Up to %MDK_CARD_BATCH descriptors per queue. A TAIL beyond the ring
 * sets the queue's error and is ignored until the driver writes a good one.
 *
 * Context: the engine thread; takes @vf->exec.
 * Return: true if a descriptor ran.
 */
bool mdk_card_vf_execute(struct mdk_card_vf *vf)
{
	unsigned int qi, n;
	bool busy = false;
	u32 tail;

	mutex_lock(&vf->exec);
	for (qi = 0; qi < vf->nq; qi++) {
		struct mdk_card_queue *q = &vf->q[qi];

		if (!q->enabled)
			continue;
		tail = mdk_card_portal_read(vf, qi, MDK_CARD_PORTAL_TAIL);
		if (tail >= q->size) {
			q->error = MDK_CARD_QERR_TAIL;
			continue;
		}
		for (n = 0; q->head != tail && n < MDK_CARD_BATCH; n++)
			mdk_card_one(vf, qi);
		busy |= n;
	}
	mutex_unlock(&vf->exec);
	return busy;
}

static int mdk_card_engine(void *data)
{
	struct mdk_card *card = data;
	unsigned int delay = MDK_CARD_POLL_MIN_US;
	struct mdk_card_vf *vf;
	bool busy;

	while (!kthread_should_stop()) {
		if (!atomic_read(&card->nr_enabled)) {
			wait_event_interruptible(card->wake,
						 atomic_read(&card->nr_enabled) ||
						 kthread_should_stop());
			delay = MDK_CARD_POLL_MIN_US;
			continue;
		}
		busy = false;
		mutex_lock(&card->lock);
		list_for_each_entry(vf, &card->vfs, node)
			busy |= mdk_card_vf_execute(vf);
		mutex_unlock(&card->lock);
		if (busy) {
			delay = MDK_CARD_POLL_MIN_US;
			cond_resched();
		} else {
			usleep_range(delay, 2 * delay);
			delay = min(2 * delay, MDK_CARD_POLL_MAX_US);
		}
	}
	return 0;
}

/**
 * mdk_card_engine_start() - start a card's engine thread
 * @card: the card
 *
 * Return: 0 or the error of kthread_run().
 */
int mdk_card_engine_start(struct mdk_card *card)
{
	card->engine = kthread_run(mdk_card_engine, card, "mdk_card/%s",
				   dev_name(card->dev));
	return PTR_ERR_OR_ZERO(card->engine);
}

/**
 * mdk_card_engine_stop() - stop it
 * @card: the card, with no VF left
 */
void mdk_card_engine_stop(struct mdk_card *card)
{
	kthread_stop(card->engine);
}
