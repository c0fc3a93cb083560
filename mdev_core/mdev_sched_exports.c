// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core: exports of the device scheduler policy (mdev_sched.c), kept
 * apart so that the pure unit also links into the KUnit module.
 */
#include <linux/export.h>
#include <linux/module.h>
#include <mdevkit/sched.h>

EXPORT_SYMBOL_GPL(mdk_sched_init);
EXPORT_SYMBOL_GPL(mdk_sched_qos_check);
EXPORT_SYMBOL_GPL(mdk_sched_ent_init);
EXPORT_SYMBOL_GPL(mdk_sched_ent_set);
EXPORT_SYMBOL_GPL(mdk_sched_activate);
EXPORT_SYMBOL_GPL(mdk_sched_idle);
EXPORT_SYMBOL_GPL(mdk_sched_pick);
EXPORT_SYMBOL_GPL(mdk_sched_charge);
EXPORT_SYMBOL_GPL(mdk_sched_ent_stats);
