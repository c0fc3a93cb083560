// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core: the type directories, <parent>/mdev_supported_types/<type>/.
 *
 * Attributes as in Documentation/ABI/testing/sysfs-bus-vfio-mdev: create,
 * device_api, name, available_instances, description (only when the parent
 * describes its types) and the devices/ directory.
 */

#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/mdev.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uuid.h>

#include "mdev_core_priv.h"

#define to_parent_dev(dir)	((dir)->type->parent->dev)

/*
 * A UUID of 36 characters, hex digits in either case, optionally followed by
 * exactly one newline. guid_parse() alone would ignore anything after the
 * 36th character.
 */
static int mdk_uuid_parse(const char *buf, size_t count, guid_t *uuid)
{
	if (count == UUID_STRING_LEN + 1 && buf[UUID_STRING_LEN] == '\n')
		count--;
	if (count != UUID_STRING_LEN)
		return -EINVAL;
	return guid_parse(buf, uuid);
}

static ssize_t create_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct mdk_type_dir *dir = to_mdk_type_dir(kobj);
	guid_t uuid;
	int ret;

	ret = mdk_uuid_parse(buf, count, &uuid);
	if (ret) {
		dev_dbg(to_parent_dev(dir), "create on %s: malformed uuid '%*pE'\n",
			kobject_name(kobj), (int)min_t(size_t, count, 40), buf);
		return ret;
	}
	ret = mdk_device_create(dir, &uuid);
	return ret ? ret : count;
}

static struct kobj_attribute mdk_type_attr_create = __ATTR_WO(create);

static ssize_t device_api_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct mdev_type *type = to_mdk_type_dir(kobj)->type;

	return sysfs_emit(buf, "%s\n", type->parent->mdev_driver->device_api);
}

static struct kobj_attribute mdk_type_attr_device_api = __ATTR_RO(device_api);

static ssize_t name_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct mdev_type *type = to_mdk_type_dir(kobj)->type;

	return sysfs_emit(buf, "%s\n",
			  type->pretty_name ? type->pretty_name : type->sysfs_name);
}

static struct kobj_attribute mdk_type_attr_name = __ATTR_RO(name);

static ssize_t available_instances_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", mdk_type_available(to_mdk_type_dir(kobj)));
}

static struct kobj_attribute mdk_type_attr_available_instances =
	__ATTR_RO(available_instances);

static ssize_t description_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct mdev_type *type = to_mdk_type_dir(kobj)->type;

	return type->parent->mdev_driver->show_description(type, buf);
}

static struct kobj_attribute mdk_type_attr_description = __ATTR_RO(description);

static struct attribute *mdk_type_attrs[] = {
	&mdk_type_attr_create.attr,
	&mdk_type_attr_device_api.attr,
	&mdk_type_attr_name.attr,
	&mdk_type_attr_available_instances.attr,
	&mdk_type_attr_description.attr,
	NULL,
};

static umode_t mdk_type_attr_visible(struct kobject *kobj,
				     struct attribute *attr, int n)
{
	struct mdev_type *type = to_mdk_type_dir(kobj)->type;

	if (attr == &mdk_type_attr_description.attr &&
	    !type->parent->mdev_driver->show_description)
		return 0;
	return attr->mode;
}

static const struct attribute_group mdk_type_group = {
	.attrs = mdk_type_attrs,
	.is_visible = mdk_type_attr_visible,
};

static const struct attribute_group *mdk_type_groups[] = {
	&mdk_type_group,
	NULL,
};

static void mdk_type_dir_release(struct kobject *kobj)
{
	kfree(to_mdk_type_dir(kobj));
}

static const struct kobj_type mdk_type_ktype = {
	.sysfs_ops	= &kobj_sysfs_ops,
	.release	= mdk_type_dir_release,
	.default_groups	= mdk_type_groups,
};

/**
 * mdk_type_available() - the available_instances of a type
 * @dir: the type's directory
 *
 * With pools, exactly the number of creates of this type that would succeed
 * now (bounded by &mdev_driver.max_instances when that is set); otherwise
 * what the kernel's mdev core reports.
 *
 * Context: process context; the parent is registered (a sysfs attribute of
 * @dir is active, or &mdev_parent.unreg_sem is held). Takes the parent's lock.
 * Return: the number of instances.
 */
unsigned int mdk_type_available(struct mdk_type_dir *dir)
{
	struct mdev_type *type = dir->type;
	struct mdev_parent *parent = type->parent;
	struct mdk_parent *mp = parent->mdk;
	unsigned int n = UINT_MAX;

	if (parent->mdev_driver->get_available)
		return parent->mdev_driver->get_available(type);
	if (mp->has_res) {
		mutex_lock(&mp->lock);
		n = mdk_res_available(&mp->res, type->demand);
		mutex_unlock(&mp->lock);
	}
	if (mp->capped)
		n = min_t(unsigned int, n, atomic_read(&parent->available_instances));
	return n;
}

static void mdk_type_dir_del(struct mdk_type_dir *dir)
{
	dir->type->devices_kobj = NULL;
	kobject_del(dir->devices_kobj);
	kobject_put(dir->devices_kobj);
	kobject_del(&dir->kobj);
	/* Pairs with kobject_init_and_add(); mdevs may still hold theirs. */
	kobject_put(&dir->kobj);
}

static struct mdk_type_dir *mdk_type_dir_add(struct mdev_parent *parent,
					     struct mdev_type *type)
{
	struct mdk_type_dir *dir;
	int ret;

	dir = kzalloc(sizeof(*dir), GFP_KERNEL);
	if (!dir)
		return ERR_PTR(-ENOMEM);
	dir->type = type;
	dir->kobj.kset = parent->mdev_types_kset;
	ret = kobject_init_and_add(&dir->kobj, &mdk_type_ktype, NULL, "%s-%s",
				   dev_driver_string(parent->dev),
				   type->sysfs_name);
	if (ret)
		goto err_put;
	dir->devices_kobj = kobject_create_and_add("devices", &dir->kobj);
	if (!dir->devices_kobj) {
		ret = -ENOMEM;
		goto err_del;
	}
	type->devices_kobj = dir->devices_kobj;
	return dir;

err_del:
	kobject_del(&dir->kobj);
err_put:
	kobject_put(&dir->kobj);
	return ERR_PTR(ret);
}

/**
 * mdk_types_add() - create mdev_supported_types and a directory per type
 * @mp: the parent being registered
 *
 * Context: process context, may sleep; the parent is not visible yet.
 * Return: 0, -EEXIST if the device is a parent already, or a negative errno
 * with nothing left behind.
 */
int mdk_types_add(struct mdk_parent *mp)
{
	struct mdev_parent *parent = mp->parent;
	struct mdk_type_dir *dir;
	struct kernfs_node *kn;
	unsigned int i;

	/* kset_create_and_add() would warn with a stack dump. */
	kn = kernfs_find_and_get(parent->dev->kobj.sd, "mdev_supported_types");
	if (kn) {
		kernfs_put(kn);
		dev_err(parent->dev, "already registered as an mdev parent\n");
		return -EEXIST;
	}
	mp->dirs = kcalloc(parent->nr_types, sizeof(*mp->dirs), GFP_KERNEL);
	if (!mp->dirs)
		return -ENOMEM;
	parent->mdev_types_kset = kset_create_and_add("mdev_supported_types",
						      NULL, &parent->dev->kobj);
	if (!parent->mdev_types_kset)
		goto err_free_dirs;

	for (i = 0; i < parent->nr_types; i++) {
		parent->types[i]->parent = parent;
		dir = mdk_type_dir_add(parent, parent->types[i]);
		if (IS_ERR(dir)) {
			mdk_types_remove(mp);
			return PTR_ERR(dir);
		}
		mp->dirs[i] = dir;
	}
	return 0;

err_free_dirs:
	kfree(mp->dirs);
	mp->dirs = NULL;
	return -ENOMEM;
}

/**
 * mdk_types_remove() - remove what mdk_types_add() created
 * @mp: the parent; its mdevs are all removed
 *
 * Tolerates a partial mdk_types_add(). Waits for the type attributes being
 * read or written to return.
 *
 * Context: process context, may sleep.
 */
void mdk_types_remove(struct mdk_parent *mp)
{
	unsigned int i;

	for (i = 0; i < mp->parent->nr_types && mp->dirs[i]; i++)
		mdk_type_dir_del(mp->dirs[i]);
	kset_unregister(mp->parent->mdev_types_kset);
	mp->parent->mdev_types_kset = NULL;
	kfree(mp->dirs);
	mp->dirs = NULL;
}
