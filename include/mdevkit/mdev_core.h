/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev_core extensions to the kernel's mdev parent API.
 *
 * A parent opts into the resource model by registering with
 * mdk_register_parent_res() instead of mdev_register_parent(): it declares
 * its pools once, and every type points &mdev_type.demand at what one
 * instance takes. mdev_core then reserves a demand before an mdev appears,
 * fails a create that does not fit with -EUSERS, reports available_instances
 * exactly, and releases the reservation when the mdev is removed. The parent
 * reads what an mdev got with mdk_mdev_grant().
 */
#ifndef _MDEVKIT_MDEV_CORE_H
#define _MDEVKIT_MDEV_CORE_H

#include <linux/mdev.h>
#include <mdevkit/resource.h>

int mdk_register_parent_res(struct mdev_parent *parent, struct device *dev,
			    struct mdev_driver *mdev_driver,
			    struct mdev_type **types, unsigned int nr_types,
			    const struct mdk_res_pools *pools);

const struct mdk_res_grant *mdk_mdev_grant(struct mdev_device *mdev);

#endif /* _MDEVKIT_MDEV_CORE_H */
