// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev MSI-X emulation (see vmsix.h).
 *
 * A vector is delivered when raised only if MSI-X is enabled and neither
 * the function nor the vector is masked. Raised while masked, its pending
 * bit is set instead; unmasking the vector (or the function) delivers every
 * pending vector that is no longer masked and clears its bit, as the PCI
 * specification asks of a function.
 */

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <mdevkit/compat.h>

#include "vmsix.h"

static u8 *mdk_vmsix_ctrl(const struct mdk_vmsix *msix, unsigned int vector)
{
	return &msix->table[vector * PCI_MSIX_ENTRY_SIZE +
			    PCI_MSIX_ENTRY_VECTOR_CTRL];
}

static bool mdk_vmsix_entry_masked(const struct mdk_vmsix *msix,
				   unsigned int vector)
{
	return get_unaligned_le32(mdk_vmsix_ctrl(msix, vector)) &
	       PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

static bool mdk_vmsix_deliverable(const struct mdk_vmsix *msix,
				  unsigned int vector)
{
	return msix->enabled && !msix->function_masked &&
	       !mdk_vmsix_entry_masked(msix, vector);
}

/**
 * mdk_vmsix_init() - reset MSI-X state
 * @msix: the state to fill
 * @nr: vectors, 1 to %MDK_VMSIX_MAX_VECTORS
 * @table: room for @nr entries of %PCI_MSIX_ENTRY_SIZE bytes
 * @pending: room for @nr bits
 *
 * As after a function reset: MSI-X disabled, every vector masked, its
 * address and data zero, nothing pending.
 *
 * Context: any; the caller owns @msix.
 * Return: 0, or -EINVAL for a vector count out of range.
 */
int mdk_vmsix_init(struct mdk_vmsix *msix, unsigned int nr, u8 *table,
		   unsigned long *pending)
{
	unsigned int v;

	if (!nr || nr > MDK_VMSIX_MAX_VECTORS)
		return -EINVAL;
	msix->nr = nr;
	msix->enabled = false;
	msix->function_masked = false;
	msix->table = table;
	msix->pending = pending;
	memset(table, 0, nr * PCI_MSIX_ENTRY_SIZE);
	for (v = 0; v < nr; v++)
		put_unaligned_le32(PCI_MSIX_ENTRY_CTRL_MASKBIT,
				   mdk_vmsix_ctrl(msix, v));
	bitmap_zero(pending, nr);
	return 0;
}

/**
 * mdk_vmsix_raise() - the device raises a vector
 * @msix: the state
 * @vector: the vector
 *
 * Context: the caller serialises calls on @msix.
 * Return: true if the vector is to be delivered now; false if it was held
 * pending (masked) or dropped (MSI-X disabled, or no such vector).
 */
bool mdk_vmsix_raise(struct mdk_vmsix *msix, unsigned int vector)
{
	if (vector >= msix->nr || !msix->enabled)
		return false;
	if (mdk_vmsix_deliverable(msix, vector))
		return true;
	set_bit(vector, msix->pending);
	return false;
}

/**
 * mdk_vmsix_set_masked() - mask or unmask one vector
 * @msix: the state
 * @vector: the vector
 * @masked: the new state of its Mask bit
 *
 * Context: the caller serialises calls on @msix.
 * Return: 1 if unmasking released a pending vector, which is to be
 * delivered now (its pending bit is cleared); 0 otherwise; -EINVAL for no
 * such vector.
 */
int mdk_vmsix_set_masked(struct mdk_vmsix *msix, unsigned int vector,
			 bool masked)
{
	if (vector >= msix->nr)
		return -EINVAL;
	put_unaligned_le32(masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0,
			   mdk_vmsix_ctrl(msix, vector));
	if (masked || !test_bit(vector, msix->pending) ||
	    !mdk_vmsix_deliverable(msix, vector))
		return 0;
	clear_bit(vector, msix->pending);
	return 1;
}

/**
 * mdk_vmsix_set_control() - the guest writes the capability's control
 * @msix: the state
 * @enabled: MSI-X Enable
 * @function_masked: Function Mask
 * @fire: receives one bit per vector released from pending (@nr bits)
 *
 * Context: the caller serialises calls on @msix.
 * Return: the number of vectors set in @fire, to be delivered now.
 */
unsigned int mdk_vmsix_set_control(struct mdk_vmsix *msix, bool enabled,
				   bool function_masked, unsigned long *fire)
{
	unsigned int v, n = 0;

	msix->enabled = enabled;
	msix->function_masked = function_masked;
	bitmap_zero(fire, msix->nr);
	if (!enabled || function_masked)
		return 0;
	for_each_set_bit(v, msix->pending, msix->nr) {
		if (mdk_vmsix_entry_masked(msix, v))
			continue;
		clear_bit(v, msix->pending);
		set_bit(v, fire);
		n++;
	}
	return n;
}

/* MSI-X structures are read and written in aligned dwords or qwords. */
static bool mdk_vmsix_access_ok(unsigned int size, unsigned int off,
				unsigned int len)
{
	return (len == 4 || len == 8) && !(off % len) && off < size &&
	       len <= size - off;
}

/**
 * mdk_vmsix_table_read() - a read of the vector table
 * @msix: the state
 * @off: from the start of the table
 * @buf: receives the bytes, little endian
 * @len: 4 or 8, aligned to itself
 *
 * Context: the caller serialises calls on @msix.
 * Return: 0, or -EINVAL for another length, a misaligned access or one
 * beyond the table.
 */
int mdk_vmsix_table_read(const struct mdk_vmsix *msix, unsigned int off,
			 void *buf, unsigned int len)
{
	if (!mdk_vmsix_access_ok(msix->nr * PCI_MSIX_ENTRY_SIZE, off, len))
		return -EINVAL;
	memcpy(buf, &msix->table[off], len);
	return 0;
}

/**
 * mdk_vmsix_table_write() - a write to the vector table
 * @msix: the state
 * @off: from the start of the table
 * @buf: the bytes, little endian
 * @len: 4 or 8, aligned to itself
 *
 * Address and data take the written value; of Vector Control only the Mask
 * bit is writable (the others are reserved, read as zero). An access covers
 * at most one Vector Control.
 *
 * Context: the caller serialises calls on @msix.
 * Return: the vector to deliver now if the write unmasked a pending one,
 * -ENODATA if none, -EINVAL for a bad access.
 */
int mdk_vmsix_table_write(struct mdk_vmsix *msix, unsigned int off,
			  const void *buf, unsigned int len)
{
	const u8 *val = buf;
	int fire = -ENODATA;
	unsigned int i;

	if (!mdk_vmsix_access_ok(msix->nr * PCI_MSIX_ENTRY_SIZE, off, len))
		return -EINVAL;
	for (i = 0; i < len; i += 4) {
		unsigned int at = off + i;
		unsigned int vector = at / PCI_MSIX_ENTRY_SIZE;
		u32 dw = get_unaligned_le32(&val[i]);

		if (at % PCI_MSIX_ENTRY_SIZE != PCI_MSIX_ENTRY_VECTOR_CTRL) {
			put_unaligned_le32(dw, &msix->table[at]);
			continue;
		}
		if (mdk_vmsix_set_masked(msix, vector,
					 dw & PCI_MSIX_ENTRY_CTRL_MASKBIT) == 1)
			fire = vector;
	}
	return fire;
}

/**
 * mdk_vmsix_pba_read() - a read of the Pending Bit Array
 * @msix: the state
 * @off: from the start of the PBA (whose size is @nr bits rounded up to
 *	qwords)
 * @buf: receives the bytes, little endian
 * @len: 4 or 8, aligned to itself
 *
 * The PBA is read-only: a caller ignores writes to it.
 *
 * Context: the caller serialises calls on @msix.
 * Return: 0, or -EINVAL for a bad access.
 */
int mdk_vmsix_pba_read(const struct mdk_vmsix *msix, unsigned int off,
		       void *buf, unsigned int len)
{
	unsigned int size = DIV_ROUND_UP(msix->nr, 64) * 8;
	u8 *out = buf;
	unsigned int i;

	if (!mdk_vmsix_access_ok(size, off, len))
		return -EINVAL;
	memset(out, 0, len);
	for (i = 0; i < len * BITS_PER_BYTE; i++) {
		unsigned int bit = off * BITS_PER_BYTE + i;

		if (bit < msix->nr && test_bit(bit, msix->pending))
			out[i / BITS_PER_BYTE] |= BIT(i % BITS_PER_BYTE);
	}
	return 0;
}
