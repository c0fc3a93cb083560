// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdk_vmsix: vfio_mdev MSI-X emulation (vfio_mdev/vmsix.c): the
 * reset state, delivery and pending bits under vector and function masks,
 * the table's writable bits and the bounds of table and PBA accesses.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/kernel.h>
#include <mdevkit/compat.h>

#include "vfio_mdev/vmsix.h"

#define NR	100

struct mdk_vmsix_test {
	struct mdk_vmsix msix;
	u8 table[NR * PCI_MSIX_ENTRY_SIZE];
	DECLARE_BITMAP(pending, NR);
	DECLARE_BITMAP(fire, NR);
};

static struct mdk_vmsix_test *mdk_vmsix_test_new(struct kunit *test,
						 unsigned int nr)
{
	struct mdk_vmsix_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, 0, mdk_vmsix_init(&t->msix, nr, t->table,
						t->pending));
	return t;
}

static u64 tbl(struct kunit *test, struct mdk_vmsix_test *t, unsigned int off,
	       unsigned int len)
{
	u8 buf[8] = {};

	KUNIT_EXPECT_EQ(test, 0, mdk_vmsix_table_read(&t->msix, off, buf, len));
	return get_unaligned_le64(buf);
}

static u64 pba(struct kunit *test, struct mdk_vmsix_test *t, unsigned int off,
	       unsigned int len)
{
	u8 buf[8] = {};

	KUNIT_EXPECT_EQ(test, 0, mdk_vmsix_pba_read(&t->msix, off, buf, len));
	return get_unaligned_le64(buf);
}

/* Write a vector's Vector Control; what the write returns. */
static int ctrl(struct mdk_vmsix_test *t, unsigned int vector, u32 val)
{
	u8 buf[4];

	put_unaligned_le32(val, buf);
	return mdk_vmsix_table_write(&t->msix, vector * PCI_MSIX_ENTRY_SIZE +
				     PCI_MSIX_ENTRY_VECTOR_CTRL, buf, 4);
}

static void mdk_vmsix_init_masks_every_vector(struct kunit *test)
{
	struct mdk_vmsix_test *t = mdk_vmsix_test_new(test, 4);
	unsigned long dummy[1];
	unsigned int v;

	for (v = 0; v < 4; v++) {
		unsigned int e = v * PCI_MSIX_ENTRY_SIZE;

		KUNIT_EXPECT_EQ(test, 0ULL, tbl(test, t, e, 8));
		KUNIT_EXPECT_EQ(test, (u64)PCI_MSIX_ENTRY_CTRL_MASKBIT << 32,
				tbl(test, t, e + PCI_MSIX_ENTRY_DATA, 8));
	}
	KUNIT_EXPECT_EQ(test, 0ULL, pba(test, t, 0, 8));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vmsix_init(&t->msix, 0, t->table, dummy));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vmsix_init(&t->msix, MDK_VMSIX_MAX_VECTORS + 1,
				       t->table, dummy));
}

static void mdk_vmsix_raise_while_disabled_is_dropped(struct kunit *test)
{
	struct mdk_vmsix_test *t = mdk_vmsix_test_new(test, NR);

	KUNIT_EXPECT_EQ(test, -ENODATA, ctrl(t, 1, 0));
	KUNIT_EXPECT_FALSE(test, mdk_vmsix_raise(&t->msix, 1));
	KUNIT_EXPECT_EQ(test, 0ULL, pba(test, t, 0, 8));
	KUNIT_EXPECT_FALSE(test, mdk_vmsix_raise(&t->msix, NR));
}

static void mdk_vmsix_unmasked_vector_is_delivered(struct kunit *test)
{
	struct mdk_vmsix_test *t = mdk_vmsix_test_new(test, NR);

	KUNIT_EXPECT_EQ(test, 0, mdk_vmsix_set_control(&t->msix, true, false,
						       t->fire));
	KUNIT_EXPECT_EQ(test, -ENODATA, ctrl(t, 1, 0));
	KUNIT_EXPECT_TRUE(test, mdk_vmsix_raise(&t->msix, 1));
	KUNIT_EXPECT_EQ(test, 0ULL, pba(test, t, 0, 8));
}

static void mdk_vmsix_masked_vector_pends_until_unmasked(struct kunit *test)
{
	struct mdk_vmsix_test *t = mdk_vmsix_test_new(test, NR);

	mdk_vmsix_set_control(&t->msix, true, false, t->fire);
	KUNIT_EXPECT_FALSE(test, mdk_vmsix_raise(&t->msix, 2));
	KUNIT_EXPECT_EQ(test, BIT_ULL(2), pba(test, t, 0, 8));
	/* Re-masking releases nothing; unmasking delivers and clears. */
	KUNIT_EXPECT_EQ(test, -ENODATA, ctrl(t, 2, PCI_MSIX_ENTRY_CTRL_MASKBIT));
	KUNIT_EXPECT_EQ(test, 2, ctrl(t, 2, 0));
	KUNIT_EXPECT_EQ(test, 0ULL, pba(test, t, 0, 8));
	KUNIT_EXPECT_TRUE(test, mdk_vmsix_raise(&t->msix, 2));
	/* The same through SET_IRQS-style masking. */
	KUNIT_EXPECT_EQ(test, 0, mdk_vmsix_set_masked(&t->msix, 2, true));
	KUNIT_EXPECT_FALSE(test, mdk_vmsix_raise(&t->msix, 2));
	KUNIT_EXPECT_EQ(test, 1, mdk_vmsix_set_masked(&t->msix, 2, false));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmsix_set_masked(&t->msix, NR, false));
}

static void mdk_vmsix_function_mask_holds_all(struct kunit *test)
{
	struct mdk_vmsix_test *t = mdk_vmsix_test_new(test, NR);

	mdk_vmsix_set_control(&t->msix, true, true, t->fire);
	KUNIT_EXPECT_EQ(test, -ENODATA, ctrl(t, 0, 0));
	KUNIT_EXPECT_EQ(test, -ENODATA, ctrl(t, 70, 0));
	KUNIT_EXPECT_FALSE(test, mdk_vmsix_raise(&t->msix, 0));
	KUNIT_EXPECT_FALSE(test, mdk_vmsix_raise(&t->msix, 70));
	KUNIT_EXPECT_FALSE(test, mdk_vmsix_raise(&t->msix, 5));	/* masked */
	KUNIT_EXPECT_EQ(test, 2, mdk_vmsix_set_control(&t->msix, true, false,
						       t->fire));
	KUNIT_EXPECT_TRUE(test, test_bit(0, t->fire));
	KUNIT_EXPECT_TRUE(test, test_bit(70, t->fire));
	KUNIT_EXPECT_EQ(test, 2, bitmap_weight(t->fire, NR));
	/* Vector 5 is still masked: still pending. */
	KUNIT_EXPECT_EQ(test, BIT_ULL(5), pba(test, t, 0, 8));
	KUNIT_EXPECT_EQ(test, 0ULL, pba(test, t, 8, 8));
}

static void mdk_vmsix_table_writable_bits(struct kunit *test)
{
	struct mdk_vmsix_test *t = mdk_vmsix_test_new(test, NR);
	unsigned int e = 1 * PCI_MSIX_ENTRY_SIZE;
	u8 buf[8];

	put_unaligned_le64(0x00000000fee01000ULL, buf);
	KUNIT_EXPECT_EQ(test, -ENODATA,
			mdk_vmsix_table_write(&t->msix, e, buf, 8));
	put_unaligned_le64(0xffffffff00004041ULL, buf);
	KUNIT_EXPECT_EQ(test, -ENODATA,
			mdk_vmsix_table_write(&t->msix,
					      e + PCI_MSIX_ENTRY_DATA, buf, 8));
	KUNIT_EXPECT_EQ(test, 0x00000000fee01000ULL, tbl(test, t, e, 8));
	/* Of Vector Control, only the Mask bit. */
	KUNIT_EXPECT_EQ(test, 0x0000000100004041ULL,
			tbl(test, t, e + PCI_MSIX_ENTRY_DATA, 8));
	/* Neighbours untouched. */
	KUNIT_EXPECT_EQ(test, 0ULL, tbl(test, t, 0, 8));
	KUNIT_EXPECT_EQ(test, 0ULL, tbl(test, t, 2 * PCI_MSIX_ENTRY_SIZE, 8));
}

static void mdk_vmsix_access_bounds(struct kunit *test)
{
	struct mdk_vmsix_test *t = mdk_vmsix_test_new(test, NR);
	unsigned int end = NR * PCI_MSIX_ENTRY_SIZE;
	u8 buf[8] = {};

	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmsix_table_read(&t->msix, 0, buf, 2));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmsix_table_read(&t->msix, 2, buf, 4));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmsix_table_read(&t->msix, 4, buf, 8));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vmsix_table_read(&t->msix, end, buf, 4));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vmsix_table_write(&t->msix, end - 4, buf, 8));
	KUNIT_EXPECT_EQ(test, 0, mdk_vmsix_table_read(&t->msix, end - 8, buf, 8));
	/* 100 vectors: a PBA of two qwords. */
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmsix_pba_read(&t->msix, 16, buf, 4));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmsix_pba_read(&t->msix, 1, buf, 4));
	KUNIT_EXPECT_EQ(test, 0, mdk_vmsix_pba_read(&t->msix, 12, buf, 4));
}

static void mdk_vmsix_pba_bit_layout(struct kunit *test)
{
	struct mdk_vmsix_test *t = mdk_vmsix_test_new(test, NR);
	static const unsigned int raised[] = { 0, 31, 63, 64, 99 };
	unsigned int i;

	mdk_vmsix_set_control(&t->msix, true, false, t->fire);
	for (i = 0; i < ARRAY_SIZE(raised); i++)
		KUNIT_EXPECT_FALSE(test, mdk_vmsix_raise(&t->msix, raised[i]));
	KUNIT_EXPECT_EQ(test, BIT_ULL(0) | BIT_ULL(31) | BIT_ULL(63),
			pba(test, t, 0, 8));
	KUNIT_EXPECT_EQ(test, BIT_ULL(0) | BIT_ULL(35), pba(test, t, 8, 8));
	KUNIT_EXPECT_EQ(test, BIT_ULL(31), pba(test, t, 4, 4));
	KUNIT_EXPECT_EQ(test, BIT_ULL(3), pba(test, t, 12, 4));
}

static struct kunit_case mdk_vmsix_cases[] = {
	KUNIT_CASE(mdk_vmsix_init_masks_every_vector),
	KUNIT_CASE(mdk_vmsix_raise_while_disabled_is_dropped),
	KUNIT_CASE(mdk_vmsix_unmasked_vector_is_delivered),
	KUNIT_CASE(mdk_vmsix_masked_vector_pends_until_unmasked),
	KUNIT_CASE(mdk_vmsix_function_mask_holds_all),
	KUNIT_CASE(mdk_vmsix_table_writable_bits),
	KUNIT_CASE(mdk_vmsix_access_bounds),
	KUNIT_CASE(mdk_vmsix_pba_bit_layout),
	{}
};

static struct kunit_suite mdk_vmsix_suite = {
	.name = "mdk_vmsix",
	.test_cases = mdk_vmsix_cases,
};

kunit_test_suites(&mdk_vmsix_suite);
