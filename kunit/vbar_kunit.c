// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdk_vbar: vfio_mdev BAR layouts (vfio_mdev/vbar.c): validation,
 * lookup, access splitting, mmap checks and sparse-mmap areas. Lookups and
 * splits are checked byte by byte against a linear scan of the layout.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/sizes.h>

#include "vfio_mdev/vbar.h"

/*
 * 64 KiB: registers, two adjacent passthrough ranges, a hole, three small
 * trapped ranges back to back, a passthrough page, a hole to the end.
 */
static const struct mdk_vbar_range mdk_vbar_test_ranges[] = {
	{ 0x0000, 0x1000, MDK_VBAR_TRAP },
	{ 0x1000, 0x2000, MDK_VBAR_PASSTHROUGH },
	{ 0x3000, 0x1000, MDK_VBAR_PASSTHROUGH },
	{ 0x8000, 4, MDK_VBAR_TRAP },
	{ 0x8004, 1, MDK_VBAR_TRAP },
	{ 0x8005, 3, MDK_VBAR_TRAP },
	{ 0x9000, 0x1000, MDK_VBAR_PASSTHROUGH },
};

static const struct mdk_vbar_layout mdk_vbar_test_layout = {
	.size = SZ_64K,
	.nr_ranges = ARRAY_SIZE(mdk_vbar_test_ranges),
	.ranges = mdk_vbar_test_ranges,
};

/* Reference: the range of a byte by linear scan, -1 for a hole. */
static int mdk_vbar_ref(const struct mdk_vbar_layout *l, u64 off)
{
	unsigned int i;

	for (i = 0; i < l->nr_ranges; i++)
		if (off >= l->ranges[i].offset &&
		    off < l->ranges[i].offset + l->ranges[i].size)
			return i;
	return -1;
}

static void mdk_vbar_validate_accepts_test_layout(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 0, mdk_vbar_validate(&mdk_vbar_test_layout));
}

struct mdk_vbar_bad {
	const char *what;
	u64 bar_size;
	struct mdk_vbar_range r[2];
};

static const struct mdk_vbar_bad mdk_vbar_bad_cases[] = {
	{ "empty BAR", 0, { { 0, 4, MDK_VBAR_TRAP } } },
	{ "empty range", SZ_64K, { { 0, 0, MDK_VBAR_TRAP } } },
	{ "range beyond the BAR", SZ_64K, { { SZ_64K - 4, 8, MDK_VBAR_TRAP } } },
	{ "range starting beyond the BAR", SZ_64K,
	  { { SZ_128K, 4, MDK_VBAR_TRAP } } },
	{ "range wrapping around", SZ_64K, { { 16, ~0ULL, MDK_VBAR_TRAP } } },
	{ "overlapping ranges", SZ_64K,
	  { { 0, 8, MDK_VBAR_TRAP }, { 4, 8, MDK_VBAR_TRAP } } },
	{ "ranges out of order", SZ_64K,
	  { { 16, 8, MDK_VBAR_TRAP }, { 0, 8, MDK_VBAR_TRAP } } },
	{ "passthrough offset not page-aligned", SZ_64K,
	  { { 0x800, 0x1000, MDK_VBAR_PASSTHROUGH } } },
	{ "passthrough size not page-aligned", SZ_64K,
	  { { 0x1000, 0x800, MDK_VBAR_PASSTHROUGH } } },
	{ "unknown kind", SZ_64K, { { 0, 4, 7 } } },
};

static void mdk_vbar_bad_desc(const struct mdk_vbar_bad *t, char *desc)
{
	strscpy(desc, t->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdk_vbar_bad, mdk_vbar_bad_cases, mdk_vbar_bad_desc);

static void mdk_vbar_validate_rejects(struct kunit *test)
{
	const struct mdk_vbar_bad *t = test->param_value;
	struct mdk_vbar_layout l = {
		.size = t->bar_size,
		.nr_ranges = t->r[1].size ? 2 : 1,
		.ranges = t->r,
	};

	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_validate(&l));
}

static void mdk_vbar_find_matches_linear_scan(struct kunit *test)
{
	const struct mdk_vbar_layout *l = &mdk_vbar_test_layout;
	u64 off;

	for (off = 0; off < l->size; off++) {
		int ref = mdk_vbar_ref(l, off);
		int got = mdk_vbar_find(l, off);

		KUNIT_ASSERT_EQ_MSG(test, ref < 0 ? -ENOENT : ref, got,
				    "offset %#llx", off);
	}
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_find(l, l->size));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_find(l, ~0ULL));
}

/* Every piece lies in one range or hole, pieces are maximal and tile. */
static void mdk_vbar_check_split(struct kunit *test, u64 off,
				 unsigned int len)
{
	const struct mdk_vbar_layout *l = &mdk_vbar_test_layout;
	struct mdk_vbar_piece p[MDK_VBAR_MAX_PIECES];
	unsigned int done = 0, k, b;
	int n = mdk_vbar_split(l, off, len, p);

	KUNIT_ASSERT_GT_MSG(test, n, 0, "split %#llx+%u", off, len);
	for (k = 0; k < n; k++) {
		u64 start = p[k].range < 0 ? p[k].offset :
			    l->ranges[p[k].range].offset + p[k].offset;

		KUNIT_ASSERT_EQ(test, done, p[k].skip);
		KUNIT_ASSERT_EQ(test, off + done, start);
		KUNIT_ASSERT_GT(test, p[k].len, 0);
		for (b = 0; b < p[k].len; b++)
			KUNIT_ASSERT_EQ_MSG(test, p[k].range,
					    mdk_vbar_ref(l, start + b),
					    "split %#llx+%u piece %u byte %u",
					    off, len, k, b);
		if (k)
			KUNIT_ASSERT_NE(test, p[k - 1].range, p[k].range);
		done += p[k].len;
	}
	KUNIT_EXPECT_EQ(test, len, done);
}

static void mdk_vbar_split_matrix(struct kunit *test)
{
	static const u64 edges[] = { 0x0, 0x1000, 0x3000, 0x4000, 0x8000,
				     0x8004, 0x8005, 0x8008, 0x9000, 0xa000,
				     SZ_64K - 8 };
	static const unsigned int lens[] = { 1, 2, 4, 8 };
	unsigned int e, i, d;

	for (e = 0; e < ARRAY_SIZE(edges); e++)
		for (d = 0; d < 16; d++)
			for (i = 0; i < ARRAY_SIZE(lens); i++) {
				u64 off = edges[e] + d;

				if (edges[e] >= 8)
					off -= 8;
				if (off + lens[i] <= SZ_64K)
					mdk_vbar_check_split(test, off, lens[i]);
			}
}

static void mdk_vbar_split_keeps_guest_access(struct kunit *test)
{
	const struct mdk_vbar_layout *l = &mdk_vbar_test_layout;
	struct mdk_vbar_piece p[MDK_VBAR_MAX_PIECES];

	/* A 4-byte access inside the doorbell reaches it whole. */
	KUNIT_ASSERT_EQ(test, 1, mdk_vbar_split(l, 0x8000, 4, p));
	KUNIT_EXPECT_EQ(test, 3, p[0].range);
	KUNIT_EXPECT_EQ(test, 0, p[0].offset);
	KUNIT_EXPECT_EQ(test, 4, p[0].len);
	/* An unaligned 8-byte access inside registers stays one piece. */
	KUNIT_ASSERT_EQ(test, 1, mdk_vbar_split(l, 0x123, 8, p));
	KUNIT_EXPECT_EQ(test, 0x123, p[0].offset);
	/* Across the three small ranges: 4, 1, 3. */
	KUNIT_ASSERT_EQ(test, 3, mdk_vbar_split(l, 0x8000, 8, p));
	KUNIT_EXPECT_EQ(test, 4, p[0].len);
	KUNIT_EXPECT_EQ(test, 1, p[1].len);
	KUNIT_EXPECT_EQ(test, 3, p[2].len);
	/* From passthrough into the hole. */
	KUNIT_ASSERT_EQ(test, 2, mdk_vbar_split(l, 0x3ffe, 4, p));
	KUNIT_EXPECT_EQ(test, 2, p[0].range);
	KUNIT_EXPECT_EQ(test, -1, p[1].range);
	KUNIT_EXPECT_EQ(test, 0x4000, p[1].offset);
}

static void mdk_vbar_split_rejects(struct kunit *test)
{
	const struct mdk_vbar_layout *l = &mdk_vbar_test_layout;
	struct mdk_vbar_piece p[MDK_VBAR_MAX_PIECES];

	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_split(l, 0, 0, p));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_split(l, 0, 3, p));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_split(l, 0, 16, p));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_split(l, SZ_64K - 2, 4, p));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_split(l, SZ_64K, 1, p));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_split(l, ~0ULL - 1, 4, p));
}

static void mdk_vbar_mmap_only_passthrough(struct kunit *test)
{
	const struct mdk_vbar_layout *l = &mdk_vbar_test_layout;

	KUNIT_EXPECT_EQ(test, 1, mdk_vbar_mmap_range(l, 0x1000, 0x1000));
	KUNIT_EXPECT_EQ(test, 1, mdk_vbar_mmap_range(l, 0x2000, 0x1000));
	KUNIT_EXPECT_EQ(test, 1, mdk_vbar_mmap_range(l, 0x1000, 0x3000));
	KUNIT_EXPECT_EQ(test, 2, mdk_vbar_mmap_range(l, 0x3000, 0x1000));
	KUNIT_EXPECT_EQ(test, 6, mdk_vbar_mmap_range(l, 0x9000, 0x1000));
	/* Trapped, hole, partly hole, misaligned, empty, beyond. */
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_mmap_range(l, 0, 0x1000));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_mmap_range(l, 0x5000, 0x1000));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_mmap_range(l, 0x3000, 0x2000));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_mmap_range(l, 0x8000, 0x2000));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_mmap_range(l, 0x1800, 0x1000));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_mmap_range(l, 0x1000, 0x800));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_mmap_range(l, 0x1000, 0));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_mmap_range(l, 0x9000, SZ_64K));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vbar_mmap_range(l, SZ_64K, 0x1000));
}

static void mdk_vbar_sparse_areas_merge_adjacent(struct kunit *test)
{
	const struct mdk_vbar_layout *l = &mdk_vbar_test_layout;
	struct mdk_vbar_area a[4] = {};

	KUNIT_EXPECT_EQ(test, 2, mdk_vbar_sparse_areas(l, NULL, 0));
	KUNIT_ASSERT_EQ(test, 2, mdk_vbar_sparse_areas(l, a, ARRAY_SIZE(a)));
	KUNIT_EXPECT_EQ(test, 0x1000, a[0].offset);
	KUNIT_EXPECT_EQ(test, 0x3000, a[0].size);
	KUNIT_EXPECT_EQ(test, 0x9000, a[1].offset);
	KUNIT_EXPECT_EQ(test, 0x1000, a[1].size);
	/* Short of room: the count, and only what fits written. */
	memset(a, 0, sizeof(a));
	KUNIT_EXPECT_EQ(test, 2, mdk_vbar_sparse_areas(l, a, 1));
	KUNIT_EXPECT_EQ(test, 0x3000, a[0].size);
	KUNIT_EXPECT_EQ(test, 0, a[1].size);
}

static struct kunit_case mdk_vbar_cases[] = {
	KUNIT_CASE(mdk_vbar_validate_accepts_test_layout),
	KUNIT_CASE_PARAM(mdk_vbar_validate_rejects, mdk_vbar_bad_gen_params),
	KUNIT_CASE(mdk_vbar_find_matches_linear_scan),
	KUNIT_CASE(mdk_vbar_split_matrix),
	KUNIT_CASE(mdk_vbar_split_keeps_guest_access),
	KUNIT_CASE(mdk_vbar_split_rejects),
	KUNIT_CASE(mdk_vbar_mmap_only_passthrough),
	KUNIT_CASE(mdk_vbar_sparse_areas_merge_adjacent),
	{}
};

static struct kunit_suite mdk_vbar_suite = {
	.name = "mdk_vbar",
	.test_cases = mdk_vbar_cases,
};

kunit_test_suites(&mdk_vbar_suite);
