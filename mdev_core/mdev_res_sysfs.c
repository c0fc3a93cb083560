// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core: the read-only sysfs view of the resource model, for parents
 * registered with mdk_register_parent_res() only:
 *
 *   <parent>/mdevkit/pools		"KIND SIZE FREE LARGEST" per pool
 *   <mdev>/mdevkit/grant		"KIND START COUNT" per pool it uses
 *
 * Parents registered the upstream way and their mdevs get neither, so their
 * sysfs stays exactly the kernel's mdev ABI. Format: docs/mdev-core.md.
 */
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "mdev_core_priv.h"

/* ---- <mdev>/mdevkit/grant ---------------------------------------------- */

/*
 * The grant is written before the mdev is added and released after it is
 * deleted, and device_del() waits for readers: no lock needed here.
 */
static ssize_t grant_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct mdk_mdev *mm = to_mdk_mdev(to_mdev_device(dev));
	unsigned int kind;
	int len = 0;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		if (mm->grant.count[kind])
			len += sysfs_emit_at(buf, len, "%s %u %u\n",
					     mdk_res_kind_name(kind),
					     mm->grant.start[kind],
					     mm->grant.count[kind]);
	return len;
}
static DEVICE_ATTR_RO(grant);

static struct attribute *mdk_mdev_res_attrs[] = {
	&dev_attr_grant.attr,
	NULL,
};

/* Set in an mdev's groups before device_add() when its parent has pools. */
const struct attribute_group mdk_mdev_res_group = {
	.name = "mdevkit",
	.attrs = mdk_mdev_res_attrs,
};

/* ---- <parent>/mdevkit/pools -------------------------------------------- */

/**
 * struct mdk_parent_kobj - the mdevkit/ directory of a parent
 * @kobj: <parent>/mdevkit
 * @mp: the parent; valid while @kobj is in sysfs (removal drains readers)
 */
struct mdk_parent_kobj {
	struct kobject kobj;
	struct mdk_parent *mp;
};

static ssize_t pools_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct mdk_parent *mp = container_of(kobj, struct mdk_parent_kobj,
					     kobj)->mp;
	unsigned int kind;
	int len = 0;

	mutex_lock(&mp->lock);
	for (kind = 0; kind < MDK_RES_NR; kind++)
		if (mp->res.pools.size[kind])
			len += sysfs_emit_at(buf, len, "%s %u %u %u\n",
					     mdk_res_kind_name(kind),
					     mp->res.pools.size[kind],
					     mdk_res_free(&mp->res, kind),
					     mdk_res_largest_free(&mp->res,
								  kind));
	mutex_unlock(&mp->lock);
	return len;
}

static struct kobj_attribute mdk_parent_attr_pools = __ATTR_RO(pools);

static struct attribute *mdk_parent_res_attrs[] = {
	&mdk_parent_attr_pools.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mdk_parent_res);

static void mdk_parent_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct mdk_parent_kobj, kobj));
	/* Pairs with mdk_parent_res_add(); the last thing this function does. */
	module_put(THIS_MODULE);
}

static const struct kobj_type mdk_parent_kobj_ktype = {
	.release	= mdk_parent_kobj_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= mdk_parent_res_groups,
};

/**
 * mdk_parent_res_add() - create <parent>/mdevkit/ for a parent with pools
 * @mp: the parent being registered; nothing for a parent without pools
 *
 * Context: process context, may sleep.
 * Return: 0, -ENOMEM or the error of adding the directory.
 */
int mdk_parent_res_add(struct mdk_parent *mp)
{
	struct mdk_parent_kobj *pk;
	int ret;

	if (!mp->has_res)
		return 0;
	pk = kzalloc(sizeof(*pk), GFP_KERNEL);
	if (!pk)
		return -ENOMEM;
	pk->mp = mp;
	/* Its release runs our code: hold mdev_core until then. */
	__module_get(THIS_MODULE);
	ret = kobject_init_and_add(&pk->kobj, &mdk_parent_kobj_ktype,
				   &mp->parent->dev->kobj, "mdevkit");
	if (ret) {
		kobject_put(&pk->kobj);
		return ret;
	}
	mp->res_kobj = &pk->kobj;
	return 0;
}

/**
 * mdk_parent_res_del() - remove what mdk_parent_res_add() created
 * @mp: the parent; tolerates a parent without the directory
 *
 * Waits for readers of pools to return.
 *
 * Context: process context, may sleep.
 */
void mdk_parent_res_del(struct mdk_parent *mp)
{
	if (!mp->res_kobj)
		return;
	kobject_del(mp->res_kobj);
	kobject_put(mp->res_kobj);
	mp->res_kobj = NULL;
}
