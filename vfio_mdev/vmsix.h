/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_mdev MSI-X emulation: the vector table and pending bit array a guest
 * sees, per-vector and function masking, and the rule that a vector raised
 * while masked is held pending and delivered when unmasked.
 *
 * Pure logic (STYLE.md rule 3): no locks, no user copies, no PCI or VFIO
 * calls; the table and the pending bitmap are the caller's memory. The
 * caller serialises every call on one instance with the device's lock.
 */
#ifndef _VFIO_MDEV_VMSIX_H
#define _VFIO_MDEV_VMSIX_H

#include <linux/pci_regs.h>
#include <linux/types.h>

/* The largest table PCI allows (Table Size is 11 bits, N - 1). */
#define MDK_VMSIX_MAX_VECTORS	2048

/**
 * struct mdk_vmsix - the MSI-X state of one function
 * @nr: vectors, 1 to %MDK_VMSIX_MAX_VECTORS
 * @enabled: the capability's MSI-X Enable bit
 * @function_masked: the capability's Function Mask bit
 * @table: @nr entries of %PCI_MSIX_ENTRY_SIZE bytes, little endian
 * @pending: @nr bits, the Pending Bit Array
 */
struct mdk_vmsix {
	unsigned int nr;
	bool enabled;
	bool function_masked;
	u8 *table;
	unsigned long *pending;
};

int mdk_vmsix_init(struct mdk_vmsix *msix, unsigned int nr, u8 *table,
		   unsigned long *pending);
bool mdk_vmsix_raise(struct mdk_vmsix *msix, unsigned int vector);
int mdk_vmsix_set_masked(struct mdk_vmsix *msix, unsigned int vector,
			 bool masked);
unsigned int mdk_vmsix_set_control(struct mdk_vmsix *msix, bool enabled,
				   bool function_masked, unsigned long *fire);
int mdk_vmsix_table_read(const struct mdk_vmsix *msix, unsigned int off,
			 void *buf, unsigned int len);
int mdk_vmsix_table_write(struct mdk_vmsix *msix, unsigned int off,
			  const void *buf, unsigned int len);
int mdk_vmsix_pba_read(const struct mdk_vmsix *msix, unsigned int off,
		       void *buf, unsigned int len);

#endif /* _VFIO_MDEV_VMSIX_H */
