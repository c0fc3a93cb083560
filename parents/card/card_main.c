// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_card - an emulated SR-IOV-like card whose virtual functions are mdevs
 * (docs/card.md).
 *
 * A card is either a real PCI device whose BAR2 becomes the portal space
 * (in the test VM, QEMU's ivshmem; bound only through driver_override, so
 * the driver never claims a device it was not given), or a software card
 * whose portal space is host memory (module parameter soft=N). Either way
 * it has P portal pages, P queues and P vectors, which mdev_core's resource
 * model carves into VFs of 1, 2, 4 or 8 queues (types mdk_card-1q ...
 * mdk_card-8q). The card's sysfs shows its totals and what is free.
 */

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <mdevkit/soft.h>

#include "card_priv.h"

#define MDK_CARD_NAME		"mdk_card"
/* Portal pages of a card: at most this many (a 16 MiB BAR has 4096). */
#define MDK_CARD_MAX_PORTALS	1024
#define MDK_CARD_SOFT_PORTALS	64
/* Software cards: ids 0 to MDK_CARD_MAX_SOFT - 1. */
#define MDK_CARD_MAX_SOFT	64

static unsigned int soft;
module_param(soft, uint, 0444);
MODULE_PARM_DESC(soft, "software cards mdk_card.0 to .N-1 to make at load, N up to 64 (host-memory portals; the driver's new_device and del_device make and delete ids 0-63 at run time)");

static const unsigned int mdk_card_type_queues[MDK_CARD_NR_TYPES] = {
	1, 2, 4, 8
};

static ssize_t mdk_card_desc_show(struct mdev_type *mtype, char *buf)
{
	struct mdk_card *card = container_of(mtype->parent, struct mdk_card,
					     parent);
	unsigned int n = mdk_card_type_queues[mtype - card->types];

	return sysfs_emit(buf, "queues=%u portals=%u vectors=%u\n", n, n, n);
}

struct mdev_driver mdk_card_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = MDK_CARD_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = mdk_card_vf_probe,
	.remove = mdk_card_vf_remove,
	.show_description = mdk_card_desc_show,
};

/* <card>/{portals,queues,vectors}_{total,free} */
static struct mdk_card *mdk_card_of(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t mdk_card_units(struct device *dev, char *buf,
			      enum mdk_res_kind kind, bool free)
{
	struct mdk_card *card = mdk_card_of(dev);
	u32 v;

	mutex_lock(&card->lock);
	v = card->pools.size[kind] - (free ? card->used[kind] : 0);
	mutex_unlock(&card->lock);
	return sysfs_emit(buf, "%u\n", v);
}

#define MDK_CARD_ATTR(name, kind, free)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return mdk_card_units(dev, buf, kind, free);			\
}									\
static DEVICE_ATTR_RO(name)

MDK_CARD_ATTR(portals_total, MDK_RES_BAR2, false);
MDK_CARD_ATTR(portals_free, MDK_RES_BAR2, true);
MDK_CARD_ATTR(queues_total, MDK_RES_QUEUE, false);
MDK_CARD_ATTR(queues_free, MDK_RES_QUEUE, true);
MDK_CARD_ATTR(vectors_total, MDK_RES_VECTOR, false);
MDK_CARD_ATTR(vectors_free, MDK_RES_VECTOR, true);

static struct attribute *mdk_card_attrs[] = {
	&dev_attr_portals_total.attr, &dev_attr_portals_free.attr,
	&dev_attr_queues_total.attr, &dev_attr_queues_free.attr,
	&dev_attr_vectors_total.attr, &dev_attr_vectors_free.attr,
	NULL
};

static const struct attribute_group mdk_card_group = {
	.attrs = mdk_card_attrs,
};

/* Pools, types, sysfs, the engine's scheduler, and the mdev parent. */
static int mdk_card_init(struct mdk_card *card, struct device *dev,
			 unsigned int portals)
{
	static const char * const names[] = { "1q", "2q", "4q", "8q" };
	static const char * const pretty[] = {
		"VF with 1 queue", "VF with 2 queues", "VF with 4 queues",
		"VF with 8 queues",
	};
	unsigned int i, n;
	int ret;

	card->dev = dev;
	mutex_init(&card->lock);
	INIT_LIST_HEAD(&card->vfs);
	mdk_engine_init(&card->engine);
	card->pools.size[MDK_RES_BAR2] = portals;
	card->pools.size[MDK_RES_QUEUE] = portals;
	card->pools.size[MDK_RES_VECTOR] = portals;
	for (i = 0; i < MDK_CARD_NR_TYPES; i++) {
		n = mdk_card_type_queues[i];
		card->demands[i].need[MDK_RES_BAR2] =
			(struct mdk_res_need){ n, n };
		card->demands[i].need[MDK_RES_QUEUE] =
			(struct mdk_res_need){ n, n };
		card->demands[i].need[MDK_RES_VECTOR] =
			(struct mdk_res_need){ n, 1 };
		card->types[i].sysfs_name = names[i];
		card->types[i].pretty_name = pretty[i];
		card->types[i].demand = &card->demands[i];
		card->typeps[i] = &card->types[i];
	}
	dev_set_drvdata(dev, card);
	ret = sysfs_create_group(&dev->kobj, &mdk_card_group);
	if (ret)
		return ret;
	ret = mdk_register_parent_res(&card->parent, dev, &mdk_card_driver,
				      card->typeps, MDK_CARD_NR_TYPES,
				      &card->pools);
	if (ret)
		goto err_group;
	return 0;

err_group:
	sysfs_remove_group(&dev->kobj, &mdk_card_group);
	return ret;
}

/* Removes every VF (each waits for its user), then the card. */
static void mdk_card_exit(struct mdk_card *card)
{
	mdev_unregister_parent(&card->parent);
	mdk_engine_destroy(&card->engine);
	sysfs_remove_group(&card->dev->kobj, &mdk_card_group);
}

/* ---- the PCI card ---------------------------------------------------------- */

static int mdk_card_pci_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	struct mdk_card *card;
	resource_size_t len = pci_resource_len(pdev, 2);
	int ret;

	if (!(pci_resource_flags(pdev, 2) & IORESOURCE_MEM) ||
	    len < MDK_CARD_PORTAL_SIZE)
		return -ENODEV;
	card = devm_kzalloc(&pdev->dev, sizeof(*card), GFP_KERNEL);
	if (!card)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(2), MDK_CARD_NAME);
	if (ret)
		return ret;
	card->portal_io = pcim_iomap_table(pdev)[2];
	card->portal_phys = pci_resource_start(pdev, 2);
	return mdk_card_init(card, &pdev->dev,
			     min_t(resource_size_t, len / MDK_CARD_PORTAL_SIZE,
				   MDK_CARD_MAX_PORTALS));
}

static void mdk_card_pci_remove(struct pci_dev *pdev)
{
	mdk_card_exit(pci_get_drvdata(pdev));
}

/* No IDs: it binds only the device named with driver_override. */
static const struct pci_device_id mdk_card_pci_ids[] = { { } };

static struct pci_driver mdk_card_pci_driver = {
	.name = MDK_CARD_NAME,
	.id_table = mdk_card_pci_ids,
	.probe = mdk_card_pci_probe,
	.remove = mdk_card_pci_remove,
};

/* ---- the software card -------------------------------------------------- */

static int mdk_card_soft_probe(struct platform_device *pdev)
{
	struct mdk_card *card;
	int ret;

	card = devm_kzalloc(&pdev->dev, sizeof(*card), GFP_KERNEL);
	if (!card)
		return -ENOMEM;
	card->portal_mem = vmalloc_user(MDK_CARD_SOFT_PORTALS *
					MDK_CARD_PORTAL_SIZE);
	if (!card->portal_mem)
		return -ENOMEM;
	ret = mdk_card_init(card, &pdev->dev, MDK_CARD_SOFT_PORTALS);
	if (ret)
		vfree(card->portal_mem);
	return ret;
}

static void mdk_card_soft_remove(struct platform_device *pdev)
{
	struct mdk_card *card = platform_get_drvdata(pdev);

	mdk_card_exit(card);
	vfree(card->portal_mem);
}

/*
 * The software cards, by id: soft=N makes 0..N-1 at load, the driver's
 * new_device and del_device files make and delete them at run time
 * (netdevsim's way, with mdev_core's table). Deleting a card with mdevs is a
 * parent going away: their users get a request to release them first, as
 * for a PCI unbind.
 */
static struct mdk_soft_devs mdk_card_softs;

/* "ID\n": a software card mdk_card.ID; EEXIST if it exists. */
static ssize_t new_device_store(struct device_driver *drv, const char *buf,
				size_t count)
{
	unsigned int id;
	int ret = kstrtouint(buf, 10, &id);

	if (!ret)
		ret = mdk_soft_dev_new(&mdk_card_softs, id, NULL, 0);
	return ret ? ret : count;
}
static DRIVER_ATTR_WO(new_device);

/* "ID\n": delete software card ID; ENOENT if there is none. */
static ssize_t del_device_store(struct device_driver *drv, const char *buf,
				size_t count)
{
	return mdk_soft_dev_del_store(&mdk_card_softs, buf, count);
}
static DRIVER_ATTR_WO(del_device);

static struct attribute *mdk_card_soft_drv_attrs[] = {
	&driver_attr_new_device.attr,
	&driver_attr_del_device.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mdk_card_soft_drv);

static struct platform_driver mdk_card_soft_driver = {
	.driver.name = MDK_CARD_NAME,
	.driver.groups = mdk_card_soft_drv_groups,
	/* new_device returns once the card is a parent */
	.driver.probe_type = PROBE_FORCE_SYNCHRONOUS,
	.probe = mdk_card_soft_probe,
	/* .remove returns int in 6.1; .remove_new is void in 6.1 and 6.12 */
	.remove_new = mdk_card_soft_remove,
};

static int __init mdk_card_mod_init(void)
{
	unsigned int i;
	int ret;

	if (soft > MDK_CARD_MAX_SOFT)
		return -EINVAL;
	ret = mdk_soft_devs_init(&mdk_card_softs, MDK_CARD_NAME,
				 MDK_CARD_MAX_SOFT);
	if (ret)
		return ret;
	ret = mdev_register_driver(&mdk_card_driver);
	if (ret)
		goto err_softs_free;
	ret = platform_driver_register(&mdk_card_soft_driver);
	if (ret)
		goto err_mdev;
	ret = pci_register_driver(&mdk_card_pci_driver);
	if (ret)
		goto err_soft;
	for (i = 0; i < soft; i++) {
		ret = mdk_soft_dev_new(&mdk_card_softs, i, NULL, 0);
		if (ret && ret != -EEXIST)	/* new_device was quicker */
			goto err_softs;
	}
	return 0;

err_softs:
	mdk_soft_devs_destroy(&mdk_card_softs);
	pci_unregister_driver(&mdk_card_pci_driver);
err_soft:
	platform_driver_unregister(&mdk_card_soft_driver);
err_mdev:
	mdev_unregister_driver(&mdk_card_driver);
err_softs_free:
	mdk_soft_devs_destroy(&mdk_card_softs);
	return ret;
}

static void __exit mdk_card_mod_exit(void)
{
	mdk_soft_devs_destroy(&mdk_card_softs);
	pci_unregister_driver(&mdk_card_pci_driver);
	platform_driver_unregister(&mdk_card_soft_driver);
	mdev_unregister_driver(&mdk_card_driver);
}

module_init(mdk_card_mod_init);
module_exit(mdk_card_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdevkit: an emulated SR-IOV-like card whose VFs are mdevs");
