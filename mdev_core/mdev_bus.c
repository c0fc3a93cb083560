// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core: bus "mdev" and the drivers bound to mdevs.
 *
 * mdev_core is a drop-in for the kernel's mdev.ko: both own bus "mdev" and
 * class "mdev_bus", so only one of them can be loaded. Loading mdev_core
 * while the other owns the bus fails with one line saying what to unload,
 * leaving nothing registered.
 *
 * As in the kernel's mdev core, no driver matches by itself: an mdev is
 * bound to its parent's &mdev_driver explicitly when it is created.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#include "mdev_core_priv.h"

static int mdk_bus_probe(struct device *dev)
{
	struct mdev_driver *drv =
		container_of(dev->driver, struct mdev_driver, driver);

	if (!drv->probe)
		return 0;
	return drv->probe(to_mdev_device(dev));
}

static void mdk_bus_remove(struct device *dev)
{
	struct mdev_driver *drv =
		container_of(dev->driver, struct mdev_driver, driver);

	if (drv->remove)
		drv->remove(to_mdev_device(dev));
}

static int mdk_bus_match(struct device *dev, MDK_MATCH_CONST struct device_driver *drv)
{
	/* Drivers are bound only by device_driver_attach() at creation. */
	return 0;
}

/*
 * MDEV_TYPE and MDEV_PARENT go into every uevent of an mdev. Its ADD uevent
 * is sent only once the mdev_type link exists (see mdk_mdev_publish()).
 */
static int mdk_bus_uevent(MDK_UEVENT_CONST struct device *dev,
			  struct kobj_uevent_env *env)
{
	const struct mdk_mdev *mm = container_of(dev, struct mdk_mdev, mdev.dev);
	int ret;

	ret = add_uevent_var(env, "MDEV_TYPE=%s", kobject_name(&mm->dir->kobj));
	if (ret)
		return ret;
	return add_uevent_var(env, "MDEV_PARENT=%s", dev_name(dev->parent));
}

/* Not const: bus_register() of 6.1 writes to it. */
static struct bus_type mdk_bus_type = {
	.name		= "mdev",
	.probe		= mdk_bus_probe,
	.remove		= mdk_bus_remove,
	.match		= mdk_bus_match,
	.uevent		= mdk_bus_uevent,
};

/*
 * Whether a bus of that name is registered. Every bus's kset sits in the
 * same kset (/sys/bus); reach it through a bus that always exists.
 */
static bool mdk_bus_name_taken(const char *name)
{
	struct kset *platform = bus_get_kset(&platform_bus_type);
	struct kobject *kobj;

	if (!platform || !platform->kobj.kset)
		return false;
	kobj = kset_find_obj(platform->kobj.kset, name);
	kobject_put(kobj);
	return kobj;
}

/**
 * mdk_bus_init() - register bus "mdev", unless another module owns it
 *
 * Context: module init.
 * Return: 0, -EBUSY if the bus exists (with one line saying so), or an
 * error of bus_register(). Not -EEXIST: modprobe takes that for "already
 * loaded" and reports success.
 */
int mdk_bus_init(void)
{
	int ret = -EEXIST;

	/* Checked first: bus_register() would warn with a stack dump. */
	if (!mdk_bus_name_taken(mdk_bus_type.name))
		ret = bus_register(&mdk_bus_type);
	if (ret == -EEXIST) {
		ret = -EBUSY;
		pr_err("bus '%s' is owned by another module (the kernel's mdev.ko?): rmmod mdev first\n",
		       mdk_bus_type.name);
	}
	return ret;
}

/**
 * mdk_bus_exit() - unregister bus "mdev"
 *
 * Context: module exit, or init unwinding.
 */
void mdk_bus_exit(void)
{
	bus_unregister(&mdk_bus_type);
}

/**
 * mdk_bus_adopt() - put a new device on bus "mdev"
 * @dev: the device, initialised and not added yet
 */
void mdk_bus_adopt(struct device *dev)
{
	dev->bus = &mdk_bus_type;
}

/**
 * mdk_bus_has_driver() - whether a driver was registered on bus "mdev"
 * @drv: the driver
 *
 * Return: true once mdk_register_driver() succeeded for @drv.
 */
bool mdk_bus_has_driver(const struct mdev_driver *drv)
{
	return drv->driver.bus == &mdk_bus_type;
}

/**
 * mdk_register_driver() - register the driver of a parent's mdevs
 * @drv: the driver; &mdev_driver.device_api must be set
 *
 * The upstream name mdev_register_driver() maps here. Register the driver
 * before the parents that use it.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL without a device_api, or an error of driver_register().
 */
int mdk_register_driver(struct mdev_driver *drv)
{
	if (!drv->device_api)
		return -EINVAL;

	drv->driver.bus = &mdk_bus_type;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL(mdk_register_driver);

/**
 * mdk_unregister_driver() - unregister a driver registered with
 *	mdk_register_driver()
 * @drv: the driver
 *
 * The upstream name mdev_unregister_driver() maps here. Unregister the
 * parents that use the driver first.
 *
 * Context: process context, may sleep.
 */
void mdk_unregister_driver(struct mdev_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL(mdk_unregister_driver);
