// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core: the table of a driver's software parent devices
 * (include/mdevkit/soft.h), for run-time new_device/del_device files.
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <mdevkit/soft.h>

/**
 * mdk_soft_devs_init() - an empty table of software parent devices
 * @sd: the table
 * @name: the platform driver's name, kept (not copied)
 * @max: ids are 0 to @max - 1; 1 to 4096
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for a bad @max, or -ENOMEM.
 */
int mdk_soft_devs_init(struct mdk_soft_devs *sd, const char *name,
		       unsigned int max)
{
	if (!max || max > 4096)
		return -EINVAL;
	sd->pdevs = kcalloc(max, sizeof(*sd->pdevs), GFP_KERNEL);
	if (!sd->pdevs)
		return -ENOMEM;
	sd->name = name;
	sd->max = max;
	sd->closed = false;
	sd->deleting = 0;
	mutex_init(&sd->lock);
	init_waitqueue_head(&sd->deleted);
	return 0;
}
EXPORT_SYMBOL_GPL(mdk_soft_devs_init);

/**
 * mdk_soft_dev_new() - make software parent device @id
 * @sd: the table
 * @id: its id: the device is "<name>.@id"
 * @data: platform data for the driver's probe (copied), or NULL
 * @size: bytes of @data
 *
 * Registers the platform device, whose probe (the driver is registered
 * already, with .driver.probe_type = PROBE_FORCE_SYNCHRONOUS: a probe left
 * to run asynchronously would look failed here) runs before this returns:
 * on success the device is bound and, if its probe registers an mdev
 * parent, that parent is registered.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for an id out of range; -EEXIST for an id in use;
 * -EBUSY while the device of that id is being deleted; -ENODEV once the
 * table is being destroyed; -EIO when the driver's probe failed (the device
 * is gone again); or the error of registering the device.
 */
int mdk_soft_dev_new(struct mdk_soft_devs *sd, unsigned int id,
		     const void *data, size_t size)
{
	struct platform_device *pdev;
	bool bound;
	int ret = 0;

	mutex_lock(&sd->lock);
	if (sd->closed || id >= sd->max) {
		ret = sd->closed ? -ENODEV : -EINVAL;
		goto out;
	}
	if (sd->pdevs[id]) {
		/* Being deleted: its name is still taken in sysfs. */
		ret = IS_ERR(sd->pdevs[id]) ? -EBUSY : -EEXIST;
		goto out;
	}
	pdev = platform_device_register_data(NULL, sd->name, id, data, size);
	if (IS_ERR(pdev)) {
		ret = PTR_ERR(pdev);
		goto out;
	}
	device_lock(&pdev->dev);
	bound = !!pdev->dev.driver;
	device_unlock(&pdev->dev);
	if (!bound) {
		/* No software parent without its driver. */
		platform_device_unregister(pdev);
		ret = -EIO;
		goto out;
	}
	sd->pdevs[id] = pdev;
out:
	mutex_unlock(&sd->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mdk_soft_dev_new);

/**
 * mdk_soft_dev_del() - delete software parent device @id
 * @sd: the table
 * @id: its id
 *
 * Unregisters the device: its driver's remove runs, which for an mdev
 * parent removes every mdev, each waiting for its user. Meanwhile the id
 * is busy (new and delete of it fail with -EBUSY); other ids can be made
 * and deleted (creates are serialised, each with its probe).
 *
 * Context: process context, may sleep (as long as mdev users take).
 * Return: 0; -EINVAL for an id out of range; -ENOENT for an id without a
 * device; -EBUSY while the device of that id is being deleted; -ENODEV
 * once the table is destroyed.
 */
int mdk_soft_dev_del(struct mdk_soft_devs *sd, unsigned int id)
{
	struct platform_device *pdev;

	mutex_lock(&sd->lock);
	if (!sd->pdevs || id >= sd->max) {
		mutex_unlock(&sd->lock);
		return sd->pdevs ? -EINVAL : -ENODEV;
	}
	pdev = sd->pdevs[id];
	if (!IS_ERR_OR_NULL(pdev)) {
		sd->pdevs[id] = ERR_PTR(-EBUSY);	/* until it is gone */
		sd->deleting++;
	}
	mutex_unlock(&sd->lock);
	if (!pdev)
		return -ENOENT;
	if (IS_ERR(pdev))
		return -EBUSY;
	platform_device_unregister(pdev);
	mutex_lock(&sd->lock);
	sd->pdevs[id] = NULL;
	WRITE_ONCE(sd->deleting, sd->deleting - 1);	/* read in destroy */
	mutex_unlock(&sd->lock);
	wake_up_all(&sd->deleted);
	return 0;
}
EXPORT_SYMBOL_GPL(mdk_soft_dev_del);

/**
 * mdk_soft_dev_del_store() - the body of a driver's del_device file
 * @sd: the table
 * @buf: what was written: a decimal id, optionally with a newline
 * @count: its length
 *
 * Context: process context, may sleep (see mdk_soft_dev_del()).
 * Return: @count; -EINVAL or -ERANGE for anything but a decimal id that
 * fits; or the error of mdk_soft_dev_del().
 */
ssize_t mdk_soft_dev_del_store(struct mdk_soft_devs *sd, const char *buf,
			       size_t count)
{
	unsigned int id;
	int ret = kstrtouint(buf, 10, &id);

	if (!ret)
		ret = mdk_soft_dev_del(sd, id);
	return ret ? ret : count;
}
EXPORT_SYMBOL_GPL(mdk_soft_dev_del_store);

/**
 * mdk_soft_devs_destroy() - delete every device and free the table
 * @sd: the table; tolerates a zeroed one (init not called or failed)
 *
 * New devices are refused from then on; deletes in flight (another thread
 * writing del_device) are waited for. Safe to call twice.
 *
 * Context: process context, may sleep.
 */
void mdk_soft_devs_destroy(struct mdk_soft_devs *sd)
{
	struct platform_device **pdevs;
	unsigned int id;

	if (!sd->pdevs)
		return;
	mutex_lock(&sd->lock);
	sd->closed = true;
	mutex_unlock(&sd->lock);
	for (id = 0; id < sd->max; id++)
		mdk_soft_dev_del(sd, id);
	wait_event(sd->deleted, !READ_ONCE(sd->deleting));
	/*
	 * A new_device or del_device write may still come until the driver
	 * is unregistered: it finds the table closed and empty (and the lock
	 * usable, so it is not destroyed).
	 */
	mutex_lock(&sd->lock);
	pdevs = sd->pdevs;
	sd->pdevs = NULL;
	mutex_unlock(&sd->lock);
	kfree(pdevs);
}
EXPORT_SYMBOL_GPL(mdk_soft_devs_destroy);
