// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core: module init and exit.
 */

#include <linux/device.h>
#include <linux/module.h>

#include "mdev_core_priv.h"

struct class_compat *mdk_bus_class;

static int __init mdk_init(void)
{
	int ret;

	ret = mdk_uuids_init();
	if (ret)
		return ret;
	ret = mdk_bus_init();
	if (ret)
		goto err_uuids_destroy;
	mdk_bus_class = class_compat_register("mdev_bus");
	if (!mdk_bus_class) {
		ret = -ENOMEM;
		goto err_bus_unregister;
	}
	return 0;

err_bus_unregister:
	mdk_bus_exit();
err_uuids_destroy:
	mdk_uuids_destroy();
	return ret;
}

static void __exit mdk_exit(void)
{
	/*
	 * Parents are gone (they use our symbols), and so are the mdevs: each
	 * holds a reference on this module until its release has run.
	 */
	class_compat_unregister(mdk_bus_class);
	mdk_bus_exit();
	mdk_uuids_destroy();
}

module_init(mdk_init);
module_exit(mdk_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdevkit mediated device core (bus mdev, class mdev_bus)");
MODULE_AUTHOR("mdevkit");
