// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_card descriptor logic: what a descriptor may ask, and CRC32C.
 *
 * Pure logic (STYLE.md rule 3): no locks, no DMA, no allocation, so that
 * KUnit tests it apart from the engine (kunit/card_kunit.c).
 */

#include "card_desc.h"

/* CRC32C (Castagnoli), reflected polynomial. */
#define MDK_CARD_CRC32C_POLY	0x82f63b78

/**
 * mdk_card_crc32c() - update a CRC32C
 * @crc: the running value (start with ~0; the CRC is the final value ^ ~0)
 * @data: the bytes
 * @len: their number
 *
 * Bitwise: the engine computes one CRC per descriptor, and a 1 KiB table
 * would buy little under emulation.
 *
 * Context: any.
 * Return: the updated running value.
 */
u32 mdk_card_crc32c(u32 crc, const void *data, size_t len)
{
	const u8 *p = data;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (MDK_CARD_CRC32C_POLY & -(crc & 1));
	}
	return crc;
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
