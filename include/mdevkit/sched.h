/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdevkit device scheduler: the policy that decides which of the mdevs
 * sharing one engine (a card's copy engine, a NIC's transmit path) is served
 * next. See docs/sched.md.
 *
 * Fair share is deficit round robin (DRR) by cost, where the cost of an
 * operation is its bytes plus a fixed per-operation charge (so that a flood
 * of zero- or one-byte operations is not free). Each backlogged entity, when
 * its turn comes, adds its quantum (the scheduler's quantum scaled by its
 * weight) to its deficit and is served while the deficit is positive. The
 * cost of an operation is charged after it ran, so the deficit may go
 * negative by at most one operation; the debt is carried into the next
 * rounds (never forgiven when the entity goes idle, while a positive
 * deficit is), so an entity that alternates one maximum-size operation and
 * idleness still gets only its share.
 *
 * Rate limits are two token buckets per entity, one in bytes per second and
 * one in operations per second (0 = unlimited). Their credit is kept in
 * nanoseconds of the limit's time: an operation of B bytes at a limit of R
 * bytes/s costs B * 10^9 / R ns of credit; credit grows with real time and
 * holds at most %MDK_SCHED_BURST_NS. An entity whose credit in either
 * bucket is not positive is throttled: it is skipped (and earns no quantum)
 * until the credit is positive again; its turn ends, and like an idle
 * entity it keeps its debt but not the rest of its quantum. The fraction of
 * a nanosecond an operation costs below a whole one is carried to the next
 * charge, so many small operations cost exactly their total. The policy is
 * work conserving: while any backlogged entity is not throttled, one is
 * picked.
 *
 * The unit is pure (STYLE.md rule 3): no locks, no allocation, time passed
 * in by the caller. Context for every function: the caller serialises all
 * calls on one struct mdk_sched and its entities.
 */
#ifndef _MDEVKIT_SCHED_H
#define _MDEVKIT_SCHED_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

#define MDK_SCHED_WEIGHT_MIN		1
#define MDK_SCHED_WEIGHT_MAX		10000
#define MDK_SCHED_WEIGHT_DEFAULT	100
/* The quantum of an entity of the default weight, in cost units (bytes). */
#define MDK_SCHED_QUANTUM		(64 * 1024)
/* Cost of one operation on top of its bytes. */
#define MDK_SCHED_OP_COST		512
/* A token bucket holds at most this much credit: 100 ms of its limit. */
#define MDK_SCHED_BURST_NS		(100 * 1000 * 1000LL)
/* Operations per second: at most this (one per nanosecond). */
#define MDK_SCHED_OPS_MAX		1000000000ULL
/* One charge counts at most this many bytes and operations. */
#define MDK_SCHED_CHARGE_MAX		BIT_ULL(40)
/* Deficit and credit go no lower than minus this (about 31 years in ns). */
#define MDK_SCHED_DEBT_MAX		(1000000000LL * 1000000000LL)

/**
 * struct mdk_sched_qos - an entity's configuration
 * @weight: its share relative to the others', MDK_SCHED_WEIGHT_MIN..MAX
 * @max_bytes_per_s: byte rate limit, 0 for none
 * @max_ops_per_s: operation rate limit, 0 for none (at most
 *	%MDK_SCHED_OPS_MAX)
 */
struct mdk_sched_qos {
	u32 weight;
	u64 max_bytes_per_s;
	u64 max_ops_per_s;
};

/**
 * struct mdk_sched_stats - what an entity consumed
 * @bytes: bytes of its operations
 * @ops: its operations
 * @throttled_ns: time it was backlogged but held back by its rate limits
 */
struct mdk_sched_stats {
	u64 bytes;
	u64 ops;
	u64 throttled_ns;
};

/**
 * struct mdk_sched_ent - one entity (an mdev) of a scheduler
 * @qos: its configuration (mdk_sched_ent_set())
 * @stats: its consumption (read with mdk_sched_ent_stats())
 * @node: in the scheduler's run list while active
 * @active: backlogged: in the run list
 * @in_turn: it has received the quantum of its current turn
 * @deficit: DRR deficit, in cost units
 * @credit_b: byte bucket credit, in ns
 * @credit_o: operation bucket credit, in ns
 * @rem_b: byte bucket cost below 1 ns carried over, in bytes * ns / s
 *	(less than the byte limit)
 * @rem_o: operation bucket cost below 1 ns carried over, in ops * ns / s
 *	(less than the operation limit)
 * @stamp: when the buckets were last refilled, in ns
 * @throttled_since: when it was found throttled while active, or 0
 */
struct mdk_sched_ent {
	struct mdk_sched_qos qos;
	struct mdk_sched_stats stats;
	struct list_head node;
	bool active;
	bool in_turn;
	s64 deficit;
	s64 credit_b;
	s64 credit_o;
	u64 rem_b;
	u64 rem_o;
	u64 stamp;
	u64 throttled_since;
};

/**
 * struct mdk_sched - a scheduler: the entities sharing one engine
 * @run: the active entities, in round-robin order (the head's turn is on)
 * @nr_active: entities in @run
 * @quantum: quantum of an entity of the default weight (cost units)
 * @op_cost: cost of one operation on top of its bytes
 */
struct mdk_sched {
	struct list_head run;
	unsigned int nr_active;
	u32 quantum;
	u32 op_cost;
};

void mdk_sched_init(struct mdk_sched *s);
void mdk_sched_ent_init(struct mdk_sched_ent *e,
			const struct mdk_sched_qos *qos, u64 now);
int mdk_sched_qos_check(const struct mdk_sched_qos *qos);
int mdk_sched_ent_set(struct mdk_sched_ent *e,
		      const struct mdk_sched_qos *qos, u64 now);
void mdk_sched_activate(struct mdk_sched *s, struct mdk_sched_ent *e,
			u64 now);
void mdk_sched_idle(struct mdk_sched *s, struct mdk_sched_ent *e, u64 now);
void mdk_sched_preempt(struct mdk_sched *s, struct mdk_sched_ent *e, u64 now);
struct mdk_sched_ent *mdk_sched_pick(struct mdk_sched *s, u64 now,
				     u64 *wait_ns);
void mdk_sched_charge(struct mdk_sched *s, struct mdk_sched_ent *e,
		      u64 bytes, u64 ops, u64 now);
void mdk_sched_ent_stats(const struct mdk_sched_ent *e, u64 now,
			 struct mdk_sched_stats *st);

#endif /* _MDEVKIT_SCHED_H */
