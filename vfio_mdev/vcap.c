// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev standard capabilities (see vcap.h).
 *
 * Each builder lays out the capability's registers (offsets from
 * <linux/pci_regs.h>, relative to the capability) and their write masks,
 * then appends it with mdk_vcfg_add_cap(). The bytes after the two-byte
 * header are passed, so register R sits at body[R - PCI_CAP_FLAGS].
 */

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <mdevkit/compat.h>

#include "vcap.h"

/* Capability sizes the specification fixes (header included). */
#define MDK_VCAP_MSI_32_SIZEOF		0x0a
#define MDK_VCAP_MSI_64_SIZEOF		0x0e
#define MDK_VCAP_MSI_32_MASK_SIZEOF	0x14
#define MDK_VCAP_MSI_64_MASK_SIZEOF	0x18
#define MDK_VCAP_MAX_SIZEOF		PCI_CAP_EXP_ENDPOINT_SIZEOF_V2

/* A capability being laid out: its body and the body's write mask. */
struct mdk_vcap_body {
	u8 init[MDK_VCAP_MAX_SIZEOF - PCI_CAP_FLAGS];
	u8 wmask[MDK_VCAP_MAX_SIZEOF - PCI_CAP_FLAGS];
};

static void mdk_vcap_put16(struct mdk_vcap_body *b, unsigned int reg, u16 val,
			   u16 wmask)
{
	put_unaligned_le16(val, &b->init[reg - PCI_CAP_FLAGS]);
	put_unaligned_le16(wmask, &b->wmask[reg - PCI_CAP_FLAGS]);
}

static void mdk_vcap_put32(struct mdk_vcap_body *b, unsigned int reg, u32 val,
			   u32 wmask)
{
	put_unaligned_le32(val, &b->init[reg - PCI_CAP_FLAGS]);
	put_unaligned_le32(wmask, &b->wmask[reg - PCI_CAP_FLAGS]);
}

/**
 * mdk_vcap_add_pm() - append a power management capability
 * @cfg: the space
 *
 * Version 3, D0 and D3hot only, no PME; the power state field of PMCSR is
 * writable, No_Soft_Reset is set (a D3hot to D0 transition keeps state),
 * PME_Status is RW1C.
 *
 * Context: the caller owns @cfg.
 * Return: the capability's offset, or -ENOSPC.
 */
int mdk_vcap_add_pm(struct mdk_vcfg *cfg)
{
	struct mdk_vcap_body b = {};
	int off;

	mdk_vcap_put16(&b, PCI_PM_PMC, 3 & PCI_PM_CAP_VER_MASK, 0);
	mdk_vcap_put16(&b, PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET,
		       PCI_PM_CTRL_STATE_MASK);
	off = mdk_vcfg_add_cap(cfg, PCI_CAP_ID_PM, PCI_PM_SIZEOF, b.init,
			       b.wmask);
	if (off >= 0)
		put_unaligned_le16(PCI_PM_CTRL_PME_STATUS,
				   &cfg->w1c[off + PCI_PM_CTRL]);
	return off;
}

/**
 * mdk_vcap_add_exp() - append a PCI Express capability (an endpoint)
 * @cfg: the space, PCI Express (4 KiB)
 *
 * Version 2, a PCI Express endpoint on a x1 2.5 GT/s link that is up;
 * 128-byte payloads, no FLR (reset goes through VFIO_DEVICE_RESET). Device
 * Control is writable but for Initiate FLR; the error bits of Device Status
 * are RW1C; the rest is read-only.
 *
 * Context: the caller owns @cfg.
 * Return: the capability's offset, -EINVAL for a conventional PCI space,
 * or -ENOSPC.
 */
int mdk_vcap_add_exp(struct mdk_vcfg *cfg)
{
	struct mdk_vcap_body b = {};
	int off;

	if (cfg->size != PCI_CFG_SPACE_EXP_SIZE)
		return -EINVAL;
	mdk_vcap_put16(&b, PCI_EXP_FLAGS,
		       2 | (PCI_EXP_TYPE_ENDPOINT << 4), 0);
	mdk_vcap_put16(&b, PCI_EXP_DEVCTL, 0,
		       (u16)~PCI_EXP_DEVCTL_BCR_FLR);
	mdk_vcap_put32(&b, PCI_EXP_LNKCAP, 1 | (1 << 4), 0);
	mdk_vcap_put16(&b, PCI_EXP_LNKSTA, 1 | (1 << 4), 0);
	off = mdk_vcfg_add_cap(cfg, PCI_CAP_ID_EXP,
			       PCI_CAP_EXP_ENDPOINT_SIZEOF_V2, b.init,
			       b.wmask);
	if (off >= 0)
		put_unaligned_le16(PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED |
				   PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD,
				   &cfg->w1c[off + PCI_EXP_DEVSTA]);
	return off;
}

/**
 * mdk_vcap_add_msi() - append an MSI capability
 * @cfg: the space
 * @nr: vectors, a power of two up to %MDK_VCAP_MSI_MAX_VECTORS
 * @addr64: 64-bit message address
 * @maskable: per-vector mask bits
 *
 * Writable: MSI Enable, Multiple Message Enable, the message address
 * (dword-aligned) and data, and the mask bits of the @nr vectors. Multiple
 * Message Capable, the 64-bit and maskable flags, and the pending bits are
 * read-only.
 *
 * Context: the caller owns @cfg.
 * Return: the capability's offset, -EINVAL for a bad vector count, or
 * -ENOSPC.
 */
int mdk_vcap_add_msi(struct mdk_vcfg *cfg, unsigned int nr, bool addr64,
		     bool maskable)
{
	unsigned int data = addr64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
	unsigned int mask = addr64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
	struct mdk_vcap_body b = {};
	unsigned int len;
	u16 flags;

	if (!nr || nr > MDK_VCAP_MSI_MAX_VECTORS || !is_power_of_2(nr))
		return -EINVAL;
	flags = ilog2(nr) << 1;
	if (addr64)
		flags |= PCI_MSI_FLAGS_64BIT;
	if (maskable)
		flags |= PCI_MSI_FLAGS_MASKBIT;
	mdk_vcap_put16(&b, PCI_MSI_FLAGS, flags,
		       PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	mdk_vcap_put32(&b, PCI_MSI_ADDRESS_LO, 0, ~3U);
	if (addr64)
		mdk_vcap_put32(&b, PCI_MSI_ADDRESS_HI, 0, ~0U);
	mdk_vcap_put16(&b, data, 0, 0xffff);
	if (maskable) {
		mdk_vcap_put32(&b, mask, 0, nr == 32 ? ~0U : BIT(nr) - 1);
		len = addr64 ? MDK_VCAP_MSI_64_MASK_SIZEOF :
			       MDK_VCAP_MSI_32_MASK_SIZEOF;
	} else {
		len = addr64 ? MDK_VCAP_MSI_64_SIZEOF : MDK_VCAP_MSI_32_SIZEOF;
	}
	return mdk_vcfg_add_cap(cfg, PCI_CAP_ID_MSI, len, b.init, b.wmask);
}

/**
 * mdk_vcap_add_msix() - append an MSI-X capability
 * @cfg: the space, whose BARs are declared
 * @nr: vectors, 1 to 2048
 * @table_bar: the BAR holding the vector table
 * @table_offset: its offset in that BAR, 8-byte aligned
 * @pba_bar: the BAR holding the Pending Bit Array
 * @pba_offset: its offset in that BAR, 8-byte aligned
 *
 * Writable: MSI-X Enable and Function Mask; Table Size and the two
 * locations are read-only. The table (@nr entries of %PCI_MSIX_ENTRY_SIZE)
 * and the PBA (@nr bits in qwords) must lie inside their memory BARs and not
 * overlap.
 *
 * Context: the caller owns @cfg.
 * Return: the capability's offset, -EINVAL for a bad count, BAR or
 * location, or -ENOSPC.
 */
int mdk_vcap_add_msix(struct mdk_vcfg *cfg, unsigned int nr,
		      unsigned int table_bar, u32 table_offset,
		      unsigned int pba_bar, u32 pba_offset)
{
	u64 table_size = (u64)nr * PCI_MSIX_ENTRY_SIZE;
	u64 pba_size = DIV_ROUND_UP(nr, 64) * 8;
	struct mdk_vcap_body b = {};

	if (!nr || nr > PCI_MSIX_FLAGS_QSIZE + 1 ||
	    table_bar >= MDK_VCFG_NR_BARS || pba_bar >= MDK_VCFG_NR_BARS ||
	    (table_offset | pba_offset) & PCI_MSIX_TABLE_BIR ||
	    cfg->bars[table_bar].size < table_offset + table_size ||
	    cfg->bars[pba_bar].size < pba_offset + pba_size ||
	    cfg->bars[table_bar].flags & MDK_VCFG_BAR_IO ||
	    cfg->bars[pba_bar].flags & MDK_VCFG_BAR_IO)
		return -EINVAL;
	if (table_bar == pba_bar && table_offset < pba_offset + pba_size &&
	    pba_offset < table_offset + table_size)
		return -EINVAL;
	mdk_vcap_put16(&b, PCI_MSIX_FLAGS, nr - 1,
		       PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	mdk_vcap_put32(&b, PCI_MSIX_TABLE, table_offset | table_bar, 0);
	mdk_vcap_put32(&b, PCI_MSIX_PBA, pba_offset | pba_bar, 0);
	return mdk_vcfg_add_cap(cfg, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF,
				b.init, b.wmask);
}

/**
 * mdk_vcap_add_vendor() - append a vendor-specific capability
 * @cfg: the space being built
 * @len: the capability's length, header included: 3 to 255
 * @body: the @len - 3 bytes after its length byte
 *
 * The whole capability is read-only; its third byte is @len (PCI 3.0,
 * 6.8.4: the length field of a vendor-specific capability).
 *
 * Context: any; the caller owns @cfg.
 * Return: its offset, -EINVAL for a bad @len, -ENOSPC if it does not fit.
 */
int mdk_vcap_add_vendor(struct mdk_vcfg *cfg, unsigned int len,
			const void *body)
{
	u8 init[PCI_CFG_SPACE_SIZE] = {};

	if (len < PCI_CAP_FLAGS + 1 || len > U8_MAX || (len > 3 && !body))
		return -EINVAL;
	init[0] = len;
	if (len > 3)
		memcpy(&init[1], body, len - 3);
	return mdk_vcfg_add_cap(cfg, PCI_CAP_ID_VNDR, len, init, NULL);
}

/**
 * mdk_vcap_find() - the first standard capability of an ID
 * @cfg: the space
 * @id: PCI_CAP_ID_*
 *
 * Walks the chain as a guest does, at most 48 steps (as the PCI core).
 *
 * Context: the caller serialises accesses to @cfg.
 * Return: its offset, or -ENOENT.
 */
int mdk_vcap_find(const struct mdk_vcfg *cfg, u8 id)
{
	unsigned int pos = cfg->data[PCI_CAPABILITY_LIST], ttl = 48;

	while (pos >= MDK_VCFG_CAP_START && pos < PCI_CFG_SPACE_SIZE && ttl--) {
		if (cfg->data[pos + PCI_CAP_LIST_ID] == id)
			return pos;
		pos = cfg->data[pos + PCI_CAP_LIST_NEXT];
	}
	return -ENOENT;
}
