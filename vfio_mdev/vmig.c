// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev migration stream header (vmig.h, docs/migration.md).
 *
 * A stream is the header (MDK_VMIG_HDR_SIZE bytes, little endian), then
 * vfio_mdev's section (config space, MSI-X table and PBA, INTx state), then
 * the parent's section. The header carries its own CRC and one of both
 * sections, the device it was saved from and the lengths of the sections.
 */
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <mdevkit/compat.h>

#include "vmig.h"

/* Offsets in the header */
#define H_MAGIC		0
#define H_VERSION	4
#define H_HDR_SIZE	6
#define H_FW_LEN	8
#define H_PARENT_LEN	12
#define H_CRC		16
#define H_HDR_CRC	20
#define H_PARENT_VER	24
#define H_CFG_SIZE	28
#define H_MSIX		30
#define H_MSI		32
#define H_VENDOR	34
#define H_DEVICE	36
#define H_SUBVENDOR	38
#define H_SUBDEVICE	40
#define H_FLAGS		42
#define H_CLASS		44
#define H_BARS		48
#define H_PARENT	96
#define H_TYPE		128
#define H_LAYOUT_CRC	160
#define H_RESERVED	164

static void mdk_vmig_name_put(u8 *dst, const char *src)
{
	size_t n = strnlen(src, MDK_VMIG_NAME_LEN - 1);

	memset(dst, 0, MDK_VMIG_NAME_LEN);
	memcpy(dst, src, n);
}

/**
 * mdk_vmig_hdr_put() - write a header, its CRCs still zero
 * @buf: MDK_VMIG_HDR_SIZE bytes
 * @desc: the device the state is saved from
 * @flags: MDK_VMIG_F_*
 * @fw_len: bytes of vfio_mdev's section
 * @parent_len: bytes of the parent's section
 *
 * mdk_vmig_seal() fills the CRCs once both sections follow the header.
 */
void mdk_vmig_hdr_put(void *buf, const struct mdk_vmig_desc *desc,
		      u32 flags, u32 fw_len, u32 parent_len)
{
	u8 *h = buf;
	unsigned int i;

	memset(h, 0, MDK_VMIG_HDR_SIZE);
	put_unaligned_le32(MDK_VMIG_MAGIC, h + H_MAGIC);
	put_unaligned_le16(MDK_VMIG_VERSION, h + H_VERSION);
	put_unaligned_le16(MDK_VMIG_HDR_SIZE, h + H_HDR_SIZE);
	put_unaligned_le32(fw_len, h + H_FW_LEN);
	put_unaligned_le32(parent_len, h + H_PARENT_LEN);
	put_unaligned_le32(desc->parent_version, h + H_PARENT_VER);
	put_unaligned_le16(desc->cfg_size, h + H_CFG_SIZE);
	put_unaligned_le16(desc->msix_vectors, h + H_MSIX);
	put_unaligned_le16(desc->msi_vectors, h + H_MSI);
	put_unaligned_le16(desc->vendor, h + H_VENDOR);
	put_unaligned_le16(desc->device, h + H_DEVICE);
	put_unaligned_le16(desc->subsystem_vendor, h + H_SUBVENDOR);
	put_unaligned_le16(desc->subsystem_device, h + H_SUBDEVICE);
	put_unaligned_le16(flags, h + H_FLAGS);
	put_unaligned_le32(desc->class, h + H_CLASS);
	put_unaligned_le32(desc->layout_crc, h + H_LAYOUT_CRC);
	for (i = 0; i < MDK_VCFG_NR_BARS; i++)
		put_unaligned_le64(desc->bar_size[i], h + H_BARS + 8 * i);
	mdk_vmig_name_put(h + H_PARENT, desc->parent);
	mdk_vmig_name_put(h + H_TYPE, desc->type);
}

/**
 * mdk_vmig_crc() - CRC-32 (IEEE, as zlib's) of @len bytes
 * @p: the bytes
 * @len: how many
 *
 * Return: the CRC.
 */
u32 mdk_vmig_crc(const void *p, size_t len)
{
	return ~crc32_le(~0U, p, len);
}

/* The header's CRC: of its bytes with the CRC field taken as zero. */
static u32 mdk_vmig_hdr_crc(const u8 *h)
{
	static const u8 zero[4];
	u32 crc;

	crc = crc32_le(~0U, h, H_HDR_CRC);
	crc = crc32_le(crc, zero, sizeof(zero));
	crc = crc32_le(crc, h + H_HDR_CRC + 4,
		       MDK_VMIG_HDR_SIZE - H_HDR_CRC - 4);
	return ~crc;
}

/**
 * mdk_vmig_seal() - fill the CRCs of a whole stream
 * @buf: the stream: a header from mdk_vmig_hdr_put() and both sections
 * @len: its bytes, at least MDK_VMIG_HDR_SIZE
 */
void mdk_vmig_seal(void *buf, size_t len)
{
	u8 *h = buf;

	put_unaligned_le32(mdk_vmig_crc(h + MDK_VMIG_HDR_SIZE,
					len - MDK_VMIG_HDR_SIZE), h + H_CRC);
	put_unaligned_le32(mdk_vmig_hdr_crc(h), h + H_HDR_CRC);
}

/* A name field: NUL-terminated, nothing after the NUL. */
static bool mdk_vmig_name_get(char *dst, const u8 *src)
{
	size_t n = strnlen((const char *)src, MDK_VMIG_NAME_LEN);

	if (n == MDK_VMIG_NAME_LEN || memchr_inv(src + n, 0,
						 MDK_VMIG_NAME_LEN - n))
		return false;
	memcpy(dst, src, MDK_VMIG_NAME_LEN);
	return true;
}

/**
 * mdk_vmig_hdr_get() - decode and check a header on its own
 * @buf: the first bytes of a stream
 * @len: how many there are
 * @hdr: receives the header
 * @why: receives the reason of a failure, for the log
 *
 * Return: 0; -EINVAL when @len is short of a header, for another magic,
 * header size, a reserved byte set or a malformed name; -EBADMSG when the
 * header's CRC does not match; -EPROTONOSUPPORT for a format version this
 * code does not read; -EFBIG when the sections make the stream larger than
 * MDK_VMIG_MAX_SIZE.
 */
int mdk_vmig_hdr_get(const void *buf, size_t len, struct mdk_vmig_hdr *hdr,
		     const char **why)
{
	const u8 *h = buf;
	unsigned int i;

	*why = NULL;
	if (len < MDK_VMIG_HDR_SIZE) {
		*why = "truncated header";
		return -EINVAL;
	}
	if (get_unaligned_le32(h + H_MAGIC) != MDK_VMIG_MAGIC) {
		*why = "not an mdevkit device state (bad magic)";
		return -EINVAL;
	}
	if (get_unaligned_le32(h + H_HDR_CRC) != mdk_vmig_hdr_crc(h)) {
		*why = "header CRC mismatch (corrupted)";
		return -EBADMSG;
	}
	hdr->version = get_unaligned_le16(h + H_VERSION);
	if (hdr->version != MDK_VMIG_VERSION) {
		*why = "unknown stream format version";
		return -EPROTONOSUPPORT;
	}
	hdr->flags = get_unaligned_le16(h + H_FLAGS);
	if (get_unaligned_le16(h + H_HDR_SIZE) != MDK_VMIG_HDR_SIZE ||
	    (hdr->flags & ~MDK_VMIG_F_PRECOPY) ||
	    memchr_inv(h + H_RESERVED, 0, MDK_VMIG_HDR_SIZE - H_RESERVED)) {
		*why = "malformed header";
		return -EINVAL;
	}
	if (!mdk_vmig_name_get(hdr->desc.parent, h + H_PARENT) ||
	    !mdk_vmig_name_get(hdr->desc.type, h + H_TYPE)) {
		*why = "malformed parent or type name";
		return -EINVAL;
	}
	hdr->fw_len = get_unaligned_le32(h + H_FW_LEN);
	hdr->parent_len = get_unaligned_le32(h + H_PARENT_LEN);
	if ((hdr->flags & MDK_VMIG_F_PRECOPY) &&
	    (hdr->fw_len || hdr->parent_len)) {
		*why = "pre-copy header with sections";
		return -EINVAL;
	}
	if ((u64)hdr->fw_len + hdr->parent_len >
	    MDK_VMIG_MAX_SIZE - MDK_VMIG_HDR_SIZE) {
		*why = "stream larger than vfio_mdev accepts";
		return -EFBIG;
	}
	hdr->crc = get_unaligned_le32(h + H_CRC);
	hdr->desc.parent_version = get_unaligned_le32(h + H_PARENT_VER);
	hdr->desc.cfg_size = get_unaligned_le16(h + H_CFG_SIZE);
	hdr->desc.msix_vectors = get_unaligned_le16(h + H_MSIX);
	hdr->desc.msi_vectors = get_unaligned_le16(h + H_MSI);
	hdr->desc.vendor = get_unaligned_le16(h + H_VENDOR);
	hdr->desc.device = get_unaligned_le16(h + H_DEVICE);
	hdr->desc.subsystem_vendor = get_unaligned_le16(h + H_SUBVENDOR);
	hdr->desc.subsystem_device = get_unaligned_le16(h + H_SUBDEVICE);
	hdr->desc.class = get_unaligned_le32(h + H_CLASS);
	hdr->desc.layout_crc = get_unaligned_le32(h + H_LAYOUT_CRC);
	for (i = 0; i < MDK_VCFG_NR_BARS; i++)
		hdr->desc.bar_size[i] = get_unaligned_le64(h + H_BARS + 8 * i);
	return 0;
}

/**
 * mdk_vmig_check() - may a state saved from one device load into another
 * @hdr: the state's header, from mdk_vmig_hdr_get()
 * @want: the device it would load into
 * @why: receives the reason of a refusal, for the log
 *
 * The parent, the type and the whole PCI description must be equal; the
 * parent's section may be of an older format than @want's (the parent's
 * load decides), not of a newer one.
 *
 * Return: 0, -EINVAL for another device, or -EPROTONOSUPPORT for a newer
 * parent format.
 */
int mdk_vmig_check(const struct mdk_vmig_hdr *hdr,
		   const struct mdk_vmig_desc *want, const char **why)
{
	const struct mdk_vmig_desc *d = &hdr->desc;

	*why = NULL;
	if (strncmp(d->parent, want->parent, MDK_VMIG_NAME_LEN)) {
		*why = "saved from another parent driver";
		return -EINVAL;
	}
	if (strncmp(d->type, want->type, MDK_VMIG_NAME_LEN)) {
		*why = "saved from another mdev type";
		return -EINVAL;
	}
	if (d->vendor != want->vendor || d->device != want->device ||
	    d->subsystem_vendor != want->subsystem_vendor ||
	    d->subsystem_device != want->subsystem_device ||
	    d->class != want->class || d->cfg_size != want->cfg_size ||
	    d->layout_crc != want->layout_crc ||
	    d->msix_vectors != want->msix_vectors ||
	    d->msi_vectors != want->msi_vectors ||
	    memcmp(d->bar_size, want->bar_size, sizeof(d->bar_size))) {
		*why = "saved from a device of another PCI layout";
		return -EINVAL;
	}
	if (d->parent_version > want->parent_version) {
		*why = "parent section of a newer format";
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/**
 * mdk_vmig_verify() - is a whole stream there and intact
 * @buf: the stream, its header checked with mdk_vmig_hdr_get()
 * @len: its bytes
 * @why: receives the reason of a failure, for the log
 *
 * Return: 0; -EINVAL when @len differs from what the header announces
 * (truncated, or bytes after the end); -EBADMSG when the sections' CRC does
 * not match.
 */
int mdk_vmig_verify(const void *buf, size_t len, const char **why)
{
	const u8 *h = buf;
	u64 want;

	*why = NULL;
	if (len < MDK_VMIG_HDR_SIZE) {
		*why = "truncated header";
		return -EINVAL;
	}
	want = (u64)MDK_VMIG_HDR_SIZE + get_unaligned_le32(h + H_FW_LEN) +
	       get_unaligned_le32(h + H_PARENT_LEN);
	if (len < want) {
		*why = "truncated stream";
		return -EINVAL;
	}
	if (len > want) {
		*why = "bytes after the end of the stream";
		return -EINVAL;
	}
	if (get_unaligned_le32(h + H_CRC) !=
	    mdk_vmig_crc(h + MDK_VMIG_HDR_SIZE, len - MDK_VMIG_HDR_SIZE)) {
		*why = "state CRC mismatch (corrupted)";
		return -EBADMSG;
	}
	return 0;
}
