/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mediated devices on mdevkit's mdev_core.
 *
 * This header shadows the kernel's <linux/mdev.h> (the build puts
 * include/ of mdevkit ahead of the kernel's). Its structures carry the
 * kernel's fields under the kernel's names, in the kernel's order, so a
 * parent written for the in-kernel mdev core (drivers/vfio/mdev, identical
 * in 6.1 and 6.12) builds unchanged; mdev_core appends a few fields of its
 * own after them. The upstream function names are mapped to mdev_core's
 * exports (prefix mdk_) so that the module loader never confuses them with
 * the kernel's mdev.ko.
 *
 * Extensions (the resource model, per-mdev grants) are declared in
 * <mdevkit/mdev_core.h>.
 */
#ifndef MDEV_H
#define MDEV_H

#include <linux/device.h>
#include <linux/uuid.h>

struct mdev_type;
struct mdk_parent;
struct mdk_res_demand;

/**
 * struct mdev_device - a mediated device, allocated by mdev_core
 * @dev: the device on bus "mdev", a child of the parent's device; named
 *	after @uuid in lowercase
 * @uuid: the UUID given at creation
 * @next: mdev_core's entry in the parent's list of live mdevs
 * @type: the type it was created from; valid until the parent unregisters
 * @active: true from the end of creation until its removal starts
 */
struct mdev_device {
	struct device dev;
	guid_t uuid;
	struct list_head next;
	struct mdev_type *type;
	bool active;
};

/**
 * struct mdev_type - a type of mdev that a parent offers
 * @sysfs_name: set by the parent: the type's directory is named
 *	"<parent driver>-<sysfs_name>"
 * @pretty_name: set by the parent, optional: shown in the "name" attribute
 *	(@sysfs_name when NULL)
 * @parent: set by mdev_core at registration
 * @kobj: upstream's type directory; unused by mdev_core, which allocates its
 *	own so that the directory may outlive the parent's memory
 * @devices_kobj: set by mdev_core: the type's "devices" directory
 * @demand: set by a parent registered with mdk_register_parent_res(): what
 *	one instance of this type takes from the parent's pools (see
 *	<mdevkit/resource.h>); ignored for other parents
 */
struct mdev_type {
	/* set by the driver before calling mdev_register parent: */
	const char *sysfs_name;
	const char *pretty_name;

	/* set by the core, can be used drivers */
	struct mdev_parent *parent;

	/* internal only */
	struct kobject kobj;
	struct kobject *devices_kobj;

	/* mdevkit: resource model, see <mdevkit/mdev_core.h> */
	const struct mdk_res_demand *demand;
};

/**
 * struct mdev_parent - a device that mdevs hang off, embedded by the parent
 * @dev: the parent device
 * @mdev_driver: the driver bound to every mdev of this parent
 * @mdev_types_kset: the "mdev_supported_types" directory
 * @unreg_sem: creation and removal hold it for reading, unregistration for
 *	writing
 * @types: the parent's types
 * @nr_types: entries in @types
 * @available_instances: instances left when the parent counts with
 *	&mdev_driver.max_instances
 * @mdk: mdev_core's private state of the parent, from registration until
 *	unregistration
 *
 * Everything is set by mdev_core's registration, which zeroes the structure
 * first.
 */
struct mdev_parent {
	struct device *dev;
	struct mdev_driver *mdev_driver;
	struct kset *mdev_types_kset;
	/* Synchronize device creation/removal with parent unregistration */
	struct rw_semaphore unreg_sem;
	struct mdev_type **types;
	unsigned int nr_types;
	atomic_t available_instances;

	/* mdevkit */
	struct mdk_parent *mdk;
};

/**
 * to_mdev_device() - the mdev a device on bus "mdev" belongs to
 * @dev: the device
 *
 * Return: the mdev embedding @dev.
 */
static inline struct mdev_device *to_mdev_device(struct device *dev)
{
	return container_of(dev, struct mdev_device, dev);
}

/**
 * struct mdev_driver - Mediated device driver
 * @device_api: string to return for the device_api sysfs
 * @max_instances: maximum number of instances supported (optional)
 * @probe: called when new device created
 * @remove: called when device removed
 * @get_available: Return the max number of instances that can be created
 * @show_description: Print a description of the mtype
 * @driver: device driver structure
 **/
struct mdev_driver {
	const char *device_api;
	unsigned int max_instances;
	int (*probe)(struct mdev_device *dev);
	void (*remove)(struct mdev_device *dev);
	unsigned int (*get_available)(struct mdev_type *mtype);
	ssize_t (*show_description)(struct mdev_type *mtype, char *buf);
	struct device_driver driver;
};

/* The kernel's names, mapped to mdev_core's exports. */
#define mdev_register_parent	mdk_register_parent
#define mdev_unregister_parent	mdk_unregister_parent
#define mdev_register_driver	mdk_register_driver
#define mdev_unregister_driver	mdk_unregister_driver

int mdk_register_parent(struct mdev_parent *parent, struct device *dev,
			struct mdev_driver *mdev_driver,
			struct mdev_type **types, unsigned int nr_types);
void mdk_unregister_parent(struct mdev_parent *parent);

int mdk_register_driver(struct mdev_driver *drv);
void mdk_unregister_driver(struct mdev_driver *drv);

/**
 * mdev_dev() - the struct device of an mdev
 * @mdev: the mdev
 *
 * Return: &mdev->dev.
 */
static inline struct device *mdev_dev(struct mdev_device *mdev)
{
	return &mdev->dev;
}

#endif /* MDEV_H */
