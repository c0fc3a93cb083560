// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core resource sets: first-fit reservation of a parent's pools.
 *
 * Bitmap pools (BARs, queues, vectors) place each need as a contiguous range
 * of units at a multiple of its alignment, at the lowest such start that is
 * free: bitmap_find_next_zero_area() does exactly that. Opaque pools are
 * counters.
 *
 * Because placement is first-fit, the number of further reservations of one
 * demand that would succeed in a pool is the greedy left-to-right count of
 * its placements in the pool's free runs; pools are independent, so the
 * number for a whole demand is the minimum over the pools it uses. That is
 * what mdk_res_available() computes, exactly.
 */

#include <linux/align.h>
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "mdev_export.h"
#include "mdev_res.h"

/* The pool names of docs/mdev-core.md. */
static const char * const mdk_res_kind_names[MDK_RES_NR] = {
	[MDK_RES_BAR0] = "bar0", [MDK_RES_BAR1] = "bar1",
	[MDK_RES_BAR2] = "bar2", [MDK_RES_BAR3] = "bar3",
	[MDK_RES_BAR4] = "bar4", [MDK_RES_BAR5] = "bar5",
	[MDK_RES_QUEUE] = "queue", [MDK_RES_VECTOR] = "vector",
	[MDK_RES_OPAQUE0] = "opaque0", [MDK_RES_OPAQUE1] = "opaque1",
	[MDK_RES_OPAQUE2] = "opaque2", [MDK_RES_OPAQUE3] = "opaque3",
};

/**
 * mdk_res_kind_name() - the name of a pool, as sysfs and mdk spell it
 * @kind: the pool, an &enum mdk_res_kind
 *
 * For parents that name pools to their users as mdev_core does.
 *
 * Context: any context.
 * Return: "bar0" to "bar5", "queue", "vector", "opaque0" to "opaque3";
 * "?" for an out-of-range @kind.
 */
const char *mdk_res_kind_name(unsigned int kind)
{
	return kind < MDK_RES_NR && mdk_res_kind_names[kind] ?
	       mdk_res_kind_names[kind] : "?";
}

MDK_EXPORT(mdk_res_kind_name);

static u32 mdk_res_align(const struct mdk_res_need *need)
{
	return need->align ? need->align : 1;
}

/**
 * mdk_res_validate_pools() - check what a parent declares
 * @pools: the pools
 *
 * Context: any context; takes no locks.
 * Return: 0, or -EINVAL if a pool is larger than %MDK_RES_MAX_UNITS.
 */
int mdk_res_validate_pools(const struct mdk_res_pools *pools)
{
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		if (pools->size[kind] > MDK_RES_MAX_UNITS)
			return -EINVAL;
	return 0;
}

static int mdk_res_validate_need(const struct mdk_res_need *need, u32 size,
				 bool opaque)
{
	if (need->count > size)
		return -EINVAL;
	if (opaque)
		return need->align > 1 ? -EINVAL : 0;
	if (need->align > MDK_RES_MAX_UNITS)
		return -EINVAL;
	if (need->align && !is_power_of_2(need->align))
		return -EINVAL;
	return 0;
}

/**
 * mdk_res_validate() - check a type's demand against a parent's pools
 * @pools: the parent's pools
 * @demand: what one instance of the type takes
 *
 * A valid demand fits the parent's pools when they are all free, so a type
 * that passes has at least one instance available on an idle parent.
 *
 * Context: any context; takes no locks.
 * Return: 0, or -EINVAL if a need is larger than its pool (any need from a
 * pool of size 0), a bitmap alignment is not 0 or a power of two up to
 * %MDK_RES_MAX_UNITS, or an opaque need has an alignment above 1.
 */
int mdk_res_validate(const struct mdk_res_pools *pools,
		     const struct mdk_res_demand *demand)
{
	int kind, ret;

	for (kind = 0; kind < MDK_RES_NR; kind++) {
		ret = mdk_res_validate_need(&demand->need[kind],
					    pools->size[kind],
					    mdk_res_kind_is_opaque(kind));
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * mdk_res_init() - set up the state of a parent's pools, all free
 * @set: the set to initialise
 * @pools: the parent's pools; copied
 *
 * On error @set is left so that mdk_res_destroy() may still be called.
 *
 * Context: process context, may sleep (GFP_KERNEL); @set is not yet shared.
 * Return: 0, -EINVAL if the pools are invalid (see mdk_res_validate_pools()),
 * or -ENOMEM.
 */
int mdk_res_init(struct mdk_res_set *set, const struct mdk_res_pools *pools)
{
	int kind;

	memset(set, 0, sizeof(*set));
	if (mdk_res_validate_pools(pools))
		return -EINVAL;
	set->pools = *pools;
	for (kind = 0; kind < MDK_RES_NR; kind++) {
		if (mdk_res_kind_is_opaque(kind) || !pools->size[kind])
			continue;
		set->map[kind] = bitmap_zalloc(pools->size[kind], GFP_KERNEL);
		if (!set->map[kind]) {
			mdk_res_destroy(set);
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * mdk_res_destroy() - free the state of a parent's pools
 * @set: the set, initialised or zeroed
 *
 * Outstanding grants are forgotten; the set is left zeroed.
 *
 * Context: any context; @set is no longer shared.
 */
void mdk_res_destroy(struct mdk_res_set *set)
{
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		bitmap_free(set->map[kind]);
	memset(set, 0, sizeof(*set));
}

/**
 * mdk_res_copy() - copy the state of one set into another
 * @dst: the destination, initialised from the same pools as @src
 * @src: the source
 *
 * Lets a caller try a sequence of reservations on a scratch set.
 *
 * Context: any context; the caller holds the locks protecting both sets.
 * Return: 0, or -EINVAL if the two sets were not made from equal pools.
 */
int mdk_res_copy(struct mdk_res_set *dst, const struct mdk_res_set *src)
{
	int kind;

	if (memcmp(&dst->pools, &src->pools, sizeof(dst->pools)))
		return -EINVAL;
	for (kind = 0; kind < MDK_RES_NR; kind++) {
		dst->used[kind] = src->used[kind];
		if (src->map[kind])
			bitmap_copy(dst->map[kind], src->map[kind],
				    src->pools.size[kind]);
	}
	return 0;
}

/* First-fit start of @need in pool @kind, or -EUSERS if it does not fit. */
static int mdk_res_find(struct mdk_res_set *set, int kind,
			const struct mdk_res_need *need, u32 *start)
{
	u32 size = set->pools.size[kind];
	unsigned long pos;

	*start = 0;
	if (!need->count)
		return 0;
	if (mdk_res_kind_is_opaque(kind))
		return size - set->used[kind] >= need->count ? 0 : -EUSERS;
	pos = bitmap_find_next_zero_area(set->map[kind], size, 0, need->count,
					 mdk_res_align(need) - 1);
	if (pos + need->count > size)
		return -EUSERS;
	*start = pos;
	return 0;
}

/**
 * mdk_res_reserve() - reserve one instance's demand, all or nothing
 * @set: the parent's pools
 * @demand: what one instance takes
 * @grant: filled with what it got; zeroed on failure
 *
 * Each bitmap need gets the lowest free range starting at a multiple of its
 * alignment; each opaque need is taken from its counter. If any need does not
 * fit, nothing is reserved and @set is unchanged.
 *
 * Context: any context; the caller holds the lock of the parent owning @set.
 * Return: 0, -EINVAL for a demand mdk_res_validate() refuses, or -EUSERS if
 * the demand does not fit now.
 */
int mdk_res_reserve(struct mdk_res_set *set,
		    const struct mdk_res_demand *demand,
		    struct mdk_res_grant *grant)
{
	const struct mdk_res_need *need = demand->need;
	int kind, ret;

	memset(grant, 0, sizeof(*grant));
	ret = mdk_res_validate(&set->pools, demand);
	for (kind = 0; !ret && kind < MDK_RES_NR; kind++)
		ret = mdk_res_find(set, kind, &need[kind], &grant->start[kind]);
	if (ret) {
		memset(grant, 0, sizeof(*grant));
		return ret;
	}
	for (kind = 0; kind < MDK_RES_NR; kind++) {
		grant->count[kind] = need[kind].count;
		set->used[kind] += need[kind].count;
		if (set->map[kind] && need[kind].count)
			bitmap_set(set->map[kind], grant->start[kind],
				   need[kind].count);
	}
	return 0;
}

/* Whether @start/@count in pool @kind is something reserve could have granted. */
static bool mdk_res_granted(const struct mdk_res_set *set, int kind,
			    u32 start, u32 count)
{
	u32 size = set->pools.size[kind];

	if (!count)
		return !start;
	if (mdk_res_kind_is_opaque(kind))
		return !start && count <= set->used[kind];
	if (start >= size || count > size - start)
		return false;
	return find_next_zero_bit(set->map[kind], start + count, start) ==
	       start + count;
}

/**
 * mdk_res_release() - give back what one instance got
 * @set: the parent's pools
 * @grant: what mdk_res_reserve() granted; a zeroed grant releases nothing
 *
 * The grant is checked first: if any of its ranges lies outside its pool or
 * covers a unit that is not reserved, or it gives back more of a counter than
 * is taken, nothing is released.
 *
 * Context: any context; the caller holds the lock of the parent owning @set.
 * Return: 0, or -EINVAL for a grant that does not match @set.
 */
int mdk_res_release(struct mdk_res_set *set, const struct mdk_res_grant *grant)
{
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		if (!mdk_res_granted(set, kind, grant->start[kind],
				     grant->count[kind]))
			return -EINVAL;
	for (kind = 0; kind < MDK_RES_NR; kind++) {
		set->used[kind] -= grant->count[kind];
		if (set->map[kind] && grant->count[kind])
			bitmap_clear(set->map[kind], grant->start[kind],
				     grant->count[kind]);
	}
	return 0;
}

/* Greedy placements of @count units every @step from @first in [@first, @end). */
static unsigned int mdk_res_run_fits(unsigned long first, unsigned long end,
				     u32 count, u32 step)
{
	if (first > end || end - first < count)
		return 0;
	return (end - first - count) / step + 1;
}

/*
 * Placements of @need that first-fit would make one after the other in bitmap
 * pool @kind, counted up to @limit. After a placement at aligned x the next
 * one is the lowest fit from x + count, that is x + ALIGN(count, align) if it
 * fits in the same free run, else in a later run: so count run by run.
 */
static unsigned int mdk_res_map_fits(const struct mdk_res_set *set, int kind,
				     const struct mdk_res_need *need,
				     unsigned int limit)
{
	const unsigned long *map = set->map[kind];
	unsigned long size = set->pools.size[kind], run, end;
	u32 align = mdk_res_align(need);
	u32 step = ALIGN(need->count, align);
	unsigned int n = 0;

	for (run = find_first_zero_bit(map, size); run < size && n < limit;
	     run = find_next_zero_bit(map, size, end)) {
		end = find_next_bit(map, size, run);
		n += mdk_res_run_fits(ALIGN(run, align), end, need->count, step);
	}
	return min(n, limit);
}

/**
 * mdk_res_available() - how many more instances of a demand would fit now
 * @set: the parent's pools
 * @demand: what one instance takes
 *
 * Exactly the number of mdk_res_reserve() calls with @demand, one after the
 * other and with nothing released in between, that would succeed from the
 * current state: the minimum over the pools @demand uses of the greedy
 * first-fit count in that pool. What other types hold is in @set, so the
 * result is exact for any mix of types.
 *
 * Context: any context; the caller holds the lock of the parent owning @set.
 * Return: that number, at most %MDK_RES_MAX_UNITS; %MDK_RES_UNLIMITED for a
 * demand that needs nothing; 0 for a demand mdk_res_validate() refuses.
 */
unsigned int mdk_res_available(const struct mdk_res_set *set,
			       const struct mdk_res_demand *demand)
{
	const struct mdk_res_need *need = demand->need;
	unsigned int n = MDK_RES_UNLIMITED;
	int kind;

	if (mdk_res_validate(&set->pools, demand))
		return 0;
	/* Counters first: they are O(1) and bound the bitmap scans. */
	for (kind = MDK_RES_OPAQUE0; kind < MDK_RES_NR; kind++)
		if (need[kind].count)
			n = min(n, mdk_res_free(set, kind) / need[kind].count);
	for (kind = 0; kind < MDK_RES_OPAQUE0 && n; kind++)
		if (need[kind].count)
			n = mdk_res_map_fits(set, kind, &need[kind], n);
	return n;
}

/**
 * mdk_res_free() - units not reserved in a pool
 * @set: the parent's pools
 * @kind: the pool
 *
 * Context: any context; the caller holds the lock of the parent owning @set.
 * Return: free units, 0 for an out-of-range @kind.
 */
u32 mdk_res_free(const struct mdk_res_set *set, enum mdk_res_kind kind)
{
	if (kind >= MDK_RES_NR)
		return 0;
	return set->pools.size[kind] - set->used[kind];
}

/**
 * mdk_res_largest_free() - longest run of free units in a pool
 * @set: the parent's pools
 * @kind: the pool
 *
 * For a bitmap pool, the largest unaligned need that would fit now; for an
 * opaque pool, the same as mdk_res_free().
 *
 * Context: any context; the caller holds the lock of the parent owning @set.
 * Return: units, 0 for an out-of-range @kind.
 */
u32 mdk_res_largest_free(const struct mdk_res_set *set, enum mdk_res_kind kind)
{
	unsigned long size, run, end;
	u32 best = 0;

	if (kind >= MDK_RES_NR || !set->map[kind])
		return mdk_res_free(set, kind);
	size = set->pools.size[kind];
	for (run = find_first_zero_bit(set->map[kind], size); run < size;
	     run = find_next_zero_bit(set->map[kind], size, end)) {
		end = find_next_bit(set->map[kind], size, run);
		best = max_t(u32, best, end - run);
	}
	return best;
}
