/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev_core internals shared between its files.
 *
 * Lifetimes: the parent's struct mdev_parent and its types belong to the
 * parent and are valid from registration until unregistration returns.
 * Everything that can outlive that (a type directory, an mdev still
 * referenced after its removal) is allocated by mdev_core and, once the
 * parent is gone, touches only itself.
 */
#ifndef _MDEV_CORE_PRIV_H
#define _MDEV_CORE_PRIV_H

#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <mdevkit/mdev_core.h>

#include "mdev_res.h"

/*
 * MDK_UEVENT_CONST and MDK_MATCH_CONST come from Kbuild: "const" on kernels
 * whose struct bus_type callbacks take const arguments (uevent's device
 * since 6.3, match's driver since 6.11), empty on older ones.
 */

/**
 * struct mdk_parent - mdev_core's private state of a registered parent
 * @parent: the parent's public structure
 * @lock: protects @mdevs, @res and the state of every mdev of the parent
 * @mdevs: mdevs that are live (creation done, removal not started), linked
 *	by &mdev_device.next
 * @dirs: the type directories, one per &mdev_parent.types entry
 * @has_res: the parent registered with pools (mdk_register_parent_res())
 * @capped: creates count down &mdev_parent.available_instances
 * @res: the parent's pools, when @has_res
 * @res_kobj: <parent>/mdevkit/, when @has_res (mdev_res_sysfs.c)
 */
struct mdk_parent {
	struct mdev_parent *parent;
	struct mutex lock;	/* mdevs, res, mdk_mdev.state */
	struct list_head mdevs;
	struct mdk_type_dir **dirs;
	bool has_res;
	bool capped;
	struct mdk_res_set res;
	struct kobject *res_kobj;
};

/**
 * struct mdk_type_dir - the sysfs directory of one type
 * @kobj: <parent>/mdev_supported_types/<driver>-<sysfs_name>
 * @devices_kobj: its "devices" directory
 * @type: the parent's type; valid while @kobj is in sysfs
 *
 * Each mdev holds a reference on @kobj until it is released, so the
 * directory may outlive the parent; its release touches nothing else.
 */
struct mdk_type_dir {
	struct kobject kobj;
	struct kobject *devices_kobj;
	struct mdev_type *type;
};

/**
 * enum mdk_mdev_state - where an mdev is in its life
 * @MDK_MDEV_NEW: being created; not removable yet
 * @MDK_MDEV_LIVE: created; on its parent's list
 * @MDK_MDEV_GONE: its removal has been claimed by one remover
 */
enum mdk_mdev_state {
	MDK_MDEV_NEW,
	MDK_MDEV_LIVE,
	MDK_MDEV_GONE,
};

/**
 * struct mdk_mdev - an mdev and mdev_core's bookkeeping of it
 * @mdev: the public part, what parents see
 * @node: entry in the table of UUIDs in use
 * @dir: its type's directory; a reference, dropped at release
 * @grant: what it got from the parent's pools (zero without pools)
 * @state: see &enum mdk_mdev_state; protected by &mdk_parent.lock
 * @hashed: @node is in the UUID table
 * @counted: it took one of &mdev_parent.available_instances
 * @reserved: @grant is reserved in &mdk_parent.res
 */
struct mdk_mdev {
	struct mdev_device mdev;
	struct rhash_head node;
	struct mdk_type_dir *dir;
	struct mdk_res_grant grant;
	enum mdk_mdev_state state;
	bool hashed;
	bool counted;
	bool reserved;
};

static inline struct mdk_mdev *to_mdk_mdev(struct mdev_device *mdev)
{
	return container_of(mdev, struct mdk_mdev, mdev);
}

static inline struct mdk_type_dir *to_mdk_type_dir(struct kobject *kobj)
{
	return container_of(kobj, struct mdk_type_dir, kobj);
}

/* mdev_bus.c */
int mdk_bus_init(void);
void mdk_bus_exit(void);
void mdk_bus_adopt(struct device *dev);
bool mdk_bus_has_driver(const struct mdev_driver *drv);

/* mdev_main.c */
extern struct class_compat *mdk_bus_class;

/* mdev_type.c */
int mdk_types_add(struct mdk_parent *mp);
void mdk_types_remove(struct mdk_parent *mp);
unsigned int mdk_type_available(struct mdk_type_dir *dir);

/* mdev_device.c */
int mdk_uuids_init(void);
void mdk_uuids_destroy(void);
int mdk_device_create(struct mdk_type_dir *dir, const guid_t *uuid);
void mdk_devices_remove_all(struct mdk_parent *mp);

/* mdev_res_sysfs.c */
extern const struct attribute_group mdk_mdev_res_group;
int mdk_parent_res_add(struct mdk_parent *mp);
void mdk_parent_res_del(struct mdk_parent *mp);

/* mdev_engine.c, mdev_engine_qos.c */
struct mdk_engine;
struct mdk_engine_user;
void __mdk_engine_changed(struct mdk_engine *e, u64 now);
int mdk_engine_qos_add(struct mdk_engine_user *u, struct device *dev);
void mdk_engine_qos_del(struct mdk_engine_user *u);

#endif /* _MDEV_CORE_PRIV_H */
