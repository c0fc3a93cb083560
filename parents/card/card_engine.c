// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_card engine: the card's "hardware". One worker thread per VF polls
 * the TAIL of each of the VF's enabled queues in the portal pages, which
 * the VF's driver writes through its passthrough mapping without any trap;
 * when the card's engine is the VF's (mdev_core's device scheduler decides
 * whose turn it is: docs/sched.md), it executes the new descriptors,
 * fetched from the ring in the user's memory through the VF's pin cache;
 * writes their completion records the same way; advances HEAD; raises
 * MSI-X. A VF whose memory stalls holds up its own worker only.
 *
 * After work the worker keeps polling, without sleeping, for 50 us (as
 * io_uring's SQPOLL thread stays awake for sq_thread_idle) while no other
 * task waits for its CPU: a driver that refills its ring a batch at a
 * time finds the engine awake, not asleep for its next poll. Then
 * polling backs off from 10 us to 1 ms while the VF's queues stay idle;
 * with none of them enabled the worker sleeps until one is.
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
#include <linux/sched/stat.h>

#include "card_priv.h"

#define MDK_CARD_POLL_MIN_US	10
#define MDK_CARD_POLL_MAX_US	1000
/* Polling without a sleep for this long after work */
#define MDK_CARD_SPIN_NS	(50 * NSEC_PER_USEC)

static bool sched = true;
module_param(sched, bool, 0444);
MODULE_PARM_DESC(sched, "VFs take turns at the card's engine (mdev_core's device scheduler); N: each VF's worker runs regardless (no shares, no limits: for comparison)");

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
		case MDK_CARD_OP_FILL:
			mdk_card_fill(t, d->pattern, pos, n);
			break;
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

/*
 * Executes one descriptor; fills its completion record. @vf's pages are
 * the engine's (mdk_card_pins_enter()).
 */
static void mdk_card_exec(struct mdk_card_vf *vf, struct mdk_card_desc *d,
			  struct mdk_card_comp *c)
{
	struct mdk_card_buf src = {}, dst = {};
	bool need_src = d->opcode != MDK_CARD_OP_FILL;
	bool need_dst = d->opcode == MDK_CARD_OP_COPY ||
			d->opcode == MDK_CARD_OP_FILL ||
			d->opcode == MDK_CARD_OP_COMPARE;
	int ret = 0;

	c->cookie = d->cookie;
	c->status = mdk_card_desc_check(d);
	if (c->status)
		return;
	if (need_src)
		ret = mdk_card_buf_get(vf, &src, d->src, d->len,
				       vf->src_pages);
	if (!ret && need_dst)
		ret = mdk_card_buf_get(vf, &dst, d->dst, d->len,
				       vf->dst_pages);
	if (!ret) {
		c->result = mdk_card_run(d, &src, &dst);
		c->bytes = d->len;
		c->status = MDK_CARD_ST_SUCCESS;
	} else {
		c->status = MDK_CARD_ST_BAD_ADDRESS;
	}
}

/*
 * Reads or writes @len bytes at @iova of the user's memory (the
 * descriptors or completion records of a batch: at most a page, so two
 * pages at most) through the pin cache, @vf's pages the engine's. Pinning
 * faults the pages in without waiting on userfaultfd (vfio_iommu_type1
 * pins with no retry: a page a userfaultfd would have to supply fails at
 * once), so a ring in such memory costs BAD_ADDRESS, not a stalled worker.
 */
static int mdk_card_pinned_rw(struct mdk_card_vf *vf, u64 iova, void *obj,
			      u32 len, bool write)
{
	struct page *pages[2];
	struct mdk_card_buf b;
	u32 pos = 0, room, n;
	u8 *p;
	int ret;

	ret = mdk_card_buf_get(vf, &b, iova, len, pages);
	while (!ret && pos < len) {
		p = mdk_card_map(&b, pos, &room);
		n = min(len - pos, room);
		if (write)
			memcpy(p, obj + pos, n);
		else
			memcpy(obj + pos, p, n);
		kunmap_local(p);
		pos += n;
	}
	return ret;
}

/*
 * Fetches the descriptors of queue @qi from its HEAD on: up to @n of them
 * (not past the ring's end, whose entries are contiguous in the user's
 * memory), into @vf->batch. Returns how many: at least 1; a descriptor
 * the engine could not read is left zeroed, and @bad set.
 */
static unsigned int mdk_card_fetch(struct mdk_card_vf *vf, unsigned int qi,
				   unsigned int n, bool *bad)
{
	struct mdk_card_queue *q = &vf->q[qi];
	u64 at = q->ring + (u64)q->head * sizeof(*vf->batch);

	n = min(n, q->size - q->head);
	*bad = false;
	if (!mdk_card_pinned_rw(vf, at, vf->batch, n * sizeof(*vf->batch),
				false))
		return n;
	/* Part of the ring may be readable: the first descriptor alone. */
	if (n > 1 && !mdk_card_pinned_rw(vf, at, vf->batch,
					 sizeof(*vf->batch), false))
		return 1;
	memset(vf->batch, 0, sizeof(*vf->batch));
	*bad = true;
	return 1;
}

/* Writes @len bytes at byte @pos of a pinned buffer: inside one page. */
static void mdk_card_put(struct mdk_card_buf *b, u32 pos, const void *obj,
			 u32 len)
{
	u32 room;
	u8 *p = mdk_card_map(b, pos, &room);

	memcpy(p, obj, len);
	kunmap_local(p);
}

/*
 * Completes the first @n descriptors of the batch: their records, then
 * HEAD, then the records' status words, so that a driver polling a status
 * finds the rest of the record written and HEAD past the descriptor (the
 * copies are not atomic). Records are 32-byte aligned: none straddles a
 * page. A completion the user did not map is lost, as on hardware.
 */
static void mdk_card_complete(struct mdk_card_vf *vf, unsigned int qi,
			      unsigned int n)
{
	struct mdk_card_queue *q = &vf->q[qi];
	const u32 size = sizeof(*vf->comps);
	u64 rec = q->comp + (u64)q->head * size;
	u32 status[MDK_CARD_BATCH];
	bool ok[MDK_CARD_BATCH];
	struct page *pages[2];
	struct mdk_card_buf b;
	unsigned int i;
	bool all;

	for (i = 0; i < n; i++) {
		status[i] = vf->comps[i].status;
		vf->comps[i].status = 0;
	}
	all = !mdk_card_buf_get(vf, &b, rec, n * size, pages);
	for (i = 0; i < n; i++) {
		if (all)
			mdk_card_put(&b, i * size, &vf->comps[i], size);
		else	/* record by record: some may be mapped */
			ok[i] = !mdk_card_pinned_rw(vf, rec + i * size,
						    &vf->comps[i], size, true);
	}
	q->done += n;
	q->head = (q->head + n) & (q->size - 1);
	mdk_card_portal_write(vf, qi, MDK_CARD_PORTAL_HEAD, q->head);
	smp_wmb();	/* the records and HEAD before the status words */
	for (i = 0; i < n; i++) {
		if (all)
			mdk_card_put(&b, i * size, &status[i], sizeof(status[i]));
		else if (ok[i])
			mdk_card_pinned_rw(vf, rec + i * size, &status[i],
					   sizeof(status[i]), true);
	}
}

/*
 * A batch of queue @qi's descriptors from its HEAD: fetched at once, run,
 * completed with one HEAD update and at most one interrupt. It ends at
 * %MDK_CARD_BATCH descriptors, or once it has moved %MDK_CARD_BATCH_BYTES,
 * so that a reset waits for one batch at most. @vf->exec held. Returns the
 * bytes it moved or read; @ops receives the descriptors it ran.
 */
static u32 mdk_card_batch(struct mdk_card_vf *vf, unsigned int qi, u32 *ops)
{
	struct mdk_card_queue *q = &vf->q[qi];
	u32 tail = mdk_card_portal_read(vf, qi, MDK_CARD_PORTAL_TAIL);
	unsigned int n, i;
	bool irq = false, bad;
	u32 bytes = 0;

	lockdep_assert_held(&vf->exec);
	if (atomic_long_read(&vf->nr_pins) > MDK_CARD_MAX_PINS)
		mdk_card_pins_flush(vf);	/* nothing in flight here */
	mdk_card_pins_enter(vf);
	/* The driver may have moved TAIL since mdk_card_q_pending(). */
	n = tail < q->size ? (tail - q->head) & (q->size - 1) : 1;
	n = mdk_card_fetch(vf, qi, clamp(n, 1U, (u32)MDK_CARD_BATCH), &bad);
	for (i = 0; i < n && bytes < MDK_CARD_BATCH_BYTES; i++) {
		memset(&vf->comps[i], 0, sizeof(vf->comps[i]));
		if (bad)
			vf->comps[i].status = MDK_CARD_ST_BAD_ADDRESS;
		else
			mdk_card_exec(vf, &vf->batch[i], &vf->comps[i]);
		bytes += vf->comps[i].bytes;
		irq |= vf->batch[i].flags & MDK_CARD_F_IRQ;
	}
	mdk_card_complete(vf, qi, i);
	mdk_card_pins_leave(vf);
	if (irq && q->vector != MDK_CARD_NO_VECTOR)
		mdk_vdev_raise(vf->vdev, q->vector);
	*ops = i;
	return bytes;
}

/*
 * Does queue @qi have a descriptor for the engine? A TAIL beyond the ring
 * sets the queue's error (when @vf->exec is held: @set_error) and is
 * ignored until the driver writes a good one.
 */
static bool mdk_card_q_pending(struct mdk_card_vf *vf, unsigned int qi,
			       bool set_error)
{
	struct mdk_card_queue *q = &vf->q[qi];
	u32 tail;

	if (!READ_ONCE(q->enabled))
		return false;
	tail = mdk_card_portal_read(vf, qi, MDK_CARD_PORTAL_TAIL);
	if (tail >= READ_ONCE(q->size)) {
		if (set_error)
			q->error = MDK_CARD_QERR_TAIL;
		return false;
	}
	return READ_ONCE(q->head) != tail;
}

/* The next queue with a descriptor, round robin; or -1. @vf->exec held. */
static int mdk_card_next_queue(struct mdk_card_vf *vf)
{
	unsigned int i, qi;

	lockdep_assert_held(&vf->exec);
	if (vf->frozen)
		return -1;
	for (i = 0; i < vf->nq; i++) {
		qi = (vf->next_q + i) % vf->nq;
		if (mdk_card_q_pending(vf, qi, true)) {
			vf->next_q = (qi + 1) % vf->nq;
			return qi;
		}
	}
	return -1;
}

/* Has the VF a descriptor for the engine? Marks queues with a bad TAIL. */
static bool mdk_card_vf_pending(struct mdk_card_vf *vf)
{
	bool bad = false;
	unsigned int qi;

	if (READ_ONCE(vf->frozen))
		return false;
	for (qi = 0; qi < vf->nq; qi++) {
		if (mdk_card_q_pending(vf, qi, false))
			return true;
		bad |= READ_ONCE(vf->q[qi].enabled) &&
		       READ_ONCE(vf->q[qi].error) != MDK_CARD_QERR_TAIL &&
		       mdk_card_portal_read(vf, qi, MDK_CARD_PORTAL_TAIL) >=
		       READ_ONCE(vf->q[qi].size);
	}
	if (bad) {
		mutex_lock(&vf->exec);
		for (qi = 0; qi < vf->nq && !vf->frozen; qi++)
			mdk_card_q_pending(vf, qi, true);
		mutex_unlock(&vf->exec);
	}
	return false;
}

/**
 * mdk_card_granted() - the card's engine is a VF's: wake its worker
 * @u: the VF's place at the engine
 *
 * Context: under the engine's lock, BHs off.
 */
void mdk_card_granted(struct mdk_engine_user *u)
{
	wake_up(&container_of(u, struct mdk_card_vf, eu)->grant);
}

/* Waits until the VF owns the engine; false if the worker must stop. */
static bool mdk_card_acquire(struct mdk_card_vf *vf)
{
	while (!mdk_engine_request(&vf->eu)) {
		/* Woken when granted, or when it lost its turn (stalled). */
		wait_event_interruptible(vf->grant,
					 mdk_engine_owns(&vf->eu) ||
					 !mdk_engine_queued(&vf->eu) ||
					 kthread_should_stop());
		if (kthread_should_stop())
			return false;
	}
	return true;
}

/*
 * The VF owns the engine (or, with sched=0, runs regardless): run its
 * descriptors a batch at a time, one queue after the other, charging each
 * batch to the scheduler, until the scheduler gives the engine to another
 * VF or the VF has nothing left.
 */
static void mdk_card_vf_execute(struct mdk_card_vf *vf)
{
	bool keep = true, more;
	u32 bytes, ops;
	int qi;

	while (keep) {
		/* Per batch: register accesses and resets get in between. */
		mutex_lock(&vf->exec);
		qi = mdk_card_next_queue(vf);
		if (qi < 0) {
			mutex_unlock(&vf->exec);
			if (sched)
				mdk_engine_release(&vf->eu);
			break;
		}
		bytes = mdk_card_batch(vf, qi, &ops);
		mutex_unlock(&vf->exec);
		more = mdk_card_vf_pending(vf) && !kthread_should_stop();
		keep = sched ? mdk_engine_charge(&vf->eu, bytes, ops, more) :
			       more;
		cond_resched();
	}
}

/*
 * A VF's worker: polls the TAILs of the VF's enabled queues (for 50 us
 * after work without sleeping, then backing off from 10 us to 1 ms while
 * they are idle; sleeping while none is enabled or the VF is frozen for
 * migration),
 * and runs their descriptors when the scheduler gives it the engine.
 */
static int mdk_card_worker(void *data)
{
	struct mdk_card_vf *vf = data;
	unsigned int delay = MDK_CARD_POLL_MIN_US;
	u64 busy = 0;

	while (!kthread_should_stop()) {
		if (!atomic_read(&vf->nr_enabled) || READ_ONCE(vf->frozen)) {
			wait_event_interruptible(vf->wake,
						 (atomic_read(&vf->nr_enabled) &&
						  !READ_ONCE(vf->frozen)) ||
						 kthread_should_stop());
			delay = MDK_CARD_POLL_MIN_US;
			continue;
		}
		if (!mdk_card_vf_pending(vf)) {
			/*
			 * Not while another task waits for this CPU (the
			 * driver that would submit, on a small VM), as
			 * KVM's halt polling.
			 */
			if (single_task_running() &&
			    ktime_get_ns() - busy < MDK_CARD_SPIN_NS) {
				cpu_relax();
				cond_resched();
				continue;
			}
			usleep_range(delay, 2 * delay);
			delay = min(2 * delay, MDK_CARD_POLL_MAX_US);
			continue;
		}
		delay = MDK_CARD_POLL_MIN_US;
		if (!sched || mdk_card_acquire(vf))
			mdk_card_vf_execute(vf);
		busy = ktime_get_ns();
	}
	mdk_engine_release(&vf->eu);
	return 0;
}

/**
 * mdk_card_worker_start() - start a VF's worker thread
 * @vf: the VF, its entity added to the card's scheduler
 * @name: the thread's name after "mdk_card/" (the mdev's)
 *
 * Return: 0 or the error of kthread_run().
 */
int mdk_card_worker_start(struct mdk_card_vf *vf, const char *name)
{
	init_waitqueue_head(&vf->wake);
	vf->worker = kthread_run(mdk_card_worker, vf, "mdk_card/%s", name);
	return PTR_ERR_OR_ZERO(vf->worker);
}

/**
 * mdk_card_worker_stop() - stop it
 * @vf: the VF, closed: no queue enabled
 *
 * Waits for the descriptor the worker is running, if any. Afterwards the
 * VF is idle in the scheduler and does not own the engine.
 */
void mdk_card_worker_stop(struct mdk_card_vf *vf)
{
	kthread_stop(vf->worker);
}
