/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The differences between the kernels mdevkit builds against (Debian's 6.1
 * and 6.12), in one place, so that .c files carry no version tests. Each is
 * detected by what the kernel's headers provide, not by version number, so
 * that backports work too.
 */
#ifndef _MDEVKIT_COMPAT_H
#define _MDEVKIT_COMPAT_H

/* get_unaligned_le32() and friends: <linux/unaligned.h> since 6.12. */
#if __has_include("linux/unaligned.h")
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * The rest is for vfio_mdev's glue. These APIs changed shape without a macro
 * or header to detect, so the kernel's version decides: MDK_KV is
 * VERSION * 1000 + PATCHLEVEL (6012 for 6.12), which vfio_mdev/Kbuild sets.
 */
#ifdef MDK_KV

#include <linux/vfio.h>

/* eventfd_signal(ctx, n) returned the count until 6.8; now (ctx). */
#if MDK_KV >= 6008
#define mdk_eventfd_signal(ctx)	eventfd_signal(ctx)
#else
#define mdk_eventfd_signal(ctx)	eventfd_signal(ctx, 1)
#endif

/*
 * vfio_device_ops.release had to end in vfio_free_device() until 6.2; since
 * then the core frees the device after release.
 */
static inline void mdk_vfio_release_free(struct vfio_device *vfio)
{
#if MDK_KV < 6002
	vfio_free_device(vfio);
#endif
}

/*
 * With CONFIG_IOMMUFD (neither Debian kernel has it), 6.2+ registers an
 * emulated-IOMMU device only with the iommufd ops; they are the kernel's.
 */
#if IS_ENABLED(CONFIG_IOMMUFD) && MDK_KV >= 6002
#define MDK_VFIO_IOMMUFD_OPS					\
	.bind_iommufd	= vfio_iommufd_emulated_bind,		\
	.unbind_iommufd	= vfio_iommufd_emulated_unbind,		\
	.attach_ioas	= vfio_iommufd_emulated_attach_ioas,	\
	.detach_ioas	= vfio_iommufd_emulated_detach_ioas,
#else
#define MDK_VFIO_IOMMUFD_OPS
#endif

/*
 * VFIO_DEVICE_FEATURE_MIG_DATA_SIZE and vfio_migration_ops'
 * migration_get_data_size() came in 6.2; 6.12's core calls it without a
 * check, so a driver with migration must have it there.
 */
#ifdef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
#define MDK_VFIO_MIG_DATA_SIZE_OP				\
	.migration_get_data_size = mdk_vdev_mig_get_data_size,
#else
#define MDK_VFIO_MIG_DATA_SIZE_OP
#endif

/*
 * PRE_COPY, PRE_COPY_P2P and VFIO_MIG_GET_PRECOPY_INFO came in 6.2 too.
 * Without them the flag is not offered, so the core never asks for those
 * states, and the values below (the uAPI's) are never met.
 */
#ifdef VFIO_MIG_GET_PRECOPY_INFO
#define MDK_MIGRATION_PRE_COPY		VFIO_MIGRATION_PRE_COPY
#define MDK_STATE_PRE_COPY		VFIO_DEVICE_STATE_PRE_COPY
#define MDK_STATE_PRE_COPY_P2P		VFIO_DEVICE_STATE_PRE_COPY_P2P
#define MDK_MIG_GET_PRECOPY_INFO	VFIO_MIG_GET_PRECOPY_INFO
#else
#define MDK_MIGRATION_PRE_COPY		0
#define MDK_STATE_PRE_COPY		6
#define MDK_STATE_PRE_COPY_P2P		7
#define MDK_MIG_GET_PRECOPY_INFO	_IO(VFIO_TYPE, VFIO_BASE + 21)
#endif

/* vm_flags became read-only behind vm_flags_set() in 6.3. */
#if MDK_KV >= 6003
#define mdk_vm_flags_set(vma, flags)	vm_flags_set(vma, flags)
#else
#define mdk_vm_flags_set(vma, flags)	((vma)->vm_flags |= (flags))
#endif

#endif /* MDK_KV */

#endif /* _MDEVKIT_COMPAT_H */
