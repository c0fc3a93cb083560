/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the KUnit suites that drive a vfio_mdev virtual configuration
 * space (mdk_vcfg, mdk_vcap): a space from a description, and guest reads
 * and writes of 1, 2 or 4 bytes that must succeed.
 */
#ifndef _MDK_VCFG_KUNIT_H
#define _MDK_VCFG_KUNIT_H

#include <kunit/test.h>
#include <mdevkit/compat.h>

#include "vfio_mdev/vcfg.h"

static inline struct mdk_vcfg *
mdk_vcfg_test_new(struct kunit *test, const struct mdk_vcfg_desc *desc)
{
	struct mdk_vcfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	KUNIT_ASSERT_EQ(test, 0, mdk_vcfg_init(cfg, desc));
	return cfg;
}

static inline u32 vcfg_rd(struct kunit *test, struct mdk_vcfg *cfg,
			  unsigned int off, unsigned int len)
{
	u8 buf[4] = {};

	KUNIT_EXPECT_EQ(test, 0, mdk_vcfg_read(cfg, off, buf, len));
	return get_unaligned_le32(buf);
}

static inline void vcfg_wr(struct kunit *test, struct mdk_vcfg *cfg,
			   unsigned int off, u32 val, unsigned int len)
{
	u8 buf[4];

	put_unaligned_le32(val, buf);
	KUNIT_EXPECT_EQ(test, 0, mdk_vcfg_write(cfg, off, buf, len));
}

#endif /* _MDK_VCFG_KUNIT_H */
