/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MDK_EXPORT() exports a function of one of mdev_core's pure units from
 * mdev_core.ko, and nothing when the unit is linked into the KUnit module
 * (kunit/Makefile defines MDK_KUNIT_LINKED): that module must not export
 * mdev_core's names a second time.
 */
#ifndef _MDEV_EXPORT_H
#define _MDEV_EXPORT_H

#include <linux/export.h>

#ifdef MDK_KUNIT_LINKED
#define MDK_EXPORT(sym)	static_assert(1, #sym)
#else
#define MDK_EXPORT(sym)	EXPORT_SYMBOL_GPL(sym)
#endif

#endif /* _MDEV_EXPORT_H */
