// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core device scheduler policy: deficit round robin by cost with two
 * token buckets per entity (include/mdevkit/sched.h, docs/sched.md).
 *
 * Pure: no locks, no allocation, no clock. The caller serialises every call
 * on a scheduler and its entities and passes the time in.
 */
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <mdevkit/sched.h>

#include "mdev_export.h"

/**
 * mdk_sched_init() - an empty scheduler with the default quantum
 * @s: the scheduler
 */
void mdk_sched_init(struct mdk_sched *s)
{
	INIT_LIST_HEAD(&s->run);
	s->nr_active = 0;
	s->quantum = MDK_SCHED_QUANTUM;
	s->op_cost = MDK_SCHED_OP_COST;
}

MDK_EXPORT(mdk_sched_init);

/**
 * mdk_sched_qos_check() - is a configuration valid
 * @qos: the configuration
 *
 * Return: 0, or -ERANGE if the weight is outside MDK_SCHED_WEIGHT_MIN..MAX
 * or the operation limit above %MDK_SCHED_OPS_MAX.
 */
int mdk_sched_qos_check(const struct mdk_sched_qos *qos)
{
	if (qos->weight < MDK_SCHED_WEIGHT_MIN ||
	    qos->weight > MDK_SCHED_WEIGHT_MAX ||
	    qos->max_ops_per_s > MDK_SCHED_OPS_MAX)
		return -ERANGE;
	return 0;
}

MDK_EXPORT(mdk_sched_qos_check);

/**
 * mdk_sched_ent_init() - an idle entity with full buckets
 * @e: the entity
 * @qos: its configuration, valid (mdk_sched_qos_check())
 * @now: the time, in ns
 */
void mdk_sched_ent_init(struct mdk_sched_ent *e,
			const struct mdk_sched_qos *qos, u64 now)
{
	memset(e, 0, sizeof(*e));
	e->qos = *qos;
	INIT_LIST_HEAD(&e->node);
	e->credit_b = MDK_SCHED_BURST_NS;
	e->credit_o = MDK_SCHED_BURST_NS;
	e->stamp = now;
}

MDK_EXPORT(mdk_sched_ent_init);

/* Credit earned since the last refill; at most a burst. */
static void mdk_sched_refill(struct mdk_sched_ent *e, u64 now)
{
	s64 dt;

	if (now <= e->stamp)
		return;
	dt = min_t(u64, now - e->stamp, 2 * MDK_SCHED_DEBT_MAX);
	e->stamp = now;
	e->credit_b = min_t(s64, e->credit_b + dt, MDK_SCHED_BURST_NS);
	e->credit_o = min_t(s64, e->credit_o + dt, MDK_SCHED_BURST_NS);
}

static bool mdk_sched_throttled(const struct mdk_sched_ent *e)
{
	return (e->qos.max_bytes_per_s && e->credit_b <= 0) ||
	       (e->qos.max_ops_per_s && e->credit_o <= 0);
}

/* Time until a throttled entity's credit is positive in both buckets. */
static u64 mdk_sched_wait(const struct mdk_sched_ent *e)
{
	s64 need = 0;

	if (e->qos.max_bytes_per_s)
		need = max(need, 1 - e->credit_b);
	if (e->qos.max_ops_per_s)
		need = max(need, 1 - e->credit_o);
	return need;
}

/*
 * The time @n units cost at @rate units per second, in ns. The fraction of a
 * nanosecond left over is carried in *@rem (units * ns / s, below @rate) to
 * the next charge: rounded down each time, many small charges would cost
 * less than their total (one-byte operations under a byte limit above
 * 10^9 B/s would cost nothing).
 */
static s64 mdk_sched_cost_ns(u64 n, u64 rate, u64 *rem)
{
	u64 secs = div64_u64(n, rate);
	u64 ns, r;

	if (secs >= MDK_SCHED_DEBT_MAX / NSEC_PER_SEC)
		return MDK_SCHED_DEBT_MAX;
	n -= secs * rate;
	ns = mul_u64_u64_div_u64(n, NSEC_PER_SEC, rate);
	/* n * 10^9 mod rate: exact in u64 arithmetic, as it is below rate */
	r = n * NSEC_PER_SEC - ns * rate;
	if (r >= rate - *rem) {
		ns++;
		*rem = r - (rate - *rem);
	} else {
		*rem += r;
	}
	return secs * NSEC_PER_SEC + ns;
}

static s64 mdk_sched_quantum(const struct mdk_sched *s,
			     const struct mdk_sched_ent *e)
{
	return max_t(u64, 1, div_u64((u64)s->quantum * e->qos.weight,
				     MDK_SCHED_WEIGHT_DEFAULT));
}

/* Ends a throttled period, if one was on. */
static void mdk_sched_unthrottle(struct mdk_sched_ent *e, u64 now)
{
	if (!e->throttled_since)
		return;
	if (now > e->throttled_since)
		e->stats.throttled_ns += now - e->throttled_since;
	e->throttled_since = 0;
}

/**
 * mdk_sched_ent_set() - change an entity's configuration
 * @e: the entity, active or not
 * @qos: the new configuration
 * @now: the time, in ns
 *
 * A new weight applies from the entity's next turn; new limits at once,
 * with the credit the buckets hold (in time, so it carries over).
 *
 * Return: 0, or -ERANGE (mdk_sched_qos_check()) and nothing changed.
 */
int mdk_sched_ent_set(struct mdk_sched_ent *e,
		      const struct mdk_sched_qos *qos, u64 now)
{
	int ret = mdk_sched_qos_check(qos);

	if (ret)
		return ret;
	mdk_sched_refill(e, now);
	/* A remainder is in units of the old limit: drop it (< 1 ns). */
	if (qos->max_bytes_per_s != e->qos.max_bytes_per_s)
		e->rem_b = 0;
	if (qos->max_ops_per_s != e->qos.max_ops_per_s)
		e->rem_o = 0;
	e->qos = *qos;
	return 0;
}

MDK_EXPORT(mdk_sched_ent_set);

/**
 * mdk_sched_activate() - an entity has work: it joins the run list
 * @s: the scheduler
 * @e: the entity; nothing happens if it is active already
 * @now: the time, in ns
 */
void mdk_sched_activate(struct mdk_sched *s, struct mdk_sched_ent *e,
			u64 now)
{
	if (e->active)
		return;
	mdk_sched_refill(e, now);
	list_add_tail(&e->node, &s->run);
	s->nr_active++;
	e->active = true;
	e->in_turn = false;
}

MDK_EXPORT(mdk_sched_activate);

/**
 * mdk_sched_idle() - an entity has no more work: it leaves the run list
 * @s: the scheduler
 * @e: the entity; nothing happens if it is idle already
 * @now: the time, in ns
 *
 * A positive deficit is dropped, a debt is kept.
 */
void mdk_sched_idle(struct mdk_sched *s, struct mdk_sched_ent *e, u64 now)
{
	if (!e->active)
		return;
	list_del_init(&e->node);
	s->nr_active--;
	e->active = false;
	e->in_turn = false;
	e->deficit = min_t(s64, e->deficit, 0);
	mdk_sched_unthrottle(e, now);
}

MDK_EXPORT(mdk_sched_idle);

/**
 * mdk_sched_preempt() - an entity loses its turn without going idle of its
 *	own accord (its engine found it stalled): it leaves the run list
 * @s: the scheduler
 * @e: the entity; nothing happens if it is idle already
 * @now: the time, in ns
 *
 * As mdk_sched_idle(), but a positive deficit is kept, up to one quantum:
 * the stall costs the entity its turn, not its share (a host that stopped
 * the VM running the engine's threads looks like a stall), and repeated
 * stalls bank no more than one quantum.
 */
void mdk_sched_preempt(struct mdk_sched *s, struct mdk_sched_ent *e, u64 now)
{
	s64 keep = clamp_t(s64, e->deficit, 0, mdk_sched_quantum(s, e));

	if (!e->active)
		return;
	mdk_sched_idle(s, e, now);
	if (keep > 0)
		e->deficit = keep;
}

MDK_EXPORT(mdk_sched_preempt);

/*
 * After a pass in which every eligible entity got a quantum and none
 * reached a positive deficit: give each the quanta of the rounds in which
 * still none would, at once, so that the next pass picks one.
 */
static void mdk_sched_fast_forward(struct mdk_sched *s)
{
	struct mdk_sched_ent *e;
	u64 rounds = U64_MAX;

	list_for_each_entry(e, &s->run, node)
		if (!mdk_sched_throttled(e))
			rounds = min(rounds,
				     div64_u64(-e->deficit,
					       mdk_sched_quantum(s, e)));
	if (rounds == U64_MAX || !rounds)
		return;
	list_for_each_entry(e, &s->run, node)
		if (!mdk_sched_throttled(e))
			e->deficit += rounds * mdk_sched_quantum(s, e);
}

/**
 * mdk_sched_pick() - whose operations run next
 * @s: the scheduler
 * @now: the time, in ns
 * @wait_ns: receives, when nothing is picked, the time until a throttled
 *	entity may run (U64_MAX if no entity is active), else 0
 *
 * The entity whose turn is on keeps it while its deficit is positive and it
 * is not throttled; else the turn passes round the run list. Call it before
 * each operation (or batch); charge what ran with mdk_sched_charge().
 *
 * Return: the entity, or NULL if none is active or all are throttled.
 */
struct mdk_sched_ent *mdk_sched_pick(struct mdk_sched *s, u64 now,
				     u64 *wait_ns)
{
	struct mdk_sched_ent *e;
	u64 wait = U64_MAX;
	unsigned int i, pass;
	bool eligible;

	for (pass = 0; pass < 2; pass++) {
		eligible = false;
		for (i = 0; i < s->nr_active; i++) {
			e = list_first_entry(&s->run, struct mdk_sched_ent,
					     node);
			mdk_sched_refill(e, now);
			if (mdk_sched_throttled(e)) {
				if (!e->throttled_since)
					e->throttled_since = now ?: 1;
				wait = min(wait, mdk_sched_wait(e));
				/*
				 * Its turn ends: like an idle entity it keeps
				 * a debt but not what is left of its quantum,
				 * else each throttled period would add a
				 * quantum to its deficit, to be spent all at
				 * once when its limit is lifted or raised.
				 */
				e->deficit = min_t(s64, e->deficit, 0);
				e->in_turn = false;
				list_move_tail(&e->node, &s->run);
				continue;
			}
			mdk_sched_unthrottle(e, now);
			eligible = true;
			if (!e->in_turn) {
				e->deficit += mdk_sched_quantum(s, e);
				e->in_turn = true;
			}
			if (e->deficit > 0) {
				*wait_ns = 0;
				return e;
			}
			e->in_turn = false;
			list_move_tail(&e->node, &s->run);
		}
		if (!eligible)
			break;
		mdk_sched_fast_forward(s);
	}
	*wait_ns = wait;
	return NULL;
}

MDK_EXPORT(mdk_sched_pick);

/**
 * mdk_sched_charge() - account operations that ran
 * @s: the scheduler
 * @e: the entity they were run for, active or not
 * @bytes: their bytes (at most %MDK_SCHED_CHARGE_MAX count)
 * @ops: how many (at most %MDK_SCHED_CHARGE_MAX count)
 * @now: the time, in ns
 */
void mdk_sched_charge(struct mdk_sched *s, struct mdk_sched_ent *e,
		      u64 bytes, u64 ops, u64 now)
{
	s64 cost;

	bytes = min(bytes, MDK_SCHED_CHARGE_MAX);
	ops = min(ops, MDK_SCHED_CHARGE_MAX);
	mdk_sched_refill(e, now);
	cost = bytes + ops * s->op_cost;
	e->deficit = max(e->deficit - cost, -MDK_SCHED_DEBT_MAX);
	if (e->qos.max_bytes_per_s)
		e->credit_b = max(e->credit_b -
				  mdk_sched_cost_ns(bytes, e->qos.max_bytes_per_s,
						    &e->rem_b),
				  -MDK_SCHED_DEBT_MAX);
	if (e->qos.max_ops_per_s)
		e->credit_o = max(e->credit_o -
				  mdk_sched_cost_ns(ops, e->qos.max_ops_per_s,
						    &e->rem_o),
				  -MDK_SCHED_DEBT_MAX);
	e->stats.bytes += bytes;
	e->stats.ops += ops;
}

MDK_EXPORT(mdk_sched_charge);

/**
 * mdk_sched_ent_stats() - what an entity consumed
 * @e: the entity
 * @now: the time, in ns (a throttled period still on counts up to it)
 * @st: receives the counters
 */
void mdk_sched_ent_stats(const struct mdk_sched_ent *e, u64 now,
			 struct mdk_sched_stats *st)
{
	*st = e->stats;
	if (e->throttled_since && now > e->throttled_since)
		st->throttled_ns += now - e->throttled_since;
}

MDK_EXPORT(mdk_sched_ent_stats);
