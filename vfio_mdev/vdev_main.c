// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev: the generic VFIO PCI personality of an mdev (lifecycle).
 *
 * mdk_vdev_create() turns a parent's description into a VFIO device: it
 * builds the virtual config space and the BAR layouts, then registers the
 * mdev with vfio_register_emulated_iommu_dev(), so that it works with
 * vfio_iommu_type1 and no hardware IOMMU. mdk_vdev_destroy() unregisters it;
 * the VFIO core waits there for the user to close the device, asking it to
 * through the REQ interrupt (mdk_vdev_request()).
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <mdevkit/compat.h>

#include "vcap.h"
#include "vfio_mdev_priv.h"

static int mdk_vdev_open_device(struct vfio_device *vfio)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);
	int ret = 0;

	mutex_lock(&vdev->lock);
	/* As vfio-pci's open: a clean function with decoding enabled. */
	down_write(&vdev->memory_lock);
	vdev->cfg = vdev->cfg_init;
	mdk_vdev_enable_decode(vdev);
	up_write(&vdev->memory_lock);
	mdk_vdev_irqs_reset(vdev);
	vdev->req_warned = false;
	vdev->mm = current->mm;
	if (vdev->mm)
		mmgrab(vdev->mm);
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
	if (vdev->ops->open)
		ret = vdev->ops->open(vdev);
	if (ret && vdev->mm) {
		mmdrop(vdev->mm);
		vdev->mm = NULL;
	}
	mutex_unlock(&vdev->lock);
	return ret;
}

static void mdk_vdev_close_device(struct vfio_device *vfio)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);

	mdk_vdev_irqs_disable(vdev);
	mutex_lock(&vdev->lock);
	if (vdev->ops->close)
		vdev->ops->close(vdev);
	/* The data fds end; a parent closed while quiesced resumes, idle. */
	mdk_vdev_mig_reset(vdev);
	/* The parent's workers are stopped: none is in the address space. */
	if (vdev->mm)
		mmdrop(vdev->mm);
	vdev->mm = NULL;
	mutex_unlock(&vdev->lock);
}

static void mdk_vdev_release(struct vfio_device *vfio)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);
	unsigned int i;

	mdk_vdev_irqs_free(vdev);
	mdk_vdev_mmap_free(vdev);
	for (i = 0; i < MDK_VCFG_NR_BARS; i++)
		kfree(vdev->bars[i].vranges);
	mutex_destroy(&vdev->lock);
	mdk_vfio_release_free(vfio);
}

static const struct vfio_device_ops mdk_vdev_vfio_ops = {
	.name		= "vfio-mdevkit",
	.open_device	= mdk_vdev_open_device,
	.close_device	= mdk_vdev_close_device,
	.release	= mdk_vdev_release,
	.read		= mdk_vdev_read,
	.write		= mdk_vdev_write,
	.ioctl		= mdk_vdev_ioctl,
	.mmap		= mdk_vdev_mmap,
	.request	= mdk_vdev_request,
	.dma_unmap	= mdk_vdev_dma_unmap,
	MDK_VFIO_IOMMUFD_OPS
};

/* Checks a passthrough range's backing and copies a BAR's layout. */
static int mdk_vdev_init_bar(struct mdk_vdev *vdev, unsigned int bar)
{
	const struct mdk_vdev_bar *desc = &vdev->info.bars[bar];
	struct mdk_vdev_bar_state *st = &vdev->bars[bar];
	u64 size = vdev->info.pci.bars[bar].size;
	unsigned int i;

	if (!size) {
		if (desc->nr_ranges)
			return -EINVAL;
		return 0;
	}
	if (desc->nr_ranges > MDK_VDEV_MAX_RANGES ||
	    (desc->nr_ranges && !desc->ranges))
		return -EINVAL;
	st->vranges = kcalloc(max(desc->nr_ranges, 1U), sizeof(*st->vranges),
			      GFP_KERNEL);
	if (!st->vranges)
		return -ENOMEM;
	for (i = 0; i < desc->nr_ranges; i++) {
		const struct mdk_vdev_range *r = &desc->ranges[i];

		if (r->kind == MDK_VBAR_PASSTHROUGH) {
			if (vdev->info.pci.bars[bar].flags & MDK_VCFG_BAR_IO)
				return -EINVAL;
			if (!!r->mem == !!r->phys)
				return -EINVAL;
			if (r->mem && (!is_vmalloc_addr(r->mem) ||
				       !PAGE_ALIGNED(r->mem)))
				return -EINVAL;
			if (r->phys && (!r->io || !PAGE_ALIGNED(r->phys)))
				return -EINVAL;
		}
		st->vranges[i].offset = r->offset;
		st->vranges[i].size = r->size;
		st->vranges[i].kind = r->kind;
	}
	st->ranges = desc->ranges;
	st->decode = vdev->info.pci.bars[bar].flags & MDK_VCFG_BAR_IO ?
		     PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	st->layout.size = size;
	st->layout.nr_ranges = desc->nr_ranges;
	st->layout.ranges = st->vranges;
	return mdk_vbar_validate(&st->layout);
}

/* The MSI-X table and PBA must lie in trapped ranges of a memory BAR. */
static int mdk_vdev_check_msix(struct mdk_vdev *vdev)
{
	const struct mdk_vdev_info *info = &vdev->info;
	const struct mdk_vdev_bar_state *st;
	u64 table_end, pba_end;
	int a, b;

	if (!info->msix_vectors)
		return 0;
	if (info->msix_bar >= MDK_VCFG_NR_BARS)
		return -EINVAL;
	st = &vdev->bars[info->msix_bar];
	table_end = info->msix_table +
		    (u64)info->msix_vectors * PCI_MSIX_ENTRY_SIZE - 1;
	pba_end = info->msix_pba + DIV_ROUND_UP(info->msix_vectors, 64) * 8 - 1;
	if (!st->layout.size || table_end >= st->layout.size ||
	    pba_end >= st->layout.size)
		return -EINVAL;
	a = mdk_vbar_find(&st->layout, info->msix_table);
	b = mdk_vbar_find(&st->layout, table_end);
	if (a < 0 || a != b || st->vranges[a].kind != MDK_VBAR_TRAP)
		return -EINVAL;
	a = mdk_vbar_find(&st->layout, info->msix_pba);
	b = mdk_vbar_find(&st->layout, pba_end);
	if (a < 0 || a != b || st->vranges[a].kind != MDK_VBAR_TRAP)
		return -EINVAL;
	return 0;
}

static int mdk_vdev_build(struct mdk_vdev *vdev)
{
	const struct mdk_vdev_info *info = &vdev->info;
	struct mdk_vcfg *cfg = &vdev->cfg_init;
	unsigned int i;
	int ret;

	ret = mdk_vcfg_init(cfg, &info->pci);
	if (ret)
		return ret;
	for (i = 0; i < MDK_VCFG_NR_BARS; i++) {
		ret = mdk_vdev_init_bar(vdev, i);
		if (ret)
			return ret;
	}
	ret = mdk_vdev_check_msix(vdev);
	if (ret)
		return ret;
	if (info->pci.express) {
		ret = mdk_vcap_add_exp(cfg);
		if (ret < 0)
			return ret;
	}
	if (info->pm) {
		ret = mdk_vcap_add_pm(cfg);
		if (ret < 0)
			return ret;
	}
	if (info->msi_vectors) {
		ret = mdk_vcap_add_msi(cfg, info->msi_vectors, info->msi_64bit,
				       false);
		if (ret < 0)
			return ret;
		vdev->msi_cap = ret;
	}
	if (info->msix_vectors) {
		ret = mdk_vcap_add_msix(cfg, info->msix_vectors, info->msix_bar,
					info->msix_table, info->msix_bar,
					info->msix_pba);
		if (ret < 0)
			return ret;
		vdev->msix_cap = ret;
	}
	for (i = 0; i < info->nr_vendor_caps; i++) {
		ret = mdk_vcap_add_vendor(cfg, info->vendor_caps[i].len,
					  info->vendor_caps[i].body);
		if (ret < 0)
			return ret;
	}
	return mdk_vdev_irqs_init(vdev);
}

/**
 * mdk_vdev_create() - make an mdev a VFIO PCI device
 * @mdev: the mdev, in the parent's mdev_driver probe
 * @info: what the device looks like; copied, but the BARs' ranges must
 *	outlive the device
 * @ops: the parent's callbacks; must outlive the device
 * @priv: the parent's data, returned by mdk_vdev_priv()
 *
 * Builds the config space and BAR layouts, registers the device with VFIO
 * (an emulated-IOMMU device: it needs no hardware IOMMU) and sets the mdev's
 * driver data to the new device.
 *
 * Context: process; the mdev's probe.
 * Return: the device, or ERR_PTR(-EINVAL) for a description vfio_mdev
 * cannot serve (bad BAR, range, capability or MSI-X placement), -ENOMEM, or
 * an error from the VFIO core.
 */
struct mdk_vdev *mdk_vdev_create(struct mdev_device *mdev,
				 const struct mdk_vdev_info *info,
				 const struct mdk_vdev_ops *ops, void *priv)
{
	struct mdk_vdev *vdev;
	int ret;

	if (!mdev || !info || !ops)
		return ERR_PTR(-EINVAL);
	vdev = vfio_alloc_device(mdk_vdev, vfio, &mdev->dev,
				 &mdk_vdev_vfio_ops);
	if (IS_ERR(vdev))
		return vdev;
	vdev->mdev = mdev;
	vdev->ops = ops;
	vdev->priv = priv;
	vdev->info = *info;
	mutex_init(&vdev->lock);
	init_rwsem(&vdev->memory_lock);
	spin_lock_init(&vdev->irq_lock);
	spin_lock_init(&vdev->unmap_lock);
	INIT_LIST_HEAD(&vdev->unmaps);
	ret = mdk_vdev_build(vdev);
	if (ret)
		goto err_put;
	ret = mdk_vdev_mmap_init(vdev);
	if (ret)
		goto err_put;
	vdev->cfg = vdev->cfg_init;
	ret = mdk_vdev_mig_init(vdev);
	if (ret)
		goto err_put;
	dev_set_drvdata(&mdev->dev, vdev);
	ret = vfio_register_emulated_iommu_dev(&vdev->vfio);
	if (ret)
		goto err_drvdata;
	return vdev;

err_drvdata:
	dev_set_drvdata(&mdev->dev, NULL);
err_put:
	vfio_put_device(&vdev->vfio);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(mdk_vdev_create);

/**
 * mdk_vdev_destroy() - unregister and free a device
 * @vdev: from mdk_vdev_create()
 *
 * Waits until the user has closed the device: while it is open, the VFIO
 * core asks it to let go through the REQ interrupt every 10 s (a user
 * without a REQ eventfd is only logged once; the caller then blocks until
 * the user closes the device on its own).
 *
 * Context: process; the mdev's remove.
 */
void mdk_vdev_destroy(struct mdk_vdev *vdev)
{
	struct mdev_device *mdev = vdev->mdev;

	vfio_unregister_group_dev(&vdev->vfio);
	mdk_vdev_unmaps_wait(vdev);
	dev_set_drvdata(&mdev->dev, NULL);
	vfio_put_device(&vdev->vfio);
}
EXPORT_SYMBOL_GPL(mdk_vdev_destroy);

/**
 * mdk_vdev_priv() - the parent's data
 * @vdev: the device
 *
 * Return: the @priv given to mdk_vdev_create().
 */
void *mdk_vdev_priv(const struct mdk_vdev *vdev)
{
	return vdev->priv;
}
EXPORT_SYMBOL_GPL(mdk_vdev_priv);

/**
 * mdk_vdev_dev() - the device to log against
 * @vdev: the device
 *
 * Return: the mdev's struct device.
 */
struct device *mdk_vdev_dev(const struct mdk_vdev *vdev)
{
	return &vdev->mdev->dev;
}
EXPORT_SYMBOL_GPL(mdk_vdev_dev);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdevkit: the generic VFIO PCI personality of mdevs");
