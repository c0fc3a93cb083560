/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a parent declares of a virtual PCI function, shared by the public
 * <mdevkit/vfio_mdev.h> and vfio_mdev's pure units (vcfg, vbar), which
 * KUnit builds without VFIO.
 */
#ifndef _MDEVKIT_VDEV_TYPES_H
#define _MDEVKIT_VDEV_TYPES_H

#include <linux/bits.h>
#include <linux/types.h>

#define MDK_VCFG_NR_BARS	6

/* BAR flags */
#define MDK_VCFG_BAR_IO		BIT(0)	/* I/O space (else memory) */
#define MDK_VCFG_BAR_64		BIT(1)	/* 64-bit memory BAR: takes two slots */
#define MDK_VCFG_BAR_PREFETCH	BIT(2)	/* prefetchable memory */

/**
 * struct mdk_vcfg_bar - one BAR as a parent declares it
 * @size: in bytes, a power of two (memory: at least 16; I/O: 4 to 256);
 *	0 for an unused slot
 * @flags: MDK_VCFG_BAR_*
 */
struct mdk_vcfg_bar {
	u64 size;
	u32 flags;
};

/**
 * struct mdk_vcfg_desc - the identity of a virtual PCI function
 * @vendor: PCI_VENDOR_ID
 * @device: PCI_DEVICE_ID
 * @subsystem_vendor: PCI_SUBSYSTEM_VENDOR_ID
 * @subsystem_device: PCI_SUBSYSTEM_ID
 * @class: PCI_CLASS_REVISION >> 8: base class, sub-class, programming
 *	interface (24 bits)
 * @revision: PCI_REVISION_ID
 * @irq_pin: PCI_INTERRUPT_PIN: 0 for none, 1 for INTA#
 * @express: a PCI Express function: 4 KiB of config space, extended
 *	capabilities from PCI_CFG_SPACE_SIZE
 * @bars: the BARs; the slot after a 64-bit BAR must be unused
 */
struct mdk_vcfg_desc {
	u16 vendor;
	u16 device;
	u16 subsystem_vendor;
	u16 subsystem_device;
	u32 class;
	u8 revision;
	u8 irq_pin;
	bool express;
	struct mdk_vcfg_bar bars[MDK_VCFG_NR_BARS];
};

enum mdk_vbar_kind {
	MDK_VBAR_TRAP,		/* the parent's read/write callbacks */
	MDK_VBAR_PASSTHROUGH,	/* pages mapped into the user */
};

#endif /* _MDEVKIT_VDEV_TYPES_H */
