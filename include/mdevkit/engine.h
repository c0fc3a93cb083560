/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdevkit shared engines: one resource of a parent (a card's copy engine, a
 * NIC's transmit path) that its mdevs take turns at, as the device
 * scheduler (<mdevkit/sched.h>) decides. See docs/sched.md.
 *
 * Each mdev is a user of the engine. A user with work calls
 * mdk_engine_request(): it gets the engine at once, or its granted()
 * callback runs when the engine becomes its own (the callback wakes the
 * user's thread or queues its work). The owner runs its operations, calls
 * mdk_engine_charge() after each one (or batch), and stops when that says
 * its turn is over; mdk_engine_release() when it has nothing left.
 *
 * No lock is held while the owner runs. An owner that has charged nothing
 * for %MDK_ENGINE_STALL_MS (its DMA is stuck on memory its tenant never
 * lets fault in, or its thread did not get a CPU) loses the engine: a
 * stalled tenant stalls only itself. Its granted() runs then too, and
 * mdk_engine_queued() turns false: it requests the engine again.
 *
 * Each user has a qos/ directory in sysfs under its mdev
 * (mdk_engine_user_add()): weight, max_bytes_per_s, max_ops_per_s (read
 * and write, at any time) and bytes, ops, throttled_ns (what it consumed).
 */
#ifndef _MDEVKIT_ENGINE_H
#define _MDEVKIT_ENGINE_H

#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <mdevkit/sched.h>

#define MDK_ENGINE_STALL_MS	50
/*
 * The quantum of a user of the default weight. A turn that passes to
 * another user costs that user's thread a wake-up (up to milliseconds in a
 * loaded VM): turns of 256 KiB, four 64 KiB copies, amortise it; the
 * latency bound grows by as much (docs/sched.md).
 */
#define MDK_ENGINE_QUANTUM	(256 * 1024)

struct device;
struct kobject;
struct mdk_engine_user;

/**
 * struct mdk_engine - an engine its users take turns at
 * @lock: guards @sched, the users' entities in it, @owner and @owner_since;
 *	taken with BHs off (the timer)
 * @sched: the device scheduler
 * @owner: the user whose operations run now, or NULL
 * @owner_since: when @owner got the engine or last charged, in ns
 * @timer: takes the engine from a stalled owner, or gives it when a
 *	throttled user may run again
 */
struct mdk_engine {
	spinlock_t lock;	/* see above */
	struct mdk_sched sched;
	struct mdk_engine_user *owner;
	u64 owner_since;
	struct timer_list timer;
};

/**
 * struct mdk_engine_user - an mdev's place at an engine
 * @engine: the engine
 * @ent: its scheduler entity (under @engine->lock)
 * @granted: called when the engine becomes the user's after a request
 *	that did not get it at once; under @engine->lock with BHs off, so it
 *	only wakes something up
 * @qos: its qos/ directory in sysfs, or NULL
 */
struct mdk_engine_user {
	struct mdk_engine *engine;
	struct mdk_sched_ent ent;
	void (*granted)(struct mdk_engine_user *u);
	struct kobject *qos;
};

void mdk_engine_init(struct mdk_engine *e);
void mdk_engine_destroy(struct mdk_engine *e);
int mdk_engine_user_add(struct mdk_engine *e, struct mdk_engine_user *u,
			u32 weight, void (*granted)(struct mdk_engine_user *u),
			struct device *dev);
void mdk_engine_user_del(struct mdk_engine_user *u);
bool mdk_engine_request(struct mdk_engine_user *u);
bool mdk_engine_owns(struct mdk_engine_user *u);
bool mdk_engine_queued(struct mdk_engine_user *u);
bool mdk_engine_charge(struct mdk_engine_user *u, u64 bytes, u64 ops,
		       bool more);
void mdk_engine_release(struct mdk_engine_user *u);

#endif /* _MDEVKIT_ENGINE_H */
