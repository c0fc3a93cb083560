// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core shared engines: who owns a parent's engine, as the device
 * scheduler (mdev_sched.c) decides; handing it over; taking it from a
 * stalled owner (include/mdevkit/engine.h, docs/sched.md).
 */
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <mdevkit/engine.h>

#include "mdev_core_priv.h"

#define MDK_ENGINE_STALL_NS	(MDK_ENGINE_STALL_MS * NSEC_PER_MSEC)

/* The timer: at the owner's stall deadline, or when a throttled user may run. */
static void __mdk_engine_arm(struct mdk_engine *e, u64 now, u64 wait_ns)
{
	u64 at;

	lockdep_assert_held(&e->lock);
	if (!e->sched.nr_active)
		return;
	if (e->owner)
		at = e->owner_since + MDK_ENGINE_STALL_NS;
	else if (wait_ns != U64_MAX)
		at = now + wait_ns;
	else
		return;
	/* A long throttle is looked at again every minute: no far timeouts. */
	mod_timer(&e->timer, jiffies + 1 +
		  min_t(u64, nsecs_to_jiffies(at > now ? at - now : 0),
			60 * HZ));
}

/* The scheduler's choice becomes the owner, and is told. */
static void __mdk_engine_grant(struct mdk_engine *e, u64 now,
			       struct mdk_engine_user *quiet)
{
	struct mdk_sched_ent *ent;
	u64 wait_ns;

	lockdep_assert_held(&e->lock);
	ent = mdk_sched_pick(&e->sched, now, &wait_ns);
	e->owner = ent ? container_of(ent, struct mdk_engine_user, ent) : NULL;
	e->owner_since = now;
	if (e->owner && e->owner != quiet)
		e->owner->granted(e->owner);
	__mdk_engine_arm(e, now, wait_ns);
}

/*
 * Takes the engine from a stalled owner, which is told (it may just have
 * been slow to wake up: it requests again); gives a free engine.
 */
static void __mdk_engine_check(struct mdk_engine *e, u64 now,
			       struct mdk_engine_user *quiet)
{
	struct mdk_engine_user *stalled = e->owner;

	lockdep_assert_held(&e->lock);
	if (stalled && now - e->owner_since <= MDK_ENGINE_STALL_NS)
		return;
	if (stalled)
		mdk_sched_preempt(&e->sched, &stalled->ent, now);
	__mdk_engine_grant(e, now, quiet);
	if (stalled && stalled != quiet && stalled != e->owner)
		stalled->granted(stalled);
}

/**
 * __mdk_engine_changed() - a user's limits changed: a free engine may go
 * @e: the engine, its lock held
 * @now: the time, in ns
 */
void __mdk_engine_changed(struct mdk_engine *e, u64 now)
{
	lockdep_assert_held(&e->lock);
	if (!e->owner && e->sched.nr_active)
		__mdk_engine_grant(e, now, NULL);
}

static void mdk_engine_timer(struct timer_list *t)
{
	struct mdk_engine *e = from_timer(e, t, timer);
	u64 now;

	spin_lock(&e->lock);
	now = ktime_get_ns();
	__mdk_engine_check(e, now, NULL);
	if (e->owner)
		__mdk_engine_arm(e, now, 0);
	spin_unlock(&e->lock);
}

/**
 * mdk_engine_init() - a free engine with no user
 * @e: the engine
 */
void mdk_engine_init(struct mdk_engine *e)
{
	spin_lock_init(&e->lock);
	mdk_sched_init(&e->sched);
	e->sched.quantum = MDK_ENGINE_QUANTUM;
	e->owner = NULL;
	timer_setup(&e->timer, mdk_engine_timer, 0);
}
EXPORT_SYMBOL_GPL(mdk_engine_init);

/**
 * mdk_engine_destroy() - the engine goes
 * @e: the engine, with no user left
 */
void mdk_engine_destroy(struct mdk_engine *e)
{
	del_timer_sync(&e->timer);
}
EXPORT_SYMBOL_GPL(mdk_engine_destroy);

/**
 * mdk_engine_user_add() - an mdev becomes a user of an engine
 * @e: the engine
 * @u: the user, idle
 * @weight: its weight until changed in sysfs (its type's default)
 * @granted: see struct mdk_engine_user
 * @dev: the mdev's device, which gets the qos/ directory
 *
 * Context: process.
 * Return: 0, -ERANGE for a weight outside MDK_SCHED_WEIGHT_MIN..MAX, or the
 * error of creating the directory.
 */
int mdk_engine_user_add(struct mdk_engine *e, struct mdk_engine_user *u,
			u32 weight, void (*granted)(struct mdk_engine_user *u),
			struct device *dev)
{
	struct mdk_sched_qos qos = { .weight = weight };
	int ret = mdk_sched_qos_check(&qos);

	if (ret)
		return ret;
	u->engine = e;
	u->granted = granted;
	mdk_sched_ent_init(&u->ent, &qos, ktime_get_ns());
	return mdk_engine_qos_add(u, dev);
}
EXPORT_SYMBOL_GPL(mdk_engine_user_add);

/**
 * mdk_engine_user_del() - the mdev stops being a user
 * @u: the user, whose operations have stopped
 *
 * Context: process.
 */
void mdk_engine_user_del(struct mdk_engine_user *u)
{
	mdk_engine_qos_del(u);
	mdk_engine_release(u);
}
EXPORT_SYMBOL_GPL(mdk_engine_user_del);

/**
 * mdk_engine_request() - a user has work
 * @u: the user
 *
 * Context: any; takes the engine's lock with BHs off.
 * Return: true if @u owns the engine now; else its granted() runs when it
 * does.
 */
bool mdk_engine_request(struct mdk_engine_user *u)
{
	struct mdk_engine *e = u->engine;
	bool owns;
	u64 now;

	spin_lock_bh(&e->lock);
	now = ktime_get_ns();
	mdk_sched_activate(&e->sched, &u->ent, now);
	if (e->owner != u)
		__mdk_engine_check(e, now, u);
	owns = e->owner == u;
	if (!owns && e->owner)
		__mdk_engine_arm(e, now, 0);
	spin_unlock_bh(&e->lock);
	return owns;
}
EXPORT_SYMBOL_GPL(mdk_engine_request);

/**
 * mdk_engine_owns() - does a user own the engine
 * @u: the user
 *
 * Context: any; a hint (no lock), for a wait condition.
 * Return: true if it does.
 */
bool mdk_engine_owns(struct mdk_engine_user *u)
{
	return READ_ONCE(u->engine->owner) == u;
}
EXPORT_SYMBOL_GPL(mdk_engine_owns);

/**
 * mdk_engine_queued() - is a user waiting for, or owning, the engine
 * @u: the user
 *
 * Context: any; a hint (no lock), for a wait condition: a user that was
 * queued and no longer is lost its turn (it stalled) and must request again.
 * Return: true if it is.
 */
bool mdk_engine_queued(struct mdk_engine_user *u)
{
	return READ_ONCE(u->ent.active);
}
EXPORT_SYMBOL_GPL(mdk_engine_queued);

/**
 * mdk_engine_charge() - account operations a user ran
 * @u: the user, which owned the engine when it began them
 * @bytes: their bytes
 * @ops: how many
 * @more: the user has more work
 *
 * Context: any; takes the engine's lock with BHs off.
 * Return: true if @u keeps the engine for more; false if its turn is over
 * (or it stalled and lost the engine): with @more it is queued again and
 * its granted() runs when its turn comes.
 */
bool mdk_engine_charge(struct mdk_engine_user *u, u64 bytes, u64 ops,
		       bool more)
{
	struct mdk_engine *e = u->engine;
	bool keep;
	u64 now;

	spin_lock_bh(&e->lock);
	now = ktime_get_ns();
	mdk_sched_charge(&e->sched, &u->ent, bytes, ops, now);
	if (!more)
		mdk_sched_idle(&e->sched, &u->ent, now);
	else if (e->owner != u)		/* it stalled and lost the engine */
		mdk_sched_activate(&e->sched, &u->ent, now);
	if (e->owner == u)
		__mdk_engine_grant(e, now, u);
	else if (!e->owner)
		__mdk_engine_grant(e, now, u);
	keep = e->owner == u;
	spin_unlock_bh(&e->lock);
	return keep;
}
EXPORT_SYMBOL_GPL(mdk_engine_charge);

/**
 * mdk_engine_release() - a user has no more work
 * @u: the user
 *
 * Context: any; takes the engine's lock with BHs off.
 */
void mdk_engine_release(struct mdk_engine_user *u)
{
	struct mdk_engine *e = u->engine;
	u64 now;

	spin_lock_bh(&e->lock);
	now = ktime_get_ns();
	mdk_sched_idle(&e->sched, &u->ent, now);
	if (e->owner == u)
		__mdk_engine_grant(e, now, NULL);
	spin_unlock_bh(&e->lock);
}
EXPORT_SYMBOL_GPL(mdk_engine_release);
