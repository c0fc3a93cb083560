/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdevkit resource model: what a parent device has, what one mdev takes.
 *
 * A parent declares pools (struct mdk_res_pools): the 4 KiB pages of each of
 * its BARs, its hardware queues, its interrupt vectors and up to four opaque
 * counted resources. Each mdev type declares what one instance takes
 * (struct mdk_res_demand). mdev_core reserves a demand atomically when an
 * mdev is created, hands the parent the exact units it got
 * (struct mdk_res_grant) and releases them when the mdev is removed.
 *
 * See docs/resource-model.md for the placement rules and the meaning of
 * available_instances.
 */
#ifndef _MDEVKIT_RESOURCE_H
#define _MDEVKIT_RESOURCE_H

#include <linux/bits.h>
#include <linux/limits.h>
#include <linux/types.h>

/**
 * enum mdk_res_kind - the kinds of resource pool a parent can declare
 * @MDK_RES_BAR0: pages of BAR 0 (4 KiB units, contiguous ranges)
 * @MDK_RES_BAR1: pages of BAR 1
 * @MDK_RES_BAR2: pages of BAR 2
 * @MDK_RES_BAR3: pages of BAR 3
 * @MDK_RES_BAR4: pages of BAR 4
 * @MDK_RES_BAR5: pages of BAR 5
 * @MDK_RES_QUEUE: hardware queues (contiguous ranges)
 * @MDK_RES_VECTOR: interrupt vectors (contiguous ranges)
 * @MDK_RES_OPAQUE0: first opaque counted resource (a plain counter)
 * @MDK_RES_OPAQUE1: second opaque counted resource
 * @MDK_RES_OPAQUE2: third opaque counted resource
 * @MDK_RES_OPAQUE3: fourth opaque counted resource
 * @MDK_RES_NR: number of kinds; not a kind
 *
 * BAR, queue and vector pools are bitmaps: a need is a contiguous, aligned
 * range of units placed first-fit. Opaque pools are counters: a need takes
 * that many units and has no position.
 */
enum mdk_res_kind {
	MDK_RES_BAR0,
	MDK_RES_BAR1,
	MDK_RES_BAR2,
	MDK_RES_BAR3,
	MDK_RES_BAR4,
	MDK_RES_BAR5,
	MDK_RES_QUEUE,
	MDK_RES_VECTOR,
	MDK_RES_OPAQUE0,
	MDK_RES_OPAQUE1,
	MDK_RES_OPAQUE2,
	MDK_RES_OPAQUE3,
	MDK_RES_NR
};

/* Unit of the BAR pools: one page of 4 KiB, whatever PAGE_SIZE is. */
#define MDK_RES_PAGE_SHIFT	12
#define MDK_RES_PAGE_SIZE	BIT(MDK_RES_PAGE_SHIFT)

/* Largest pool, and largest alignment, in units. */
#define MDK_RES_MAX_UNITS	BIT(20)

/* mdk_res_available() of a demand that needs nothing at all. */
#define MDK_RES_UNLIMITED	UINT_MAX

/**
 * struct mdk_res_pools - the resources a parent device declares
 * @size: units in each pool, indexed by &enum mdk_res_kind; BAR pools count
 *	4 KiB pages. 0 means the parent has no such pool. At most
 *	%MDK_RES_MAX_UNITS each.
 */
struct mdk_res_pools {
	u32 size[MDK_RES_NR];
};

/**
 * struct mdk_res_need - what one instance takes from one pool
 * @count: units taken; 0 takes nothing from this pool
 * @align: for bitmap pools, the range starts at a multiple of @align units;
 *	a power of two, with 0 and 1 both meaning no alignment. Opaque pools
 *	take 0 or 1 only.
 */
struct mdk_res_need {
	u32 count;
	u32 align;
};

/**
 * struct mdk_res_demand - what one instance of an mdev type takes
 * @need: one need per pool, indexed by &enum mdk_res_kind
 *
 * A demand whose every count is 0 takes nothing: it always fits and its
 * available count is %MDK_RES_UNLIMITED.
 */
struct mdk_res_demand {
	struct mdk_res_need need[MDK_RES_NR];
};

/**
 * struct mdk_res_grant - what one instance got
 * @start: first unit of the range in each bitmap pool (multiply BAR starts by
 *	%MDK_RES_PAGE_SIZE for a byte offset into the BAR); 0 for opaque pools
 *	and for pools the demand does not use
 * @count: units taken from each pool, equal to the demand's counts
 */
struct mdk_res_grant {
	u32 start[MDK_RES_NR];
	u32 count[MDK_RES_NR];
};

/**
 * mdk_res_kind_is_bar() - whether a kind is the pages of a BAR
 * @kind: the kind
 *
 * Return: true for %MDK_RES_BAR0 to %MDK_RES_BAR5.
 */
static inline bool mdk_res_kind_is_bar(enum mdk_res_kind kind)
{
	return kind <= MDK_RES_BAR5;
}

/**
 * mdk_res_kind_is_opaque() - whether a kind is a plain counter
 * @kind: the kind
 *
 * Return: true for %MDK_RES_OPAQUE0 to %MDK_RES_OPAQUE3.
 */
static inline bool mdk_res_kind_is_opaque(enum mdk_res_kind kind)
{
	return kind >= MDK_RES_OPAQUE0 && kind < MDK_RES_NR;
}

/**
 * mdk_res_grant_bar_offset() - byte offset of a grant's range in a BAR
 * @grant: the grant
 * @bar: the BAR's kind, %MDK_RES_BAR0 to %MDK_RES_BAR5
 *
 * Return: offset into the BAR of the first page granted.
 */
static inline u64 mdk_res_grant_bar_offset(const struct mdk_res_grant *grant,
					   enum mdk_res_kind bar)
{
	return (u64)grant->start[bar] << MDK_RES_PAGE_SHIFT;
}

/**
 * mdk_res_grant_bar_len() - length in bytes of a grant's range in a BAR
 * @grant: the grant
 * @bar: the BAR's kind, %MDK_RES_BAR0 to %MDK_RES_BAR5
 *
 * Return: bytes granted in the BAR; 0 if the type takes none of it.
 */
static inline u64 mdk_res_grant_bar_len(const struct mdk_res_grant *grant,
					enum mdk_res_kind bar)
{
	return (u64)grant->count[bar] << MDK_RES_PAGE_SHIFT;
}

const char *mdk_res_kind_name(unsigned int kind);

#endif /* _MDEVKIT_RESOURCE_H */
