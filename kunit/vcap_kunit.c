// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdk_vcap: vfio_mdev standard capabilities (vfio_mdev/vcap.c):
 * power management, MSI in its four layouts, MSI-X and vendor-specific
 * capabilities, each checked for what a guest reads and which bits its
 * writes reach, and capability lookup.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/sizes.h>

#include "vcfg_kunit.h"
#include "vfio_mdev/vcap.h"

static const struct mdk_vcfg_desc mdk_vcap_test_desc = {
	.vendor = 0x1af4, .device = 0x10f1, .class = 0x020000,
	.bars = {
		[0] = { .size = SZ_16K },
		[2] = { .size = SZ_64K, .flags = MDK_VCFG_BAR_64 },
		[4] = { .size = 32, .flags = MDK_VCFG_BAR_IO },
	},
};

static struct mdk_vcfg *mdk_vcap_test_new(struct kunit *test)
{
	return mdk_vcfg_test_new(test, &mdk_vcap_test_desc);
}

/* Write all-ones; what reads back. */
static u32 ones(struct kunit *test, struct mdk_vcfg *cfg, unsigned int off,
		unsigned int len)
{
	vcfg_wr(test, cfg, off, 0xffffffff, len);
	return vcfg_rd(test, cfg, off, len);
}

static void mdk_vcap_pm_registers(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcap_test_new(test);
	int pm = mdk_vcap_add_pm(cfg);

	KUNIT_ASSERT_GE(test, pm, MDK_VCFG_CAP_START);
	KUNIT_EXPECT_EQ(test, pm, mdk_vcap_find(cfg, PCI_CAP_ID_PM));
	KUNIT_EXPECT_EQ(test, 3, vcfg_rd(test, cfg, pm + PCI_PM_PMC, 2));
	KUNIT_EXPECT_EQ(test, 3, ones(test, cfg, pm + PCI_PM_PMC, 2));
	/* D3hot written; PME_Status clear stays clear; No_Soft_Reset set. */
	KUNIT_EXPECT_EQ(test, PCI_PM_CTRL_NO_SOFT_RESET | 3,
			ones(test, cfg, pm + PCI_PM_CTRL, 2));
	cfg->data[pm + PCI_PM_CTRL + 1] |= PCI_PM_CTRL_PME_STATUS >> 8;
	KUNIT_EXPECT_EQ(test, PCI_PM_CTRL_NO_SOFT_RESET,
			ones(test, cfg, pm + PCI_PM_CTRL, 2) & ~3U);
}

static void mdk_vcap_exp_registers(struct kunit *test)
{
	static const struct mdk_vcfg_desc desc = {
		.vendor = 0x1b36, .device = 0x11, .express = true,
	};
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &desc);
	int exp = mdk_vcap_add_exp(cfg);

	KUNIT_ASSERT_GE(test, exp, MDK_VCFG_CAP_START);
	KUNIT_EXPECT_EQ(test, exp, mdk_vcap_find(cfg, PCI_CAP_ID_EXP));
	KUNIT_EXPECT_EQ(test, 2, ones(test, cfg, exp + PCI_EXP_FLAGS, 2));
	/* Device Control: all but Initiate FLR. */
	KUNIT_EXPECT_EQ(test, 0x7fff, ones(test, cfg, exp + PCI_EXP_DEVCTL, 2));
	KUNIT_EXPECT_EQ(test, 0x11, ones(test, cfg, exp + PCI_EXP_LNKCAP, 4));
	KUNIT_EXPECT_EQ(test, 0x11, ones(test, cfg, exp + PCI_EXP_LNKSTA, 2));
	cfg->data[exp + PCI_EXP_DEVSTA] = PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_URD;
	vcfg_wr(test, cfg, exp + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_CED, 2);
	KUNIT_EXPECT_EQ(test, PCI_EXP_DEVSTA_URD,
			vcfg_rd(test, cfg, exp + PCI_EXP_DEVSTA, 2));
	/* Not on a conventional PCI function. */
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_exp(mdk_vcap_test_new(test)));
}

struct mdk_vcap_msi_case {
	const char *what;
	bool addr64, maskable;
	unsigned int len, data, mask;
};

static const struct mdk_vcap_msi_case mdk_vcap_msi_cases[] = {
	{ "32-bit", false, false, 0x0a, PCI_MSI_DATA_32, 0 },
	{ "64-bit", true, false, 0x0e, PCI_MSI_DATA_64, 0 },
	{ "32-bit maskable", false, true, 0x14, PCI_MSI_DATA_32,
	  PCI_MSI_MASK_32 },
	{ "64-bit maskable", true, true, 0x18, PCI_MSI_DATA_64,
	  PCI_MSI_MASK_64 },
};

static void mdk_vcap_msi_desc(const struct mdk_vcap_msi_case *t, char *desc)
{
	strscpy(desc, t->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdk_vcap_msi, mdk_vcap_msi_cases, mdk_vcap_msi_desc);

static void mdk_vcap_msi_layout(struct kunit *test)
{
	const struct mdk_vcap_msi_case *t = test->param_value;
	struct mdk_vcfg *cfg = mdk_vcap_test_new(test);
	int msi = mdk_vcap_add_msi(cfg, 8, t->addr64, t->maskable);
	u16 flags = 3 << 1 | (t->addr64 ? PCI_MSI_FLAGS_64BIT : 0) |
		    (t->maskable ? PCI_MSI_FLAGS_MASKBIT : 0);

	KUNIT_ASSERT_EQ(test, MDK_VCFG_CAP_START, msi);
	/* The next capability goes right after this one's size. */
	KUNIT_EXPECT_EQ(test, ALIGN(msi + t->len, 4), cfg->cap_free);
	KUNIT_EXPECT_EQ(test, flags, vcfg_rd(test, cfg, msi + PCI_MSI_FLAGS, 2));
	KUNIT_EXPECT_EQ(test, flags | PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE,
			ones(test, cfg, msi + PCI_MSI_FLAGS, 2));
	KUNIT_EXPECT_EQ(test, 0xfffffffc,
			ones(test, cfg, msi + PCI_MSI_ADDRESS_LO, 4));
	if (t->addr64)
		KUNIT_EXPECT_EQ(test, 0xffffffff,
				ones(test, cfg, msi + PCI_MSI_ADDRESS_HI, 4));
	KUNIT_EXPECT_EQ(test, 0xffff, ones(test, cfg, msi + t->data, 2));
	if (t->maskable) {
		KUNIT_EXPECT_EQ(test, 0xff, ones(test, cfg, msi + t->mask, 4));
		KUNIT_EXPECT_EQ(test, 0, ones(test, cfg, msi + t->mask + 4, 4));
	}
}

static void mdk_vcap_msi_rejects_bad_counts(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcap_test_new(test);

	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_msi(cfg, 0, true, true));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_msi(cfg, 3, true, true));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_msi(cfg, 64, true, true));
	KUNIT_EXPECT_EQ(test, -ENOENT, mdk_vcap_find(cfg, PCI_CAP_ID_MSI));
	KUNIT_EXPECT_LE(test, 0, mdk_vcap_add_msi(cfg, 32, false, true));
	KUNIT_EXPECT_EQ(test, 0xffffffff,
			ones(test, cfg, mdk_vcap_find(cfg, PCI_CAP_ID_MSI) +
			     PCI_MSI_MASK_32, 4));
}

static void mdk_vcap_msix_registers(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcap_test_new(test);
	int msix = mdk_vcap_add_msix(cfg, 100, 2, 0x2000, 2, 0x3000);

	KUNIT_ASSERT_GE(test, msix, MDK_VCFG_CAP_START);
	KUNIT_EXPECT_EQ(test, msix, mdk_vcap_find(cfg, PCI_CAP_ID_MSIX));
	KUNIT_EXPECT_EQ(test, 99, vcfg_rd(test, cfg, msix + PCI_MSIX_FLAGS, 2));
	KUNIT_EXPECT_EQ(test, 99 | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL,
			ones(test, cfg, msix + PCI_MSIX_FLAGS, 2));
	KUNIT_EXPECT_EQ(test, 0x2002, ones(test, cfg, msix + PCI_MSIX_TABLE, 4));
	KUNIT_EXPECT_EQ(test, 0x3002, ones(test, cfg, msix + PCI_MSIX_PBA, 4));
}

static void mdk_vcap_msix_rejects_bad_locations(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcap_test_new(test);

	/* Counts, BARs that do not exist or are I/O or an upper half. */
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_msix(cfg, 0, 0, 0, 0, 0x1000));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vcap_add_msix(cfg, 2049, 2, 0, 2, 0x8000));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_msix(cfg, 4, 1, 0, 0, 0));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_msix(cfg, 4, 3, 0, 0, 0x100));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_msix(cfg, 1, 4, 0, 0, 0x100));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_msix(cfg, 1, 6, 0, 0, 0x100));
	/* Misaligned, or running past the end of the BAR. */
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_msix(cfg, 4, 0, 4, 0, 0x100));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vcap_add_msix(cfg, 4, 0, SZ_16K - 48, 0, 0x100));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vcap_add_msix(cfg, 4, 0, 0, 0, SZ_16K - 4));
	/* Table and PBA overlapping. */
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vcap_add_msix(cfg, 4, 0, 0x100, 0, 0x138));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vcap_add_msix(cfg, 4, 0, 0x100, 0, 0x100));
	KUNIT_EXPECT_EQ(test, -ENOENT, mdk_vcap_find(cfg, PCI_CAP_ID_MSIX));
	/* Table and PBA in the same BAR, back to back at its end. */
	KUNIT_EXPECT_LE(test, 0,
			mdk_vcap_add_msix(cfg, 4, 0, SZ_16K - 72, 0,
					  SZ_16K - 8));
}

static void mdk_vcap_find_walks_the_chain(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcap_test_new(test);
	int pm, msi, msix;

	KUNIT_EXPECT_EQ(test, -ENOENT, mdk_vcap_find(cfg, PCI_CAP_ID_PM));
	pm = mdk_vcap_add_pm(cfg);
	msi = mdk_vcap_add_msi(cfg, 1, true, false);
	msix = mdk_vcap_add_msix(cfg, 8, 0, 0, 0, 0x800);
	KUNIT_EXPECT_EQ(test, pm, mdk_vcap_find(cfg, PCI_CAP_ID_PM));
	KUNIT_EXPECT_EQ(test, msi, mdk_vcap_find(cfg, PCI_CAP_ID_MSI));
	KUNIT_EXPECT_EQ(test, msix, mdk_vcap_find(cfg, PCI_CAP_ID_MSIX));
	KUNIT_EXPECT_EQ(test, -ENOENT, mdk_vcap_find(cfg, PCI_CAP_ID_EXP));
	/* A chain that loops ends the walk instead of hanging it. */
	cfg->data[msix + PCI_CAP_LIST_NEXT] = pm;
	KUNIT_EXPECT_EQ(test, -ENOENT, mdk_vcap_find(cfg, PCI_CAP_ID_EXP));
}

/* Virtio's layout: several vendor capabilities, chained, read-only. */
static void mdk_vcap_vendor_chain(struct kunit *test)
{
	static const u8 body[13] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40 };
	struct mdk_vcfg *cfg = mdk_vcap_test_new(test);
	int a, b, i;

	a = mdk_vcap_add_vendor(cfg, 16, body);
	b = mdk_vcap_add_vendor(cfg, 20, body);
	KUNIT_ASSERT_GE(test, a, MDK_VCFG_CAP_START);
	KUNIT_ASSERT_EQ(test, b, a + 16);
	KUNIT_EXPECT_EQ(test, PCI_CAP_ID_VNDR, vcfg_rd(test, cfg, a, 1));
	KUNIT_EXPECT_EQ(test, b, vcfg_rd(test, cfg, a + PCI_CAP_LIST_NEXT, 1));
	KUNIT_EXPECT_EQ(test, 16, vcfg_rd(test, cfg, a + 2, 1));
	KUNIT_EXPECT_EQ(test, 20, vcfg_rd(test, cfg, b + 2, 1));
	KUNIT_EXPECT_EQ(test, 1, vcfg_rd(test, cfg, a + 3, 1));
	KUNIT_EXPECT_EQ(test, 0x40, vcfg_rd(test, cfg, a + 13, 1));
	/* beyond the body given: zeroes */
	KUNIT_EXPECT_EQ(test, 0, vcfg_rd(test, cfg, b + 16, 4));
	for (i = 0; i < 16; i += 4)
		KUNIT_EXPECT_EQ(test, vcfg_rd(test, cfg, a + i, 4),
				ones(test, cfg, a + i, 4));
	/* The find of the first one. */
	KUNIT_EXPECT_EQ(test, a, mdk_vcap_find(cfg, PCI_CAP_ID_VNDR));
}

static void mdk_vcap_vendor_rejects_bad_lengths(struct kunit *test)
{
	static const u8 body[256];
	struct mdk_vcfg *cfg = mdk_vcap_test_new(test);

	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_vendor(cfg, 0, body));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_vendor(cfg, 2, body));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_vendor(cfg, 256, body));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcap_add_vendor(cfg, 8, NULL));
	KUNIT_EXPECT_EQ(test, -ENOENT, mdk_vcap_find(cfg, PCI_CAP_ID_VNDR));
	/* Just the header and length byte. */
	KUNIT_EXPECT_LE(test, 0, mdk_vcap_add_vendor(cfg, 3, NULL));
	/* 192 bytes of capabilities fit from 0x40; a 255-byte one then does not. */
	KUNIT_EXPECT_EQ(test, -ENOSPC, mdk_vcap_add_vendor(cfg, 255, body));
	KUNIT_EXPECT_LE(test, 0, mdk_vcap_add_vendor(cfg, 180, body));
}

static struct kunit_case mdk_vcap_cases[] = {
	KUNIT_CASE(mdk_vcap_pm_registers),
	KUNIT_CASE(mdk_vcap_exp_registers),
	KUNIT_CASE_PARAM(mdk_vcap_msi_layout, mdk_vcap_msi_gen_params),
	KUNIT_CASE(mdk_vcap_msi_rejects_bad_counts),
	KUNIT_CASE(mdk_vcap_msix_registers),
	KUNIT_CASE(mdk_vcap_msix_rejects_bad_locations),
	KUNIT_CASE(mdk_vcap_find_walks_the_chain),
	KUNIT_CASE(mdk_vcap_vendor_chain),
	KUNIT_CASE(mdk_vcap_vendor_rejects_bad_lengths),
	{}
};

static struct kunit_suite mdk_vcap_suite = {
	.name = "mdk_vcap",
	.test_cases = mdk_vcap_cases,
};

kunit_test_suites(&mdk_vcap_suite);
