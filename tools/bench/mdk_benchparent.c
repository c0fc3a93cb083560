// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_benchparent - the parent that `make bench` measures.
 *
 * It uses the upstream parent API of <linux/mdev.h> and nothing else, so
 * the same source builds against the kernel's mdev.ko and against
 * mdev_core (through mdevkit's compat header); the benchmark loads one
 * build, then the other, in the same VM. One platform device
 * "mdk_benchparent" offers one type, "mdk_benchparent-bench", counted the
 * upstream way (max_instances) with room for far more than the benchmark
 * creates; an mdev's probe and remove do nothing, so what is measured is
 * the core's create and remove paths and sysfs.
 */

#include <linux/device.h>
#include <linux/err.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#define MDK_BP_NAME		"mdk_benchparent"
#define MDK_BP_MAX_INSTANCES	16384

static int mdk_bp_mdev_probe(struct mdev_device *mdev)
{
	return 0;
}

static void mdk_bp_mdev_remove(struct mdev_device *mdev)
{
}

static struct mdev_driver mdk_bp_mdev_driver = {
	.device_api = "vfio-pci",
	.max_instances = MDK_BP_MAX_INSTANCES,
	.probe = mdk_bp_mdev_probe,
	.remove = mdk_bp_mdev_remove,
	.driver = {
		.name = MDK_BP_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
};

static struct mdev_type mdk_bp_type = {
	.sysfs_name = "bench",
	.pretty_name = "bench",
};

static struct mdev_type *mdk_bp_types[] = { &mdk_bp_type };

static struct mdev_parent mdk_bp_parent;
static struct platform_device *mdk_bp_pdev;

static int mdk_bp_probe(struct platform_device *pdev)
{
	return mdev_register_parent(&mdk_bp_parent, &pdev->dev,
				    &mdk_bp_mdev_driver, mdk_bp_types,
				    ARRAY_SIZE(mdk_bp_types));
}

static void mdk_bp_remove(struct platform_device *pdev)
{
	mdev_unregister_parent(&mdk_bp_parent);
}

static struct platform_driver mdk_bp_driver = {
	.probe = mdk_bp_probe,
	/* .remove returns int in 6.1; .remove_new is void in 6.1 and 6.12 */
	.remove_new = mdk_bp_remove,
	.driver = {
		.name = MDK_BP_NAME,
	},
};

static int __init mdk_bp_init(void)
{
	int ret;

	ret = mdev_register_driver(&mdk_bp_mdev_driver);
	if (ret)
		return ret;
	ret = platform_driver_register(&mdk_bp_driver);
	if (ret)
		goto err_mdev_driver;
	mdk_bp_pdev = platform_device_register_simple(MDK_BP_NAME,
						      PLATFORM_DEVID_NONE,
						      NULL, 0);
	if (IS_ERR(mdk_bp_pdev)) {
		ret = PTR_ERR(mdk_bp_pdev);
		goto err_platform_driver;
	}
	return 0;

err_platform_driver:
	platform_driver_unregister(&mdk_bp_driver);
err_mdev_driver:
	mdev_unregister_driver(&mdk_bp_mdev_driver);
	return ret;
}

static void __exit mdk_bp_exit(void)
{
	platform_device_unregister(mdk_bp_pdev);
	platform_driver_unregister(&mdk_bp_driver);
	mdev_unregister_driver(&mdk_bp_mdev_driver);
}

module_init(mdk_bp_init);
module_exit(mdk_bp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdevkit benchmark parent (upstream mdev parent API only)");
MODULE_AUTHOR("mdevkit");
