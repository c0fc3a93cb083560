/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mdk_card virtual function as its driver sees it (parents/card/,
 * docs/card.md): BARs, registers, descriptors and completion records.
 * Shared by the kernel's parent and userspace drivers (tools/card/).
 *
 * BAR0: one 4 KiB portal page per queue, passed through (mmap):
 *   +0x0 TAIL  the driver writes the index after its last new descriptor
 *   +0x4 HEAD  the card writes the index after its last completed one
 * BAR2: 4 KiB of control registers (trapped); the MSI-X table at 0x800 and
 * the PBA at 0xc00, one vector per queue.
 */
#ifndef _MDEVKIT_CARD_REGS_H
#define _MDEVKIT_CARD_REGS_H

#include <linux/const.h>
#include <linux/types.h>

#define MDK_CARD_VENDOR		0x1af4
#define MDK_CARD_DEVICE		0x10f2

#define MDK_CARD_PORTAL_SIZE	4096
#define MDK_CARD_PORTAL_TAIL	0x0
#define MDK_CARD_PORTAL_HEAD	0x4

/* BAR2 */
#define MDK_CARD_CTRL_SIZE	4096
#define MDK_CARD_ID		0x000	/* RO: MDK_CARD_ID_VALUE */
#define MDK_CARD_VERSION	0x004	/* RO: 1 */
#define MDK_CARD_NQUEUES	0x008	/* RO */
#define MDK_CARD_NVECTORS	0x00c	/* RO */
#define MDK_CARD_RESET		0x010	/* WO: 1 resets the VF */
#define MDK_CARD_MSIX_TABLE	0x800
#define MDK_CARD_MSIX_PBA	0xc00
#define MDK_CARD_ID_VALUE	0x4d444b43	/* "CKDM" little endian */

/* Queue q's registers at MDK_CARD_Q(q) + ... */
#define MDK_CARD_Q(q)		(0x100 + (q) * 0x40)
#define MDK_CARD_Q_RING_LO	0x00	/* ring IOVA, 64-byte aligned */
#define MDK_CARD_Q_RING_HI	0x04
#define MDK_CARD_Q_SIZE		0x08	/* entries: a power of two, <= 4096 */
#define MDK_CARD_Q_VECTOR	0x0c	/* MSI-X vector, or MDK_CARD_NO_VECTOR */
#define MDK_CARD_Q_COMP_LO	0x10	/* completion records' IOVA, 32-aligned */
#define MDK_CARD_Q_COMP_HI	0x14
#define MDK_CARD_Q_ENABLE	0x18	/* 1 starts the queue, 0 stops it */
#define MDK_CARD_Q_ERROR	0x1c	/* RO: MDK_CARD_QERR_* */
#define MDK_CARD_Q_DONE		0x20	/* RO: descriptors completed */
#define MDK_CARD_MAX_QUEUES	8
#define MDK_CARD_MAX_RING	4096
#define MDK_CARD_NO_VECTOR	0xffffffffu

/* Queue errors: the queue stays as it was. */
#define MDK_CARD_QERR_NONE	0
#define MDK_CARD_QERR_CONFIG	1	/* enable with a bad ring, size or vector */
#define MDK_CARD_QERR_TAIL	2	/* a TAIL beyond the ring: ignored */

/* Descriptor operations */
#define MDK_CARD_OP_COPY	1	/* dst = src, len bytes */
#define MDK_CARD_OP_FILL	2	/* dst = pattern (8 bytes, repeated) */
#define MDK_CARD_OP_COMPARE	3	/* result = 0 if src == dst, else 1 */
#define MDK_CARD_OP_CRC32C	4	/* result = CRC32C of src (seed ~0) */
#define MDK_CARD_F_IRQ		_BITUL(0)	/* interrupt on completion */
#define MDK_CARD_MAX_LEN	_BITUL(20)

struct mdk_card_desc {
	__u32 opcode;
	__u32 flags;
	__u64 src;
	__u64 dst;
	__u32 len;
	__u32 reserved0;
	__u64 pattern;
	__u64 cookie;		/* returned in the completion record */
	__u64 reserved1[2];
};

/* Completion status */
#define MDK_CARD_ST_SUCCESS	1
#define MDK_CARD_ST_BAD_OPCODE	0x10
#define MDK_CARD_ST_BAD_LENGTH	0x11
#define MDK_CARD_ST_BAD_ADDRESS	0x12	/* outside the user's DMA mappings */

struct mdk_card_comp {
	__u32 status;		/* 0 until the card writes the record */
	__u32 result;		/* COMPARE: 0/1; CRC32C: the CRC */
	__u64 cookie;
	__u32 bytes;		/* bytes processed */
	__u32 reserved0;
	__u64 reserved1;
};

#endif /* _MDEVKIT_CARD_REGS_H */
