// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev virtual PCI configuration space (see vcfg.h).
 *
 * Every byte has a value, a write mask and an RW1C mask, so that the
 * semantics of a guest write are the same everywhere: a written bit lands
 * where the write mask has a 1, a written 1 clears where the RW1C mask has
 * a 1, everything else is read-only. BAR sizing falls out of that: the
 * address bits of a BAR of size S are writable above S, so writing all-ones
 * reads back the size mask with the flag bits, as on real hardware.
 */

#include <linux/align.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <mdevkit/compat.h>

#include "vcfg.h"

/* Status bits a device sets and the guest clears by writing 1. */
#define MDK_VCFG_STATUS_W1C	(PCI_STATUS_PARITY |			\
				 PCI_STATUS_SIG_TARGET_ABORT |		\
				 PCI_STATUS_REC_TARGET_ABORT |		\
				 PCI_STATUS_REC_MASTER_ABORT |		\
				 PCI_STATUS_SIG_SYSTEM_ERROR |		\
				 PCI_STATUS_DETECTED_PARITY)

#define MDK_VCFG_COMMAND_RW	(PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | \
				 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)

static void mdk_vcfg_set8(struct mdk_vcfg *cfg, unsigned int off, u8 val,
			  u8 wmask)
{
	cfg->data[off] = val;
	cfg->wmask[off] = wmask;
}

static void mdk_vcfg_set16(struct mdk_vcfg *cfg, unsigned int off, u16 val,
			   u16 wmask)
{
	put_unaligned_le16(val, &cfg->data[off]);
	put_unaligned_le16(wmask, &cfg->wmask[off]);
}

static void mdk_vcfg_set32(struct mdk_vcfg *cfg, unsigned int off, u32 val,
			   u32 wmask)
{
	put_unaligned_le32(val, &cfg->data[off]);
	put_unaligned_le32(wmask, &cfg->wmask[off]);
}

static int mdk_vcfg_check_bar(const struct mdk_vcfg_bar *bars, unsigned int i)
{
	const struct mdk_vcfg_bar *bar = &bars[i];

	if (!bar->size)
		return bar->flags ? -EINVAL : 0;
	if (!is_power_of_2(bar->size))
		return -EINVAL;
	if (bar->flags & MDK_VCFG_BAR_IO)
		return bar->flags != MDK_VCFG_BAR_IO || bar->size < 4 ||
		       bar->size > 256 ? -EINVAL : 0;
	if (bar->size < 16)
		return -EINVAL;
	if (!(bar->flags & MDK_VCFG_BAR_64))
		return bar->size > SZ_2G ? -EINVAL : 0;
	/* The upper half of a 64-bit BAR is the next slot. */
	if (i == MDK_VCFG_NR_BARS - 1 || bars[i + 1].size || bars[i + 1].flags)
		return -EINVAL;
	return 0;
}

static void mdk_vcfg_init_bar(struct mdk_vcfg *cfg, unsigned int i)
{
	const struct mdk_vcfg_bar *bar = &cfg->bars[i];
	unsigned int off = PCI_BASE_ADDRESS_0 + 4 * i;
	u64 addr_bits = ~(bar->size - 1);
	u32 flags = PCI_BASE_ADDRESS_SPACE_MEMORY;

	if (bar->flags & MDK_VCFG_BAR_IO) {
		mdk_vcfg_set32(cfg, off, PCI_BASE_ADDRESS_SPACE_IO,
			       lower_32_bits(addr_bits) & PCI_BASE_ADDRESS_IO_MASK);
		return;
	}
	if (bar->flags & MDK_VCFG_BAR_64)
		flags |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	if (bar->flags & MDK_VCFG_BAR_PREFETCH)
		flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	mdk_vcfg_set32(cfg, off, flags,
		       lower_32_bits(addr_bits) & PCI_BASE_ADDRESS_MEM_MASK);
	if (bar->flags & MDK_VCFG_BAR_64)
		mdk_vcfg_set32(cfg, off + 4, 0, upper_32_bits(addr_bits));
}

static u16 mdk_vcfg_command_wmask(const struct mdk_vcfg *cfg)
{
	u16 wmask = MDK_VCFG_COMMAND_RW;
	unsigned int i;

	for (i = 0; i < MDK_VCFG_NR_BARS; i++) {
		if (!cfg->bars[i].size)
			continue;
		if (cfg->bars[i].flags & MDK_VCFG_BAR_IO)
			wmask |= PCI_COMMAND_IO;
		else
			wmask |= PCI_COMMAND_MEMORY;
	}
	return wmask;
}

/**
 * mdk_vcfg_init() - build the configuration space of a virtual function
 * @cfg: the space to fill
 * @desc: the function's identity and BARs
 *
 * Builds a type 0 header: IDs, class and revision, header type and interrupt
 * pin read-only; the command register's I/O and memory decode bits writable
 * only if a BAR of that space exists; the status register's error bits
 * RW1C; cache line size and interrupt line read-write; the BARs sized as
 * declared; no expansion ROM; no capabilities yet.
 *
 * Context: any; the caller owns @cfg.
 * Return: 0, or -EINVAL for a BAR that is not a power of two of a valid
 * size, an I/O BAR with other flags, a 32-bit memory BAR over 2 GiB, or a
 * 64-bit BAR whose upper slot is missing or in use.
 */
int mdk_vcfg_init(struct mdk_vcfg *cfg, const struct mdk_vcfg_desc *desc)
{
	unsigned int i;
	int ret;

	for (i = 0; i < MDK_VCFG_NR_BARS; i++) {
		ret = mdk_vcfg_check_bar(desc->bars, i);
		if (ret)
			return ret;
		if (desc->bars[i].flags & MDK_VCFG_BAR_64)
			i++;
	}

	memset(cfg, 0, sizeof(*cfg));
	cfg->size = desc->express ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE;
	memcpy(cfg->bars, desc->bars, sizeof(cfg->bars));
	cfg->cap_free = MDK_VCFG_CAP_START;
	cfg->ecap_free = PCI_CFG_SPACE_SIZE;

	mdk_vcfg_set16(cfg, PCI_VENDOR_ID, desc->vendor, 0);
	mdk_vcfg_set16(cfg, PCI_DEVICE_ID, desc->device, 0);
	mdk_vcfg_set16(cfg, PCI_COMMAND, 0, mdk_vcfg_command_wmask(cfg));
	put_unaligned_le16(MDK_VCFG_STATUS_W1C, &cfg->w1c[PCI_STATUS]);
	mdk_vcfg_set32(cfg, PCI_CLASS_REVISION,
		       desc->class << 8 | desc->revision, 0);
	mdk_vcfg_set8(cfg, PCI_CACHE_LINE_SIZE, 0, 0xff);
	mdk_vcfg_set8(cfg, PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL, 0);
	for (i = 0; i < MDK_VCFG_NR_BARS; i++)
		if (cfg->bars[i].size)
			mdk_vcfg_init_bar(cfg, i);
	mdk_vcfg_set16(cfg, PCI_SUBSYSTEM_VENDOR_ID, desc->subsystem_vendor, 0);
	mdk_vcfg_set16(cfg, PCI_SUBSYSTEM_ID, desc->subsystem_device, 0);
	mdk_vcfg_set8(cfg, PCI_INTERRUPT_LINE, 0, 0xff);
	mdk_vcfg_set8(cfg, PCI_INTERRUPT_PIN, desc->irq_pin, 0);
	return 0;
}

/**
 * mdk_vcfg_add_cap() - append a standard capability to the chain
 * @cfg: an initialised space
 * @id: PCI_CAP_ID_*
 * @len: bytes of the capability, its two-byte header (ID, next) included
 * @init: the @len - 2 bytes after the header, or NULL for zeroes
 * @wmask: their write mask, or NULL for read-only
 *
 * The capability goes at the next dword-aligned free offset from
 * %MDK_VCFG_CAP_START; the previous capability (or the capabilities
 * pointer) links to it, and the status register says the list exists.
 * Header bytes are read-only.
 *
 * Context: any; the caller owns @cfg.
 * Return: its offset, -EINVAL if @len is under 2, -ENOSPC if it does not
 * fit in the 256 bytes.
 */
int mdk_vcfg_add_cap(struct mdk_vcfg *cfg, u8 id, unsigned int len,
		     const void *init, const void *wmask)
{
	unsigned int off = cfg->cap_free;

	if (len < PCI_CAP_FLAGS)
		return -EINVAL;
	if (len > PCI_CFG_SPACE_SIZE - off)
		return -ENOSPC;
	cfg->data[off + PCI_CAP_LIST_ID] = id;
	cfg->data[off + PCI_CAP_LIST_NEXT] = 0;
	if (init)
		memcpy(&cfg->data[off + PCI_CAP_FLAGS], init, len - PCI_CAP_FLAGS);
	if (wmask)
		memcpy(&cfg->wmask[off + PCI_CAP_FLAGS], wmask,
		       len - PCI_CAP_FLAGS);
	if (cfg->last_cap)
		cfg->data[cfg->last_cap + PCI_CAP_LIST_NEXT] = off;
	else
		cfg->data[PCI_CAPABILITY_LIST] = off;
	cfg->data[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	cfg->last_cap = off;
	cfg->cap_free = ALIGN(off + len, 4);
	return off;
}

/**
 * mdk_vcfg_add_ecap() - append a PCI Express extended capability
 * @cfg: an initialised space of a PCI Express function
 * @id: PCI_EXT_CAP_ID_*
 * @version: the capability's version (0 to 15)
 * @len: bytes of the capability, its four-byte header included
 * @init: the @len - 4 bytes after the header, or NULL for zeroes
 * @wmask: their write mask, or NULL for read-only
 *
 * The first extended capability sits at %PCI_CFG_SPACE_SIZE; each next one
 * at the next dword-aligned free offset, linked from the previous header.
 *
 * Context: any; the caller owns @cfg.
 * Return: its offset, -EINVAL if the function is not PCI Express or @len or
 * @version is out of range, -ENOSPC if it does not fit.
 */
int mdk_vcfg_add_ecap(struct mdk_vcfg *cfg, u16 id, u8 version,
		      unsigned int len, const void *init, const void *wmask)
{
	unsigned int off = cfg->ecap_free;
	u32 prev;

	if (cfg->size != PCI_CFG_SPACE_EXP_SIZE || len < MDK_VCFG_ECAP_HDR ||
	    version > 0xf)
		return -EINVAL;
	if (len > cfg->size - off)
		return -ENOSPC;
	put_unaligned_le32(id | (u32)version << 16, &cfg->data[off]);
	if (init)
		memcpy(&cfg->data[off + MDK_VCFG_ECAP_HDR], init,
		       len - MDK_VCFG_ECAP_HDR);
	if (wmask)
		memcpy(&cfg->wmask[off + MDK_VCFG_ECAP_HDR], wmask,
		       len - MDK_VCFG_ECAP_HDR);
	if (cfg->last_ecap) {
		prev = get_unaligned_le32(&cfg->data[cfg->last_ecap]);
		put_unaligned_le32(prev | (u32)off << 20,
				   &cfg->data[cfg->last_ecap]);
	}
	cfg->last_ecap = off;
	cfg->ecap_free = ALIGN(off + len, 4);
	return off;
}

static bool mdk_vcfg_access_ok(const struct mdk_vcfg *cfg, unsigned int off,
			       unsigned int len)
{
	return (len == 1 || len == 2 || len == 4) && off < cfg->size &&
	       len <= cfg->size - off;
}

/**
 * mdk_vcfg_read() - a guest read
 * @cfg: the space
 * @off: offset of the first byte
 * @len: 1, 2 or 4; any alignment
 * @buf: receives the bytes, little endian
 *
 * Context: the caller serialises accesses to @cfg.
 * Return: 0, or -EINVAL for another length or bytes beyond the space.
 */
int mdk_vcfg_read(const struct mdk_vcfg *cfg, unsigned int off, void *buf,
		  unsigned int len)
{
	if (!mdk_vcfg_access_ok(cfg, off, len))
		return -EINVAL;
	memcpy(buf, &cfg->data[off], len);
	return 0;
}

/**
 * mdk_vcfg_write() - a guest write
 * @cfg: the space
 * @off: offset of the first byte
 * @buf: the bytes, little endian
 * @len: 1, 2 or 4; any alignment
 *
 * Each bit takes the written value where its write mask is set, is cleared
 * by a written 1 where its RW1C mask is set, and is left alone elsewhere.
 *
 * Context: the caller serialises accesses to @cfg.
 * Return: 0, or -EINVAL for another length or bytes beyond the space.
 */
int mdk_vcfg_write(struct mdk_vcfg *cfg, unsigned int off, const void *buf,
		   unsigned int len)
{
	const u8 *val = buf;
	unsigned int i;

	if (!mdk_vcfg_access_ok(cfg, off, len))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		u8 *d = &cfg->data[off + i];
		u8 wm = cfg->wmask[off + i];

		*d = (*d & ~wm) | (val[i] & wm);
		*d &= ~(val[i] & cfg->w1c[off + i]);
	}
	return 0;
}

/**
 * mdk_vcfg_bar_addr() - the address the guest programmed into a BAR
 * @cfg: the space
 * @bar: 0 to 5
 *
 * Context: the caller serialises accesses to @cfg.
 * Return: the base address (64 bits for a 64-bit BAR), 0 for an unused
 * slot or the upper half of a 64-bit BAR.
 */
u64 mdk_vcfg_bar_addr(const struct mdk_vcfg *cfg, unsigned int bar)
{
	unsigned int off = PCI_BASE_ADDRESS_0 + 4 * bar;
	u64 addr;

	if (bar >= MDK_VCFG_NR_BARS || !cfg->bars[bar].size)
		return 0;
	addr = get_unaligned_le32(&cfg->data[off]);
	if (cfg->bars[bar].flags & MDK_VCFG_BAR_IO)
		return addr & PCI_BASE_ADDRESS_IO_MASK;
	addr &= PCI_BASE_ADDRESS_MEM_MASK;
	if (cfg->bars[bar].flags & MDK_VCFG_BAR_64)
		addr |= (u64)get_unaligned_le32(&cfg->data[off + 4]) << 32;
	return addr;
}

/**
 * mdk_vcfg_bar_decoded() - whether accesses to a BAR reach the device
 * @cfg: the space
 * @bar: 0 to 5
 *
 * Context: the caller serialises accesses to @cfg.
 * Return: true if the BAR exists and the command register enables its
 * space (PCI_COMMAND_IO or PCI_COMMAND_MEMORY).
 */
bool mdk_vcfg_bar_decoded(const struct mdk_vcfg *cfg, unsigned int bar)
{
	u16 cmd = get_unaligned_le16(&cfg->data[PCI_COMMAND]);

	if (bar >= MDK_VCFG_NR_BARS || !cfg->bars[bar].size)
		return false;
	if (cfg->bars[bar].flags & MDK_VCFG_BAR_IO)
		return cmd & PCI_COMMAND_IO;
	return cmd & PCI_COMMAND_MEMORY;
}
