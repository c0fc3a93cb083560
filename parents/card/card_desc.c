// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_card descriptor logic: what a descriptor may ask, and CRC32C.
 *
 * Pure logic (STYLE.md rule 3): no locks, no DMA, no allocation, so that
 * KUnit tests it apart from the engine (kunit/card_kunit.c).
 */

#include <linux/bitops.h>
#include <linux/crc32.h>
#include <linux/string.h>

#include "card_desc.h"

/**
 * mdk_card_crc32c() - update a CRC32C
 * @crc: the running value (start with ~0; the CRC is the final value ^ ~0)
 * @data: the bytes
 * @len: their number
 *
 * The kernel's table-driven CRC32C (lib/crc32.c, slice by 8): a bitwise
 * loop ran at 1/20 to 1/40 of a COPY's bytes per second under TCG, so a
 * tenant's CRC32C bytes held the engine that much longer than its
 * neighbour's COPY bytes, at the same cost (docs/sched.md); now ~1/5.
 *
 * Context: any.
 * Return: the updated running value.
 */
u32 mdk_card_crc32c(u32 crc, const void *data, size_t len)
{
	return __crc32c_le(crc, data, len);
}

/**
 * mdk_card_fill() - FILL's bytes
 * @t: where byte @pos of the descriptor's destination goes
 * @pattern: the descriptor's pattern: destination byte i is byte i % 8 of
 *	it (little endian)
 * @pos: the offset of @t in the destination
 * @n: bytes to write
 *
 * Eight bytes at a time (a byte at a time ran at 1/10 of a COPY).
 *
 * Context: any.
 */
void mdk_card_fill(u8 *t, u64 pattern, u32 pos, u32 n)
{
	u64 w = ror64(pattern, 8 * (pos % 8));	/* byte 0 of w: t[0]'s */
	__le64 le = cpu_to_le64(w);
	u32 k;

	for (k = 0; k + 8 <= n; k += 8)
		memcpy(t + k, &le, sizeof(le));	/* one store: @t unaligned */
	for (; k < n; k++)
		t[k] = w >> (8 * (k % 8));
}

/**
 * mdk_card_desc_check() - whether the card executes a descriptor
 * @d: the descriptor, as fetched from the user's ring
 *
 * Context: any.
 * Return: 0 to execute it, or the MDK_CARD_ST_* error its completion
 * record carries (an unknown opcode; a length of 0 or above
 * %MDK_CARD_MAX_LEN).
 */
u32 mdk_card_desc_check(const struct mdk_card_desc *d)
{
	if (d->opcode < MDK_CARD_OP_COPY || d->opcode > MDK_CARD_OP_CRC32C)
		return MDK_CARD_ST_BAD_OPCODE;
	if (!d->len || d->len > MDK_CARD_MAX_LEN)
		return MDK_CARD_ST_BAD_LENGTH;
	return 0;
}
