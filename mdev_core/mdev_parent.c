// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core: registering parents.
 *
 * A parent registers with the kernel's API (mdev_register_parent(), mapped
 * to mdk_register_parent()) and counts with max_instances or get_available
 * as upstream, or opts into the resource model with
 * mdk_register_parent_res().
 */

#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mdev_core_priv.h"

/* What mdevctl's udev rule looks for on the parent device. */
static char *mdk_env_registered[] = { "MDEV_STATE=registered", NULL };
static char *mdk_env_unregistered[] = { "MDEV_STATE=unregistered", NULL };

static int mdk_parent_check_types(struct device *dev,
				  struct mdev_type **types,
				  unsigned int nr_types)
{
	unsigned int i, j;

	if (nr_types && !types)
		return -EINVAL;
	for (i = 0; i < nr_types; i++) {
		if (!types[i] || !types[i]->sysfs_name) {
			dev_err(dev, "mdev type %u has no sysfs_name\n", i);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (!strcmp(types[i]->sysfs_name, types[j]->sysfs_name)) {
				dev_err(dev, "mdev type '%s' given twice\n",
					types[i]->sysfs_name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int mdk_parent_check_res(struct device *dev, struct mdev_driver *drv,
				struct mdev_type **types, unsigned int nr_types,
				const struct mdk_res_pools *pools)
{
	unsigned int i;

	if (drv->get_available) {
		dev_err(dev, "a parent with pools must not count with get_available\n");
		return -EINVAL;
	}
	if (mdk_res_validate_pools(pools)) {
		dev_err(dev, "a resource pool is larger than %lu units\n",
			MDK_RES_MAX_UNITS);
		return -EINVAL;
	}
	for (i = 0; i < nr_types; i++) {
		if (!types[i]->demand ||
		    mdk_res_validate(pools, types[i]->demand)) {
			dev_err(dev, "mdev type '%s': demand missing or beyond the pools\n",
				types[i]->sysfs_name);
			return -EINVAL;
		}
	}
	return 0;
}

static struct mdk_parent *mdk_parent_alloc(struct mdev_parent *parent,
					   const struct mdk_res_pools *pools)
{
	struct mdk_parent *mp;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL);
	if (!mp)
		return NULL;
	mp->parent = parent;
	mutex_init(&mp->lock);
	INIT_LIST_HEAD(&mp->mdevs);
	if (pools) {
		if (mdk_res_init(&mp->res, pools)) {
			kfree(mp);
			return NULL;
		}
		mp->has_res = true;
	}
	mp->capped = !parent->mdev_driver->get_available &&
		     (!pools || parent->mdev_driver->max_instances);
	return mp;
}

static void mdk_parent_free(struct mdk_parent *mp)
{
	mdk_res_destroy(&mp->res);
	mutex_destroy(&mp->lock);
	kfree(mp);
}

static int __mdk_register_parent(struct mdev_parent *parent, struct device *dev,
				 struct mdev_driver *mdev_driver,
				 struct mdev_type **types,
				 unsigned int nr_types,
				 const struct mdk_res_pools *pools)
{
	int ret;

	if (!parent || !dev || !mdev_driver)
		return -EINVAL;
	if (!mdk_bus_has_driver(mdev_driver)) {
		dev_err(dev, "mdev driver not registered with mdev_register_driver()\n");
		return -EINVAL;
	}
	ret = mdk_parent_check_types(dev, types, nr_types);
	if (!ret && pools)
		ret = mdk_parent_check_res(dev, mdev_driver, types, nr_types, pools);
	if (ret)
		return ret;

	memset(parent, 0, sizeof(*parent));
	init_rwsem(&parent->unreg_sem);
	parent->dev = dev;
	parent->mdev_driver = mdev_driver;
	parent->types = types;
	parent->nr_types = nr_types;
	atomic_set(&parent->available_instances, mdev_driver->max_instances);
	parent->mdk = mdk_parent_alloc(parent, pools);
	if (!parent->mdk)
		return -ENOMEM;

	ret = mdk_types_add(parent->mdk);
	if (ret)
		goto err_free;
	ret = mdk_parent_res_add(parent->mdk);
	if (ret)
		goto err_types_remove;
	/*
	 * Upstream warns and goes on; but mdevctl and libvirt find parents
	 * through class mdev_bus, so a parent without the link is unusable.
	 */
	ret = class_compat_create_link(mdk_bus_class, dev, NULL);
	if (ret) {
		dev_err(dev, "cannot link the parent in class mdev_bus: %d\n",
			ret);
		goto err_res_del;
	}

	dev_info(dev, "MDEV: Registered\n");
	kobject_uevent_env(&dev->kobj, KOBJ_CHANGE, mdk_env_registered);
	return 0;

err_res_del:
	mdk_parent_res_del(parent->mdk);
err_types_remove:
	mdk_types_remove(parent->mdk);
err_free:
	mdk_parent_free(parent->mdk);
	parent->mdk = NULL;
	return ret;
}

/**
 * mdk_register_parent() - register a device as a parent of mdevs
 * @parent: the parent's structure, zeroed and filled here
 * @dev: the parent device; the caller holds a reference on it until
 *	mdk_unregister_parent() returns
 * @mdev_driver: the driver bound to the parent's mdevs, registered with
 *	mdk_register_driver()
 * @types: the types the parent offers; each &mdev_type.sysfs_name set
 * @nr_types: entries in @types
 *
 * The upstream name mdev_register_parent() maps here, with the upstream
 * behaviour: without &mdev_driver.get_available, the parent offers
 * &mdev_driver.max_instances mdevs in all; with it, the parent counts by
 * itself (and fails its probe when full). Creates its type directories,
 * links it in class mdev_bus, then sends KOBJ_CHANGE MDEV_STATE=registered
 * on @dev.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for a driver that is not registered or types without
 * (or with duplicate) sysfs names; -EEXIST if @dev is a parent already;
 * -ENOMEM.
 */
int mdk_register_parent(struct mdev_parent *parent, struct device *dev,
			struct mdev_driver *mdev_driver,
			struct mdev_type **types, unsigned int nr_types)
{
	return __mdk_register_parent(parent, dev, mdev_driver, types, nr_types,
				     NULL);
}
EXPORT_SYMBOL(mdk_register_parent);

/**
 * mdk_register_parent_res() - register a parent that declares its resources
 * @parent: the parent's structure, zeroed and filled here
 * @dev: the parent device, as for mdk_register_parent()
 * @mdev_driver: the driver bound to the parent's mdevs; its get_available
 *	must be NULL, its max_instances, when not 0, bounds the number of
 *	mdevs of the parent in all
 * @types: the types the parent offers; each &mdev_type.demand set
 * @nr_types: entries in @types
 * @pools: the parent's pools; copied
 *
 * As mdk_register_parent(), with mdev_core doing the accounting: a create
 * reserves its type's demand before the mdev appears (-EUSERS if it does not
 * fit), the mdev's probe finds the reservation with mdk_mdev_grant(), and
 * removal releases it. available_instances is the exact number of creates
 * of the type that would succeed now.
 *
 * Context: process context, may sleep.
 * Return: as mdk_register_parent(); also -EINVAL for invalid pools, a type
 * whose demand is missing or does not fit the empty pools, or a driver with
 * get_available.
 */
int mdk_register_parent_res(struct mdev_parent *parent, struct device *dev,
			    struct mdev_driver *mdev_driver,
			    struct mdev_type **types, unsigned int nr_types,
			    const struct mdk_res_pools *pools)
{
	if (!pools)
		return -EINVAL;
	return __mdk_register_parent(parent, dev, mdev_driver, types, nr_types,
				     pools);
}
EXPORT_SYMBOL_GPL(mdk_register_parent_res);

/**
 * mdk_unregister_parent() - unregister a parent, removing all its mdevs
 * @parent: a registered parent
 *
 * The upstream name mdev_unregister_parent() maps here. Creates and removes
 * that start from now on fail with -ENODEV; those in flight finish first.
 * Every mdev of the parent is then removed (its driver's remove may wait for
 * its user), the type directories go, and KOBJ_CHANGE
 * MDEV_STATE=unregistered is sent on the parent device. When this returns,
 * mdev_core holds nothing of @parent or its types.
 *
 * Context: process context, may sleep.
 */
void mdk_unregister_parent(struct mdev_parent *parent)
{
	struct mdk_parent *mp = parent->mdk;

	dev_info(parent->dev, "MDEV: Unregistering\n");

	down_write(&parent->unreg_sem);
	class_compat_remove_link(mdk_bus_class, parent->dev, NULL);
	mdk_devices_remove_all(mp);
	mdk_parent_res_del(mp);
	mdk_types_remove(mp);
	parent->mdk = NULL;
	up_write(&parent->unreg_sem);

	mdk_parent_free(mp);
	kobject_uevent_env(&parent->dev->kobj, KOBJ_CHANGE,
			   mdk_env_unregistered);
}
EXPORT_SYMBOL(mdk_unregister_parent);

/**
 * mdk_mdev_grant() - what an mdev got from its parent's pools
 * @mdev: an mdev, between its parent's probe and remove
 *
 * Return: the grant, for a parent registered with mdk_register_parent_res();
 * NULL for other parents.
 */
const struct mdk_res_grant *mdk_mdev_grant(struct mdev_device *mdev)
{
	struct mdk_mdev *mm = to_mdk_mdev(mdev);

	return mm->reserved ? &mm->grant : NULL;
}
EXPORT_SYMBOL_GPL(mdk_mdev_grant);
