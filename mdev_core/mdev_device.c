// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core: creating and removing mdevs.
 *
 * UUIDs in use are kept in a resizable hash table (no global list, no global
 * lock): a create costs the same however many mdevs exist. A create takes
 * its capacity (an instance of max_instances, or a reservation in the
 * parent's pools) before the device appears, and the device's ADD uevent is
 * sent only once its mdev_type link exists. A removal gives the capacity
 * back as soon as the device is gone from sysfs, not when the last reference
 * to it is dropped, so available_instances is exact when remove returns.
 */

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/mdev.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/module.h>

#include "mdev_core_priv.h"

static const struct rhashtable_params mdk_uuid_params = {
	.key_len		= sizeof(guid_t),
	.key_offset		= offsetof(struct mdk_mdev, mdev.uuid),
	.head_offset		= offsetof(struct mdk_mdev, node),
	.automatic_shrinking	= true,
};

/* The mdevs whose UUID is in use: from creation until removal. */
static struct rhashtable mdk_uuids;

int mdk_uuids_init(void)
{
	return rhashtable_init(&mdk_uuids, &mdk_uuid_params);
}

void mdk_uuids_destroy(void)
{
	rhashtable_destroy(&mdk_uuids);
}

static struct mdev_parent *mdk_mdev_parent(struct mdk_mdev *mm)
{
	return mm->mdev.type->parent;
}

/*
 * Take what one instance needs: an instance of max_instances, then the
 * demand from the pools. With get_available the parent counts by itself.
 */
static int mdk_mdev_charge(struct mdk_mdev *mm)
{
	struct mdev_parent *parent = mdk_mdev_parent(mm);
	struct mdk_parent *mp = parent->mdk;
	int ret = 0;

	if (mp->capped) {
		if (!atomic_add_unless(&parent->available_instances, -1, 0))
			return -EUSERS;
		mm->counted = true;
	}
	if (mp->has_res) {
		mutex_lock(&mp->lock);
		ret = mdk_res_reserve(&mp->res, mm->mdev.type->demand, &mm->grant);
		mutex_unlock(&mp->lock);
		mm->reserved = !ret;
	}
	return ret;
}

/*
 * Undo what a create did beyond allocation, in whatever state it got to:
 * free the UUID, give the capacity back. The parent is still registered.
 */
static void mdk_mdev_retire(struct mdk_mdev *mm)
{
	struct mdev_parent *parent = mdk_mdev_parent(mm);
	struct mdk_parent *mp = parent->mdk;

	if (mm->hashed)
		rhashtable_remove_fast(&mdk_uuids, &mm->node, mdk_uuid_params);
	mm->hashed = false;
	if (mm->reserved) {
		mutex_lock(&mp->lock);
		WARN_ON(mdk_res_release(&mp->res, &mm->grant));
		mutex_unlock(&mp->lock);
	}
	mm->reserved = false;
	if (mm->counted)
		atomic_inc(&parent->available_instances);
	mm->counted = false;
}

static void mdk_mdev_release(struct device *dev)
{
	struct mdk_mdev *mm = to_mdk_mdev(to_mdev_device(dev));

	dev_dbg(dev, "released\n");
	/* Pairs with the get in mdk_mdev_alloc(). */
	kobject_put(&mm->dir->kobj);
	kfree(mm);
	/*
	 * Pairs with the __module_get() in mdk_mdev_alloc(), and is the last
	 * thing this function does: until it, mdev_core cannot be unloaded.
	 */
	module_put(THIS_MODULE);
}

static ssize_t remove_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count);
static DEVICE_ATTR_WO(remove);

static struct attribute *mdk_mdev_attrs[] = {
	&dev_attr_remove.attr,
	NULL,
};

static const struct attribute_group mdk_mdev_group = {
	.attrs = mdk_mdev_attrs,
};

static const struct attribute_group *mdk_mdev_groups[] = {
	&mdk_mdev_group,
	NULL,
};

/* Of an mdev whose parent has pools: mdevkit/grant too. */
static const struct attribute_group *mdk_mdev_res_groups[] = {
	&mdk_mdev_group,
	&mdk_mdev_res_group,
	NULL,
};

/* After device_initialize(), errors unwind through put_device(). */
static struct mdk_mdev *mdk_mdev_alloc(struct mdk_type_dir *dir,
				       const guid_t *uuid)
{
	struct mdev_parent *parent = dir->type->parent;
	struct mdk_mdev *mm;

	mm = kzalloc(sizeof(*mm), GFP_KERNEL);
	if (!mm)
		return NULL;
	/*
	 * An mdev may be referenced after its removal (the driver core, sysfs,
	 * the VFIO core), and its release runs our code: it holds mdev_core
	 * until then. Pairs with the module_put() in mdk_mdev_release().
	 */
	__module_get(THIS_MODULE);
	device_initialize(&mm->mdev.dev);
	mm->mdev.dev.parent = parent->dev;
	mdk_bus_adopt(&mm->mdev.dev);
	mm->mdev.dev.release = mdk_mdev_release;
	mm->mdev.dev.groups = parent->mdk->has_res ? mdk_mdev_res_groups :
						     mdk_mdev_groups;
	mm->mdev.type = dir->type;
	guid_copy(&mm->mdev.uuid, uuid);
	INIT_LIST_HEAD(&mm->mdev.next);
	mm->dir = dir;
	/* Pairs with the put in mdk_mdev_release(). */
	kobject_get(&dir->kobj);
	return mm;
}

/* Add the device with its links, then announce it: ADD sees MDEV_TYPE. */
static int mdk_mdev_publish(struct mdk_mdev *mm)
{
	struct device *dev = &mm->mdev.dev;
	struct mdk_type_dir *dir = mm->dir;
	int ret;

	dev_set_uevent_suppress(dev, true);
	ret = device_add(dev);
	if (ret)
		goto err_unsuppress;
	ret = sysfs_create_link(dir->devices_kobj, &dev->kobj, dev_name(dev));
	if (ret)
		goto err_del;
	ret = sysfs_create_link(&dev->kobj, &dir->kobj, "mdev_type");
	if (ret)
		goto err_unlink_devices;
	dev_set_uevent_suppress(dev, false);
	kobject_uevent(&dev->kobj, KOBJ_ADD);
	return 0;

err_unlink_devices:
	sysfs_remove_link(dir->devices_kobj, dev_name(dev));
err_del:
	device_del(dev);
err_unsuppress:
	dev_set_uevent_suppress(dev, false);
	return ret;
}

/*
 * Unbind first, so that while the driver waits for the device's user the
 * mdev still looks whole; then unlink and delete.
 */
static void mdk_mdev_unpublish(struct mdk_mdev *mm)
{
	struct device *dev = &mm->mdev.dev;

	device_release_driver(dev);
	sysfs_remove_link(&dev->kobj, "mdev_type");
	sysfs_remove_link(mm->dir->devices_kobj, dev_name(dev));
	device_del(dev);
}

static int mdk_mdev_insert(struct mdk_mdev *mm)
{
	int ret;

	ret = rhashtable_lookup_insert_fast(&mdk_uuids, &mm->node,
					    mdk_uuid_params);
	mm->hashed = !ret;
	return ret;
}

/* Make it removable; the caller holds unreg_sem, so the parent stays. */
static void mdk_mdev_go_live(struct mdk_mdev *mm)
{
	struct mdk_parent *mp = mdk_mdev_parent(mm)->mdk;

	mutex_lock(&mp->lock);
	mm->state = MDK_MDEV_LIVE;
	mm->mdev.active = true;
	list_add_tail(&mm->mdev.next, &mp->mdevs);
	mutex_unlock(&mp->lock);
}

static int mdk_device_create_locked(struct mdk_type_dir *dir,
				    struct mdk_mdev *mm)
{
	struct device *pdev = dir->type->parent->dev;
	struct mdev_driver *drv = dir->type->parent->mdev_driver;
	int ret;

	ret = mdk_mdev_insert(mm);
	if (ret) {
		dev_dbg(pdev, "create %pUl: %s\n", &mm->mdev.uuid,
			ret == -EEXIST ? "uuid already in use" : "uuid table full");
		return ret;
	}
	ret = mdk_mdev_charge(mm);
	if (ret) {
		dev_dbg(pdev, "create %pUl on %s: no capacity left\n",
			&mm->mdev.uuid, kobject_name(&dir->kobj));
		return ret;
	}
	ret = dev_set_name(&mm->mdev.dev, "%pUl", &mm->mdev.uuid);
	if (ret)
		return ret;
	ret = mdk_mdev_publish(mm);
	if (ret)
		return ret;
	ret = device_driver_attach(&drv->driver, &mm->mdev.dev);
	if (ret) {
		dev_dbg(pdev, "create %pUl: probe by %s failed: %d\n",
			&mm->mdev.uuid, drv->driver.name, ret);
		mdk_mdev_unpublish(mm);
		return ret;
	}
	mdk_mdev_go_live(mm);
	return 0;
}

/**
 * mdk_device_create() - create an mdev of a type
 * @dir: the type's directory
 * @uuid: its UUID
 *
 * Context: process context, may sleep; a sysfs attribute of @dir is active.
 * Return: 0; -ENODEV if the parent is being unregistered; -EEXIST if @uuid
 * is in use; -EUSERS if the parent has no capacity left for the type;
 * -ENOMEM; or the error of the parent's probe.
 */
int mdk_device_create(struct mdk_type_dir *dir, const guid_t *uuid)
{
	struct mdev_parent *parent = dir->type->parent;
	struct mdk_mdev *mm;
	int ret;

	/* Never wait here: unregistration waits for this attribute. */
	if (!down_read_trylock(&parent->unreg_sem)) {
		dev_dbg(parent->dev, "create %pUl: parent is going away\n", uuid);
		return -ENODEV;
	}
	mm = mdk_mdev_alloc(dir, uuid);
	if (!mm) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = mdk_device_create_locked(dir, mm);
	if (ret) {
		mdk_mdev_retire(mm);
		/* Pairs with device_initialize() in mdk_mdev_alloc(). */
		put_device(&mm->mdev.dev);
	} else {
		dev_dbg(&mm->mdev.dev, "created\n");
	}
out_unlock:
	up_read(&parent->unreg_sem);
	return ret;
}

/* Remove a live mdev whose removal the caller has claimed. */
static void mdk_mdev_destroy(struct mdk_mdev *mm)
{
	mdk_mdev_unpublish(mm);
	mdk_mdev_retire(mm);
	dev_dbg(&mm->mdev.dev, "removed\n");
	/* Pairs with device_initialize() in mdk_mdev_alloc(). */
	put_device(&mm->mdev.dev);
}

/* Claim the removal of @mm: exactly one remover gets 0. */
static int mdk_mdev_claim(struct mdk_mdev *mm)
{
	struct mdk_parent *mp = mdk_mdev_parent(mm)->mdk;
	int ret = 0;

	mutex_lock(&mp->lock);
	if (mm->state == MDK_MDEV_LIVE) {
		mm->state = MDK_MDEV_GONE;
		mm->mdev.active = false;
		list_del_init(&mm->mdev.next);
	} else {
		ret = mm->state == MDK_MDEV_NEW ? -EAGAIN : -ENODEV;
	}
	mutex_unlock(&mp->lock);
	return ret;
}

static ssize_t remove_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct mdk_mdev *mm = to_mdk_mdev(to_mdev_device(dev));
	struct mdev_parent *parent = mdk_mdev_parent(mm);
	unsigned int val;
	int ret;

	if (kstrtouint(buf, 0, &val) || !val) {
		dev_dbg(dev, "remove: '%*pE' is not a positive integer\n",
			(int)min_t(size_t, count, 40), buf);
		return -EINVAL;
	}
	/* Never wait here: unregistration removes this attribute. */
	if (!down_read_trylock(&parent->unreg_sem)) {
		dev_dbg(dev, "remove: parent is going away\n");
		return -ENODEV;
	}
	ret = mdk_mdev_claim(mm);
	if (ret) {
		dev_dbg(dev, "remove: %s\n", ret == -EAGAIN ?
			"still being created" : "already being removed");
	} else {
		/* device_del() would wait for this very write otherwise. */
		device_remove_file_self(dev, attr);
		mdk_mdev_destroy(mm);
	}
	up_read(&parent->unreg_sem);
	return ret ? ret : count;
}

/**
 * mdk_devices_remove_all() - remove every mdev of a parent
 * @mp: the parent, being unregistered
 *
 * Each removal unbinds the mdev's driver, which may wait for the mdev's user
 * to let go (the VFIO layer asks it to).
 *
 * Context: process context, may sleep; holds &mdev_parent.unreg_sem for
 * writing, so no create or remove of this parent is in flight.
 */
void mdk_devices_remove_all(struct mdk_parent *mp)
{
	struct mdev_device *mdev, *tmp;
	LIST_HEAD(doomed);

	lockdep_assert_held_write(&mp->parent->unreg_sem);
	mutex_lock(&mp->lock);
	list_for_each_entry(mdev, &mp->mdevs, next) {
		to_mdk_mdev(mdev)->state = MDK_MDEV_GONE;
		mdev->active = false;
	}
	list_splice_init(&mp->mdevs, &doomed);
	mutex_unlock(&mp->lock);

	list_for_each_entry_safe(mdev, tmp, &doomed, next) {
		list_del_init(&mdev->next);
		mdk_mdev_destroy(to_mdk_mdev(mdev));
	}
}
