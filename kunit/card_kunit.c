// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdk_card_desc: the mdk_card sample parent's pure descriptor
 * logic (parents/card/card_desc.c): CRC-32C against the standard's check
 * values, split updates equal to one pass, FILL's bytes against their
 * definition, and which descriptors the engine refuses, with which status.
 */
#include <kunit/test.h>

#include "parents/card/card_desc.h"

static u32 crc(const void *p, size_t n)
{
	return ~mdk_card_crc32c(~0U, p, n);
}

static void mdk_card_crc32c_check_values(struct kunit *test)
{
	static const u8 zeros[32], ones[32] = {
		[0 ... 31] = 0xff,
	};
	u8 inc[32];
	int i;

	for (i = 0; i < 32; i++)
		inc[i] = i;
	/* RFC 3720 (iSCSI) B.4 and the common "123456789" check value. */
	KUNIT_EXPECT_EQ(test, 0xe3069283, crc("123456789", 9));
	KUNIT_EXPECT_EQ(test, 0x8a9136aa, crc(zeros, 32));
	KUNIT_EXPECT_EQ(test, 0x62a8ab43, crc(ones, 32));
	KUNIT_EXPECT_EQ(test, 0x46dd794e, crc(inc, 32));
	KUNIT_EXPECT_EQ(test, 0, crc("", 0));
}

static void mdk_card_crc32c_split_updates(struct kunit *test)
{
	static const char text[] = "the engine folds a buffer page by page";
	size_t n = sizeof(text) - 1, cut;

	for (cut = 0; cut <= n; cut++) {
		u32 c = mdk_card_crc32c(~0U, text, cut);

		c = mdk_card_crc32c(c, text + cut, n - cut);
		KUNIT_EXPECT_EQ(test, crc(text, n), ~c);
	}
}

/*
 * FILL eight bytes at a time equals the byte-wise definition (destination
 * byte i is pattern byte i % 8) for every start in the pattern, every
 * length up to 40 and every alignment of the destination, and writes
 * nothing outside it.
 */
static void mdk_card_fill_bytes(struct kunit *test)
{
	const u64 pattern = 0x0807060504030201ULL;
	u8 buf[64];
	u32 pos, n, off, k;

	for (pos = 0; pos < 16; pos++)
		for (n = 0; n <= 40; n++)
			for (off = 0; off < 8; off++) {
				memset(buf, 0xee, sizeof(buf));
				mdk_card_fill(buf + off, pattern, pos, n);
				for (k = 0; k < sizeof(buf); k++) {
					u8 want = k >= off && k < off + n ?
						  (pos + k - off) % 8 + 1 : 0xee;

					KUNIT_ASSERT_EQ_MSG(test, want, buf[k],
							    "pos %u n %u off %u byte %u",
							    pos, n, off, k);
				}
			}
}

struct mdk_card_desc_case {
	const char *what;
	u32 opcode, len, status;
};

static const struct mdk_card_desc_case mdk_card_desc_cases[] = {
	{ "copy, 1 byte", MDK_CARD_OP_COPY, 1, 0 },
	{ "crc32c, 1 MiB", MDK_CARD_OP_CRC32C, MDK_CARD_MAX_LEN, 0 },
	{ "fill", MDK_CARD_OP_FILL, 4096, 0 },
	{ "compare", MDK_CARD_OP_COMPARE, 64, 0 },
	{ "opcode 0", 0, 64, MDK_CARD_ST_BAD_OPCODE },
	{ "opcode 5", 5, 64, MDK_CARD_ST_BAD_OPCODE },
	{ "opcode ~0", ~0U, 64, MDK_CARD_ST_BAD_OPCODE },
	{ "length 0", MDK_CARD_OP_COPY, 0, MDK_CARD_ST_BAD_LENGTH },
	{ "1 MiB + 1", MDK_CARD_OP_COPY, MDK_CARD_MAX_LEN + 1,
	  MDK_CARD_ST_BAD_LENGTH },
	{ "length ~0", MDK_CARD_OP_FILL, ~0U, MDK_CARD_ST_BAD_LENGTH },
};

static void mdk_card_desc_desc(const struct mdk_card_desc_case *t, char *desc)
{
	strscpy(desc, t->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mdk_card_desc, mdk_card_desc_cases, mdk_card_desc_desc);

static void mdk_card_desc_checks(struct kunit *test)
{
	const struct mdk_card_desc_case *t = test->param_value;
	struct mdk_card_desc d = { .opcode = t->opcode, .len = t->len };

	KUNIT_EXPECT_EQ(test, t->status, mdk_card_desc_check(&d));
}

static struct kunit_case mdk_card_desc_test_cases[] = {
	KUNIT_CASE(mdk_card_crc32c_check_values),
	KUNIT_CASE(mdk_card_crc32c_split_updates),
	KUNIT_CASE(mdk_card_fill_bytes),
	KUNIT_CASE_PARAM(mdk_card_desc_checks, mdk_card_desc_gen_params),
	{}
};

static struct kunit_suite mdk_card_desc_test_suite = {
	.name = "mdk_card_desc",
	.test_cases = mdk_card_desc_test_cases,
};

kunit_test_suite(mdk_card_desc_test_suite);
