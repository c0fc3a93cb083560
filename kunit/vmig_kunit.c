// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdk_vmig: the header of vfio_mdev's migration streams
 * (vfio_mdev/vmig.c): a round trip, every header bit flipped, truncations,
 * trailing bytes, corrupted sections, other versions and flags, malformed
 * names, oversized sections, and each way a device may differ.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "vfio_mdev/vmig.h"

#define FW	100
#define PARENT	40
#define LEN	(MDK_VMIG_HDR_SIZE + FW + PARENT)

static const struct mdk_vmig_desc mdk_vmig_test_desc = {
	.parent = "mdk_card",
	.type = "2q",
	.vendor = 0x1af4,
	.device = 0x10f2,
	.subsystem_vendor = 0x1af4,
	.subsystem_device = 0x1100,
	.class = 0x088000,
	.bar_size = { 8192, 0, 4096, 0, 0, 0 },
	.msix_vectors = 2,
	.cfg_size = 4096,
	.layout_crc = 0x12345678,
	.parent_version = 3,
};

/* A sealed stream of one whole record: the header and patterned sections. */
static void mdk_vmig_test_stream(u8 *buf)
{
	unsigned int i;

	for (i = MDK_VMIG_HDR_SIZE; i < LEN; i++)
		buf[i] = i * 7;
	mdk_vmig_hdr_put(buf, &mdk_vmig_test_desc, 0, FW, PARENT);
	mdk_vmig_seal(buf, LEN);
}

static void mdk_vmig_test_round_trip(struct kunit *test)
{
	struct mdk_vmig_hdr hdr;
	const char *why;
	u8 buf[LEN];

	mdk_vmig_test_stream(buf);
	KUNIT_ASSERT_EQ(test, 0, mdk_vmig_hdr_get(buf, LEN, &hdr, &why));
	KUNIT_EXPECT_EQ(test, 0, mdk_vmig_verify(buf, LEN, &why));
	KUNIT_EXPECT_EQ(test, 0, mdk_vmig_check(&hdr, &mdk_vmig_test_desc,
						&why));
	KUNIT_EXPECT_EQ(test, MDK_VMIG_VERSION, hdr.version);
	KUNIT_EXPECT_EQ(test, 0, hdr.flags);
	KUNIT_EXPECT_EQ(test, FW, hdr.fw_len);
	KUNIT_EXPECT_EQ(test, PARENT, hdr.parent_len);
	KUNIT_EXPECT_EQ(test, 0, memcmp(&hdr.desc, &mdk_vmig_test_desc,
					sizeof(hdr.desc)));
	/* The header alone decodes from its own bytes. */
	KUNIT_EXPECT_EQ(test, 0, mdk_vmig_hdr_get(buf, MDK_VMIG_HDR_SIZE,
						  &hdr, &why));
}

static void mdk_vmig_test_every_header_bit(struct kunit *test)
{
	struct mdk_vmig_hdr hdr;
	unsigned int bit;
	const char *why;
	u8 buf[LEN];
	int ret;

	mdk_vmig_test_stream(buf);
	for (bit = 0; bit < MDK_VMIG_HDR_SIZE * 8; bit++) {
		buf[bit / 8] ^= BIT(bit % 8);
		ret = mdk_vmig_hdr_get(buf, LEN, &hdr, &why);
		/* The magic is checked first; the CRC covers the rest. */
		KUNIT_EXPECT_EQ_MSG(test, bit < 32 ? -EINVAL : -EBADMSG, ret,
				    "bit %u", bit);
		KUNIT_EXPECT_NOT_NULL(test, why);
		buf[bit / 8] ^= BIT(bit % 8);
	}
	KUNIT_EXPECT_EQ(test, 0, mdk_vmig_hdr_get(buf, LEN, &hdr, &why));
	KUNIT_EXPECT_NULL(test, why);
}

static void mdk_vmig_test_sections(struct kunit *test)
{
	struct mdk_vmig_hdr hdr;
	const char *why;
	unsigned int i;
	u8 buf[LEN + 1];

	mdk_vmig_test_stream(buf);
	for (i = MDK_VMIG_HDR_SIZE; i < LEN; i += 13) {
		buf[i] ^= 0x80;
		KUNIT_EXPECT_EQ(test, -EBADMSG, mdk_vmig_verify(buf, LEN, &why));
		buf[i] ^= 0x80;
	}
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmig_verify(buf, LEN - 1, &why));
	KUNIT_EXPECT_STREQ(test, "truncated stream", why);
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmig_verify(buf, LEN + 1, &why));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmig_verify(buf, 10, &why));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vmig_hdr_get(buf, MDK_VMIG_HDR_SIZE - 1, &hdr, &why));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmig_hdr_get(buf, 0, &hdr, &why));
	KUNIT_EXPECT_EQ(test, 0, mdk_vmig_verify(buf, LEN, &why));
}

/* Edits byte @off of a stream's header to @val and seals it again. */
static int mdk_vmig_test_edit(u8 *buf, unsigned int off, u8 val,
			      struct mdk_vmig_hdr *hdr, const char **why)
{
	mdk_vmig_test_stream(buf);
	buf[off] = val;
	mdk_vmig_seal(buf, LEN);
	return mdk_vmig_hdr_get(buf, LEN, hdr, why);
}

static void mdk_vmig_test_malformed(struct kunit *test)
{
	struct mdk_vmig_hdr hdr;
	const char *why;
	unsigned int i;
	u8 buf[LEN];

	/* Version (offset 4), header size (6), flags (42), reserved. */
	KUNIT_EXPECT_EQ(test, -EPROTONOSUPPORT,
			mdk_vmig_test_edit(buf, 4, 2, &hdr, &why));
	KUNIT_EXPECT_EQ(test, -EPROTONOSUPPORT,
			mdk_vmig_test_edit(buf, 4, 0, &hdr, &why));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmig_test_edit(buf, 7, 0, &hdr, &why));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmig_test_edit(buf, 42, 2, &hdr, &why));
	for (i = 164; i < MDK_VMIG_HDR_SIZE; i += 23)
		KUNIT_EXPECT_EQ(test, -EINVAL,
				mdk_vmig_test_edit(buf, i, 1, &hdr, &why));
	/* A pre-copy header has no sections. */
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmig_test_edit(buf, 42, 1, &hdr, &why));
	/* Names: 32 bytes without a NUL, or bytes after it. */
	mdk_vmig_test_stream(buf);
	memset(buf + 96, 'a', 32);
	mdk_vmig_seal(buf, LEN);
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmig_hdr_get(buf, LEN, &hdr, &why));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_vmig_test_edit(buf, 128 + 20, 'x', &hdr, &why));
	/* Sections larger than a record may be: fw_len (offset 8) 4 MiB. */
	KUNIT_EXPECT_EQ(test, -EFBIG,
			mdk_vmig_test_edit(buf, 8 + 2, 0x40, &hdr, &why));
	KUNIT_EXPECT_EQ(test, -EFBIG,
			mdk_vmig_test_edit(buf, 12 + 3, 0xff, &hdr, &why));
}

static void mdk_vmig_test_precopy_header(struct kunit *test)
{
	struct mdk_vmig_hdr hdr;
	const char *why;
	u8 buf[MDK_VMIG_HDR_SIZE];

	mdk_vmig_hdr_put(buf, &mdk_vmig_test_desc, MDK_VMIG_F_PRECOPY, 0, 0);
	mdk_vmig_seal(buf, sizeof(buf));
	KUNIT_ASSERT_EQ(test, 0, mdk_vmig_hdr_get(buf, sizeof(buf), &hdr, &why));
	KUNIT_EXPECT_EQ(test, MDK_VMIG_F_PRECOPY, hdr.flags);
	KUNIT_EXPECT_EQ(test, 0, mdk_vmig_check(&hdr, &mdk_vmig_test_desc,
						&why));
	KUNIT_EXPECT_EQ(test, 0, mdk_vmig_verify(buf, sizeof(buf), &why));
}

static void mdk_vmig_test_check(struct kunit *test)
{
	struct mdk_vmig_desc want = mdk_vmig_test_desc;
	struct mdk_vmig_hdr hdr;
	const char *why;
	u8 buf[LEN];

	mdk_vmig_test_stream(buf);
	KUNIT_ASSERT_EQ(test, 0, mdk_vmig_hdr_get(buf, LEN, &hdr, &why));
#define MDK_VMIG_DIFFERS(field, val, err) do {				\
		want = mdk_vmig_test_desc;				\
		want.field = (val);					\
		KUNIT_EXPECT_EQ_MSG(test, err,				\
				    mdk_vmig_check(&hdr, &want, &why),	\
				    #field);				\
	} while (0)
	MDK_VMIG_DIFFERS(vendor, 0x1af5, -EINVAL);
	MDK_VMIG_DIFFERS(device, 0, -EINVAL);
	MDK_VMIG_DIFFERS(subsystem_vendor, 1, -EINVAL);
	MDK_VMIG_DIFFERS(subsystem_device, 1, -EINVAL);
	MDK_VMIG_DIFFERS(class, 0x020000, -EINVAL);
	MDK_VMIG_DIFFERS(bar_size[0], 4096, -EINVAL);
	MDK_VMIG_DIFFERS(bar_size[5], 4096, -EINVAL);
	MDK_VMIG_DIFFERS(msix_vectors, 1, -EINVAL);
	MDK_VMIG_DIFFERS(msi_vectors, 1, -EINVAL);
	MDK_VMIG_DIFFERS(cfg_size, 256, -EINVAL);
	MDK_VMIG_DIFFERS(layout_crc, 0, -EINVAL);
	MDK_VMIG_DIFFERS(parent_version, 2, -EPROTONOSUPPORT);
	MDK_VMIG_DIFFERS(parent_version, 4, 0);
#undef MDK_VMIG_DIFFERS
	want = mdk_vmig_test_desc;
	strscpy(want.parent, "mdk_nic", sizeof(want.parent));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmig_check(&hdr, &want, &why));
	KUNIT_EXPECT_STREQ(test, "saved from another parent driver", why);
	want = mdk_vmig_test_desc;
	strscpy(want.type, "1q", sizeof(want.type));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_vmig_check(&hdr, &want, &why));
	KUNIT_EXPECT_STREQ(test, "saved from another mdev type", why);
}

static void mdk_vmig_test_long_names(struct kunit *test)
{
	struct mdk_vmig_desc d = mdk_vmig_test_desc;
	struct mdk_vmig_hdr hdr;
	const char *why;
	u8 buf[LEN];

	/* A name of 31 characters fills the field; the put truncates. */
	memset(d.type, 'q', sizeof(d.type) - 1);
	d.type[sizeof(d.type) - 1] = 0;
	mdk_vmig_hdr_put(buf, &d, 0, FW, PARENT);
	mdk_vmig_seal(buf, LEN);
	KUNIT_ASSERT_EQ(test, 0, mdk_vmig_hdr_get(buf, LEN, &hdr, &why));
	KUNIT_EXPECT_STREQ(test, d.type, hdr.desc.type);
	KUNIT_EXPECT_EQ(test, 0, mdk_vmig_check(&hdr, &d, &why));
}

static struct kunit_case mdk_vmig_test_cases[] = {
	KUNIT_CASE(mdk_vmig_test_round_trip),
	KUNIT_CASE(mdk_vmig_test_every_header_bit),
	KUNIT_CASE(mdk_vmig_test_sections),
	KUNIT_CASE(mdk_vmig_test_malformed),
	KUNIT_CASE(mdk_vmig_test_precopy_header),
	KUNIT_CASE(mdk_vmig_test_check),
	KUNIT_CASE(mdk_vmig_test_long_names),
	{}
};

static struct kunit_suite mdk_vmig_test_suite = {
	.name = "mdk_vmig",
	.test_cases = mdk_vmig_test_cases,
};

kunit_test_suite(mdk_vmig_test_suite);
