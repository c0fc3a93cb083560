/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_mdev virtual PCI configuration space: the header, the BARs and the
 * capability chains a parent describes, and the semantics of guest reads and
 * writes (per-bit write masks, RW1C bits, BAR sizing).
 *
 * Pure logic (STYLE.md rule 3): no locks of its own, no user copies, no PCI
 * or VFIO calls, no allocation. The caller serialises every call on one
 * space with the lock of the device that owns it.
 */
#ifndef _VFIO_MDEV_VCFG_H
#define _VFIO_MDEV_VCFG_H

#include <linux/pci_regs.h>
#include <linux/types.h>
#include <mdevkit/vdev_types.h>

/* Standard capabilities start after the type 0 header. */
#define MDK_VCFG_CAP_START	0x40
/* Bytes of an extended capability's header (ID, version, next). */
#define MDK_VCFG_ECAP_HDR	4

/**
 * struct mdk_vcfg - a virtual configuration space
 * @size: PCI_CFG_SPACE_SIZE, or PCI_CFG_SPACE_EXP_SIZE for PCI Express
 * @bars: the BARs as declared
 * @last_cap: offset of the last standard capability, 0 if none
 * @cap_free: first free offset for the next standard capability
 * @last_ecap: offset of the last extended capability, 0 if none
 * @ecap_free: first free offset for the next extended capability
 * @data: the bytes a read returns (little endian, as on the bus)
 * @wmask: per bit, 1 if a guest write sets it to the written value
 * @w1c: per bit, 1 if a guest write of 1 clears it (RW1C)
 */
struct mdk_vcfg {
	unsigned int size;
	struct mdk_vcfg_bar bars[MDK_VCFG_NR_BARS];
	unsigned int last_cap;
	unsigned int cap_free;
	unsigned int last_ecap;
	unsigned int ecap_free;
	u8 data[PCI_CFG_SPACE_EXP_SIZE];
	u8 wmask[PCI_CFG_SPACE_EXP_SIZE];
	u8 w1c[PCI_CFG_SPACE_EXP_SIZE];
};

int mdk_vcfg_init(struct mdk_vcfg *cfg, const struct mdk_vcfg_desc *desc);
int mdk_vcfg_add_cap(struct mdk_vcfg *cfg, u8 id, unsigned int len,
		     const void *init, const void *wmask);
int mdk_vcfg_add_ecap(struct mdk_vcfg *cfg, u16 id, u8 version,
		      unsigned int len, const void *init, const void *wmask);

int mdk_vcfg_read(const struct mdk_vcfg *cfg, unsigned int off, void *buf,
		  unsigned int len);
int mdk_vcfg_write(struct mdk_vcfg *cfg, unsigned int off, const void *buf,
		   unsigned int len);

u64 mdk_vcfg_bar_addr(const struct mdk_vcfg *cfg, unsigned int bar);
bool mdk_vcfg_bar_decoded(const struct mdk_vcfg *cfg, unsigned int bar);

#endif /* _VFIO_MDEV_VCFG_H */
