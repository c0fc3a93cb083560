// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_vfiotest - a test-only vfio_mdev parent that uses every feature.
 * Never installed; loaded only inside the test VM.
 *
 * One platform device "mdk_vfiotest" with one type "mdk_vfiotest-full" (four
 * instances). Each mdev is a PCI Express function 1af4:10f1 with PM, MSI (4
 * vectors, 64-bit), MSI-X (8 vectors) and INTx, and three BARs:
 *
 * BAR0, 64 KiB, 64-bit prefetchable memory:
 *   0x0000-0x0fff  trapped scratch      0x4000-0x4fff  passthrough
 *   0x1000-0x2fff  passthrough          0x5000-0x5fff  passthrough
 *   0x3000-0x3fff  trapped scratch      0x6000-0x7fff  hole
 *   0x8000-0x8fff  trapped: MSI-X table at 0x8000, PBA at 0x8800
 *   0x9000-0xffff  trapped scratch
 * BAR2, 8 KiB, 32-bit memory, trapped: control registers (MDK_VT_*) at 0,
 *   the DMA buffer at 0x1000.
 * BAR4, 256 bytes of I/O, trapped scratch.
 *
 * Trapped scratch stores what is written and returns it; every trapped
 * access outside BAR2 is recorded (LAST_*), with the size and offset the
 * callback saw. Passthrough pages are vmalloc_user() memory.
 *
 * A second type, "mdk_vfiotest-mmio", is the same but for BAR0's first
 * passthrough range (0x1000-0x2fff), which is MMIO: an 8 KiB slice of BAR2
 * of a PCI device bound to the driver "mdk_vfiotest_bar" (through
 * driver_override only: it matches no ID), in the test VM the ivshmem
 * device. Each mmio mdev gets its own slice (up to 8); without the PCI
 * device, creating one fails with -ENODEV. Unbinding the PCI device waits
 * until its mmio mdevs are removed.
 */

#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/vfio.h>
#include <linux/vmalloc.h>
#include <mdevkit/compat.h>
#include <mdevkit/vfio_mdev.h>

#define MDK_VT_NAME		"mdk_vfiotest"
#define MDK_VT_BAR0_SIZE	0x10000
#define MDK_VT_BAR2_SIZE	0x2000
#define MDK_VT_BAR4_SIZE	0x100
#define MDK_VT_PT_PAGES		4
#define MDK_VT_DMA_BUF		0x1000
#define MDK_VT_DMA_SIZE		0x1000
#define MDK_VT_MAX_PIN		512
#define MDK_VT_SLICE		0x2000	/* an mmio mdev's part of the PCI BAR */
#define MDK_VT_SLICES		8

/* BAR2 registers */
#define MDK_VT_RAISE		0x00	/* w: raise this vector */
#define MDK_VT_STATUS		0x04	/* r: result of the last command */
#define MDK_VT_DMA_IOVA		0x08	/* rw: 64-bit */
#define MDK_VT_DMA_LEN		0x10	/* rw */
#define MDK_VT_DMA_CMD		0x14	/* w: MDK_VT_CMD_* */
#define MDK_VT_NR_PINNED	0x18	/* r */
#define MDK_VT_RESETS		0x1c	/* r */
#define MDK_VT_OPENS		0x20	/* r */
#define MDK_VT_CLOSES		0x24	/* r */
#define MDK_VT_UNMAPS		0x28	/* r: dma_unmap calls that unpinned */
#define MDK_VT_LAST_BAR		0x30	/* r */
#define MDK_VT_LAST_OFF		0x34	/* r */
#define MDK_VT_LAST_LEN		0x38	/* r */
#define MDK_VT_ACCESSES		0x3c	/* r */

#define MDK_VT_CMD_DMA_READ	1	/* user memory -> DMA buffer */
#define MDK_VT_CMD_DMA_WRITE	2	/* DMA buffer -> user memory */
#define MDK_VT_CMD_PIN		3	/* pin DMA_LEN pages at DMA_IOVA */
#define MDK_VT_CMD_UNPIN	4	/* unpin them */
#define MDK_VT_CMD_ERR		5	/* raise ERR */

struct mdk_vt_parent {
	struct mdev_parent parent;
	struct mdev_type types[2];
	struct mdev_type *typeps[2];
};

/* The PCI device whose BAR2 backs the mmio type. */
static struct {
	struct mutex lock;	/* guards the rest */
	wait_queue_head_t idle;
	struct pci_dev *pdev;
	void __iomem *io;
	phys_addr_t phys;
	unsigned long used;	/* slices taken by mmio mdevs */
} mdk_vt_bar = {
	.lock = __MUTEX_INITIALIZER(mdk_vt_bar.lock),
	.idle = __WAIT_QUEUE_HEAD_INITIALIZER(mdk_vt_bar.idle),
};

/*
 * One mdev. Counters and registers are under the vdev's lock (the parent's
 * callbacks are serialised), the pin record under @pin_lock (dma_unmap
 * comes without the vdev's lock).
 */
struct mdk_vt {
	struct mdk_vdev *vdev;
	u8 *scratch0;
	u8 scratch4[MDK_VT_BAR4_SIZE];
	u8 dma[MDK_VT_DMA_SIZE];
	void *pt;
	struct mdk_vdev_range bar0[8];
	struct mdk_vdev_range bar2[1];
	struct mdk_vdev_range bar4[1];
	int slice;		/* mmio type: the slice of the PCI BAR, or -1 */
	u64 iova;
	u32 len;
	s32 status;
	u32 resets, opens, closes, last_bar, last_off, last_len, accesses;
	spinlock_t pin_lock;	/* guards the pin record below */
	bool pinning;
	bool pin_lost;
	u64 pin_iova;
	u32 nr_pinned;
	u32 unmaps;
	struct page *pages[MDK_VT_MAX_PIN];
};

static struct platform_device *mdk_vt_pdev;

static u32 mdk_vt_reg(struct mdk_vt *vt, u64 off)
{
	u32 v = 0;

	switch (off) {
	case MDK_VT_STATUS:
		return vt->status;
	case MDK_VT_DMA_IOVA:
		return lower_32_bits(vt->iova);
	case MDK_VT_DMA_IOVA + 4:
		return upper_32_bits(vt->iova);
	case MDK_VT_DMA_LEN:
		return vt->len;
	case MDK_VT_NR_PINNED:
		spin_lock(&vt->pin_lock);
		v = vt->nr_pinned;
		spin_unlock(&vt->pin_lock);
		return v;
	case MDK_VT_RESETS:
		return vt->resets;
	case MDK_VT_OPENS:
		return vt->opens;
	case MDK_VT_CLOSES:
		return vt->closes;
	case MDK_VT_UNMAPS:
		spin_lock(&vt->pin_lock);
		v = vt->unmaps;
		spin_unlock(&vt->pin_lock);
		return v;
	case MDK_VT_LAST_BAR:
		return vt->last_bar;
	case MDK_VT_LAST_OFF:
		return vt->last_off;
	case MDK_VT_LAST_LEN:
		return vt->last_len;
	case MDK_VT_ACCESSES:
		return vt->accesses;
	}
	return 0;
}

/*
 * Pins: vfio_pin_pages() and vfio_unpin_pages() take the container's locks,
 * and dma_unmap() is called with one of them held, so no lock of ours is
 * held across those calls (lockdep proves the cycle otherwise). @pin_lock,
 * a spinlock, only guards the record; a pin an unmap overlapped while it
 * was being taken is dropped at once.
 */
static void mdk_vt_unpin(struct mdk_vt *vt)
{
	u64 iova;
	u32 n;

	spin_lock(&vt->pin_lock);
	iova = vt->pin_iova;
	n = vt->nr_pinned;
	vt->nr_pinned = 0;
	spin_unlock(&vt->pin_lock);
	if (n)
		mdk_vdev_unpin(vt->vdev, iova, n);
}

static int mdk_vt_pin(struct mdk_vt *vt)
{
	bool lost;
	int ret;

	if (!vt->len || vt->len > MDK_VT_MAX_PIN)
		return -EINVAL;
	mdk_vt_unpin(vt);
	spin_lock(&vt->pin_lock);
	vt->pinning = true;
	vt->pin_lost = false;
	vt->pin_iova = vt->iova;
	spin_unlock(&vt->pin_lock);
	ret = mdk_vdev_pin(vt->vdev, vt->iova, vt->len,
			   IOMMU_READ | IOMMU_WRITE, vt->pages);
	spin_lock(&vt->pin_lock);
	vt->pinning = false;
	lost = vt->pin_lost;
	if (ret > 0 && !lost)
		vt->nr_pinned = ret;
	spin_unlock(&vt->pin_lock);
	if (ret > 0 && lost) {
		mdk_vdev_unpin(vt->vdev, vt->iova, ret);
		return -EFAULT;
	}
	return ret < 0 ? ret : 0;
}

static int mdk_vt_command(struct mdk_vt *vt, u32 cmd)
{
	switch (cmd) {
	case MDK_VT_CMD_DMA_READ:
	case MDK_VT_CMD_DMA_WRITE:
		if (!vt->len || vt->len > MDK_VT_DMA_SIZE)
			return -EINVAL;
		return mdk_vdev_dma_rw(vt->vdev, vt->iova, vt->dma, vt->len,
				       cmd == MDK_VT_CMD_DMA_WRITE);
	case MDK_VT_CMD_PIN:
		return mdk_vt_pin(vt);
	case MDK_VT_CMD_UNPIN:
		mdk_vt_unpin(vt);
		return 0;
	case MDK_VT_CMD_ERR:
		return mdk_vdev_raise_err(vt->vdev);
	}
	return -EINVAL;
}

static int mdk_vt_ctrl_write(struct mdk_vt *vt, u64 off, const void *buf,
			     unsigned int len)
{
	u32 v;

	if (off >= MDK_VT_DMA_BUF) {
		memcpy(vt->dma + off - MDK_VT_DMA_BUF, buf, len);
		return 0;
	}
	if (len != 4 || off % 4)
		return -EINVAL;
	v = get_unaligned_le32(buf);
	switch (off) {
	case MDK_VT_RAISE:
		vt->status = mdk_vdev_raise(vt->vdev, v);
		break;
	case MDK_VT_DMA_IOVA:
		vt->iova = (vt->iova & ~0xffffffffULL) | v;
		break;
	case MDK_VT_DMA_IOVA + 4:
		vt->iova = lower_32_bits(vt->iova) | ((u64)v << 32);
		break;
	case MDK_VT_DMA_LEN:
		vt->len = v;
		break;
	case MDK_VT_DMA_CMD:
		vt->status = mdk_vt_command(vt, v);
		break;
	}
	return 0;
}

static u8 *mdk_vt_scratch(struct mdk_vt *vt, unsigned int bar, u64 off)
{
	return bar == 0 ? vt->scratch0 + off : vt->scratch4 + off;
}

static void mdk_vt_record(struct mdk_vt *vt, unsigned int bar, u64 off,
			  unsigned int len)
{
	vt->last_bar = bar;
	vt->last_off = off;
	vt->last_len = len;
	vt->accesses++;
}

static int mdk_vt_read(struct mdk_vdev *vdev, unsigned int bar, u64 off,
		       void *buf, unsigned int len)
{
	struct mdk_vt *vt = mdk_vdev_priv(vdev);

	if (bar == 2) {
		if (off >= MDK_VT_DMA_BUF)
			memcpy(buf, vt->dma + off - MDK_VT_DMA_BUF, len);
		else if (len == 4 && !(off % 4))
			put_unaligned_le32(mdk_vt_reg(vt, off), buf);
		else
			return -EINVAL;
		return 0;
	}
	mdk_vt_record(vt, bar, off, len);
	if (len == 4)	/* the common case, without a call to memcpy() */
		put_unaligned(get_unaligned((u32 *)mdk_vt_scratch(vt, bar, off)),
			      (u32 *)buf);
	else
		memcpy(buf, mdk_vt_scratch(vt, bar, off), len);
	return 0;
}

static int mdk_vt_write(struct mdk_vdev *vdev, unsigned int bar, u64 off,
			const void *buf, unsigned int len)
{
	struct mdk_vt *vt = mdk_vdev_priv(vdev);

	if (bar == 2)
		return mdk_vt_ctrl_write(vt, off, buf, len);
	mdk_vt_record(vt, bar, off, len);
	if (len == 4)
		put_unaligned(get_unaligned((const u32 *)buf),
			      (u32 *)mdk_vt_scratch(vt, bar, off));
	else
		memcpy(mdk_vt_scratch(vt, bar, off), buf, len);
	return 0;
}

static void mdk_vt_reset(struct mdk_vdev *vdev)
{
	struct mdk_vt *vt = mdk_vdev_priv(vdev);

	vt->resets++;
}

static int mdk_vt_open(struct mdk_vdev *vdev)
{
	struct mdk_vt *vt = mdk_vdev_priv(vdev);

	vt->opens++;
	return 0;
}

static void mdk_vt_close(struct mdk_vdev *vdev)
{
	struct mdk_vt *vt = mdk_vdev_priv(vdev);

	vt->closes++;
	mdk_vt_unpin(vt);
}

static void mdk_vt_dma_unmap(struct mdk_vdev *vdev, u64 iova, u64 length)
{
	struct mdk_vt *vt = mdk_vdev_priv(vdev);
	u64 start, end;
	u32 n = 0;

	spin_lock(&vt->pin_lock);
	start = vt->pin_iova;
	end = start + (u64)(vt->pinning ? vt->len : vt->nr_pinned) * PAGE_SIZE;
	if (iova < end && iova + length > start) {
		if (vt->pinning) {
			vt->pin_lost = true;
		} else if (vt->nr_pinned) {
			n = vt->nr_pinned;
			vt->nr_pinned = 0;
			vt->unmaps++;
		}
	}
	spin_unlock(&vt->pin_lock);
	if (n)
		mdk_vdev_unpin(vdev, start, n);
}

static const struct mdk_vdev_ops mdk_vt_ops = {
	.open		= mdk_vt_open,
	.close		= mdk_vt_close,
	.read		= mdk_vt_read,
	.write		= mdk_vt_write,
	.reset		= mdk_vt_reset,
	.dma_unmap	= mdk_vt_dma_unmap,
};

static void mdk_vt_layout(struct mdk_vt *vt, struct mdk_vdev_info *info)
{
	static const struct { u64 off, size; bool pt; } bar0[] = {
		{ 0x0000, 0x1000, false }, { 0x1000, 0x2000, true },
		{ 0x3000, 0x1000, false }, { 0x4000, 0x1000, true },
		{ 0x5000, 0x1000, true }, { 0x8000, 0x1000, false },
		{ 0x9000, 0x7000, false },
	};
	unsigned int i, page = 0;

	for (i = 0; i < ARRAY_SIZE(bar0); i++) {
		struct mdk_vdev_range *r = &vt->bar0[i];

		r->offset = bar0[i].off;
		r->size = bar0[i].size;
		r->kind = bar0[i].pt ? MDK_VBAR_PASSTHROUGH : MDK_VBAR_TRAP;
		if (bar0[i].pt) {
			r->mem = vt->pt + page * PAGE_SIZE;
			page += r->size / PAGE_SIZE;
		}
	}
	vt->bar2[0] = (struct mdk_vdev_range){ 0, MDK_VT_BAR2_SIZE,
					       MDK_VBAR_TRAP };
	vt->bar4[0] = (struct mdk_vdev_range){ 0, MDK_VT_BAR4_SIZE,
					       MDK_VBAR_TRAP };

	info->pci = (struct mdk_vcfg_desc){
		.vendor = 0x1af4, .device = 0x10f1,
		.subsystem_vendor = 0x1af4, .subsystem_device = 0x1100,
		.class = 0xff0000, .revision = 1, .irq_pin = 1, .express = true,
		.bars = {
			[0] = { MDK_VT_BAR0_SIZE,
				MDK_VCFG_BAR_64 | MDK_VCFG_BAR_PREFETCH },
			[2] = { MDK_VT_BAR2_SIZE, 0 },
			[4] = { MDK_VT_BAR4_SIZE, MDK_VCFG_BAR_IO },
		},
	};
	info->bars[0] = (struct mdk_vdev_bar){ ARRAY_SIZE(bar0), vt->bar0 };
	info->bars[2] = (struct mdk_vdev_bar){ 1, vt->bar2 };
	info->bars[4] = (struct mdk_vdev_bar){ 1, vt->bar4 };
	info->pm = true;
	info->msi_vectors = 4;
	info->msi_64bit = true;
	info->msix_vectors = 8;
	info->msix_bar = 0;
	info->msix_table = 0x8000;
	info->msix_pba = 0x8800;
}

/* BAR0's range 1 becomes a slice of the PCI device's BAR2. */
static int mdk_vt_take_slice(struct mdk_vt *vt)
{
	struct mdk_vdev_range *r = &vt->bar0[1];
	int slice;

	mutex_lock(&mdk_vt_bar.lock);
	slice = find_first_zero_bit(&mdk_vt_bar.used, MDK_VT_SLICES);
	if (!mdk_vt_bar.pdev || slice >= MDK_VT_SLICES) {
		mutex_unlock(&mdk_vt_bar.lock);
		return mdk_vt_bar.pdev ? -ENOSPC : -ENODEV;
	}
	__set_bit(slice, &mdk_vt_bar.used);
	r->mem = NULL;
	r->phys = mdk_vt_bar.phys + slice * MDK_VT_SLICE;
	r->io = mdk_vt_bar.io + slice * MDK_VT_SLICE;
	vt->slice = slice;
	mutex_unlock(&mdk_vt_bar.lock);
	return 0;
}

static void mdk_vt_free(struct mdk_vt *vt)
{
	if (vt->slice >= 0) {
		mutex_lock(&mdk_vt_bar.lock);
		__clear_bit(vt->slice, &mdk_vt_bar.used);
		mutex_unlock(&mdk_vt_bar.lock);
		wake_up(&mdk_vt_bar.idle);
	}
	vfree(vt->pt);
	vfree(vt->scratch0);
	kfree(vt);
}

static int mdk_vt_probe(struct mdev_device *mdev)
{
	struct mdk_vdev_info info = {};
	struct mdk_vt *vt;
	int ret;

	vt = kzalloc(sizeof(*vt), GFP_KERNEL);
	if (!vt)
		return -ENOMEM;
	spin_lock_init(&vt->pin_lock);
	vt->scratch0 = vzalloc(MDK_VT_BAR0_SIZE);
	vt->pt = vmalloc_user(MDK_VT_PT_PAGES * PAGE_SIZE);
	if (!vt->scratch0 || !vt->pt) {
		ret = -ENOMEM;
		goto err_free;
	}
	mdk_vt_layout(vt, &info);
	vt->slice = -1;
	if (!strcmp(mdev->type->sysfs_name, "mmio")) {
		ret = mdk_vt_take_slice(vt);
		if (ret)
			goto err_free;
	}
	vt->vdev = mdk_vdev_create(mdev, &info, &mdk_vt_ops, vt);
	if (IS_ERR(vt->vdev)) {
		ret = PTR_ERR(vt->vdev);
		goto err_free;
	}
	return 0;

err_free:
	mdk_vt_free(vt);
	return ret;
}

static void mdk_vt_remove(struct mdev_device *mdev)
{
	struct mdk_vdev *vdev = dev_get_drvdata(&mdev->dev);
	struct mdk_vt *vt = mdk_vdev_priv(vdev);

	mdk_vdev_destroy(vdev);
	mdk_vt_free(vt);
}

static struct mdev_driver mdk_vt_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.max_instances = 4,
	.driver = {
		.name = MDK_VT_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = mdk_vt_probe,
	.remove = mdk_vt_remove,
};

static int mdk_vt_pdev_probe(struct platform_device *pdev)
{
	struct mdk_vt_parent *p;

	p = devm_kzalloc(&pdev->dev, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->types[0].sysfs_name = "full";
	p->types[0].pretty_name = "every vfio_mdev feature";
	p->types[1].sysfs_name = "mmio";
	p->types[1].pretty_name = "full, with MMIO passthrough pages";
	p->typeps[0] = &p->types[0];
	p->typeps[1] = &p->types[1];
	platform_set_drvdata(pdev, p);
	return mdev_register_parent(&p->parent, &pdev->dev, &mdk_vt_driver,
				    p->typeps, ARRAY_SIZE(p->typeps));
}

static void mdk_vt_pdev_remove(struct platform_device *pdev)
{
	struct mdk_vt_parent *p = platform_get_drvdata(pdev);

	mdev_unregister_parent(&p->parent);
}

static struct platform_driver mdk_vt_pdrv = {
	.driver.name = MDK_VT_NAME,
	.probe = mdk_vt_pdev_probe,
	/* .remove returns int in 6.1; .remove_new is void in 6.1 and 6.12 */
	.remove_new = mdk_vt_pdev_remove,
};

static int mdk_vt_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	if (!(pci_resource_flags(pdev, 2) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 2) < MDK_VT_SLICES * MDK_VT_SLICE)
		return -ENODEV;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(2), MDK_VT_NAME);
	if (ret)
		return ret;
	mutex_lock(&mdk_vt_bar.lock);
	if (mdk_vt_bar.pdev) {
		ret = -EBUSY;	/* one device is enough */
	} else {
		mdk_vt_bar.pdev = pdev;
		mdk_vt_bar.io = pcim_iomap_table(pdev)[2];
		mdk_vt_bar.phys = pci_resource_start(pdev, 2);
	}
	mutex_unlock(&mdk_vt_bar.lock);
	return ret;
}

static void mdk_vt_pci_remove(struct pci_dev *pdev)
{
	/* No new mmio mdevs; those that map the BAR must be gone first. */
	mutex_lock(&mdk_vt_bar.lock);
	mdk_vt_bar.pdev = NULL;
	mutex_unlock(&mdk_vt_bar.lock);
	wait_event(mdk_vt_bar.idle, !READ_ONCE(mdk_vt_bar.used));
}

/* No IDs: it binds only the device a test names with driver_override. */
static const struct pci_device_id mdk_vt_pci_ids[] = { { } };

static struct pci_driver mdk_vt_pci_driver = {
	.name = MDK_VT_NAME "_bar",
	.id_table = mdk_vt_pci_ids,
	.probe = mdk_vt_pci_probe,
	.remove = mdk_vt_pci_remove,
};

static int __init mdk_vt_init(void)
{
	int ret;

	ret = mdev_register_driver(&mdk_vt_driver);
	if (ret)
		return ret;
	ret = platform_driver_register(&mdk_vt_pdrv);
	if (ret)
		goto err_mdrv;
	ret = pci_register_driver(&mdk_vt_pci_driver);
	if (ret)
		goto err_pdrv;
	mdk_vt_pdev = platform_device_register_simple(MDK_VT_NAME, -1, NULL, 0);
	if (IS_ERR(mdk_vt_pdev)) {
		ret = PTR_ERR(mdk_vt_pdev);
		goto err_pci;
	}
	return 0;

err_pci:
	pci_unregister_driver(&mdk_vt_pci_driver);
err_pdrv:
	platform_driver_unregister(&mdk_vt_pdrv);
err_mdrv:
	mdev_unregister_driver(&mdk_vt_driver);
	return ret;
}

static void __exit mdk_vt_exit(void)
{
	platform_device_unregister(mdk_vt_pdev);
	pci_unregister_driver(&mdk_vt_pci_driver);
	platform_driver_unregister(&mdk_vt_pdrv);
	mdev_unregister_driver(&mdk_vt_driver);
}

module_init(mdk_vt_init);
module_exit(mdk_vt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdevkit test-only vfio_mdev parent using every feature");
