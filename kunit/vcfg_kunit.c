// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdk_vcfg: the vfio_mdev virtual configuration space
 * (vfio_mdev/vcfg.c): the header a parent's description produces, BAR
 * sizing and programming, the write semantics of every kind of bit, the
 * capability chains and the bounds of an access.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/sizes.h>

#include "vcfg_kunit.h"

static const struct mdk_vcfg_desc mdk_vcfg_test_desc = {
	.vendor = 0x1af4, .device = 0x10f1,
	.subsystem_vendor = 0x1af4, .subsystem_device = 0x0001,
	.class = 0x020000, .revision = 0x03, .irq_pin = 1,
	.bars = {
		[0] = { .size = SZ_16K },
		[2] = { .size = SZ_8G,
			.flags = MDK_VCFG_BAR_64 | MDK_VCFG_BAR_PREFETCH },
		[4] = { .size = 32, .flags = MDK_VCFG_BAR_IO },
	},
};

static void mdk_vcfg_header_from_desc(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &mdk_vcfg_test_desc);

	KUNIT_EXPECT_EQ(test, PCI_CFG_SPACE_SIZE, cfg->size);
	KUNIT_EXPECT_EQ(test, 0x10f11af4, vcfg_rd(test, cfg, PCI_VENDOR_ID, 4));
	KUNIT_EXPECT_EQ(test, 0x02000003, vcfg_rd(test, cfg, PCI_CLASS_REVISION, 4));
	KUNIT_EXPECT_EQ(test, 0x00011af4,
			vcfg_rd(test, cfg, PCI_SUBSYSTEM_VENDOR_ID, 4));
	KUNIT_EXPECT_EQ(test, PCI_HEADER_TYPE_NORMAL,
			vcfg_rd(test, cfg, PCI_HEADER_TYPE, 1));
	KUNIT_EXPECT_EQ(test, 1, vcfg_rd(test, cfg, PCI_INTERRUPT_PIN, 1));
	KUNIT_EXPECT_EQ(test, 0, vcfg_rd(test, cfg, PCI_STATUS, 2));
	KUNIT_EXPECT_EQ(test, 0, vcfg_rd(test, cfg, PCI_CAPABILITY_LIST, 1));
	KUNIT_EXPECT_EQ(test, 0, vcfg_rd(test, cfg, PCI_ROM_ADDRESS, 4));
}

static void mdk_vcfg_read_only_fields_ignore_writes(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &mdk_vcfg_test_desc);
	static const unsigned int ro[] = {
		PCI_VENDOR_ID, PCI_CLASS_REVISION, PCI_SUBSYSTEM_VENDOR_ID,
		PCI_ROM_ADDRESS, PCI_CAPABILITY_LIST & ~3,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		u32 before = vcfg_rd(test, cfg, ro[i], 4);

		vcfg_wr(test, cfg, ro[i], 0xffffffff, 4);
		KUNIT_EXPECT_EQ_MSG(test, before, vcfg_rd(test, cfg, ro[i], 4),
				    "offset %#x", ro[i]);
	}
	vcfg_wr(test, cfg, PCI_INTERRUPT_LINE, 0xffff, 2);
	KUNIT_EXPECT_EQ(test, 0x01ff, vcfg_rd(test, cfg, PCI_INTERRUPT_LINE, 2));
}

static void mdk_vcfg_bar32_sizing(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &mdk_vcfg_test_desc);

	KUNIT_EXPECT_EQ(test, 0, vcfg_rd(test, cfg, PCI_BASE_ADDRESS_0, 4));
	vcfg_wr(test, cfg, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	KUNIT_EXPECT_EQ(test, ~(u32)(SZ_16K - 1),
			vcfg_rd(test, cfg, PCI_BASE_ADDRESS_0, 4));
	vcfg_wr(test, cfg, PCI_BASE_ADDRESS_0, 0xfebc1234, 4);
	KUNIT_EXPECT_EQ(test, 0xfebc0000, vcfg_rd(test, cfg, PCI_BASE_ADDRESS_0, 4));
	KUNIT_EXPECT_EQ(test, 0xfebc0000ULL, mdk_vcfg_bar_addr(cfg, 0));
	/* An unused slot stays 0 whatever is written. */
	vcfg_wr(test, cfg, PCI_BASE_ADDRESS_1, 0xffffffff, 4);
	KUNIT_EXPECT_EQ(test, 0, vcfg_rd(test, cfg, PCI_BASE_ADDRESS_1, 4));
	KUNIT_EXPECT_EQ(test, 0ULL, mdk_vcfg_bar_addr(cfg, 1));
}

static void mdk_vcfg_bar64_sizing(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &mdk_vcfg_test_desc);
	u32 flags = PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH;

	KUNIT_EXPECT_EQ(test, flags, vcfg_rd(test, cfg, PCI_BASE_ADDRESS_2, 4));
	vcfg_wr(test, cfg, PCI_BASE_ADDRESS_2, 0xffffffff, 4);
	vcfg_wr(test, cfg, PCI_BASE_ADDRESS_3, 0xffffffff, 4);
	/* 8 GiB: no writable bit in the low dword, bit 33 up in the high. */
	KUNIT_EXPECT_EQ(test, flags, vcfg_rd(test, cfg, PCI_BASE_ADDRESS_2, 4));
	KUNIT_EXPECT_EQ(test, 0xfffffffe, vcfg_rd(test, cfg, PCI_BASE_ADDRESS_3, 4));
	vcfg_wr(test, cfg, PCI_BASE_ADDRESS_2, 0, 4);
	vcfg_wr(test, cfg, PCI_BASE_ADDRESS_3, 0x4, 4);
	KUNIT_EXPECT_EQ(test, 0x400000000ULL, mdk_vcfg_bar_addr(cfg, 2));
	KUNIT_EXPECT_EQ(test, 0ULL, mdk_vcfg_bar_addr(cfg, 3));
}

static void mdk_vcfg_bar_io_sizing(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &mdk_vcfg_test_desc);

	KUNIT_EXPECT_EQ(test, PCI_BASE_ADDRESS_SPACE_IO,
			vcfg_rd(test, cfg, PCI_BASE_ADDRESS_4, 4));
	vcfg_wr(test, cfg, PCI_BASE_ADDRESS_4, 0xffffffff, 4);
	KUNIT_EXPECT_EQ(test, 0xffffffe1, vcfg_rd(test, cfg, PCI_BASE_ADDRESS_4, 4));
	vcfg_wr(test, cfg, PCI_BASE_ADDRESS_4, 0xc040, 4);
	KUNIT_EXPECT_EQ(test, 0xc040ULL, mdk_vcfg_bar_addr(cfg, 4));
}

struct mdk_vcfg_bad_bars {
	const char *what;
	struct mdk_vcfg_bar bars[MDK_VCFG_NR_BARS];
};

static const struct mdk_vcfg_bad_bars mdk_vcfg_bad_bars_cases[] = {
	{ "size not a power of two", { [0] = { .size = 3 * SZ_4K } } },
	{ "memory BAR under 16 bytes", { [0] = { .size = 8 } } },
	{ "32-bit BAR over 2 GiB", { [0] = { .size = SZ_4G } } },
	{ "I/O BAR over 256 bytes",
	  { [0] = { .size = 512, .flags = MDK_VCFG_BAR_IO } } },
	{ "prefetchable I/O BAR",
	  { [0] = { .size = 16,
		    .flags = MDK_VCFG_BAR_IO | MDK_VCFG_BAR_PREFETCH } } },
	{ "64-bit BAR in the last slot",
	  { [5] = { .size = SZ_4K, .flags = MDK_VCFG_BAR_64 } } },
	{ "64-bit BAR over a used slot",
	  { [0] = { .size = SZ_4K, .flags = MDK_VCFG_BAR_64 },
	    [1] = { .size = SZ_4K } } },
	{ "flags on an unused slot", { [3] = { .flags = MDK_VCFG_BAR_64 } } },
};

static void mdk_vcfg_bad_bars_desc(const struct mdk_vcfg_bad_bars *t,
				   char *desc)
{
	strscpy(desc, t->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdk_vcfg_bad_bars, mdk_vcfg_bad_bars_cases,
		  mdk_vcfg_bad_bars_desc);

static void mdk_vcfg_init_rejects_bad_bars(struct kunit *test)
{
	const struct mdk_vcfg_bad_bars *t = test->param_value;
	struct mdk_vcfg_desc desc = { .vendor = 0x1af4 };
	struct mdk_vcfg *cfg = kunit_kzalloc(test, sizeof(*cfg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	memcpy(desc.bars, t->bars, sizeof(desc.bars));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcfg_init(cfg, &desc));
}

static void mdk_vcfg_command_decode_bits(struct kunit *test)
{
	struct mdk_vcfg_desc desc = mdk_vcfg_test_desc;
	struct mdk_vcfg *cfg;

	cfg = mdk_vcfg_test_new(test, &desc);
	KUNIT_EXPECT_FALSE(test, mdk_vcfg_bar_decoded(cfg, 0));
	vcfg_wr(test, cfg, PCI_COMMAND, 0xffff, 2);
	KUNIT_EXPECT_EQ(test, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
			PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE,
			vcfg_rd(test, cfg, PCI_COMMAND, 2));
	KUNIT_EXPECT_TRUE(test, mdk_vcfg_bar_decoded(cfg, 0));
	KUNIT_EXPECT_TRUE(test, mdk_vcfg_bar_decoded(cfg, 4));
	KUNIT_EXPECT_FALSE(test, mdk_vcfg_bar_decoded(cfg, 1));
	vcfg_wr(test, cfg, PCI_COMMAND, PCI_COMMAND_IO, 2);
	KUNIT_EXPECT_FALSE(test, mdk_vcfg_bar_decoded(cfg, 0));
	KUNIT_EXPECT_TRUE(test, mdk_vcfg_bar_decoded(cfg, 4));

	/* Without an I/O BAR, the I/O decode bit cannot be set. */
	desc.bars[4].size = 0;
	desc.bars[4].flags = 0;
	cfg = mdk_vcfg_test_new(test, &desc);
	vcfg_wr(test, cfg, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
	KUNIT_EXPECT_EQ(test, PCI_COMMAND_MEMORY, vcfg_rd(test, cfg, PCI_COMMAND, 2));
}

static void mdk_vcfg_status_error_bits_are_rw1c(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &mdk_vcfg_test_desc);
	u16 errs = PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR;

	/* The device side sets status bits directly. */
	put_unaligned_le16(errs | PCI_STATUS_INTERRUPT, &cfg->data[PCI_STATUS]);
	vcfg_wr(test, cfg, PCI_STATUS, 0, 2);
	KUNIT_EXPECT_EQ(test, errs | PCI_STATUS_INTERRUPT,
			vcfg_rd(test, cfg, PCI_STATUS, 2));
	vcfg_wr(test, cfg, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT |
	   PCI_STATUS_INTERRUPT | PCI_STATUS_CAP_LIST, 2);
	KUNIT_EXPECT_EQ(test, PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_INTERRUPT,
			vcfg_rd(test, cfg, PCI_STATUS, 2));
}

static void mdk_vcfg_cap_chain_walks(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &mdk_vcfg_test_desc);
	static const u8 ids[] = { PCI_CAP_ID_PM, PCI_CAP_ID_MSI,
				  PCI_CAP_ID_VNDR };
	static const unsigned int lens[] = { PCI_PM_SIZEOF, 14, 7 };
	unsigned int i, pos, seen = 0;
	int off[3];

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		off[i] = mdk_vcfg_add_cap(cfg, ids[i], lens[i], NULL, NULL);
		KUNIT_ASSERT_GE(test, off[i], MDK_VCFG_CAP_START);
		KUNIT_EXPECT_EQ(test, 0, off[i] & 3);
	}
	KUNIT_EXPECT_TRUE(test, vcfg_rd(test, cfg, PCI_STATUS, 2) &
			  PCI_STATUS_CAP_LIST);
	/* Walk it as the guest's PCI core does. */
	for (pos = vcfg_rd(test, cfg, PCI_CAPABILITY_LIST, 1); pos && seen < 48;
	     pos = vcfg_rd(test, cfg, pos + PCI_CAP_LIST_NEXT, 1), seen++) {
		KUNIT_ASSERT_LT(test, seen, ARRAY_SIZE(ids));
		KUNIT_EXPECT_EQ(test, (unsigned int)off[seen], pos);
		KUNIT_EXPECT_EQ(test, ids[seen],
				vcfg_rd(test, cfg, pos + PCI_CAP_LIST_ID, 1));
	}
	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(ids), seen);
	/* The header is read-only. */
	vcfg_wr(test, cfg, off[0], 0xffff, 2);
	KUNIT_EXPECT_EQ(test, (u32)(PCI_CAP_ID_PM | off[1] << 8),
			vcfg_rd(test, cfg, off[0], 2));
}

static void mdk_vcfg_cap_body_follows_its_wmask(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &mdk_vcfg_test_desc);
	static const u8 init[2] = { 0x03, 0x40 };
	static const u8 wmask[2] = { 0x00, 0x0f };
	int off = mdk_vcfg_add_cap(cfg, PCI_CAP_ID_VNDR, 4, init, wmask);

	KUNIT_ASSERT_GE(test, off, MDK_VCFG_CAP_START);
	vcfg_wr(test, cfg, off + 2, 0xffff, 2);
	KUNIT_EXPECT_EQ(test, 0x4f03, vcfg_rd(test, cfg, off + 2, 2));
	vcfg_wr(test, cfg, off + 2, 0x0000, 2);
	KUNIT_EXPECT_EQ(test, 0x4003, vcfg_rd(test, cfg, off + 2, 2));
}

static void mdk_vcfg_cap_space_runs_out(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &mdk_vcfg_test_desc);

	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vcfg_add_cap(cfg, PCI_CAP_ID_VNDR, 1, NULL, NULL));
	KUNIT_EXPECT_EQ(test, MDK_VCFG_CAP_START,
			mdk_vcfg_add_cap(cfg, PCI_CAP_ID_VNDR, 0xb0, NULL,
					 NULL));
	KUNIT_EXPECT_EQ(test, -ENOSPC,
			mdk_vcfg_add_cap(cfg, PCI_CAP_ID_VNDR, 0x20, NULL,
					 NULL));
	KUNIT_EXPECT_EQ(test, 0xf0,
			mdk_vcfg_add_cap(cfg, PCI_CAP_ID_VNDR, 0x10, NULL,
					 NULL));
	KUNIT_EXPECT_EQ(test, 0xf0, vcfg_rd(test, cfg, MDK_VCFG_CAP_START +
				       PCI_CAP_LIST_NEXT, 1));
}

static void mdk_vcfg_ecap_chain(struct kunit *test)
{
	struct mdk_vcfg_desc desc = mdk_vcfg_test_desc;
	struct mdk_vcfg *cfg;
	u32 hdr;
	int a, b;

	cfg = mdk_vcfg_test_new(test, &desc);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vcfg_add_ecap(cfg, PCI_EXT_CAP_ID_DSN, 1, 12,
					  NULL, NULL));
	desc.express = true;
	cfg = mdk_vcfg_test_new(test, &desc);
	KUNIT_EXPECT_EQ(test, PCI_CFG_SPACE_EXP_SIZE, cfg->size);
	a = mdk_vcfg_add_ecap(cfg, PCI_EXT_CAP_ID_DSN, 1, 12, NULL, NULL);
	b = mdk_vcfg_add_ecap(cfg, PCI_EXT_CAP_ID_VNDR, 1, 10, NULL, NULL);
	KUNIT_EXPECT_EQ(test, PCI_CFG_SPACE_SIZE, a);
	KUNIT_EXPECT_EQ(test, PCI_CFG_SPACE_SIZE + 12, b);
	hdr = vcfg_rd(test, cfg, a, 4);
	KUNIT_EXPECT_EQ(test, PCI_EXT_CAP_ID_DSN, PCI_EXT_CAP_ID(hdr));
	KUNIT_EXPECT_EQ(test, 1, PCI_EXT_CAP_VER(hdr));
	KUNIT_EXPECT_EQ(test, b, PCI_EXT_CAP_NEXT(hdr));
	hdr = vcfg_rd(test, cfg, b, 4);
	KUNIT_EXPECT_EQ(test, PCI_EXT_CAP_ID_VNDR, PCI_EXT_CAP_ID(hdr));
	KUNIT_EXPECT_EQ(test, 0, PCI_EXT_CAP_NEXT(hdr));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vcfg_add_ecap(cfg, PCI_EXT_CAP_ID_VNDR, 16, 8,
					  NULL, NULL));
	KUNIT_EXPECT_EQ(test, -ENOSPC,
			mdk_vcfg_add_ecap(cfg, PCI_EXT_CAP_ID_VNDR, 1, SZ_4K,
					  NULL, NULL));
}

static void mdk_vcfg_access_bounds(struct kunit *test)
{
	struct mdk_vcfg *cfg = mdk_vcfg_test_new(test, &mdk_vcfg_test_desc);
	u8 buf[8] = {};

	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcfg_read(cfg, 0, buf, 0));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcfg_read(cfg, 0, buf, 3));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcfg_read(cfg, 0, buf, 8));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcfg_read(cfg, 0xfe, buf, 4));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcfg_read(cfg, 0x100, buf, 1));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcfg_write(cfg, 0xff, buf, 2));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vcfg_write(cfg, ~0U, buf, 4));
	KUNIT_EXPECT_EQ(test, 0, mdk_vcfg_read(cfg, 0xfc, buf, 4));
	/* Unaligned accesses work byte by byte across registers. */
	KUNIT_EXPECT_EQ(test, 0xf11a, vcfg_rd(test, cfg, PCI_VENDOR_ID + 1, 2));
	vcfg_wr(test, cfg, PCI_CACHE_LINE_SIZE - 1, 0xffff, 2);
	KUNIT_EXPECT_EQ(test, 0xff02, vcfg_rd(test, cfg, PCI_CACHE_LINE_SIZE - 1, 2));
}

static struct kunit_case mdk_vcfg_cases[] = {
	KUNIT_CASE(mdk_vcfg_header_from_desc),
	KUNIT_CASE(mdk_vcfg_read_only_fields_ignore_writes),
	KUNIT_CASE(mdk_vcfg_bar32_sizing),
	KUNIT_CASE(mdk_vcfg_bar64_sizing),
	KUNIT_CASE(mdk_vcfg_bar_io_sizing),
	KUNIT_CASE_PARAM(mdk_vcfg_init_rejects_bad_bars,
			 mdk_vcfg_bad_bars_gen_params),
	KUNIT_CASE(mdk_vcfg_command_decode_bits),
	KUNIT_CASE(mdk_vcfg_status_error_bits_are_rw1c),
	KUNIT_CASE(mdk_vcfg_cap_chain_walks),
	KUNIT_CASE(mdk_vcfg_cap_body_follows_its_wmask),
	KUNIT_CASE(mdk_vcfg_cap_space_runs_out),
	KUNIT_CASE(mdk_vcfg_ecap_chain),
	KUNIT_CASE(mdk_vcfg_access_bounds),
	{}
};

static struct kunit_suite mdk_vcfg_suite = {
	.name = "mdk_vcfg",
	.test_cases = mdk_vcfg_cases,
};

kunit_test_suites(&mdk_vcfg_suite);
