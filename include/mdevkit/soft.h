/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdevkit software parents: platform devices that a parent driver makes and
 * deletes at run time, netdevsim's way (its driver's new_device and
 * del_device files) or at module load. mdev_core keeps the table, so that
 * every software parent refuses the same things the same way: ids out of
 * range, an id in use or being deleted, a device whose probe failed, and new
 * devices once the module is going away. Implemented in mdev_core/mdev_soft.c.
 */
#ifndef _MDEVKIT_SOFT_H
#define _MDEVKIT_SOFT_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>

struct platform_device;

/**
 * struct mdk_soft_devs - the software parent devices of one driver
 * @name: the platform driver's name; devices are "@name.ID"
 * @max: ids are 0 to @max - 1
 * @lock: protects @pdevs, @closed and @deleting
 * @pdevs: the device of each id; NULL for none, an error pointer while
 *	the device of that id is being deleted
 * @closed: mdk_soft_devs_destroy() started; no new devices
 * @deleting: deletes in flight
 * @deleted: woken when a delete is over
 */
struct mdk_soft_devs {
	const char *name;
	unsigned int max;
	struct mutex lock;	/* pdevs, closed, deleting */
	struct platform_device **pdevs;
	bool closed;
	unsigned int deleting;
	wait_queue_head_t deleted;
};

int mdk_soft_devs_init(struct mdk_soft_devs *sd, const char *name,
		       unsigned int max);
void mdk_soft_devs_destroy(struct mdk_soft_devs *sd);
int mdk_soft_dev_new(struct mdk_soft_devs *sd, unsigned int id,
		     const void *data, size_t size);
int mdk_soft_dev_del(struct mdk_soft_devs *sd, unsigned int id);
ssize_t mdk_soft_dev_del_store(struct mdk_soft_devs *sd, const char *buf,
			       size_t count);

#endif /* _MDEVKIT_SOFT_H */
