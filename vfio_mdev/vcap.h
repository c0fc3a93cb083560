/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_mdev capabilities: power management, MSI, MSI-X and vendor-specific
 * ones built
 * into a virtual configuration space (vcfg.h) with the write masks the PCI
 * specification gives their registers, and the lookup of a capability.
 *
 * Pure logic (STYLE.md rule 3), as vcfg.h: the caller serialises every call
 * on one space.
 */
#ifndef _VFIO_MDEV_VCAP_H
#define _VFIO_MDEV_VCAP_H

#include "vcfg.h"

/* MSI: 32 vectors at most (Multiple Message Capable is 3 bits, log2). */
#define MDK_VCAP_MSI_MAX_VECTORS	32

int mdk_vcap_add_pm(struct mdk_vcfg *cfg);
int mdk_vcap_add_exp(struct mdk_vcfg *cfg);
int mdk_vcap_add_msi(struct mdk_vcfg *cfg, unsigned int nr, bool addr64,
		     bool maskable);
int mdk_vcap_add_msix(struct mdk_vcfg *cfg, unsigned int nr,
		      unsigned int table_bar, u32 table_offset,
		      unsigned int pba_bar, u32 pba_offset);
int mdk_vcap_add_vendor(struct mdk_vcfg *cfg, unsigned int len,
			const void *body);
int mdk_vcap_find(const struct mdk_vcfg *cfg, u8 id);

#endif /* _VFIO_MDEV_VCAP_H */
