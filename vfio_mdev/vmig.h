/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_mdev migration stream (docs/migration.md): the header that leads
 * every device state vfio_mdev hands out through a migration data fd, and
 * its checks, so that a state loaded into an mdev it was not saved from
 * fails with a clear reason instead of corrupting the device.
 *
 * Pure logic (STYLE.md rule 3): no locks, no allocation, no VFIO calls.
 */
#ifndef _VFIO_MDEV_VMIG_H
#define _VFIO_MDEV_VMIG_H

#include <linux/types.h>
#include <mdevkit/vdev_types.h>

#define MDK_VMIG_MAGIC		0x4d4b444dU	/* "MDKM" little endian */
#define MDK_VMIG_VERSION	1
#define MDK_VMIG_HDR_SIZE	256
#define MDK_VMIG_NAME_LEN	32
/*
 * A header alone, with no section: what PRE_COPY hands out first, so that
 * the target checks the device before the source stops. A whole record
 * (header and sections) follows it in the same stream.
 */
#define MDK_VMIG_F_PRECOPY	BIT(0)
/* A record is never larger (header included): what a load buffers. */
#define MDK_VMIG_MAX_SIZE	(4U << 20)

/**
 * struct mdk_vmig_desc - what a state was saved from; a load needs the same
 * @parent: the parent's driver name (NUL-terminated, truncated to fit)
 * @type: the mdev type's name without the driver prefix, likewise
 * @vendor: PCI vendor ID
 * @device: PCI device ID
 * @subsystem_vendor: PCI subsystem vendor ID
 * @subsystem_device: PCI subsystem ID
 * @class: class code (24 bits)
 * @bar_size: size of each BAR, 0 if unused
 * @msix_vectors: MSI-X vectors
 * @msi_vectors: MSI vectors
 * @cfg_size: bytes of config space
 * @layout_crc: CRC-32 of the config space's initial bytes and write masks:
 *	capabilities, their places and what the user may write
 * @parent_version: the parent's own format version of its section
 */
struct mdk_vmig_desc {
	char parent[MDK_VMIG_NAME_LEN];
	char type[MDK_VMIG_NAME_LEN];
	u16 vendor;
	u16 device;
	u16 subsystem_vendor;
	u16 subsystem_device;
	u32 class;
	u64 bar_size[MDK_VCFG_NR_BARS];
	u16 msix_vectors;
	u16 msi_vectors;
	u16 cfg_size;
	u32 layout_crc;
	u32 parent_version;
};

/**
 * struct mdk_vmig_hdr - a decoded header
 * @desc: the device it describes
 * @version: the stream format's version
 * @flags: MDK_VMIG_F_*
 * @fw_len: bytes of vfio_mdev's section, right after the header
 * @parent_len: bytes of the parent's section, after vfio_mdev's
 * @crc: CRC-32 of both sections
 */
struct mdk_vmig_hdr {
	struct mdk_vmig_desc desc;
	u32 version;
	u32 flags;
	u32 fw_len;
	u32 parent_len;
	u32 crc;
};

void mdk_vmig_hdr_put(void *buf, const struct mdk_vmig_desc *desc,
		      u32 flags, u32 fw_len, u32 parent_len);
u32 mdk_vmig_crc(const void *p, size_t len);
int mdk_vmig_hdr_get(const void *buf, size_t len, struct mdk_vmig_hdr *hdr,
		     const char **why);
int mdk_vmig_check(const struct mdk_vmig_hdr *hdr,
		   const struct mdk_vmig_desc *want, const char **why);
void mdk_vmig_seal(void *buf, size_t len);
int mdk_vmig_verify(const void *buf, size_t len, const char **why);

#endif /* _VFIO_MDEV_VMIG_H */
