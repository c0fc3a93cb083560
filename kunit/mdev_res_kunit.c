// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdk_res: the mdev_core resource allocator (mdev_core/mdev_res.c).
 *
 * Every check that can be made by brute force is: placements are compared
 * with a reference model (one byte per unit, first fit by linear scan), and
 * available counts with the number of reservations that actually succeed on
 * a copy of the set.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/string.h>

#include "mdev_core/mdev_res.h"

/* Largest pool the reference model holds. */
#define MDK_REF_UNITS	256

/**
 * struct mdk_ref - reference model of a set: one byte per unit
 * @size: units in each pool
 * @used: units taken in each pool
 * @unit: for bitmap pools, 1 where a unit is taken
 */
struct mdk_ref {
	u32 size[MDK_RES_NR];
	u32 used[MDK_RES_NR];
	u8 unit[MDK_RES_NR][MDK_REF_UNITS];
};

static bool mdk_ref_is_map(int kind)
{
	return !mdk_res_kind_is_opaque(kind);
}

/* First fit of @need in @kind by linear scan: start, or -1. */
static int mdk_ref_find(const struct mdk_ref *ref, int kind,
			const struct mdk_res_need *need)
{
	u32 align = need->align ? need->align : 1;
	u32 s, i;

	if (!need->count)
		return 0;
	if (!mdk_ref_is_map(kind))
		return ref->size[kind] - ref->used[kind] >= need->count ? 0 : -1;
	for (s = 0; s + need->count <= ref->size[kind]; s += align) {
		for (i = 0; i < need->count && !ref->unit[kind][s + i]; i++)
			;
		if (i == need->count)
			return s;
	}
	return -1;
}

static int mdk_ref_reserve(struct mdk_ref *ref,
			   const struct mdk_res_demand *demand,
			   struct mdk_res_grant *grant)
{
	const struct mdk_res_need *need = demand->need;
	int kind, start[MDK_RES_NR];

	memset(grant, 0, sizeof(*grant));
	for (kind = 0; kind < MDK_RES_NR; kind++) {
		start[kind] = mdk_ref_find(ref, kind, &need[kind]);
		if (start[kind] < 0)
			return -EUSERS;
	}
	for (kind = 0; kind < MDK_RES_NR; kind++) {
		grant->start[kind] = start[kind];
		grant->count[kind] = need[kind].count;
		ref->used[kind] += need[kind].count;
		if (mdk_ref_is_map(kind))
			memset(&ref->unit[kind][start[kind]], 1, need[kind].count);
	}
	return 0;
}

static void mdk_ref_release(struct mdk_ref *ref,
			    const struct mdk_res_grant *grant)
{
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++) {
		ref->used[kind] -= grant->count[kind];
		if (mdk_ref_is_map(kind))
			memset(&ref->unit[kind][grant->start[kind]], 0,
			       grant->count[kind]);
	}
}

static bool mdk_res_demand_is_empty(const struct mdk_res_demand *demand)
{
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		if (demand->need[kind].count)
			return false;
	return true;
}

/* Reservations of @demand that succeed one after the other on a copy of @ref. */
static unsigned int mdk_ref_available(struct kunit *test,
				      const struct mdk_ref *ref,
				      const struct mdk_res_demand *demand)
{
	struct mdk_res_grant grant;
	struct mdk_ref *tmp;
	unsigned int n = 0;

	if (mdk_res_demand_is_empty(demand))
		return MDK_RES_UNLIMITED;
	tmp = kunit_kmalloc(test, sizeof(*tmp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tmp);
	*tmp = *ref;
	while (!mdk_ref_reserve(tmp, demand, &grant))
		n++;
	kunit_kfree(test, tmp);
	return n;
}

static struct mdk_ref *mdk_ref_new(struct kunit *test,
				   const struct mdk_res_pools *pools)
{
	struct mdk_ref *ref = kunit_kzalloc(test, sizeof(*ref), GFP_KERNEL);
	int kind;

	KUNIT_ASSERT_NOT_NULL(test, ref);
	for (kind = 0; kind < MDK_RES_NR; kind++) {
		KUNIT_ASSERT_LE(test, pools->size[kind], MDK_REF_UNITS);
		ref->size[kind] = pools->size[kind];
	}
	return ref;
}

static void mdk_res_test_destroy(void *set)
{
	mdk_res_destroy(set);
}

/* A set of @pools, destroyed when the test ends. */
static struct mdk_res_set *mdk_res_test_set(struct kunit *test,
					    const struct mdk_res_pools *pools)
{
	struct mdk_res_set *set = kunit_kzalloc(test, sizeof(*set), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, set);
	KUNIT_ASSERT_EQ(test, mdk_res_init(set, pools), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							mdk_res_test_destroy,
							set), 0);
	return set;
}

/* Invariants of a set: counters agree with the bitmaps. */
static void mdk_res_check(struct kunit *test, const struct mdk_res_set *set)
{
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++) {
		u32 size = set->pools.size[kind];

		KUNIT_EXPECT_LE_MSG(test, set->used[kind], size, "pool %d", kind);
		KUNIT_EXPECT_EQ_MSG(test, !!set->map[kind],
				    mdk_ref_is_map(kind) && size > 0,
				    "pool %d has a bitmap iff it is a non-empty map",
				    kind);
		if (set->map[kind])
			KUNIT_EXPECT_EQ_MSG(test, bitmap_weight(set->map[kind], size),
					    set->used[kind],
					    "pool %d: bits set vs units used", kind);
	}
}

/* The set holds exactly what the reference model holds. */
static void mdk_res_check_ref(struct kunit *test, const struct mdk_res_set *set,
			      const struct mdk_ref *ref)
{
	int kind;
	u32 u;

	mdk_res_check(test, set);
	for (kind = 0; kind < MDK_RES_NR; kind++) {
		KUNIT_EXPECT_EQ_MSG(test, set->used[kind], ref->used[kind],
				    "pool %d units used", kind);
		for (u = 0; mdk_ref_is_map(kind) && u < ref->size[kind]; u++)
			if (test_bit(u, set->map[kind]) != ref->unit[kind][u]) {
				KUNIT_FAIL(test, "pool %d unit %u: set %d, reference %d",
					   kind, u, test_bit(u, set->map[kind]),
					   ref->unit[kind][u]);
				return;
			}
	}
}

/* Two sets hold bit-identical state. */
static void mdk_res_check_same(struct kunit *test, const struct mdk_res_set *a,
			       const struct mdk_res_set *b)
{
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++) {
		KUNIT_EXPECT_EQ_MSG(test, a->used[kind], b->used[kind],
				    "pool %d units used", kind);
		if (a->map[kind])
			KUNIT_EXPECT_TRUE_MSG(test,
					      bitmap_equal(a->map[kind], b->map[kind],
							   a->pools.size[kind]),
					      "pool %d bitmap changed", kind);
	}
}

/* Reservations of @demand that actually succeed, one after the other, on a copy. */
static unsigned int mdk_res_count_by_trying(struct kunit *test,
					    const struct mdk_res_set *set,
					    const struct mdk_res_demand *demand)
{
	struct mdk_res_grant grant;
	struct mdk_res_set tmp;
	unsigned int n = 0;

	if (mdk_res_demand_is_empty(demand))
		return MDK_RES_UNLIMITED;
	KUNIT_ASSERT_EQ(test, mdk_res_init(&tmp, &set->pools), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_copy(&tmp, set), 0);
	while (!mdk_res_reserve(&tmp, demand, &grant))
		n++;
	mdk_res_destroy(&tmp);
	return n;
}

/* available() equals what trying gives, for every demand in @types. */
static void mdk_res_check_available(struct kunit *test,
				    const struct mdk_res_set *set,
				    const struct mdk_ref *ref,
				    const struct mdk_res_demand *types,
				    int nr_types, int step)
{
	unsigned int got, tried;
	int t;

	for (t = 0; t < nr_types; t++) {
		got = mdk_res_available(set, &types[t]);
		tried = mdk_res_count_by_trying(test, set, &types[t]);
		KUNIT_EXPECT_EQ_MSG(test, got, tried,
				    "step %d type %d: available vs reservations that succeed",
				    step, t);
		if (ref)
			KUNIT_EXPECT_EQ_MSG(test, got,
					    mdk_ref_available(test, ref, &types[t]),
					    "step %d type %d: available vs reference model",
					    step, t);
	}
}

/* Take units [0, n) of a single-unit bitmap pool, then free those marked '.'. */
static void mdk_res_test_pattern(struct kunit *test, struct mdk_res_set *set,
				 struct mdk_ref *ref, int kind, const char *pat)
{
	struct mdk_res_demand one = {};
	struct mdk_res_grant grant;
	u32 i, n = strlen(pat);

	one.need[kind].count = 1;
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &one, &grant), 0);
		KUNIT_ASSERT_EQ(test, grant.start[kind], i);
		KUNIT_ASSERT_EQ(test, mdk_ref_reserve(ref, &one, &grant), 0);
	}
	for (i = 0; i < n; i++) {
		if (pat[i] != '.')
			continue;
		grant.start[kind] = i;
		KUNIT_ASSERT_EQ(test, mdk_res_release(set, &grant), 0);
		mdk_ref_release(ref, &grant);
	}
}

static void mdk_res_init_all_free(struct kunit *test)
{
	struct mdk_res_pools pools = { .size = {
		[MDK_RES_BAR0] = 16, [MDK_RES_BAR5] = 1,
		[MDK_RES_QUEUE] = 8, [MDK_RES_OPAQUE2] = 5 } };
	struct mdk_res_set *set = mdk_res_test_set(test, &pools);
	int kind;

	mdk_res_check(test, set);
	for (kind = 0; kind < MDK_RES_NR; kind++) {
		KUNIT_EXPECT_EQ(test, mdk_res_free(set, kind), pools.size[kind]);
		KUNIT_EXPECT_EQ(test, mdk_res_largest_free(set, kind),
				pools.size[kind]);
	}
	KUNIT_EXPECT_EQ(test, mdk_res_free(set, MDK_RES_NR), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_largest_free(set, MDK_RES_NR), 0);
}

static void mdk_res_init_rejects_oversized_pool(struct kunit *test)
{
	struct mdk_res_pools pools = {};
	struct mdk_res_set set;
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++) {
		memset(&pools, 0, sizeof(pools));
		pools.size[kind] = MDK_RES_MAX_UNITS + 1;
		KUNIT_EXPECT_EQ_MSG(test, mdk_res_validate_pools(&pools), -EINVAL,
				    "pool %d", kind);
		KUNIT_EXPECT_EQ_MSG(test, mdk_res_init(&set, &pools), -EINVAL,
				    "pool %d", kind);
		mdk_res_destroy(&set);
		pools.size[kind] = U32_MAX;
		KUNIT_EXPECT_EQ(test, mdk_res_validate_pools(&pools), -EINVAL);
	}
}

/* Pools of the largest size work, and available() counts them in one pass. */
static void mdk_res_init_accepts_largest_pools(struct kunit *test)
{
	struct mdk_res_pools pools;
	struct mdk_res_demand one = {}, half = {};
	struct mdk_res_grant grant;
	struct mdk_res_set *set;
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		pools.size[kind] = MDK_RES_MAX_UNITS;
	set = mdk_res_test_set(test, &pools);
	one.need[MDK_RES_BAR3].count = 1;
	one.need[MDK_RES_OPAQUE1].count = 1;
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &one), MDK_RES_MAX_UNITS);
	half.need[MDK_RES_VECTOR].count = MDK_RES_MAX_UNITS / 2;
	half.need[MDK_RES_VECTOR].align = MDK_RES_MAX_UNITS;
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &half), 1);
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &half, &grant), 0);
	KUNIT_EXPECT_EQ(test, grant.start[MDK_RES_VECTOR], 0);
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &half), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_largest_free(set, MDK_RES_VECTOR),
			MDK_RES_MAX_UNITS / 2);
	mdk_res_check(test, set);
}

/**
 * struct mdk_res_need_case - one need checked against one pool size
 * @desc: what the case shows
 * @kind: the pool
 * @size: its size
 * @need: the need
 * @expected: mdk_res_validate()'s answer
 */
struct mdk_res_need_case {
	const char *desc;
	enum mdk_res_kind kind;
	u32 size;
	struct mdk_res_need need;
	int expected;
};

static const struct mdk_res_need_case mdk_res_need_cases[] = {
	{ "count over pool", MDK_RES_BAR0, 4, { 5, 1 }, -EINVAL },
	{ "need from absent pool", MDK_RES_QUEUE, 0, { 1, 0 }, -EINVAL },
	{ "counter need from absent pool", MDK_RES_OPAQUE3, 0, { 1, 0 }, -EINVAL },
	{ "align 3", MDK_RES_BAR1, 16, { 1, 3 }, -EINVAL },
	{ "align 6", MDK_RES_VECTOR, 16, { 2, 6 }, -EINVAL },
	{ "align above max", MDK_RES_BAR0, 16, { 1, 1U << 21 }, -EINVAL },
	{ "align top bit", MDK_RES_BAR2, 16, { 1, 1U << 31 }, -EINVAL },
	{ "align on counter", MDK_RES_OPAQUE0, 16, { 1, 2 }, -EINVAL },
	{ "bad align on zero count", MDK_RES_BAR4, 16, { 0, 5 }, -EINVAL },
	{ "count equals pool", MDK_RES_BAR5, 16, { 16, 16 }, 0 },
	{ "align larger than pool", MDK_RES_BAR3, 4, { 1, 64 }, 0 },
	{ "align max", MDK_RES_QUEUE, 8, { 8, MDK_RES_MAX_UNITS }, 0 },
	{ "align 0 means none", MDK_RES_VECTOR, 3, { 3, 0 }, 0 },
	{ "counter align 1", MDK_RES_OPAQUE1, 7, { 7, 1 }, 0 },
	{ "zero count from absent pool", MDK_RES_QUEUE, 0, { 0, 0 }, 0 },
};

static void mdk_res_need_case_desc(const struct mdk_res_need_case *c,
				   char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdk_res_need, mdk_res_need_cases, mdk_res_need_case_desc);

/* validate(), reserve() and available() agree on which demands are valid. */
static void mdk_res_validate_need(struct kunit *test)
{
	const struct mdk_res_need_case *c = test->param_value;
	struct mdk_res_pools pools = {};
	struct mdk_res_demand demand = {};
	struct mdk_res_grant grant;
	struct mdk_res_set *set;

	pools.size[c->kind] = c->size;
	pools.size[MDK_RES_OPAQUE0] = 2;
	demand.need[c->kind] = c->need;
	set = mdk_res_test_set(test, &pools);
	KUNIT_EXPECT_EQ(test, mdk_res_validate(&pools, &demand), c->expected);
	if (c->expected) {
		KUNIT_EXPECT_EQ(test, mdk_res_available(set, &demand), 0);
		KUNIT_EXPECT_EQ(test, mdk_res_reserve(set, &demand, &grant),
				c->expected);
		mdk_res_check_same(test, set, mdk_res_test_set(test, &pools));
		return;
	}
	/* Valid: fits an idle parent at unit 0, however aligned. */
	demand.need[MDK_RES_OPAQUE0].count = 1;
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &demand),
			mdk_res_count_by_trying(test, set, &demand));
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &demand, &grant), 0);
	KUNIT_EXPECT_EQ(test, grant.start[c->kind], 0);
	KUNIT_EXPECT_EQ(test, grant.count[c->kind], c->need.count);
}

/* Place @count units at @align until the pool is full, after unit 0 is taken. */
static void mdk_res_fill_aligned(struct kunit *test, u32 align, u32 count)
{
	struct mdk_res_pools pools = { .size = { [MDK_RES_BAR2] = 200 } };
	struct mdk_res_demand one = { .need = { [MDK_RES_BAR2] = { 1, 0 } } };
	struct mdk_res_demand demand = { .need = { [MDK_RES_BAR2] = { count, align } } };
	struct mdk_res_set *set = mdk_res_test_set(test, &pools);
	struct mdk_ref *ref = mdk_ref_new(test, &pools);
	struct mdk_res_grant grant;
	unsigned int n, avail;
	u32 start;

	if (!is_power_of_2(align)) {
		KUNIT_EXPECT_EQ_MSG(test, mdk_res_validate(&pools, &demand), -EINVAL,
				    "align %u", align);
		KUNIT_EXPECT_EQ(test, mdk_res_available(set, &demand), 0);
		return;
	}
	/* Unit 0 taken: the first free unit is misaligned for align > 1. */
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &one, &grant), 0);
	mdk_ref_reserve(ref, &one, &grant);
	avail = mdk_res_available(set, &demand);
	for (n = 0; !mdk_res_reserve(set, &demand, &grant); n++) {
		start = grant.start[MDK_RES_BAR2];
		KUNIT_EXPECT_EQ_MSG(test, start % align, 0,
				    "align %u count %u start %u", align, count, start);
		KUNIT_EXPECT_EQ_MSG(test, start,
				    mdk_ref_find(ref, MDK_RES_BAR2, &demand.need[MDK_RES_BAR2]),
				    "align %u count %u: first fit", align, count);
		mdk_ref_reserve(ref, &demand, &grant);
	}
	KUNIT_EXPECT_EQ_MSG(test, avail, n, "align %u count %u: available", align, count);
	mdk_res_check_ref(test, set, ref);
}

/* Every align from 1 to 64: powers of two place on multiples, others are refused. */
static void mdk_res_reserve_align(struct kunit *test)
{
	u32 align, count;

	for (align = 1; align <= 64; align++)
		for (count = 1; count <= 5; count++)
			mdk_res_fill_aligned(test, align, count);
}

/**
 * struct mdk_res_hole_case - one need placed in a fragmented pool
 * @desc: what the case shows
 * @pattern: the pool, one character a unit: 'x' taken, '.' free
 * @need: the need
 * @expected: the start first fit gives, or -EUSERS
 */
struct mdk_res_hole_case {
	const char *desc;
	const char *pattern;
	struct mdk_res_need need;
	int expected;
};

static const struct mdk_res_hole_case mdk_res_hole_cases[] = {
	{ "hole fits exactly", "xx...xxxxx", { 3, 1 }, 2 },
	{ "small hole skipped", "x..x....xx", { 3, 1 }, 4 },
	{ "misaligned hole of the right size skipped", "x....xxx........", { 4, 4 }, 8 },
	{ "aligned start inside a larger hole", "xxx......xxxxxxx", { 2, 4 }, 4 },
	{ "holes all too small", "x.x.x.x.x.x.x.x.", { 2, 1 }, -EUSERS },
	{ "tail hole fits", "xxxxxxxxxxxxxx..", { 2, 1 }, 14 },
	{ "tail hole misaligned", "xxxxxxxxxxxxx...", { 2, 4 }, -EUSERS },
	{ "hole at unit 0", "...xxxxxx.......", { 3, 0 }, 0 },
	{ "enough free units but no hole", "x..x..x..x..x..x", { 3, 1 }, -EUSERS },
	{ "next aligned slot in a hole", "xxxxx...........", { 4, 8 }, 8 },
	{ "whole pool", "................", { 16, 16 }, 0 },
	{ "full pool", "xxxxxxxxxxxxxxxx", { 1, 1 }, -EUSERS },
};

static void mdk_res_hole_case_desc(const struct mdk_res_hole_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdk_res_hole, mdk_res_hole_cases, mdk_res_hole_case_desc);

/* First fit in a fragmented pool, and available() there. */
static void mdk_res_reserve_fragmented(struct kunit *test)
{
	const struct mdk_res_hole_case *c = test->param_value;
	struct mdk_res_pools pools = {};
	struct mdk_res_demand demand = {};
	struct mdk_res_grant grant;
	struct mdk_res_set *set;
	struct mdk_ref *ref;

	pools.size[MDK_RES_QUEUE] = strlen(c->pattern);
	set = mdk_res_test_set(test, &pools);
	ref = mdk_ref_new(test, &pools);
	mdk_res_test_pattern(test, set, ref, MDK_RES_QUEUE, c->pattern);
	demand.need[MDK_RES_QUEUE] = c->need;
	KUNIT_EXPECT_EQ(test, mdk_ref_find(ref, MDK_RES_QUEUE, &c->need),
			c->expected < 0 ? -1 : c->expected);
	mdk_res_check_available(test, set, ref, &demand, 1, 0);
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &demand) > 0, c->expected >= 0);
	if (c->expected < 0) {
		KUNIT_EXPECT_EQ(test, mdk_res_reserve(set, &demand, &grant), c->expected);
		return;
	}
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &demand, &grant), 0);
	KUNIT_EXPECT_EQ(test, grant.start[MDK_RES_QUEUE], c->expected);
	KUNIT_EXPECT_EQ(test, grant.count[MDK_RES_QUEUE], c->need.count);
	mdk_ref_reserve(ref, &demand, &grant);
	mdk_res_check_ref(test, set, ref);
}

/*
 * A demand taking one unit from every pool, and the whole of pool @full:
 * with one unit of @full already taken, only @full is short.
 */
static void mdk_res_reserve_fails_whole(struct kunit *test, int full)
{
	struct mdk_res_pools pools;
	struct mdk_res_demand one = {}, demand = {};
	struct mdk_res_grant grant, zero = {};
	struct mdk_res_set *set, *before;
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++) {
		pools.size[kind] = 8;
		demand.need[kind].count = kind == full ? 8 : 2;
		demand.need[kind].align = mdk_res_kind_is_opaque(kind) ? 0 : 2;
	}
	set = mdk_res_test_set(test, &pools);
	before = mdk_res_test_set(test, &pools);
	one.need[full].count = 1;
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &one, &grant), 0);
	KUNIT_ASSERT_EQ(test, mdk_res_copy(before, set), 0);

	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &demand), 0);
	KUNIT_EXPECT_EQ_MSG(test, mdk_res_reserve(set, &demand, &grant), -EUSERS,
			    "pool %d full", full);
	KUNIT_EXPECT_MEMEQ_MSG(test, &grant, &zero, sizeof(grant),
			       "failed reserve must leave a zeroed grant");
	mdk_res_check_same(test, set, before);
	mdk_res_check(test, set);
}

/* -EUSERS whichever pool is short, and nothing is left half-reserved. */
static void mdk_res_reserve_exhausted_changes_nothing(struct kunit *test)
{
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		mdk_res_reserve_fails_whole(test, kind);
}

/* Released ranges are reused lowest first; bad grants release nothing. */
static void mdk_res_release_reuses_lowest_hole(struct kunit *test)
{
	struct mdk_res_pools pools = { .size = {
		[MDK_RES_BAR1] = 8, [MDK_RES_OPAQUE0] = 4 } };
	struct mdk_res_demand demand = { .need = {
		[MDK_RES_BAR1] = { 2, 2 }, [MDK_RES_OPAQUE0] = { 1, 0 } } };
	struct mdk_res_grant g[4], again, zero = {};
	struct mdk_res_set *set = mdk_res_test_set(test, &pools);
	int i;

	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &demand, &g[i]), 0);
		KUNIT_EXPECT_EQ(test, g[i].start[MDK_RES_BAR1], 2 * i);
	}
	KUNIT_EXPECT_EQ(test, mdk_res_free(set, MDK_RES_BAR1), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_free(set, MDK_RES_OPAQUE0), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &g[2]), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &g[1]), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_free(set, MDK_RES_BAR1), 4);
	KUNIT_EXPECT_EQ(test, mdk_res_largest_free(set, MDK_RES_BAR1), 4);
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &demand), 2);
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &demand, &again), 0);
	KUNIT_EXPECT_EQ(test, again.start[MDK_RES_BAR1], 2);
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &demand, &again), 0);
	KUNIT_EXPECT_EQ(test, again.start[MDK_RES_BAR1], 4);
	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &zero), 0);
	mdk_res_check(test, set);
}

/* A grant that reserve could not have made now is refused whole. */
static void mdk_res_release_rejects_foreign_grant(struct kunit *test)
{
	struct mdk_res_pools pools = { .size = {
		[MDK_RES_VECTOR] = 8, [MDK_RES_OPAQUE3] = 4 } };
	struct mdk_res_demand demand = { .need = {
		[MDK_RES_VECTOR] = { 4, 4 }, [MDK_RES_OPAQUE3] = { 2, 0 } } };
	struct mdk_res_set *set = mdk_res_test_set(test, &pools);
	struct mdk_res_set *before = mdk_res_test_set(test, &pools);
	struct mdk_res_grant g, bad;

	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &demand, &g), 0);
	KUNIT_ASSERT_EQ(test, mdk_res_copy(before, set), 0);

	bad = g;
	bad.start[MDK_RES_VECTOR] = 4;		/* units not reserved */
	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &bad), -EINVAL);
	bad = g;
	bad.count[MDK_RES_VECTOR] = 9;		/* beyond the pool */
	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &bad), -EINVAL);
	bad = g;
	bad.start[MDK_RES_VECTOR] = U32_MAX;	/* start + count wraps */
	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &bad), -EINVAL);
	bad = g;
	bad.count[MDK_RES_OPAQUE3] = 3;		/* more than is taken */
	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &bad), -EINVAL);
	bad = g;
	bad.start[MDK_RES_BAR0] = 1;		/* start without count */
	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &bad), -EINVAL);
	mdk_res_check_same(test, set, before);

	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &g), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &g), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdk_res_free(set, MDK_RES_VECTOR), 8);
	KUNIT_EXPECT_EQ(test, mdk_res_free(set, MDK_RES_OPAQUE3), 4);
}

/* Opaque pools count; the scarcest pool bounds available(). */
static void mdk_res_available_opaque_counters(struct kunit *test)
{
	struct mdk_res_pools pools = { .size = {
		[MDK_RES_OPAQUE0] = 10, [MDK_RES_OPAQUE2] = 7, [MDK_RES_BAR0] = 64 } };
	struct mdk_res_demand a = { .need = { [MDK_RES_OPAQUE0] = { 3, 0 } } };
	struct mdk_res_demand b = { .need = {
		[MDK_RES_OPAQUE0] = { 1, 1 }, [MDK_RES_OPAQUE2] = { 2, 0 },
		[MDK_RES_BAR0] = { 4, 16 } } };
	struct mdk_res_demand types[] = { a, b };
	struct mdk_res_set *set = mdk_res_test_set(test, &pools);
	struct mdk_res_grant g;

	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &a), 3);
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &b), 3);	/* 7 / 2 */
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &a, &g), 0);
	KUNIT_EXPECT_EQ(test, g.start[MDK_RES_OPAQUE0], 0);
	KUNIT_EXPECT_EQ(test, g.count[MDK_RES_OPAQUE0], 3);
	KUNIT_EXPECT_EQ(test, mdk_res_free(set, MDK_RES_OPAQUE0), 7);
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &a), 2);
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &a, &g), 0);
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &a, &g), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &b), 1);	/* 1 left */
	mdk_res_check_available(test, set, NULL, types, ARRAY_SIZE(types), 0);
	KUNIT_ASSERT_EQ(test, mdk_res_release(set, &g), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &b), 3);	/* 64 / 16 > 7 / 2 */
	mdk_res_check_available(test, set, NULL, types, ARRAY_SIZE(types), 1);
}

/* A demand needing nothing always fits: available() is MDK_RES_UNLIMITED. */
static void mdk_res_available_empty_demand_unlimited(struct kunit *test)
{
	struct mdk_res_pools pools = { .size = { [MDK_RES_QUEUE] = 1 } };
	struct mdk_res_demand none = {}, q = { .need = { [MDK_RES_QUEUE] = { 1, 0 } } };
	struct mdk_res_set *set = mdk_res_test_set(test, &pools);
	struct mdk_res_grant g, zero = {};
	int i;

	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &none), MDK_RES_UNLIMITED);
	KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &q, &g), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &q), 0);
	KUNIT_EXPECT_EQ(test, mdk_res_available(set, &none), MDK_RES_UNLIMITED);
	for (i = 0; i < 100; i++) {
		KUNIT_ASSERT_EQ(test, mdk_res_reserve(set, &none, &g), 0);
		KUNIT_EXPECT_MEMEQ(test, &g, &zero, sizeof(g));
	}
	KUNIT_EXPECT_EQ(test, mdk_res_release(set, &g), 0);
	mdk_res_check(test, set);
}

static void mdk_res_copy_rejects_other_pools(struct kunit *test)
{
	struct mdk_res_pools p1 = { .size = { [MDK_RES_BAR0] = 8 } };
	struct mdk_res_pools p2 = { .size = { [MDK_RES_BAR0] = 9 } };

	KUNIT_EXPECT_EQ(test, mdk_res_copy(mdk_res_test_set(test, &p1),
					   mdk_res_test_set(test, &p2)), -EINVAL);
}

static void mdk_res_grant_bar_offsets(struct kunit *test)
{
	struct mdk_res_grant g = {};

	g.start[MDK_RES_BAR4] = 3;
	g.count[MDK_RES_BAR4] = 2;
	KUNIT_EXPECT_EQ(test, mdk_res_grant_bar_offset(&g, MDK_RES_BAR4), 0x3000);
	KUNIT_EXPECT_EQ(test, mdk_res_grant_bar_len(&g, MDK_RES_BAR4), 0x2000);
	KUNIT_EXPECT_TRUE(test, mdk_res_kind_is_bar(MDK_RES_BAR5));
	KUNIT_EXPECT_FALSE(test, mdk_res_kind_is_bar(MDK_RES_QUEUE));
	KUNIT_EXPECT_TRUE(test, mdk_res_kind_is_opaque(MDK_RES_OPAQUE3));
	KUNIT_EXPECT_FALSE(test, mdk_res_kind_is_opaque(MDK_RES_VECTOR));
}

/* Types sharing one parent, for the mixed sequences. */
static const struct mdk_res_pools mdk_res_mixed_pools = { .size = {
	[MDK_RES_BAR0] = 32, [MDK_RES_BAR2] = 16, [MDK_RES_QUEUE] = 8,
	[MDK_RES_VECTOR] = 16, [MDK_RES_OPAQUE0] = 10 } };

static const struct mdk_res_demand mdk_res_mixed_types[] = {
	{ .need = { [MDK_RES_BAR0] = { 2, 2 }, [MDK_RES_QUEUE] = { 1, 0 },
		    [MDK_RES_VECTOR] = { 2, 2 }, [MDK_RES_OPAQUE0] = { 1, 0 } } },
	{ .need = { [MDK_RES_BAR0] = { 8, 8 }, [MDK_RES_BAR2] = { 8, 8 },
		    [MDK_RES_QUEUE] = { 2, 2 }, [MDK_RES_VECTOR] = { 4, 4 },
		    [MDK_RES_OPAQUE0] = { 3, 0 } } },
	{ .need = { [MDK_RES_BAR0] = { 3, 1 }, [MDK_RES_VECTOR] = { 3, 1 } } },
	{ .need = { [MDK_RES_BAR2] = { 4, 4 } } },
	{ .need = { [MDK_RES_BAR0] = { 1, 32 }, [MDK_RES_OPAQUE0] = { 2, 0 } } },
};

/* A script step: create an instance of type N, or remove live instance N. */
#define C(t)	(t)
#define R(i)	(-1 - (i))

static const s8 mdk_res_mixed_script[] = {
	C(0), C(1), C(2), C(0), C(3), C(4), R(1), C(2), C(2), C(1), C(0),
	R(0), R(0), C(1), C(3), C(3), C(0), C(0), C(0), C(2), C(4), R(3),
	R(5), C(1), C(2), C(2), C(2), C(0), R(0), R(2), R(4), C(3), C(1),
	C(4), C(4), C(0), C(0), C(0), C(0), C(0), C(0), C(0), C(0), R(7),
	R(1), C(2), C(3), R(5), R(2), C(4), C(1), R(3), C(0), C(2), C(2),
};

/*
 * Create an instance of types[@op], which may not fit, or remove live instance
 * R(@op) modulo the number alive (none: nothing to do). Return: 0, or the
 * error of a create that did not fit.
 */
static int mdk_res_test_step(struct kunit *test, struct mdk_res_set *set,
			     struct mdk_ref *ref,
			     const struct mdk_res_demand *types,
			     struct mdk_res_grant *live, int *nr_live, int op)
{
	struct mdk_res_grant g, rg;
	int ret, rret, i;

	if (op < 0) {
		if (!*nr_live)
			return 0;
		i = (-1 - op) % *nr_live;
		KUNIT_EXPECT_EQ(test, mdk_res_release(set, &live[i]), 0);
		mdk_ref_release(ref, &live[i]);
		live[i] = live[--*nr_live];
		return 0;
	}
	ret = mdk_res_reserve(set, &types[op], &g);
	rret = mdk_ref_reserve(ref, &types[op], &rg);
	KUNIT_EXPECT_EQ_MSG(test, ret, rret, "create type %d: allocator vs reference", op);
	if (!ret && !rret) {
		KUNIT_EXPECT_MEMEQ_MSG(test, &g, &rg, sizeof(g),
				       "create type %d: grant vs reference", op);
		live[(*nr_live)++] = g;
	}
	return ret;
}

/*
 * available() of every type after every step of a mix of types is exact,
 * through a script that exhausts the pools, then while removing everything.
 */
static void mdk_res_available_exact_mixed(struct kunit *test)
{
	const int nr_types = ARRAY_SIZE(mdk_res_mixed_types);
	const int nr_steps = ARRAY_SIZE(mdk_res_mixed_script);
	struct mdk_res_set *set = mdk_res_test_set(test, &mdk_res_mixed_pools);
	struct mdk_ref *ref = mdk_ref_new(test, &mdk_res_mixed_pools);
	struct mdk_res_grant *live;
	int step, op, nr_live = 0, refused = 0;

	live = kunit_kcalloc(test, nr_steps, sizeof(*live), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, live);
	mdk_res_check_available(test, set, ref, mdk_res_mixed_types, nr_types, -1);
	for (step = 0; step < nr_steps || nr_live; step++) {
		op = step < nr_steps ? mdk_res_mixed_script[step] : R(0);
		if (mdk_res_test_step(test, set, ref, mdk_res_mixed_types, live,
				      &nr_live, op))
			refused++;
		mdk_res_check_ref(test, set, ref);
		mdk_res_check_available(test, set, ref, mdk_res_mixed_types,
					nr_types, step);
	}
	KUNIT_EXPECT_GT_MSG(test, refused, 0, "the script never filled a pool");
	KUNIT_EXPECT_EQ(test, mdk_res_free(set, MDK_RES_BAR0), 32);
}

/* Fixed-seed xorshift32: the same sequence on every run and every kernel. */
static u32 mdk_res_rand(u32 *state)
{
	u32 x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static void mdk_res_random_pools(u32 *rnd, struct mdk_res_pools *pools)
{
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		pools->size[kind] = mdk_res_rand(rnd) % 4 ?
				    mdk_res_rand(rnd) % 65 : 0;
}

static void mdk_res_random_demand(u32 *rnd, const struct mdk_res_pools *pools,
				  struct mdk_res_demand *demand)
{
	int kind;
	u32 size;

	memset(demand, 0, sizeof(*demand));
	for (kind = 0; kind < MDK_RES_NR; kind++) {
		size = pools->size[kind];
		if (!size || mdk_res_rand(rnd) % 3)
			continue;
		demand->need[kind].count = 1 + mdk_res_rand(rnd) % min(size, 9U);
		if (mdk_res_kind_is_opaque(kind))
			demand->need[kind].align = mdk_res_rand(rnd) % 2;
		else
			demand->need[kind].align = (1U << (mdk_res_rand(rnd) % 6)) >>
						   (mdk_res_rand(rnd) % 2);
	}
}

#define MDK_RES_RANDOM_TYPES	6
#define MDK_RES_RANDOM_STEPS	300
#define MDK_RES_RANDOM_LIVE	64

/**
 * struct mdk_res_random_case - one randomized sequence
 * @desc: name of the case
 * @seed: xorshift32 seed, not 0
 */
struct mdk_res_random_case {
	const char *desc;
	u32 seed;
};

static const struct mdk_res_random_case mdk_res_random_cases[] = {
	{ "seed 1", 1 }, { "seed 0x2545f491", 0x2545f491 },
	{ "seed 0xdeadbeef", 0xdeadbeef }, { "seed 42", 42 },
	{ "seed 0x9e3779b9", 0x9e3779b9 }, { "seed 7", 7 },
};

static void mdk_res_random_case_desc(const struct mdk_res_random_case *c,
				     char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdk_res_random, mdk_res_random_cases, mdk_res_random_case_desc);

/* Random pools, types and create/remove steps, checked against the model. */
static void mdk_res_random_sequence(struct kunit *test)
{
	const struct mdk_res_random_case *c = test->param_value;
	struct mdk_res_demand types[MDK_RES_RANDOM_TYPES];
	struct mdk_res_grant *live;
	struct mdk_res_pools pools;
	struct mdk_res_set *set;
	struct mdk_ref *ref;
	u32 rnd = c->seed;
	int step, t, op, nr_live = 0;

	live = kunit_kcalloc(test, MDK_RES_RANDOM_LIVE, sizeof(*live), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, live);
	mdk_res_random_pools(&rnd, &pools);
	for (t = 0; t < MDK_RES_RANDOM_TYPES; t++) {
		mdk_res_random_demand(&rnd, &pools, &types[t]);
		KUNIT_ASSERT_EQ(test, mdk_res_validate(&pools, &types[t]), 0);
	}
	set = mdk_res_test_set(test, &pools);
	ref = mdk_ref_new(test, &pools);
	for (step = 0; step < MDK_RES_RANDOM_STEPS; step++) {
		if (nr_live && (nr_live == MDK_RES_RANDOM_LIVE ||
				!(mdk_res_rand(&rnd) % 3)))
			op = R(mdk_res_rand(&rnd) % nr_live);
		else
			op = C(mdk_res_rand(&rnd) % MDK_RES_RANDOM_TYPES);
		mdk_res_test_step(test, set, ref, types, live, &nr_live, op);
		mdk_res_check_ref(test, set, ref);
		mdk_res_check_available(test, set, ref, types,
					MDK_RES_RANDOM_TYPES, step);
	}
}

/* The names sysfs and mdk show: in kind order, distinct, "?" beyond. */
static void mdk_res_kind_names(struct kunit *test)
{
	static const char * const want[MDK_RES_NR] = {
		"bar0", "bar1", "bar2", "bar3", "bar4", "bar5", "queue",
		"vector", "opaque0", "opaque1", "opaque2", "opaque3",
	};
	unsigned int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		KUNIT_EXPECT_STREQ(test, want[kind], mdk_res_kind_name(kind));
	KUNIT_EXPECT_STREQ(test, "?", mdk_res_kind_name(MDK_RES_NR));
	KUNIT_EXPECT_STREQ(test, "?", mdk_res_kind_name(UINT_MAX));
}

static struct kunit_case mdk_res_cases[] = {
	KUNIT_CASE(mdk_res_init_all_free),
	KUNIT_CASE(mdk_res_init_rejects_oversized_pool),
	KUNIT_CASE(mdk_res_init_accepts_largest_pools),
	KUNIT_CASE_PARAM(mdk_res_validate_need, mdk_res_need_gen_params),
	KUNIT_CASE(mdk_res_reserve_align),
	KUNIT_CASE_PARAM(mdk_res_reserve_fragmented, mdk_res_hole_gen_params),
	KUNIT_CASE(mdk_res_reserve_exhausted_changes_nothing),
	KUNIT_CASE(mdk_res_release_reuses_lowest_hole),
	KUNIT_CASE(mdk_res_release_rejects_foreign_grant),
	KUNIT_CASE(mdk_res_available_opaque_counters),
	KUNIT_CASE(mdk_res_available_empty_demand_unlimited),
	KUNIT_CASE(mdk_res_available_exact_mixed),
	KUNIT_CASE_PARAM(mdk_res_random_sequence, mdk_res_random_gen_params),
	KUNIT_CASE(mdk_res_copy_rejects_other_pools),
	KUNIT_CASE(mdk_res_grant_bar_offsets),
	KUNIT_CASE(mdk_res_kind_names),
	{}
};

static struct kunit_suite mdk_res_suite = {
	.name = "mdk_res",
	.test_cases = mdk_res_cases,
};

kunit_test_suites(&mdk_res_suite);

MODULE_DESCRIPTION("KUnit tests for the mdev_core resource allocator");
MODULE_LICENSE("GPL");
