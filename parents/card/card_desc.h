/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdk_card's pure descriptor logic (card_desc.c), apart from the rest of
 * card_priv.h so that KUnit builds it alone (kunit/card_kunit.c).
 */
#ifndef _MDK_CARD_DESC_H
#define _MDK_CARD_DESC_H

#include <linux/types.h>
#include <mdevkit/card_regs.h>

u32 mdk_card_crc32c(u32 crc, const void *data, size_t len);
void mdk_card_fill(u8 *t, u64 pattern, u32 pos, u32 n);
u32 mdk_card_desc_check(const struct mdk_card_desc *d);

#endif /* _MDK_CARD_DESC_H */
