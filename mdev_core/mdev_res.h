/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev_core resource sets: the state of one parent's pools.
 *
 * Pure logic (STYLE.md rule 3): no locks of its own, no user copies, no PCI or
 * VFIO calls, allocation only in mdk_res_init(). The caller serialises every
 * call on one set with the lock of the parent that owns it.
 */
#ifndef _MDEV_RES_H
#define _MDEV_RES_H

#include <linux/types.h>
#include <mdevkit/resource.h>

/**
 * struct mdk_res_set - the state of a parent's resource pools
 * @pools: the pools as declared by the parent
 * @used: units reserved in each pool
 * @map: for bitmap pools of non-zero size, one bit per unit, set when
 *	reserved; NULL for opaque pools and empty pools
 *
 * All fields are protected by the lock of the parent that owns the set.
 */
struct mdk_res_set {
	struct mdk_res_pools pools;
	u32 used[MDK_RES_NR];
	unsigned long *map[MDK_RES_NR];
};

int mdk_res_validate_pools(const struct mdk_res_pools *pools);
int mdk_res_validate(const struct mdk_res_pools *pools,
		     const struct mdk_res_demand *demand);

int mdk_res_init(struct mdk_res_set *set, const struct mdk_res_pools *pools);
void mdk_res_destroy(struct mdk_res_set *set);
int mdk_res_copy(struct mdk_res_set *dst, const struct mdk_res_set *src);

int mdk_res_reserve(struct mdk_res_set *set,
		    const struct mdk_res_demand *demand,
		    struct mdk_res_grant *grant);
int mdk_res_release(struct mdk_res_set *set,
		    const struct mdk_res_grant *grant);
unsigned int mdk_res_available(const struct mdk_res_set *set,
			       const struct mdk_res_demand *demand);

u32 mdk_res_free(const struct mdk_res_set *set, enum mdk_res_kind kind);
u32 mdk_res_largest_free(const struct mdk_res_set *set,
			 enum mdk_res_kind kind);

#endif /* _MDEV_RES_H */
