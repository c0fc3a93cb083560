// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_minimal - the smallest complete vfio_mdev parent (docs/vfio-mdev.md).
 *
 * One platform device "mdk_minimal" offers type "mdk_minimal-1". Each mdev
 * is a PCI function 1af4:10f0 with one MSI-X vector and an 8 KiB BAR0:
 *
 *   0x0000  SCRATCH   rw  a 32-bit register
 *   0x0004  DOORBELL  w   any write raises MSI-X vector 0
 *   0x0800, 0x0c00    the MSI-X table and PBA (vfio_mdev emulates them)
 *   0x1000  4 KiB of memory shared with the user (mmap)
 * Everything else (VFIO registration, config space, region decoding, mmap,
 * eventfds, masking, reset) is vfio_mdev's.
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <mdevkit/compat.h>
#include <mdevkit/vfio_mdev.h>

#define MDK_MIN_NAME		"mdk_minimal"
#define MDK_MIN_SCRATCH		0x0
#define MDK_MIN_DOORBELL	0x4

struct mdk_min {		/* one mdev */
	struct mdk_vdev *vdev;
	u32 scratch;		/* under the vdev's lock (callbacks) */
	void *shared;		/* the passthrough page */
	struct mdk_vdev_range ranges[2];
};

static int mdk_min_read(struct mdk_vdev *vdev, unsigned int bar, u64 off,
			void *buf, unsigned int len)
{
	struct mdk_min *m = mdk_vdev_priv(vdev);

	if (off == MDK_MIN_SCRATCH && len == 4)
		put_unaligned_le32(m->scratch, buf);
	return 0;		/* the rest reads as zero, ignores writes */
}

static int mdk_min_write(struct mdk_vdev *vdev, unsigned int bar, u64 off,
			 const void *buf, unsigned int len)
{
	struct mdk_min *m = mdk_vdev_priv(vdev);

	if (len == 4 && off == MDK_MIN_SCRATCH)
		m->scratch = get_unaligned_le32(buf);
	else if (len == 4 && off == MDK_MIN_DOORBELL)
		mdk_vdev_raise(vdev, 0);	/* MSI-X vector 0 */
	return 0;
}

static void mdk_min_reset(struct mdk_vdev *vdev)
{
	struct mdk_min *m = mdk_vdev_priv(vdev);

	m->scratch = 0;
}

static const struct mdk_vdev_ops mdk_min_ops = {
	.read	= mdk_min_read,
	.write	= mdk_min_write,
	.reset	= mdk_min_reset,
};

static int mdk_min_probe(struct mdev_device *mdev)
{
	struct mdk_vdev_info info = {
		.pci = {
			.vendor = 0x1af4, .device = 0x10f0,
			.subsystem_vendor = 0x1af4, .subsystem_device = 0x1100,
			.class = 0xff0000,
			.bars[0] = { .size = 0x2000 },
		},
		.msix_vectors = 1, .msix_bar = 0,
		.msix_table = 0x800, .msix_pba = 0xc00,
	};
	struct mdk_min *m;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->shared = vmalloc_user(PAGE_SIZE);
	if (!m->shared) {
		ret = -ENOMEM;
		goto err_free;
	}
	m->ranges[0] = (struct mdk_vdev_range){
		.offset = 0, .size = 0x1000, .kind = MDK_VBAR_TRAP,
	};
	m->ranges[1] = (struct mdk_vdev_range){
		.offset = 0x1000, .size = 0x1000, .kind = MDK_VBAR_PASSTHROUGH,
		.mem = m->shared,
	};
	info.bars[0] = (struct mdk_vdev_bar){ 2, m->ranges };
	m->vdev = mdk_vdev_create(mdev, &info, &mdk_min_ops, m);
	if (IS_ERR(m->vdev)) {
		ret = PTR_ERR(m->vdev);
		goto err_vfree;
	}
	return 0;

err_vfree:
	vfree(m->shared);
err_free:
	kfree(m);
	return ret;
}

static void mdk_min_remove(struct mdev_device *mdev)
{
	struct mdk_vdev *vdev = dev_get_drvdata(&mdev->dev);
	struct mdk_min *m = mdk_vdev_priv(vdev);

	mdk_vdev_destroy(vdev);	/* waits until the user let go */
	vfree(m->shared);
	kfree(m);
}

static struct mdev_driver mdk_min_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.max_instances = 16,
	.driver = {
		.name = MDK_MIN_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = mdk_min_probe,
	.remove = mdk_min_remove,
};

static struct mdev_type mdk_min_type = {
	.sysfs_name = "1",
	.pretty_name = "minimal vfio_mdev device",
};

static struct mdev_type *mdk_min_types[] = { &mdk_min_type };
static struct mdev_parent mdk_min_parent;
static struct platform_device *mdk_min_pdev;

/* The parent is a platform device, bound so its types are "mdk_minimal-*". */
static int mdk_min_pdev_probe(struct platform_device *pdev)
{
	return mdev_register_parent(&mdk_min_parent, &pdev->dev,
				    &mdk_min_driver, mdk_min_types,
				    ARRAY_SIZE(mdk_min_types));
}

static void mdk_min_pdev_remove(struct platform_device *pdev)
{
	mdev_unregister_parent(&mdk_min_parent);
}

static struct platform_driver mdk_min_pdrv = {
	.driver.name = MDK_MIN_NAME,
	.probe = mdk_min_pdev_probe,
	.remove_new = mdk_min_pdev_remove,	/* void in 6.1 and 6.12 */
};

static int __init mdk_min_init(void)
{
	int ret;

	ret = mdev_register_driver(&mdk_min_driver);
	if (ret)
		return ret;
	ret = platform_driver_register(&mdk_min_pdrv);
	if (ret)
		goto err_driver;
	mdk_min_pdev = platform_device_register_simple(MDK_MIN_NAME, -1, NULL,
						       0);
	if (IS_ERR(mdk_min_pdev)) {
		ret = PTR_ERR(mdk_min_pdev);
		goto err_pdrv;
	}
	return 0;

err_pdrv:
	platform_driver_unregister(&mdk_min_pdrv);
err_driver:
	mdev_unregister_driver(&mdk_min_driver);
	return ret;
}

static void __exit mdk_min_exit(void)
{
	platform_device_unregister(mdk_min_pdev);
	platform_driver_unregister(&mdk_min_pdrv);
	mdev_unregister_driver(&mdk_min_driver);
}

module_init(mdk_min_init);
module_exit(mdk_min_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdevkit: the smallest complete vfio_mdev parent");
