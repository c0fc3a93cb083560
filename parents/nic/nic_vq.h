/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The NIC's split virtqueues and feature negotiation, as pure logic (no
 * VFIO, no netdev): every access to the driver's memory goes through a
 * callback, so KUnit runs it over a buffer (kunit/nic_kunit.c).
 *
 * Nothing here trusts the driver: indices, chain lengths, addresses and
 * lengths are checked, and a malformed chain is reported as -EPROTO, which
 * the device turns into DEVICE_NEEDS_RESET (virtio 1.2, 2.1.2).
 *
 * Locking: the caller serialises every call on one queue.
 */
#ifndef _MDK_NIC_VQ_H
#define _MDK_NIC_VQ_H

#include <linux/types.h>

/* Largest queue the device offers (queue_size reads this before setup). */
#define MDK_NIC_VQ_MAX_SIZE	256

/* Segments of one chain: never more than the queue has descriptors. */
#define MDK_NIC_VQ_MAX_SEGS	MDK_NIC_VQ_MAX_SIZE

/**
 * struct mdk_nic_mem - the driver's memory
 * @rw: copy @len bytes between @buf and driver address @addr (a write
 *	when @write); 0, or a negative errno for an address the device may
 *	not reach
 * @ctx: passed to @rw
 */
struct mdk_nic_mem {
	int (*rw)(void *ctx, u64 addr, void *buf, size_t len, bool write);
	void *ctx;
};

/**
 * struct mdk_nic_vq - the device's side of one split virtqueue
 * @size: number of descriptors, a power of two
 * @desc: driver address of the descriptor table
 * @avail: ... of the driver (available) ring
 * @used: ... of the device (used) ring
 * @last_avail: the next available entry the device will take
 * @used_idx: the device's used index (mirrors the ring's idx field)
 */
struct mdk_nic_vq {
	u16 size;
	u64 desc;
	u64 avail;
	u64 used;
	u16 last_avail;
	u16 used_idx;
};

/**
 * struct mdk_nic_seg - one buffer of a chain
 * @addr: driver address
 * @len: in bytes
 * @write: device-writable (else device-readable)
 */
struct mdk_nic_seg {
	u64 addr;
	u32 len;
	bool write;
};

/**
 * struct mdk_nic_chain - a descriptor chain taken from the available ring
 * @head: its first descriptor (what the used ring gets back)
 * @nr: segments in @seg
 * @readable: total bytes of the device-readable segments (they come first)
 * @writable: total bytes of the device-writable ones
 * @seg: the segments, in chain order
 */
struct mdk_nic_chain {
	u16 head;
	unsigned int nr;
	u64 readable;
	u64 writable;
	struct mdk_nic_seg seg[MDK_NIC_VQ_MAX_SEGS];
};

int mdk_nic_vq_check(const struct mdk_nic_vq *vq);
int mdk_nic_vq_avail(const struct mdk_nic_vq *vq, const struct mdk_nic_mem *m,
		     u16 *pending);
int mdk_nic_vq_peek(const struct mdk_nic_vq *vq, const struct mdk_nic_mem *m,
		    u16 at, struct mdk_nic_chain *c);
int mdk_nic_vq_push(struct mdk_nic_vq *vq, const struct mdk_nic_mem *m,
		    u16 head, u32 len);
int mdk_nic_vq_publish(struct mdk_nic_vq *vq, const struct mdk_nic_mem *m);
int mdk_nic_vq_wants_irq(const struct mdk_nic_vq *vq,
			 const struct mdk_nic_mem *m);
int mdk_nic_chain_rw(const struct mdk_nic_mem *m, const struct mdk_nic_chain *c,
		     u64 off, void *buf, size_t len, bool write);

u64 mdk_nic_features(unsigned int pairs);
bool mdk_nic_features_ok(u64 offered, u64 accepted);

#endif /* _MDK_NIC_VQ_H */
