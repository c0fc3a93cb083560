// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_nic - a software NIC whose mdevs are virtio-net PCI functions, each
 * with a host-side representor (docs/nic.md).
 *
 * NICs are platform devices mdk_nic.<ID>, created at load (nics=N) and at
 * run time through the driver's new_device and del_device files, as
 * netdevsim's are. Each NIC declares three pools to mdev_core's resource
 * model (virtqueues, MSI-X vectors, notify pages) and offers the types
 * mdk_nic-1qp, -2qp and -4qp; its sysfs shows the totals and what is free.
 */

#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <mdevkit/soft.h>

#include "nic_priv.h"

#define MDK_NIC_QUEUES		64
#define MDK_NIC_VECTORS		80
#define MDK_NIC_NOTIFY_PAGES	64
#define MDK_NIC_MAX_ID		255

static unsigned int nics;
module_param(nics, uint, 0444);
MODULE_PARM_DESC(nics, "NICs to create at load (IDs 0 to nics - 1)");

static bool notify_passthrough;
module_param(notify_passthrough, bool, 0444);
MODULE_PARM_DESC(notify_passthrough,
		 "the NICs created at load pass notify pages through (default: trapped)");

struct workqueue_struct *mdk_nic_wq;

static const unsigned int mdk_nic_type_pairs[MDK_NIC_NR_TYPES] = { 1, 2, 4 };

static unsigned int mdk_nic_pairs_vqs(unsigned int pairs)
{
	return 2 * pairs + (pairs > 1);
}

static ssize_t mdk_nic_desc_show(struct mdev_type *mtype, char *buf)
{
	struct mdk_nic *nic = container_of(mtype->parent, struct mdk_nic,
					   parent);
	unsigned int p = mdk_nic_type_pairs[mtype - nic->types];
	unsigned int q = mdk_nic_pairs_vqs(p);

	return sysfs_emit(buf,
			  "virtio-net queue_pairs=%u virtqueues=%u vectors=%u notify_pages=%u\n",
			  p, q, q + 1, q);
}

struct mdev_driver mdk_nic_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = MDK_NIC_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = mdk_nic_vf_probe,
	.remove = mdk_nic_vf_remove,
	.show_description = mdk_nic_desc_show,
};

/* <nic>/{queues,vectors,notify_pages}_{total,free}, <nic>/notify */
static ssize_t mdk_nic_units(struct device *dev, char *buf,
			     enum mdk_res_kind kind, bool total)
{
	struct mdk_nic *nic = dev_get_drvdata(dev);
	u32 n;

	mutex_lock(&nic->lock);
	n = total ? nic->pools.size[kind] : nic->pools.size[kind] - nic->used[kind];
	mutex_unlock(&nic->lock);
	return sysfs_emit(buf, "%u\n", n);
}

#define MDK_NIC_UNITS_ATTR(name, kind, total)				\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return mdk_nic_units(dev, buf, kind, total);			\
}									\
static DEVICE_ATTR_RO(name)

MDK_NIC_UNITS_ATTR(queues_total, MDK_RES_QUEUE, true);
MDK_NIC_UNITS_ATTR(queues_free, MDK_RES_QUEUE, false);
MDK_NIC_UNITS_ATTR(vectors_total, MDK_RES_VECTOR, true);
MDK_NIC_UNITS_ATTR(vectors_free, MDK_RES_VECTOR, false);
MDK_NIC_UNITS_ATTR(notify_pages_total, MDK_RES_BAR2, true);
MDK_NIC_UNITS_ATTR(notify_pages_free, MDK_RES_BAR2, false);

static ssize_t notify_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct mdk_nic *nic = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", nic->notify_pt ? "passthrough" : "trap");
}
static DEVICE_ATTR_RO(notify);

static struct attribute *mdk_nic_attrs[] = {
	&dev_attr_notify.attr,
	&dev_attr_queues_total.attr,
	&dev_attr_queues_free.attr,
	&dev_attr_vectors_total.attr,
	&dev_attr_vectors_free.attr,
	&dev_attr_notify_pages_total.attr,
	&dev_attr_notify_pages_free.attr,
	NULL
};

static const struct attribute_group mdk_nic_group = {
	.attrs = mdk_nic_attrs,
};

static int mdk_nic_probe(struct platform_device *pdev)
{
	static const char * const names[] = { "1qp", "2qp", "4qp" };
	static const char * const pretty[] = {
		"virtio-net, 1 queue pair", "virtio-net, 2 queue pairs",
		"virtio-net, 4 queue pairs",
	};
	struct mdk_nic *nic;
	const bool *pt;
	unsigned int i, q;
	int ret;

	nic = devm_kzalloc(&pdev->dev, sizeof(*nic), GFP_KERNEL);
	if (!nic)
		return -ENOMEM;
	nic->dev = &pdev->dev;
	nic->id = pdev->id;
	/* mdk_nic_new()'s bool: new_device (or nics=) asked for passthrough. */
	pt = dev_get_platdata(&pdev->dev);
	nic->notify_pt = pt && *pt;
	mutex_init(&nic->lock);
	ida_init(&nic->indices);
	mdk_engine_init(&nic->tx);
	nic->pools.size[MDK_RES_QUEUE] = MDK_NIC_QUEUES;
	nic->pools.size[MDK_RES_VECTOR] = MDK_NIC_VECTORS;
	nic->pools.size[MDK_RES_BAR2] = MDK_NIC_NOTIFY_PAGES;
	for (i = 0; i < MDK_NIC_NR_TYPES; i++) {
		q = mdk_nic_pairs_vqs(mdk_nic_type_pairs[i]);
		nic->demands[i].need[MDK_RES_QUEUE] = (struct mdk_res_need){ q, 1 };
		nic->demands[i].need[MDK_RES_VECTOR] =
			(struct mdk_res_need){ q + 1, 1 };
		nic->demands[i].need[MDK_RES_BAR2] = (struct mdk_res_need){ q, 1 };
		nic->types[i].sysfs_name = names[i];
		nic->types[i].pretty_name = pretty[i];
		nic->types[i].demand = &nic->demands[i];
		nic->typeps[i] = &nic->types[i];
	}
	platform_set_drvdata(pdev, nic);
	ret = sysfs_create_group(&pdev->dev.kobj, &mdk_nic_group);
	if (ret)
		return ret;
	ret = mdk_register_parent_res(&nic->parent, &pdev->dev,
				      &mdk_nic_mdev_driver, nic->typeps,
				      MDK_NIC_NR_TYPES, &nic->pools);
	if (ret) {
		sysfs_remove_group(&pdev->dev.kobj, &mdk_nic_group);
		return ret;
	}
	return 0;
}

/* Removes every mdev (each waits for its user), then the NIC. */
static void mdk_nic_remove(struct platform_device *pdev)
{
	struct mdk_nic *nic = platform_get_drvdata(pdev);

	mdev_unregister_parent(&nic->parent);
	mdk_engine_destroy(&nic->tx);
	sysfs_remove_group(&pdev->dev.kobj, &mdk_nic_group);
	ida_destroy(&nic->indices);
}

/* The NICs this module created: new_device and nics= (mdev_core's table). */
static struct mdk_soft_devs mdk_nic_devs;

static int mdk_nic_new(unsigned int id, bool pt)
{
	return mdk_soft_dev_new(&mdk_nic_devs, id, &pt, sizeof(pt));
}

/* "ID" or "ID notify=passthrough" (or "ID notify=trap"). */
static ssize_t new_device_store(struct device_driver *drv, const char *buf,
				size_t count)
{
	char mode[24] = "notify=trap";
	unsigned int id;
	int n = sscanf(buf, "%u %23s", &id, mode), ret;

	if (n < 1 || count > 64)
		return -EINVAL;
	if (!strcmp(mode, "notify=passthrough"))
		ret = mdk_nic_new(id, true);
	else if (!strcmp(mode, "notify=trap"))
		ret = mdk_nic_new(id, false);
	else
		ret = -EINVAL;
	return ret ? ret : count;
}
static DRIVER_ATTR_WO(new_device);

static ssize_t del_device_store(struct device_driver *drv, const char *buf,
				size_t count)
{
	return mdk_soft_dev_del_store(&mdk_nic_devs, buf, count);
}
static DRIVER_ATTR_WO(del_device);

static struct attribute *mdk_nic_drv_attrs[] = {
	&driver_attr_new_device.attr,
	&driver_attr_del_device.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mdk_nic_drv);

static struct platform_driver mdk_nic_driver = {
	.driver.name = MDK_NIC_NAME,
	.driver.groups = mdk_nic_drv_groups,
	/* new_device returns once the NIC is a parent */
	.driver.probe_type = PROBE_FORCE_SYNCHRONOUS,
	.probe = mdk_nic_probe,
	/* .remove returns int in 6.1; .remove_new is void in 6.1 and 6.12 */
	.remove_new = mdk_nic_remove,
};

static int __init mdk_nic_init(void)
{
	unsigned int i;
	int ret;

	if (nics > MDK_NIC_MAX_ID + 1)
		return -EINVAL;
	ret = mdk_soft_devs_init(&mdk_nic_devs, MDK_NIC_NAME, MDK_NIC_MAX_ID + 1);
	if (ret)
		return ret;
	mdk_nic_wq = alloc_workqueue("mdk_nic", WQ_UNBOUND, 0);
	if (!mdk_nic_wq) {
		ret = -ENOMEM;
		goto err_devs;
	}
	ret = mdev_register_driver(&mdk_nic_mdev_driver);
	if (ret)
		goto err_wq;
	ret = platform_driver_register(&mdk_nic_driver);
	if (ret)
		goto err_mdev;
	for (i = 0; i < nics; i++) {
		ret = mdk_nic_new(i, notify_passthrough);
		if (ret && ret != -EEXIST)	/* new_device was quicker */
			goto err_nics;
	}
	return 0;

err_nics:
	mdk_soft_devs_destroy(&mdk_nic_devs);
	platform_driver_unregister(&mdk_nic_driver);
err_mdev:
	mdev_unregister_driver(&mdk_nic_mdev_driver);
err_wq:
	destroy_workqueue(mdk_nic_wq);
err_devs:
	mdk_soft_devs_destroy(&mdk_nic_devs);
	return ret;
}

static void __exit mdk_nic_exit(void)
{
	/* First: new_device refuses from now on; unregistering drains it. */
	mdk_soft_devs_destroy(&mdk_nic_devs);
	platform_driver_unregister(&mdk_nic_driver);
	mdev_unregister_driver(&mdk_nic_mdev_driver);
	destroy_workqueue(mdk_nic_wq);
}

module_init(mdk_nic_init);
module_exit(mdk_nic_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdevkit: a software NIC whose mdevs are virtio-net functions");
