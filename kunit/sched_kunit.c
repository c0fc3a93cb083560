// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdk_sched: the mdev_core device scheduler policy
 * (mdev_core/mdev_sched.c, include/mdevkit/sched.h).
 *
 * The policy is pure and takes the time from its caller, so every test runs
 * on a simulated clock: a simulated engine serves the picked entity's
 * operation, which "takes" op_ns plus its bytes at the engine's speed, then
 * the operation is charged; when nothing can be picked the clock jumps by
 * the wait_ns that mdk_sched_pick() returned. The same workload always gives
 * the same schedule (random workloads use a fixed-seed xorshift32), so a
 * failure reproduces. An invariant checker runs after every step
 * (drivers/gpu/drm/tests/drm_mm_test.c does the same for drm_mm).
 */

#include <kunit/test.h>
#include <linux/list.h>
#include <linux/math.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include <mdevkit/sched.h>

#define NS_PER_S		1000000000ULL
#define MDK_SIM_MAX		8

/**
 * struct mdk_sim - a scheduler, its entities and a simulated engine
 * @s: the scheduler
 * @e: its entities
 * @nr: entities in use
 * @size_min: smallest operation of each entity, in bytes
 * @size_max: largest operation of each entity, in bytes
 * @cost: cost units charged to each entity by the simulation
 * @q_max: largest quantum each entity has had (the deficit stays below)
 * @picks: operations run
 * @now: the simulated time, in ns
 * @idle_ns: time the engine spent with nothing picked
 * @op_ns: engine time of one operation on top of its bytes
 * @ns_per_kib: engine time of 1 KiB
 * @rnd: xorshift32 state
 */
struct mdk_sim {
	struct mdk_sched s;
	struct mdk_sched_ent e[MDK_SIM_MAX];
	unsigned int nr;
	u32 size_min[MDK_SIM_MAX];
	u32 size_max[MDK_SIM_MAX];
	u64 cost[MDK_SIM_MAX];
	s64 q_max[MDK_SIM_MAX];
	u64 picks;
	u64 now;
	u64 idle_ns;
	u32 op_ns;
	u32 ns_per_kib;
	u32 rnd;
};

/* Fixed-seed xorshift32: the same sequence on every run and every kernel. */
static u32 mdk_sim_rand(u32 *state)
{
	u32 x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* The quantum of @weight, as the header defines it. */
static s64 mdk_sim_quantum(u32 weight)
{
	return max_t(u64, 1, (u64)MDK_SCHED_QUANTUM * weight /
		     MDK_SCHED_WEIGHT_DEFAULT);
}

static u64 mdk_sim_op_cost(u64 bytes)
{
	return bytes + MDK_SCHED_OP_COST;
}

/* An empty simulation on a 1 GB/s engine with 256 ns per operation. */
static struct mdk_sim *mdk_sim_new(struct kunit *test, u32 seed)
{
	struct mdk_sim *sim = kunit_kzalloc(test, sizeof(*sim), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sim);
	mdk_sched_init(&sim->s);
	sim->op_ns = 256;
	sim->ns_per_kib = 1024;
	sim->rnd = seed;
	return sim;
}

/* Adds an idle entity of @weight and limits, with operations of a range. */
static struct mdk_sched_ent *mdk_sim_add(struct kunit *test,
					 struct mdk_sim *sim, u32 weight,
					 u64 bps, u64 ops, u32 size_min,
					 u32 size_max)
{
	struct mdk_sched_qos qos = {
		.weight = weight,
		.max_bytes_per_s = bps,
		.max_ops_per_s = ops,
	};
	unsigned int i = sim->nr;

	KUNIT_ASSERT_LT(test, i, MDK_SIM_MAX);
	KUNIT_ASSERT_EQ(test, mdk_sched_qos_check(&qos), 0);
	mdk_sched_ent_init(&sim->e[i], &qos, sim->now);
	sim->size_min[i] = size_min;
	sim->size_max[i] = size_max;
	sim->q_max[i] = mdk_sim_quantum(weight);
	sim->nr++;
	return &sim->e[i];
}

static void mdk_sim_set(struct kunit *test, struct mdk_sim *sim,
			unsigned int i, u32 weight, u64 bps, u64 ops)
{
	struct mdk_sched_qos qos = {
		.weight = weight,
		.max_bytes_per_s = bps,
		.max_ops_per_s = ops,
	};

	KUNIT_ASSERT_EQ(test, mdk_sched_ent_set(&sim->e[i], &qos, sim->now), 0);
	sim->q_max[i] = max(sim->q_max[i], mdk_sim_quantum(weight));
}

static void mdk_sim_activate_all(struct mdk_sim *sim)
{
	unsigned int i;

	for (i = 0; i < sim->nr; i++)
		mdk_sched_activate(&sim->s, &sim->e[i], sim->now);
}

/*
 * Invariants after every step: the run list holds exactly the active
 * entities; a deficit is at most the largest quantum the entity had (it only
 * grows by one quantum from zero or less) and no lower than the debt limit;
 * a credit is at most a burst and no lower than the debt limit.
 */
static void mdk_sim_check(struct kunit *test, const struct mdk_sim *sim)
{
	const struct mdk_sched_ent *e;
	unsigned int i, n = 0;

	list_for_each_entry(e, &sim->s.run, node) {
		KUNIT_ASSERT_TRUE_MSG(test, e->active,
				      "step %llu: idle entity %td in the run list",
				      sim->picks, e - sim->e);
		KUNIT_ASSERT_LE(test, ++n, sim->nr);
	}
	KUNIT_ASSERT_EQ_MSG(test, n, sim->s.nr_active,
			    "step %llu: run list vs nr_active", sim->picks);
	for (i = 0; i < sim->nr; i++) {
		e = &sim->e[i];
		if (e->deficit > sim->q_max[i] ||
		    e->deficit < -MDK_SCHED_DEBT_MAX ||
		    e->credit_b > MDK_SCHED_BURST_NS ||
		    e->credit_b < -MDK_SCHED_DEBT_MAX ||
		    e->credit_o > MDK_SCHED_BURST_NS ||
		    e->credit_o < -MDK_SCHED_DEBT_MAX) {
			KUNIT_FAIL(test,
				   "step %llu entity %u: deficit %lld (quantum %lld) credit %lld/%lld out of bounds",
				   sim->picks, i, e->deficit, sim->q_max[i],
				   e->credit_b, e->credit_o);
			return;
		}
	}
}

static u32 mdk_sim_size(struct mdk_sim *sim, unsigned int i)
{
	u32 span = sim->size_max[i] - sim->size_min[i];

	if (!span)
		return sim->size_min[i];
	return sim->size_min[i] + mdk_sim_rand(&sim->rnd) % (span + 1);
}

/*
 * One step: pick, run one operation on the engine, charge it. If nothing
 * can be picked, the clock jumps by wait_ns instead (which must then be
 * finite: the simulated entities are all backlogged). Returns the index of
 * the entity served, or -1.
 */
static int mdk_sim_step(struct kunit *test, struct mdk_sim *sim)
{
	struct mdk_sched_ent *e;
	u64 wait, bytes;
	int i;

	e = mdk_sched_pick(&sim->s, sim->now, &wait);
	if (!e) {
		KUNIT_ASSERT_NE_MSG(test, wait, U64_MAX,
				    "step %llu: nothing active", sim->picks);
		KUNIT_ASSERT_GT(test, wait, 0);
		sim->now += wait;
		sim->idle_ns += wait;
		return -1;
	}
	KUNIT_ASSERT_EQ(test, wait, 0);
	i = e - sim->e;
	KUNIT_ASSERT_TRUE(test, i >= 0 && i < sim->nr && e->active);
	bytes = mdk_sim_size(sim, i);
	sim->now += sim->op_ns + div_u64(bytes * sim->ns_per_kib, 1024);
	mdk_sched_charge(&sim->s, e, bytes, 1, sim->now);
	sim->cost[i] += mdk_sim_op_cost(bytes);
	sim->picks++;
	mdk_sim_check(test, sim);
	return i;
}

/* Steps until the clock reaches @until. */
static void mdk_sim_run_until(struct kunit *test, struct mdk_sim *sim,
			      u64 until)
{
	while (sim->now < until && !test->status)
		mdk_sim_step(test, sim);
}

static void mdk_sim_run_ops(struct kunit *test, struct mdk_sim *sim, u64 ops)
{
	u64 end = sim->picks + ops;

	while (sim->picks < end && !test->status)
		mdk_sim_step(test, sim);
}

static u64 mdk_sim_bytes(const struct mdk_sim *sim, unsigned int i)
{
	struct mdk_sched_stats st;

	mdk_sched_ent_stats(&sim->e[i], sim->now, &st);
	return st.bytes;
}

/*
 * The fairness bound of DRR. After R full rounds entity i received R or
 * R + 1 quanta q_i and its cost c_i differs from R * q_i by its deficit:
 * at most q_i above (a quantum not yet spent), at most one operation below
 * (charged after it ran), so |c_i - R q_i| <= L_i = q_i + max op cost of i.
 * With C = sum c_j and Q = sum q_j, c_i - C q_i / Q = e_i - E q_i / Q where
 * |e_i| <= L_i and |E| <= sum L_j: each entity's cost is within
 * L_i + q_i / Q * sum L_j of its weighted share of the total, at any time.
 * (q_i is MDK_SCHED_QUANTUM * w_i / 100, proportional to w_i within 1/655.)
 * Over a window that starts at @cost0 rather than at zero, the deficit at
 * the start adds up to one earlier quantum (q_max) more to L_i. Entity @skip
 * (a rate-limited one, or -1 for none) is left out.
 */
static void mdk_sim_check_shares(struct kunit *test, const struct mdk_sim *sim,
				 const u64 *cost0, int skip, const char *what)
{
	u64 c[MDK_SIM_MAX], total = 0, sum_l = 0, sum_q = 0, want, bound;
	s64 q, l;
	int i;

	for (i = 0; i < sim->nr; i++) {
		if (i == skip)
			continue;
		c[i] = sim->cost[i] - (cost0 ? cost0[i] : 0);
		total += c[i];
		q = mdk_sim_quantum(sim->e[i].qos.weight);
		sum_q += q;
		sum_l += q + mdk_sim_op_cost(sim->size_max[i]) +
			 (cost0 ? sim->q_max[i] : 0);
	}
	for (i = 0; i < sim->nr; i++) {
		if (i == skip)
			continue;
		q = mdk_sim_quantum(sim->e[i].qos.weight);
		l = q + mdk_sim_op_cost(sim->size_max[i]) +
		    (cost0 ? sim->q_max[i] : 0);
		want = mul_u64_u64_div_u64(total, q, sum_q);
		bound = l + mul_u64_u64_div_u64(sum_l, q, sum_q) + 1;
		KUNIT_EXPECT_LE_MSG(test, abs_diff(c[i], want), bound,
				    "%s: entity %u (weight %u) cost %llu, its share %llu of %llu",
				    what, i, sim->e[i].qos.weight, c[i], want,
				    total);
	}
}

/* --- One test per function ---------------------------------------------- */

static void mdk_sched_init_is_empty(struct kunit *test)
{
	struct mdk_sched_qos qos = { .weight = MDK_SCHED_WEIGHT_DEFAULT };
	struct mdk_sched_stats st;
	struct mdk_sched_ent e;
	struct mdk_sched s;
	u64 wait = 0;

	memset(&s, 0xa5, sizeof(s));
	mdk_sched_init(&s);
	KUNIT_EXPECT_TRUE(test, list_empty(&s.run));
	KUNIT_EXPECT_EQ(test, s.nr_active, 0);
	KUNIT_EXPECT_EQ(test, s.quantum, MDK_SCHED_QUANTUM);
	KUNIT_EXPECT_EQ(test, s.op_cost, MDK_SCHED_OP_COST);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 0, &wait));
	KUNIT_EXPECT_EQ(test, wait, U64_MAX);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, U64_MAX, &wait));
	KUNIT_EXPECT_EQ(test, wait, U64_MAX);

	/* An entity starts idle, with full buckets and nothing consumed. */
	memset(&e, 0xa5, sizeof(e));
	mdk_sched_ent_init(&e, &qos, 1234);
	KUNIT_EXPECT_FALSE(test, e.active);
	KUNIT_EXPECT_TRUE(test, list_empty(&e.node));
	KUNIT_EXPECT_EQ(test, e.deficit, 0);
	KUNIT_EXPECT_EQ(test, e.credit_b, MDK_SCHED_BURST_NS);
	KUNIT_EXPECT_EQ(test, e.credit_o, MDK_SCHED_BURST_NS);
	KUNIT_EXPECT_EQ(test, e.stamp, 1234);
	mdk_sched_ent_stats(&e, 5678, &st);
	KUNIT_EXPECT_EQ(test, st.bytes, 0);
	KUNIT_EXPECT_EQ(test, st.ops, 0);
	KUNIT_EXPECT_EQ(test, st.throttled_ns, 0);
}

/**
 * struct mdk_sched_qos_case - a configuration and whether it is valid
 * @desc: name of the case
 * @qos: the configuration
 * @expected: mdk_sched_qos_check()'s answer
 */
struct mdk_sched_qos_case {
	const char *desc;
	struct mdk_sched_qos qos;
	int expected;
};

static const struct mdk_sched_qos_case mdk_sched_qos_cases[] = {
	{ "weight 0", { 0, 0, 0 }, -ERANGE },
	{ "weight 1 (min)", { 1, 0, 0 }, 0 },
	{ "weight 100 (default)", { 100, 0, 0 }, 0 },
	{ "weight 10000 (max)", { 10000, 0, 0 }, 0 },
	{ "weight 10001", { 10001, 0, 0 }, -ERANGE },
	{ "weight U32_MAX", { U32_MAX, 0, 0 }, -ERANGE },
	{ "byte limit 1", { 100, 1, 0 }, 0 },
	{ "byte limit U64_MAX", { 100, U64_MAX, 0 }, 0 },
	{ "ops limit 1", { 100, 0, 1 }, 0 },
	{ "ops limit max", { 100, 0, MDK_SCHED_OPS_MAX }, 0 },
	{ "ops limit max + 1", { 100, 0, MDK_SCHED_OPS_MAX + 1 }, -ERANGE },
	{ "ops limit U64_MAX", { 100, 0, U64_MAX }, -ERANGE },
	{ "both limits, weight min", { 1, U64_MAX, MDK_SCHED_OPS_MAX }, 0 },
	{ "good limits, weight 0", { 0, 1000, 1000 }, -ERANGE },
	{ "good weight, ops over", { 5000, 1000, MDK_SCHED_OPS_MAX + 1 },
	  -ERANGE },
};

static void mdk_sched_qos_case_desc(const struct mdk_sched_qos_case *c,
				    char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdk_sched_qos, mdk_sched_qos_cases, mdk_sched_qos_case_desc);

/* qos_check() and ent_set() agree; a refused configuration changes nothing. */
static void mdk_sched_qos_check_ranges(struct kunit *test)
{
	const struct mdk_sched_qos_case *c = test->param_value;
	struct mdk_sched_qos qos0 = { .weight = 7, .max_bytes_per_s = 1000,
				      .max_ops_per_s = 10 };
	struct mdk_sched_ent e, copy;
	struct mdk_sched s;
	u64 wait;

	KUNIT_EXPECT_EQ(test, mdk_sched_qos_check(&c->qos), c->expected);

	/* An active entity in debt, throttled, with a throttled period on. */
	mdk_sched_init(&s);
	mdk_sched_ent_init(&e, &qos0, 0);
	mdk_sched_activate(&s, &e, 0);
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, 0, &wait), &e);
	mdk_sched_charge(&s, &e, SZ_1M, 5, 10);
	KUNIT_ASSERT_NULL(test, mdk_sched_pick(&s, 20, &wait));
	copy = e;
	KUNIT_EXPECT_EQ(test, mdk_sched_ent_set(&e, &c->qos, 1000), c->expected);
	if (c->expected) {
		KUNIT_EXPECT_EQ(test, memcmp(&e, &copy, sizeof(e)), 0);
	} else {
		KUNIT_EXPECT_EQ(test, e.qos.weight, c->qos.weight);
		KUNIT_EXPECT_EQ(test, e.qos.max_bytes_per_s,
				c->qos.max_bytes_per_s);
		KUNIT_EXPECT_EQ(test, e.qos.max_ops_per_s, c->qos.max_ops_per_s);
		/* Buckets were refilled up to the change, at the old limits. */
		KUNIT_EXPECT_EQ(test, e.stamp, 1000);
		KUNIT_EXPECT_EQ(test, e.credit_b,
				copy.credit_b + 1000 - (s64)copy.stamp);
		KUNIT_EXPECT_EQ(test, e.deficit, copy.deficit);
	}
	KUNIT_EXPECT_TRUE(test, e.active);
	KUNIT_EXPECT_EQ(test, s.nr_active, 1);
}

/* ent_set() changes limits at once, carrying the credit over in time. */
static void mdk_sched_ent_set_applies_limits_at_once(struct kunit *test)
{
	struct mdk_sched_qos slow = { .weight = 100, .max_bytes_per_s = 1000 };
	struct mdk_sched_qos fast = { .weight = 100,
				      .max_bytes_per_s = 1000000 };
	struct mdk_sched_qos none = { .weight = 100 };
	struct mdk_sched_ent e;
	struct mdk_sched s;
	u64 wait;

	mdk_sched_init(&s);
	mdk_sched_ent_init(&e, &slow, 0);
	mdk_sched_activate(&s, &e, 0);
	/* 100 ms of credit at 1000 B/s is 100 bytes; 300 bytes cost 300 ms. */
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, 0, &wait), &e);
	mdk_sched_charge(&s, &e, 300, 1, 0);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 0, &wait));
	KUNIT_EXPECT_EQ(test, wait, 200 * 1000 * 1000 + 1);
	/* The debt is 200 ms of time whatever the new limit. */
	KUNIT_ASSERT_EQ(test, mdk_sched_ent_set(&e, &fast, 0), 0);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 0, &wait));
	KUNIT_EXPECT_EQ(test, wait, 200 * 1000 * 1000 + 1);
	/* Without a limit the entity runs at once. */
	KUNIT_ASSERT_EQ(test, mdk_sched_ent_set(&e, &none, 1), 0);
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, 1, &wait), &e);
	KUNIT_EXPECT_EQ(test, wait, 0);
	/* Back to a limit: the debt, refilled by the time passed, is there. */
	KUNIT_ASSERT_EQ(test, mdk_sched_ent_set(&e, &slow, 1000), 0);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 1000, &wait));
	KUNIT_EXPECT_EQ(test, wait, 200 * 1000 * 1000 + 1 - 1000);
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, 1000 + wait, &wait), &e);
}

static void mdk_sched_activate_idle_idempotent(struct kunit *test)
{
	struct mdk_sched_qos qos = { .weight = MDK_SCHED_WEIGHT_DEFAULT };
	struct mdk_sched_ent a, b;
	struct mdk_sched s;
	u64 wait;

	mdk_sched_init(&s);
	mdk_sched_ent_init(&a, &qos, 0);
	mdk_sched_ent_init(&b, &qos, 0);

	/* Idle on an entity never activated is a no-op. */
	mdk_sched_idle(&s, &a, 0);
	KUNIT_EXPECT_EQ(test, s.nr_active, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&s.run));

	mdk_sched_activate(&s, &a, 0);
	mdk_sched_activate(&s, &a, 1);
	KUNIT_EXPECT_EQ(test, s.nr_active, 1);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&s.run), 1);
	KUNIT_EXPECT_TRUE(test, a.active);
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, 2, &wait), &a);

	mdk_sched_activate(&s, &b, 3);
	mdk_sched_activate(&s, &b, 3);
	KUNIT_EXPECT_EQ(test, s.nr_active, 2);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&s.run), 2);

	mdk_sched_idle(&s, &a, 4);
	mdk_sched_idle(&s, &a, 5);
	KUNIT_EXPECT_EQ(test, s.nr_active, 1);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&s.run), 1);
	KUNIT_EXPECT_FALSE(test, a.active);
	KUNIT_EXPECT_TRUE(test, list_empty(&a.node));
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, 6, &wait), &b);

	mdk_sched_idle(&s, &b, 7);
	mdk_sched_idle(&s, &b, 7);
	KUNIT_EXPECT_EQ(test, s.nr_active, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&s.run));
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 8, &wait));
	KUNIT_EXPECT_EQ(test, wait, U64_MAX);

	/* And back. */
	mdk_sched_activate(&s, &a, 9);
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, 9, &wait), &a);
	KUNIT_EXPECT_EQ(test, wait, 0);
}

/* A turn lasts while the deficit is positive; then the next one's starts. */
static void mdk_sched_pick_keeps_turn_while_deficit_positive(struct kunit *test)
{
	struct mdk_sched_qos qos = { .weight = MDK_SCHED_WEIGHT_DEFAULT };
	struct mdk_sched_ent a, b;
	struct mdk_sched s;
	u64 wait;
	int i;

	mdk_sched_init(&s);
	mdk_sched_ent_init(&a, &qos, 0);
	mdk_sched_ent_init(&b, &qos, 0);
	mdk_sched_activate(&s, &a, 0);
	mdk_sched_activate(&s, &b, 0);
	/* 64 KiB quantum, 4 KiB + 512 per op: 15 ops, the last into debt. */
	for (i = 0; i < 15; i++) {
		KUNIT_ASSERT_PTR_EQ_MSG(test, mdk_sched_pick(&s, 0, &wait), &a,
					"op %d", i);
		mdk_sched_charge(&s, &a, 4096, 1, 0);
	}
	KUNIT_EXPECT_EQ(test, a.deficit, MDK_SCHED_QUANTUM - 15 * (4096 + 512));
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, 0, &wait), &b);
	KUNIT_EXPECT_EQ(test, b.deficit, MDK_SCHED_QUANTUM);
	/* One big op ends b's turn; a's debt is paid from its next quantum. */
	mdk_sched_charge(&s, &b, SZ_1M, 1, 0);
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, 0, &wait), &a);
	KUNIT_EXPECT_EQ(test, a.deficit,
			2 * MDK_SCHED_QUANTUM - 15 * (4096 + 512));
}

/* A positive deficit is dropped when the entity goes idle, a debt is kept. */
static void mdk_sched_idle_keeps_debt_drops_surplus(struct kunit *test)
{
	struct mdk_sched_qos qos = { .weight = MDK_SCHED_WEIGHT_DEFAULT };
	struct mdk_sched_ent a;
	struct mdk_sched s;
	u64 wait;

	mdk_sched_init(&s);
	mdk_sched_ent_init(&a, &qos, 0);
	mdk_sched_activate(&s, &a, 0);
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, 0, &wait), &a);
	mdk_sched_charge(&s, &a, 100, 1, 0);
	KUNIT_EXPECT_EQ(test, a.deficit, MDK_SCHED_QUANTUM - 612);
	mdk_sched_idle(&s, &a, 0);
	KUNIT_EXPECT_EQ(test, a.deficit, 0);

	mdk_sched_activate(&s, &a, 0);
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, 0, &wait), &a);
	KUNIT_EXPECT_EQ(test, a.deficit, MDK_SCHED_QUANTUM);
	mdk_sched_charge(&s, &a, SZ_1M, 1, 0);
	mdk_sched_idle(&s, &a, 0);
	KUNIT_EXPECT_EQ(test, a.deficit, MDK_SCHED_QUANTUM - SZ_1M - 512);
	/* Charging an idle entity (an op that ended after it idled) counts. */
	mdk_sched_charge(&s, &a, 1000, 1, 0);
	KUNIT_EXPECT_EQ(test, a.deficit,
			MDK_SCHED_QUANTUM - SZ_1M - 1000 - 2 * 512);
	KUNIT_EXPECT_FALSE(test, a.active);
	KUNIT_EXPECT_EQ(test, s.nr_active, 0);
}

/* A preempted (stalled) entity keeps its credit, up to one quantum. */
static void mdk_sched_preempt_keeps_credit(struct kunit *test)
{
	struct mdk_sched_qos qos = { .weight = MDK_SCHED_WEIGHT_DEFAULT };
	struct mdk_sched_ent a, b;
	struct mdk_sched s;
	u64 wait;

	mdk_sched_init(&s);
	mdk_sched_ent_init(&a, &qos, 0);
	mdk_sched_ent_init(&b, &qos, 0);
	mdk_sched_activate(&s, &a, 0);
	mdk_sched_activate(&s, &b, 0);
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, 0, &wait), &a);
	mdk_sched_charge(&s, &a, 100, 1, 0);
	mdk_sched_preempt(&s, &a, 0);
	KUNIT_EXPECT_FALSE(test, a.active);
	KUNIT_EXPECT_EQ(test, s.nr_active, 1);
	KUNIT_EXPECT_EQ(test, a.deficit, MDK_SCHED_QUANTUM - 612);
	/* Back: the credit is there, plus this turn's quantum, once. */
	mdk_sched_activate(&s, &a, 0);
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, 0, &wait), &b);
	mdk_sched_charge(&s, &b, SZ_1M, 1, 0);
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, 0, &wait), &a);
	KUNIT_EXPECT_EQ(test, a.deficit, 2 * MDK_SCHED_QUANTUM - 612);
	/* Preempted again at once: no more than one quantum is kept. */
	mdk_sched_preempt(&s, &a, 0);
	KUNIT_EXPECT_EQ(test, a.deficit, MDK_SCHED_QUANTUM);
	/* A debt is kept as by mdk_sched_idle(); an idle entity is left. */
	mdk_sched_activate(&s, &a, 0);
	a.deficit = -5000;
	mdk_sched_preempt(&s, &a, 0);
	KUNIT_EXPECT_EQ(test, a.deficit, -5000);
	mdk_sched_preempt(&s, &a, 0);
	KUNIT_EXPECT_EQ(test, a.deficit, -5000);
	KUNIT_EXPECT_EQ(test, s.nr_active, 1);
}

/* Stats count bytes and ops, and throttled time including a period still on. */
static void mdk_sched_stats_count_consumption(struct kunit *test)
{
	struct mdk_sched_qos qos = { .weight = 100, .max_ops_per_s = 10 };
	struct mdk_sched_stats st;
	struct mdk_sched_ent e;
	struct mdk_sched s;
	u64 wait;

	mdk_sched_init(&s);
	mdk_sched_ent_init(&e, &qos, 0);
	mdk_sched_activate(&s, &e, 0);
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, 0, &wait), &e);
	/* 3 ops at 10/s: 300 ms of credit, 200 ms of debt after the burst. */
	mdk_sched_charge(&s, &e, 12345, 3, 0);
	mdk_sched_ent_stats(&e, 0, &st);
	KUNIT_EXPECT_EQ(test, st.bytes, 12345);
	KUNIT_EXPECT_EQ(test, st.ops, 3);
	KUNIT_EXPECT_EQ(test, st.throttled_ns, 0);

	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 1000, &wait));
	KUNIT_EXPECT_EQ(test, wait, 200 * 1000 * 1000 + 1 - 1000);
	/* A throttled period still on counts up to @now. */
	mdk_sched_ent_stats(&e, 5000, &st);
	KUNIT_EXPECT_EQ(test, st.throttled_ns, 4000);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 6000, &wait));
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, 6000 + wait, &wait), &e);
	mdk_sched_ent_stats(&e, U64_MAX, &st);
	KUNIT_EXPECT_EQ(test, st.throttled_ns, 200 * 1000 * 1000 + 1 - 1000);
	/* Idling ends a throttled period too. */
	mdk_sched_charge(&s, &e, 0, 2, 300 * 1000 * 1000);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 300 * 1000 * 1000, &wait));
	mdk_sched_idle(&s, &e, 300 * 1000 * 1000 + 77);
	mdk_sched_ent_stats(&e, U64_MAX, &st);
	KUNIT_EXPECT_EQ(test, st.throttled_ns, 200 * 1000 * 1000 + 1 - 1000 + 77);
	KUNIT_EXPECT_EQ(test, st.bytes, 12345);
	KUNIT_EXPECT_EQ(test, st.ops, 5);
}

/* Burst: a full bucket holds exactly 100 ms of the limit. */
static void mdk_sched_bucket_holds_one_burst(struct kunit *test)
{
	struct mdk_sched_qos qos = { .weight = 100, .max_bytes_per_s = 1000000,
				     .max_ops_per_s = 1000 };
	struct mdk_sched_ent e;
	struct mdk_sched s;
	u64 wait;

	mdk_sched_init(&s);
	mdk_sched_ent_init(&e, &qos, 0);
	mdk_sched_activate(&s, &e, 0);
	/* A long idle time earns no more than a burst. */
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, 100 * NS_PER_S, &wait), &e);
	mdk_sched_charge(&s, &e, 100000 - 1, 100, 100 * NS_PER_S);
	/* 1 byte and 0 ops of credit left: ops throttle, then bytes too. */
	KUNIT_EXPECT_EQ(test, e.credit_b, 1000);
	KUNIT_EXPECT_EQ(test, e.credit_o, 0);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 100 * NS_PER_S, &wait));
	KUNIT_EXPECT_EQ(test, wait, 1);
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, 100 * NS_PER_S + 1, &wait),
			    &e);
	mdk_sched_charge(&s, &e, 2, 0, 100 * NS_PER_S + 1);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 100 * NS_PER_S + 1, &wait));
	KUNIT_EXPECT_EQ(test, wait, 1000);
}

/* All throttled: NULL, and the wait is that of the first to recover. */
static void mdk_sched_pick_waits_for_first_unthrottled(struct kunit *test)
{
	struct mdk_sched_qos qa = { .weight = 100, .max_bytes_per_s = 1000 };
	struct mdk_sched_qos qb = { .weight = 100, .max_ops_per_s = 1000 };
	struct mdk_sched_ent a, b;
	struct mdk_sched s;
	u64 wait;

	mdk_sched_init(&s);
	mdk_sched_ent_init(&a, &qa, 0);
	mdk_sched_ent_init(&b, &qb, 0);
	mdk_sched_activate(&s, &a, 0);
	mdk_sched_activate(&s, &b, 0);
	mdk_sched_charge(&s, &a, 400, 1, 0);	/* 300 ms of debt */
	mdk_sched_charge(&s, &b, 0, 250, 0);	/* 150 ms of debt */
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 0, &wait));
	KUNIT_EXPECT_EQ(test, wait, 150 * 1000 * 1000 + 1);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, wait - 1, &wait));
	KUNIT_EXPECT_EQ(test, wait, 1);
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, 150 * 1000 * 1000 + 1,
						 &wait), &b);
	KUNIT_EXPECT_EQ(test, wait, 0);
	mdk_sched_idle(&s, &b, 150 * 1000 * 1000 + 1);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 150 * 1000 * 1000 + 1,
					       &wait));
	KUNIT_EXPECT_EQ(test, wait, 150 * 1000 * 1000);
}

/* --- Fairness -------------------------------------------------------------- */

/**
 * struct mdk_sched_fair_case - a long random backlogged workload
 * @desc: name of the case
 * @seed: xorshift32 seed, not 0
 */
struct mdk_sched_fair_case {
	const char *desc;
	u32 seed;
};

static const struct mdk_sched_fair_case mdk_sched_fair_cases[] = {
	{ "seed 1", 1 }, { "seed 0x2545f491", 0x2545f491 },
	{ "seed 0xdeadbeef", 0xdeadbeef }, { "seed 42", 42 },
	{ "seed 0x9e3779b9", 0x9e3779b9 }, { "seed 7", 7 },
};

static void mdk_sched_fair_case_desc(const struct mdk_sched_fair_case *c,
				     char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdk_sched_fair, mdk_sched_fair_cases,
		  mdk_sched_fair_case_desc);

#define MDK_FAIR_OPS		100000
#define MDK_FAIR_CHECKS		10

/*
 * 2..8 backlogged entities of random weights 1..1000, each with operations
 * of random sizes in a random range within 1 byte..1 MiB: at ten points
 * during 10^5 operations every entity's cost is within the DRR bound of its
 * weighted share (mdk_sim_check_shares()), and at the end within one
 * percentage point of w_i / sum(w).
 */
static void mdk_sched_shares_follow_weights(struct kunit *test)
{
	const struct mdk_sched_fair_case *c = test->param_value;
	struct mdk_sim *sim = mdk_sim_new(test, c->seed);
	u32 w, lo, hi, sum_w = 0;
	unsigned int i, n, k;
	u64 total = 0;

	n = 2 + mdk_sim_rand(&sim->rnd) % (MDK_SIM_MAX - 1);
	for (i = 0; i < n; i++) {
		w = 1 + mdk_sim_rand(&sim->rnd) % 1000;
		lo = 1 + mdk_sim_rand(&sim->rnd) % SZ_1M;
		hi = 1 + mdk_sim_rand(&sim->rnd) % SZ_1M;
		mdk_sim_add(test, sim, w, 0, 0, min(lo, hi), max(lo, hi));
		sum_w += w;
	}
	mdk_sim_activate_all(sim);
	for (k = 0; k < MDK_FAIR_CHECKS; k++) {
		mdk_sim_run_ops(test, sim, MDK_FAIR_OPS / MDK_FAIR_CHECKS);
		mdk_sim_check_shares(test, sim, NULL, -1, c->desc);
	}
	KUNIT_EXPECT_EQ(test, sim->idle_ns, 0);
	for (i = 0; i < n; i++)
		total += sim->cost[i];
	for (i = 0; i < n; i++) {
		/* share and weight share in units of 0.01 % */
		u64 share = div64_u64(sim->cost[i] * 10000, total);
		u64 want = div_u64((u64)sim->e[i].qos.weight * 10000, sum_w);

		KUNIT_EXPECT_LE_MSG(test, abs_diff(share, want), 100,
				    "entity %u weight %u of %u: %llu.%02llu %% of the cost",
				    i, sim->e[i].qos.weight, sum_w, share / 100,
				    share % 100);
	}
}

/*
 * Weight 1 next to weight 10000, both with 1 MiB operations. Weight 1's
 * quantum is 655: it needs ceil(cost / 655) turns to pay an operation, and
 * in each of them weight 10000 (quantum 6553600) runs at most
 * ceil(6553600 / cost) + 1 operations. So weight 1 runs at least once
 * every (ceil(cost / 655) + 1) * (ceil(6553600 / cost) + 1) picks.
 */
static void mdk_sched_light_entity_not_starved(struct kunit *test)
{
	const u64 cost = mdk_sim_op_cost(SZ_1M);
	const s64 ql = mdk_sim_quantum(1), qh = mdk_sim_quantum(10000);
	const u64 bound = (DIV_ROUND_UP_ULL(cost, ql) + 1) *
			  (DIV_ROUND_UP_ULL(qh, cost) + 1);
	unsigned int order;
	u64 last, gap_max;
	int runs, i, light;

	for (order = 0; order < 2; order++) {
		struct mdk_sim *sim = mdk_sim_new(test, 1);

		light = order;
		if (order) {
			mdk_sim_add(test, sim, 10000, 0, 0, SZ_1M, SZ_1M);
			mdk_sim_add(test, sim, 1, 0, 0, SZ_1M, SZ_1M);
		} else {
			mdk_sim_add(test, sim, 1, 0, 0, SZ_1M, SZ_1M);
			mdk_sim_add(test, sim, 10000, 0, 0, SZ_1M, SZ_1M);
		}
		mdk_sim_activate_all(sim);
		last = 0;
		gap_max = 0;
		for (runs = 0; runs < 5 && !test->status;) {
			i = mdk_sim_step(test, sim);
			if (i == light) {
				gap_max = max(gap_max, sim->picks - last);
				last = sim->picks;
				runs++;
			}
			if (sim->picks - last > bound) {
				KUNIT_FAIL(test,
					   "order %u: weight 1 not picked in %llu picks",
					   order, sim->picks - last);
				break;
			}
		}
		KUNIT_EXPECT_LE_MSG(test, gap_max, bound, "order %u", order);
		kunit_info(test, "order %u: longest gap %llu picks (bound %llu)",
			   order, gap_max, bound);
		mdk_sim_check_shares(test, sim, NULL, -1, "weights 1 and 10000");
	}
}

/*
 * Entity 0 runs one 1 MiB operation whenever it is picked and then goes idle;
 * it comes back after its neighbour, always backlogged with 64 KiB
 * operations, ran a few of them (0, 1, 3, 17). With equal weights it must
 * get no more than its neighbour: its debt is kept while idle. In n_i
 * quanta q an entity costs n_i q - d_i with -max op < d_i <= q, and entity 0
 * never has more than one quantum more than its neighbour, so
 * c_0 - c_1 <= 2 q + (1 MiB + 512). Were the debt forgiven, with gap 1
 * entity 0 would get 16 times its neighbour's share.
 */
static void mdk_sched_debt_survives_idle(struct kunit *test)
{
	static const unsigned int gaps[] = { 0, 1, 3, 17 };
	const u64 bound = 2 * MDK_SCHED_QUANTUM + mdk_sim_op_cost(SZ_1M);
	unsigned int g, since;
	int i;

	for (g = 0; g < ARRAY_SIZE(gaps); g++) {
		struct mdk_sim *sim = mdk_sim_new(test, 1);

		mdk_sim_add(test, sim, 100, 0, 0, SZ_1M, SZ_1M);
		mdk_sim_add(test, sim, 100, 0, 0, SZ_64K, SZ_64K);
		mdk_sim_activate_all(sim);
		since = 0;
		while (sim->picks < 20000 && !test->status) {
			i = mdk_sim_step(test, sim);
			if (i == 0) {
				mdk_sched_idle(&sim->s, &sim->e[0], sim->now);
				since = 0;
			} else if (i == 1) {
				since++;
			}
			if (!sim->e[0].active && since >= gaps[g])
				mdk_sched_activate(&sim->s, &sim->e[0],
						   sim->now);
		}
		KUNIT_EXPECT_LE_MSG(test, sim->cost[0], sim->cost[1] + bound,
				    "gap %u: the 1 MiB entity got %llu, its neighbour %llu",
				    gaps[g], sim->cost[0], sim->cost[1]);
		KUNIT_EXPECT_GT(test, sim->cost[0], 0);
		KUNIT_EXPECT_EQ(test, sim->idle_ns, 0);
	}
}

/* --- Rate limits ----------------------------------------------------------- */

/**
 * struct mdk_sched_rate_case - one entity against its limits
 * @desc: name of the case
 * @bps: byte limit
 * @ops: operation limit
 * @size_min: smallest operation
 * @size_max: largest operation
 * @ms: simulated time, in ms (0: 100 us)
 * @op_ns: engine time per operation
 * @ns_per_kib: engine time per KiB (faster than the limit)
 */
struct mdk_sched_rate_case {
	const char *desc;
	u64 bps;
	u64 ops;
	u32 size_min;
	u32 size_max;
	u32 ms;
	u32 op_ns;
	u32 ns_per_kib;
};

static const struct mdk_sched_rate_case mdk_sched_rate_cases[] = {
	{ "100 MB/s, 64 KiB ops, 10 s", 100000000, 0, SZ_64K, SZ_64K,
	  10000, 256, 1024 },
	{ "33333333 B/s, 1 B..64 KiB ops, 10 s", 33333333, 0, 1, SZ_64K,
	  10000, 256, 1024 },
	{ "10000 ops/s, 4 KiB ops, 10 s", 0, 10000, 4096, 4096,
	  10000, 256, 1024 },
	{ "1000 ops/s, 0 B..1 MiB ops, 10 s", 0, 1000, 0, SZ_1M,
	  10000, 256, 1024 },
	{ "1 op/s, 1 B ops, 10 s", 0, 1, 1, 1, 10000, 256, 1024 },
	{ "50 MB/s and 1000 ops/s, 64 KiB ops (bytes bind), 10 s",
	  50000000, 1000, SZ_64K, SZ_64K, 10000, 256, 1024 },
	{ "1 GB/s and 2000 ops/s, 64 KiB ops (ops bind), 10 s",
	  1000000000, 2000, SZ_64K, SZ_64K, 10000, 256, 256 },
	{ "3 GB/s, 64 B ops, 2 ms", 3000000000ULL, 0, 64, 64, 2, 4, 16 },
	{ "700M ops/s, 0 B ops, 100 us", 0, 700000000, 0, 0, 0, 1, 16 },
};

static void mdk_sched_rate_case_desc(const struct mdk_sched_rate_case *c,
				     char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdk_sched_rate, mdk_sched_rate_cases,
		  mdk_sched_rate_case_desc);

/*
 * A backlogged entity on an engine faster than its limits, buckets emptied
 * by one batch of exactly a burst first. Over the time T that follows, its
 * bucket credit stays within (-(one op's cost), 1 + one op's engine time], so
 * it consumes its limit times T within one operation plus a few ns worth,
 * and within 1 % whichever limit binds; the other limit is not exceeded.
 * The time the clock jumped by wait_ns is its throttled time, exactly.
 */
static void mdk_sched_rate_limits_hold(struct kunit *test)
{
	const struct mdk_sched_rate_case *c = test->param_value;
	struct mdk_sim *sim = mdk_sim_new(test, 3);
	u64 t = c->ms ? c->ms * 1000000ULL : 100000;
	u64 slack_ns = c->op_ns + div_u64((u64)c->size_max * c->ns_per_kib,
					  1024) + 2;
	struct mdk_sched_stats st0, st;
	struct mdk_sched_ent *e;
	u64 t0, dt, want, got, tol;
	u64 wait;

	sim->op_ns = c->op_ns;
	sim->ns_per_kib = c->ns_per_kib;
	sim->now = NS_PER_S;
	e = mdk_sim_add(test, sim, 100, c->bps, c->ops, c->size_min,
			c->size_max);
	mdk_sim_activate_all(sim);
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&sim->s, sim->now, &wait), e);
	/* A burst is a tenth of a second of the limit. */
	mdk_sched_charge(&sim->s, e, DIV_ROUND_UP_ULL(c->bps, 10),
			 DIV_ROUND_UP_ULL(c->ops, 10), sim->now);
	if (c->bps)
		KUNIT_EXPECT_LE(test, e->credit_b, 0);
	if (c->ops)
		KUNIT_EXPECT_LE(test, e->credit_o, 0);
	mdk_sched_ent_stats(e, sim->now, &st0);
	t0 = sim->now;
	mdk_sim_run_until(test, sim, t0 + t);
	dt = sim->now - t0;
	mdk_sched_ent_stats(e, sim->now, &st);
	KUNIT_EXPECT_EQ(test, st.throttled_ns, sim->idle_ns);
	KUNIT_EXPECT_GT(test, sim->idle_ns, 0);

	if (c->bps) {
		got = st.bytes - st0.bytes;
		want = mul_u64_u64_div_u64(c->bps, dt, NS_PER_S);
		KUNIT_EXPECT_LE_MSG(test, got,
				    want + c->size_max + 1 +
				    mul_u64_u64_div_u64(c->bps, 2, NS_PER_S),
				    "bytes in %llu ns", dt);
		/* Bytes bind unless the op limit keeps them lower. */
		if (!c->ops || c->bps < c->ops * c->size_min) {
			KUNIT_EXPECT_GE_MSG(test, got + c->size_max + 1 +
					    mul_u64_u64_div_u64(c->bps, slack_ns,
								NS_PER_S),
					    want, "bytes in %llu ns", dt);
			KUNIT_EXPECT_LE_MSG(test, abs_diff(got, want),
					    div_u64(want, 100),
					    "bytes %llu vs limit %llu in %llu ns",
					    got, want, dt);
		}
	}
	if (c->ops) {
		got = st.ops - st0.ops;
		want = mul_u64_u64_div_u64(c->ops, dt, NS_PER_S);
		/* 1 %, or the bound above for a handful of ops */
		tol = max(div_u64(want, 100), 2ULL);
		KUNIT_EXPECT_LE_MSG(test, got, want + 2, "ops in %llu ns", dt);
		/* Ops bind unless the byte limit keeps them lower. */
		if (!c->bps || c->ops * c->size_max <= c->bps) {
			KUNIT_EXPECT_GE_MSG(test, got + 2 +
					    mul_u64_u64_div_u64(c->ops, slack_ns,
								NS_PER_S),
					    want, "ops in %llu ns", dt);
			KUNIT_EXPECT_LE_MSG(test, abs_diff(got, want), tol,
					    "ops %llu vs limit %llu in %llu ns",
					    got, want, dt);
		}
	}
}

/*
 * Work conserving: an unlimited entity next to one limited to 100 MB/s on a
 * 1 GB/s engine. The engine never idles; the limited one gets its limit
 * (plus its initial burst) and the unlimited one all the rest, and is
 * never throttled.
 */
static void mdk_sched_unlimited_takes_the_rest(struct kunit *test)
{
	const u64 t = 10 * NS_PER_S, bps = 100000000;
	struct mdk_sim *sim = mdk_sim_new(test, 5);
	struct mdk_sched_stats sa, sb;
	u64 busy;

	mdk_sim_add(test, sim, 100, bps, 0, SZ_64K, SZ_64K);
	mdk_sim_add(test, sim, 100, 0, 0, 4096, SZ_64K);
	mdk_sim_activate_all(sim);
	mdk_sim_run_until(test, sim, t);
	KUNIT_EXPECT_EQ(test, sim->idle_ns, 0);
	mdk_sched_ent_stats(&sim->e[0], sim->now, &sa);
	mdk_sched_ent_stats(&sim->e[1], sim->now, &sb);
	/* bps * t <= bytes <= bps * (t + burst) + one op */
	KUNIT_EXPECT_GE(test, sa.bytes, div_u64(bps * t, NS_PER_S) - SZ_64K);
	KUNIT_EXPECT_LE(test, sa.bytes,
			div_u64(bps * (t + MDK_SCHED_BURST_NS), NS_PER_S) +
			SZ_64K);
	KUNIT_EXPECT_GT(test, sa.throttled_ns, t / 2);
	KUNIT_EXPECT_EQ(test, sb.throttled_ns, 0);
	/* The engine time of everything run is all the time there was. */
	busy = (sa.ops + sb.ops) * sim->op_ns + sa.bytes + sb.bytes;
	KUNIT_EXPECT_EQ(test, busy, sim->now);
	KUNIT_EXPECT_GT(test, sb.bytes, 8 * div_u64(bps * t, NS_PER_S));
}

/*
 * Weights and limits changed while running. Three backlogged entities with
 * 4 KiB..64 KiB operations; each 1 s window is checked on its own: in each,
 * shares follow the weights set at its start (within the DRR bound plus one
 * old quantum: a new weight applies from the next turn). While entity 0 is
 * limited it gets its limit, the other two share the rest by weight; once
 * the limit is lifted, entity 0 is back to its weighted share, with no
 * surplus saved up while it was throttled.
 */
static void mdk_sched_changes_apply_next_window(struct kunit *test)
{
	static const u32 weights[][3] = {
		{ 100, 200, 300 }, { 300, 200, 100 }, { 300, 100, 1000 },
		{ 300, 100, 1000 }, { 1, 10000, 5000 },
	};
	static const u64 limit0[] = { 0, 0, 20000000, 0, 0 };
	struct mdk_sim *sim = mdk_sim_new(test, 11);
	u64 cost0[MDK_SIM_MAX], bytes0, got, t0;
	unsigned int w, i;
	char what[32];

	for (i = 0; i < 3; i++)
		mdk_sim_add(test, sim, weights[0][i], 0, 0, 4096, SZ_64K);
	mdk_sim_activate_all(sim);
	for (w = 0; w < ARRAY_SIZE(weights); w++) {
		for (i = 0; i < 3; i++)
			mdk_sim_set(test, sim, i, weights[w][i],
				    i ? 0 : limit0[w], 0);
		/* Let the turn in progress end: one round at most. */
		mdk_sim_run_ops(test, sim, 200);
		memcpy(cost0, sim->cost, sizeof(cost0));
		bytes0 = mdk_sim_bytes(sim, 0);
		t0 = sim->now;
		mdk_sim_run_until(test, sim, t0 + NS_PER_S);
		snprintf(what, sizeof(what), "window %u", w);
		if (!limit0[w]) {
			mdk_sim_check_shares(test, sim, cost0, -1, what);
			continue;
		}
		got = mdk_sim_bytes(sim, 0) - bytes0;
		KUNIT_EXPECT_LE_MSG(test, got,
				    div_u64(limit0[w] * (sim->now - t0 +
							 MDK_SCHED_BURST_NS),
					    NS_PER_S) + SZ_64K, "%s", what);
		KUNIT_EXPECT_GE_MSG(test, got + SZ_64K,
				    div_u64(limit0[w] * (sim->now - t0),
					    NS_PER_S), "%s", what);
		/* The other two split the rest by weight. */
		mdk_sim_check_shares(test, sim, cost0, 0, what);
	}
	KUNIT_EXPECT_EQ(test, sim->idle_ns, 0);
}

/* --- Arithmetic bounds ------------------------------------------------------- */

/* Steps of one entity alone until it is picked: at most @max waits. */
static void mdk_sched_expect_picked(struct kunit *test, struct mdk_sched *s,
				    struct mdk_sched_ent *e, u64 *now,
				    int max)
{
	u64 wait;
	int n;

	for (n = 0; n <= max; n++) {
		if (mdk_sched_pick(s, *now, &wait) == e)
			return;
		KUNIT_ASSERT_NE(test, wait, U64_MAX);
		KUNIT_ASSERT_LE(test, wait, (u64)MDK_SCHED_DEBT_MAX + 1);
		*now += wait;
	}
	KUNIT_FAIL(test, "not picked after %d waits", max);
}

static void mdk_sched_check_ent_bounds(struct kunit *test,
				       const struct mdk_sched_ent *e,
				       const char *what)
{
	KUNIT_EXPECT_GE_MSG(test, e->deficit, -MDK_SCHED_DEBT_MAX, "%s", what);
	KUNIT_EXPECT_LE_MSG(test, e->deficit,
			    mdk_sim_quantum(MDK_SCHED_WEIGHT_MAX), "%s", what);
	KUNIT_EXPECT_GE_MSG(test, e->credit_b, -MDK_SCHED_DEBT_MAX, "%s", what);
	KUNIT_EXPECT_LE_MSG(test, e->credit_b, MDK_SCHED_BURST_NS, "%s", what);
	KUNIT_EXPECT_GE_MSG(test, e->credit_o, -MDK_SCHED_DEBT_MAX, "%s", what);
	KUNIT_EXPECT_LE_MSG(test, e->credit_o, MDK_SCHED_BURST_NS, "%s", what);
}

/* Charges of U64_MAX at rates of 1: everything saturates at the debt limit. */
static void mdk_sched_huge_charges_saturate(struct kunit *test)
{
	static const struct mdk_sched_qos qos[] = {
		{ 1, 1, 1 },
		{ 10000, 1, 0 },
		{ 100, 0, 1 },
		{ 1, U64_MAX, MDK_SCHED_OPS_MAX },
		{ 10000, 0, 0 },
	};
	struct mdk_sched_stats st;
	struct mdk_sched_ent e;
	struct mdk_sched s;
	unsigned int q, n;
	u64 now, wait;

	for (q = 0; q < ARRAY_SIZE(qos); q++) {
		mdk_sched_init(&s);
		now = 1;
		mdk_sched_ent_init(&e, &qos[q], now);
		mdk_sched_activate(&s, &e, now);
		KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, now, &wait), &e);
		/* 2^40 * 513 cost units per charge: 1800 reach the limit. */
		for (n = 0; n < 2000; n++)
			mdk_sched_charge(&s, &e, U64_MAX, U64_MAX, now);
		mdk_sched_check_ent_bounds(test, &e, "after huge charges");
		KUNIT_EXPECT_EQ(test, e.deficit, -MDK_SCHED_DEBT_MAX);
		if (qos[q].max_bytes_per_s == 1)
			KUNIT_EXPECT_EQ(test, e.credit_b, -MDK_SCHED_DEBT_MAX);
		if (qos[q].max_ops_per_s == 1)
			KUNIT_EXPECT_EQ(test, e.credit_o, -MDK_SCHED_DEBT_MAX);
		if (qos[q].max_bytes_per_s == U64_MAX)
			KUNIT_EXPECT_GT(test, e.credit_b, 0);
		mdk_sched_ent_stats(&e, now, &st);
		KUNIT_EXPECT_EQ(test, st.bytes, 2000 * MDK_SCHED_CHARGE_MAX);
		KUNIT_EXPECT_EQ(test, st.ops, 2000 * MDK_SCHED_CHARGE_MAX);
		/* Still picked: at once if unlimited, after the debt if not. */
		mdk_sched_expect_picked(test, &s, &e, &now, 2);
		mdk_sched_check_ent_bounds(test, &e, "picked after the debt");
		mdk_sched_charge(&s, &e, 1, 1, now);
		mdk_sched_check_ent_bounds(test, &e, "after a small charge");
	}
}

/* Time going backwards or jumping far changes nothing it should not. */
static void mdk_sched_time_jumps_are_safe(struct kunit *test)
{
	struct mdk_sched_qos qos = { .weight = 100, .max_bytes_per_s = 1000000,
				     .max_ops_per_s = 1000 };
	struct mdk_sched_stats st;
	struct mdk_sched_ent e, f;
	struct mdk_sched s;
	u64 now, wait;

	mdk_sched_init(&s);
	now = 1000 * NS_PER_S;
	mdk_sched_ent_init(&e, &qos, now);
	mdk_sched_activate(&s, &e, now);
	KUNIT_ASSERT_PTR_EQ(test, mdk_sched_pick(&s, now, &wait), &e);
	mdk_sched_charge(&s, &e, 300000, 1, now);	/* 200 ms debt */
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, now, &wait));
	KUNIT_EXPECT_EQ(test, wait, 200 * 1000 * 1000 + 1);

	/* Backwards: no credit earned, none lost, nothing counted. */
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 0, &wait));
	mdk_sched_charge(&s, &e, 0, 0, 5);
	mdk_sched_check_ent_bounds(test, &e, "time went back");
	KUNIT_EXPECT_EQ(test, e.credit_b, -200 * 1000 * 1000);
	mdk_sched_ent_stats(&e, 7, &st);
	KUNIT_EXPECT_EQ(test, st.throttled_ns, 0);
	/* Forward again from the last time seen. */
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, now + 200 * 1000 * 1000 + 1,
						 &wait), &e);
	mdk_sched_ent_stats(&e, 0, &st);
	KUNIT_EXPECT_EQ(test, st.throttled_ns, 200 * 1000 * 1000 + 1);

	/* A jump to the end of time: a burst of credit, no more. */
	mdk_sched_charge(&s, &e, 1000000000, 1, now);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, now, &wait));
	now = U64_MAX - 1;
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, now, &wait), &e);
	mdk_sched_check_ent_bounds(test, &e, "at the end of time");
	KUNIT_EXPECT_EQ(test, e.credit_b, MDK_SCHED_BURST_NS);
	KUNIT_EXPECT_EQ(test, e.credit_o, MDK_SCHED_BURST_NS);
	mdk_sched_ent_stats(&e, now, &st);
	KUNIT_EXPECT_EQ(test, st.throttled_ns,
			200 * 1000 * 1000 + 1 + (now - 1000 * NS_PER_S));

	/* A new entity joins at the end of time; both are served. */
	mdk_sched_ent_init(&f, &qos, now);
	mdk_sched_activate(&s, &f, now);
	mdk_sched_charge(&s, &e, U64_MAX, U64_MAX, now);
	KUNIT_EXPECT_PTR_EQ(test, mdk_sched_pick(&s, now, &wait), &f);
	mdk_sched_charge(&s, &f, U64_MAX, U64_MAX, now);
	/* 2^40 ops at 1000/s is over the debt limit: it holds at the limit. */
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, now, &wait));
	KUNIT_EXPECT_EQ(test, wait,
			(u64)(MDK_SCHED_DEBT_MAX - MDK_SCHED_BURST_NS + 1));
	mdk_sched_check_ent_bounds(test, &e, "e in debt at the end of time");
	mdk_sched_check_ent_bounds(test, &f, "f in debt at the end of time");
	/* The clock wraps to 0: nobody earns anything, nothing breaks. */
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 0, &wait));
	KUNIT_EXPECT_EQ(test, wait,
			(u64)(MDK_SCHED_DEBT_MAX - MDK_SCHED_BURST_NS + 1));
	mdk_sched_check_ent_bounds(test, &e, "e after the clock wrapped");
	mdk_sched_check_ent_bounds(test, &f, "f after the clock wrapped");
}

/* Deficits near the debt limit: fast-forward gives no one too much. */
static void mdk_sched_deep_debt_fast_forward(struct kunit *test)
{
	struct mdk_sim *sim = mdk_sim_new(test, 9);
	unsigned int i;

	mdk_sim_add(test, sim, 1, 0, 0, SZ_1M, SZ_1M);
	mdk_sim_add(test, sim, 10000, 0, 0, SZ_1M, SZ_1M);
	mdk_sim_add(test, sim, 77, 0, 0, 1, 1);
	for (i = 0; i < 3; i++)
		sim->e[i].deficit = -MDK_SCHED_DEBT_MAX + i;
	mdk_sim_activate_all(sim);
	mdk_sim_run_ops(test, sim, 1000);
	for (i = 0; i < 3; i++)
		mdk_sched_check_ent_bounds(test, &sim->e[i], "deep debt");
	KUNIT_EXPECT_EQ(test, sim->idle_ns, 0);
	KUNIT_EXPECT_EQ(test, sim->picks, 1000);
}

static struct kunit_case mdk_sched_cases[] = {
	KUNIT_CASE(mdk_sched_init_is_empty),
	KUNIT_CASE_PARAM(mdk_sched_qos_check_ranges, mdk_sched_qos_gen_params),
	KUNIT_CASE(mdk_sched_ent_set_applies_limits_at_once),
	KUNIT_CASE(mdk_sched_activate_idle_idempotent),
	KUNIT_CASE(mdk_sched_pick_keeps_turn_while_deficit_positive),
	KUNIT_CASE(mdk_sched_idle_keeps_debt_drops_surplus),
	KUNIT_CASE(mdk_sched_preempt_keeps_credit),
	KUNIT_CASE(mdk_sched_stats_count_consumption),
	KUNIT_CASE(mdk_sched_bucket_holds_one_burst),
	KUNIT_CASE(mdk_sched_pick_waits_for_first_unthrottled),
	KUNIT_CASE_PARAM(mdk_sched_shares_follow_weights,
			 mdk_sched_fair_gen_params),
	KUNIT_CASE(mdk_sched_light_entity_not_starved),
	KUNIT_CASE(mdk_sched_debt_survives_idle),
	KUNIT_CASE_PARAM(mdk_sched_rate_limits_hold, mdk_sched_rate_gen_params),
	KUNIT_CASE(mdk_sched_unlimited_takes_the_rest),
	KUNIT_CASE(mdk_sched_changes_apply_next_window),
	KUNIT_CASE(mdk_sched_huge_charges_saturate),
	KUNIT_CASE(mdk_sched_time_jumps_are_safe),
	KUNIT_CASE(mdk_sched_deep_debt_fast_forward),
	{}
};

static struct kunit_suite mdk_sched_suite = {
	.name = "mdk_sched",
	.test_cases = mdk_sched_cases,
};

kunit_test_suites(&mdk_sched_suite);

MODULE_DESCRIPTION("KUnit tests for the mdev_core device scheduler policy");
MODULE_LICENSE("GPL");
