// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_card engine arbitration. The card has one engine; each VF has a
 * worker thread (card_engine.c) that runs the VF's descriptors only while
 * the VF owns the engine, and mdev_core's device scheduler (mdk_sched:
 * deficit round robin by bytes + a per-descriptor cost, and token buckets;
 * docs/sched.md) decides who owns it next.
 *
 * A worker that finds work activates its VF's entity and waits until the
 * VF is the owner. The owner charges each descriptor it ran and asks the
 * scheduler who is next: itself (its turn goes on) or another VF, whose
 * worker it wakes. No lock is held across a descriptor.
 *
 * A stalled tenant costs only itself: an owner that has charged nothing for
 * %MDK_CARD_STALL_NS (its DMA waits on a fault its user never resolves:
 * userfaultfd, a FUSE file that never answers) loses the engine to the
 * first waiting worker that notices (waiters look every
 * %MDK_CARD_GRANT_POLL_MS): its entity leaves the run list, and it asks for
 * the engine again once its descriptor is done. Until then it may run
 * beside the new owner, which is why each VF has its own scratch pages.
 */

#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/timekeeping.h>

#include "card_priv.h"

#define MDK_CARD_STALL_NS	(50 * NSEC_PER_MSEC)
#define MDK_CARD_GRANT_POLL_MS	10

/**
 * mdk_card_sched_init() - a card's engine, free
 * @card: the card
 */
void mdk_card_sched_init(struct mdk_card *card)
{
	spin_lock_init(&card->slock);
	mdk_sched_init(&card->sched);
	card->owner = NULL;
	card->wait_ns = U64_MAX;
}

/**
 * mdk_card_sched_add() - a VF's entity, idle, with its type's defaults
 * @vf: the VF, before its worker starts
 * @weight: its type's default weight
 */
void mdk_card_sched_add(struct mdk_card_vf *vf, u32 weight)
{
	struct mdk_sched_qos qos = { .weight = weight };

	init_waitqueue_head(&vf->grant);
	mdk_sched_ent_init(&vf->sent, &qos, ktime_get_ns());
}

/* The scheduler's choice becomes the owner; its worker is woken. */
static void __mdk_card_sched_grant(struct mdk_card *card, u64 now)
{
	struct mdk_sched_ent *e;

	lockdep_assert_held(&card->slock);
	e = mdk_sched_pick(&card->sched, now, &card->wait_ns);
	card->owner = e ? container_of(e, struct mdk_card_vf, sent) : NULL;
	card->owner_since = now;
	if (card->owner)
		wake_up(&card->owner->grant);
}

/* Takes the engine from an owner that has stalled. */
static void __mdk_card_sched_check(struct mdk_card *card, u64 now)
{
	lockdep_assert_held(&card->slock);
	if (card->owner && now - card->owner_since > MDK_CARD_STALL_NS)
		mdk_sched_idle(&card->sched, &card->owner->sent, now);
	else if (card->owner)
		return;
	__mdk_card_sched_grant(card, now);
}

/**
 * mdk_card_sched_acquire() - wait until a VF owns the engine
 * @vf: the VF, with work
 *
 * Context: the VF's worker; sleeps.
 * Return: true when @vf owns the engine; false if the worker is asked to
 * stop (the VF is then idle).
 */
bool mdk_card_sched_acquire(struct mdk_card_vf *vf)
{
	struct mdk_card *card = vf->card;
	unsigned long timeout;
	u64 now;

	for (;;) {
		spin_lock(&card->slock);
		now = ktime_get_ns();
		mdk_sched_activate(&card->sched, &vf->sent, now);
		if (card->owner != vf)
			__mdk_card_sched_check(card, now);
		if (card->owner == vf) {
			spin_unlock(&card->slock);
			return true;
		}
		timeout = msecs_to_jiffies(MDK_CARD_GRANT_POLL_MS);
		if (!card->owner)	/* every active VF is throttled */
			timeout = min(timeout, nsecs_to_jiffies(card->wait_ns) + 1);
		spin_unlock(&card->slock);
		wait_event_interruptible_timeout(vf->grant,
						 READ_ONCE(card->owner) == vf ||
						 kthread_should_stop(),
						 timeout);
		if (kthread_should_stop()) {
			mdk_card_sched_release(vf);
			return false;
		}
	}
}

/**
 * mdk_card_sched_charge() - account a descriptor the owner ran
 * @vf: the VF
 * @bytes: the descriptor's length (0 if it failed before moving data)
 * @more: the VF has more descriptors waiting
 *
 * Context: the VF's worker.
 * Return: true if @vf keeps the engine for its next descriptor.
 */
bool mdk_card_sched_charge(struct mdk_card_vf *vf, u32 bytes, bool more)
{
	struct mdk_card *card = vf->card;
	bool keep;
	u64 now;

	spin_lock(&card->slock);
	now = ktime_get_ns();
	mdk_sched_charge(&card->sched, &vf->sent, bytes, 1, now);
	if (!more)
		mdk_sched_idle(&card->sched, &vf->sent, now);
	if (card->owner == vf)	/* else it stalled and lost the engine */
		__mdk_card_sched_grant(card, now);
	keep = card->owner == vf;
	spin_unlock(&card->slock);
	return keep;
}

/**
 * mdk_card_sched_release() - a VF has no more work (or its worker stops)
 * @vf: the VF
 *
 * Context: the VF's worker.
 */
void mdk_card_sched_release(struct mdk_card_vf *vf)
{
	struct mdk_card *card = vf->card;
	u64 now;

	spin_lock(&card->slock);
	now = ktime_get_ns();
	mdk_sched_idle(&card->sched, &vf->sent, now);
	if (card->owner == vf)
		__mdk_card_sched_grant(card, now);
	spin_unlock(&card->slock);
}
