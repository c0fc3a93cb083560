// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NIC's split virtqueues (virtio 1.2, 2.7) and feature negotiation:
 * pure logic over a memory callback (nic_vq.h).
 */

#include <asm/barrier.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <mdevkit/compat.h>

#include "nic_vq.h"

/* Layout of the rings (virtio 1.2, 2.7.5 to 2.7.8), in bytes. */
#define DESC_SIZE		16
#define AVAIL_FLAGS		0
#define AVAIL_IDX		2
#define AVAIL_RING		4
#define USED_IDX		2
#define USED_RING		4
#define USED_ELEM_SIZE		8

static int rd16(const struct mdk_nic_mem *m, u64 addr, u16 *val)
{
	__le16 v;
	int ret = m->rw(m->ctx, addr, &v, sizeof(v), false);

	*val = le16_to_cpu(v);
	return ret;
}

static int wr16(const struct mdk_nic_mem *m, u64 addr, u16 val)
{
	__le16 v = cpu_to_le16(val);

	return m->rw(m->ctx, addr, &v, sizeof(v), true);
}

/* [addr, addr + len) does not wrap: it may end exactly at 2^64. */
static bool span_ok(u64 addr, u64 len)
{
	return !len || addr + (len - 1) >= addr;
}

/**
 * mdk_nic_vq_check() - can the device use this queue configuration?
 * @vq: size and ring addresses as the driver wrote them
 *
 * Return: 0, or -EINVAL for a size that is not a power of two from 1 to
 * %MDK_NIC_VQ_MAX_SIZE, a misaligned ring or one that wraps past 2^64.
 */
int mdk_nic_vq_check(const struct mdk_nic_vq *vq)
{
	u64 n = vq->size;

	if (!n || n > MDK_NIC_VQ_MAX_SIZE || !is_power_of_2(n))
		return -EINVAL;
	if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3))
		return -EINVAL;
	if (!span_ok(vq->desc, n * DESC_SIZE) ||
	    !span_ok(vq->avail, AVAIL_RING + 2 * n + 2) ||
	    !span_ok(vq->used, USED_RING + USED_ELEM_SIZE * n + 2))
		return -EINVAL;
	return 0;
}

/**
 * mdk_nic_vq_avail() - how many chains the driver has made available
 * @vq: the queue
 * @m: the driver's memory
 * @pending: set to the count beyond @vq->last_avail
 *
 * Return: 0; -EPROTO when the driver's index runs more than the queue size
 * ahead (a driver error); the memory callback's error.
 */
int mdk_nic_vq_avail(struct mdk_nic_vq *vq, const struct mdk_nic_mem *m,
		     u16 *pending)
{
	u16 idx, at, n, i;
	__le16 *buf = (__le16 *)vq->heads;
	int ret = rd16(m, vq->avail + AVAIL_IDX, &idx);

	if (ret)
		return ret;
	*pending = idx - vq->last_avail;
	if (*pending > vq->size)
		return -EPROTO;
	/* The ring entries are read after the index that covers them. */
	smp_rmb();
	/* ... all of them, in at most two reads (the ring wraps once). */
	vq->heads_from = vq->last_avail;
	vq->nr_heads = 0;
	while (vq->nr_heads < *pending) {
		at = (vq->heads_from + vq->nr_heads) & (vq->size - 1);
		n = min_t(u16, *pending - vq->nr_heads, vq->size - at);
		ret = m->rw(m->ctx, vq->avail + AVAIL_RING + 2 * at,
			    buf + vq->nr_heads, 2 * n, false);
		if (ret)
			return ret;
		vq->nr_heads += n;
	}
	for (i = 0; i < vq->nr_heads; i++)
		vq->heads[i] = le16_to_cpu(buf[i]);
	return 0;
}

/**
 * mdk_nic_vq_peek() - read the chain at one available-ring position
 * @vq: the queue
 * @m: the driver's memory
 * @at: the available-ring position (free-running, as the indices are)
 * @c: filled with the chain
 *
 * Does not consume it: the caller advances @vq->last_avail once it is done
 * with the chain, so that a packet that needs several chains takes none
 * until all of them are there. @at is one mdk_nic_vq_avail() counted.
 *
 * Return: 0; -EPROTO for a driver error: a head or next index beyond the
 * queue, a chain longer than the queue (a loop), an indirect descriptor
 * (not negotiated), a readable descriptor after a writable one, or a
 * buffer that wraps past 2^64; the memory callback's error.
 */
int mdk_nic_vq_peek(const struct mdk_nic_vq *vq, const struct mdk_nic_mem *m,
		    u16 at, struct mdk_nic_chain *c)
{
	u16 i, flags, k = at - vq->heads_from;
	u8 d[DESC_SIZE];
	int ret;

	if (k >= vq->nr_heads)
		return -EINVAL;		/* not counted by mdk_nic_vq_avail() */
	i = vq->heads[k];
	if (i >= vq->size)
		return -EPROTO;
	c->head = i;
	c->nr = 0;
	c->readable = 0;
	c->writable = 0;
	for (;;) {
		struct mdk_nic_seg *s;

		if (c->nr >= vq->size)
			return -EPROTO;
		ret = m->rw(m->ctx, vq->desc + (u64)i * DESC_SIZE, d, sizeof(d),
			    false);
		if (ret)
			return ret;
		s = &c->seg[c->nr++];
		s->addr = get_unaligned_le64(&d[0]);
		s->len = get_unaligned_le32(&d[8]);
		flags = get_unaligned_le16(&d[12]);
		s->write = flags & VRING_DESC_F_WRITE;
		if ((flags & VRING_DESC_F_INDIRECT) || !span_ok(s->addr, s->len))
			return -EPROTO;
		if (s->write) {
			c->writable += s->len;
		} else {
			if (c->writable)
				return -EPROTO;
			c->readable += s->len;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = get_unaligned_le16(&d[14]);
		if (i >= vq->size)
			return -EPROTO;
	}
}

/**
 * mdk_nic_vq_push() - return a chain to the driver (not yet visible)
 * @vq: the queue
 * @m: the driver's memory
 * @head: the chain's head
 * @len: bytes the device wrote into it
 *
 * Kept until mdk_nic_vq_publish() writes every element pushed at once.
 *
 * Return: 0, or -EPROTO when more than a queue's worth is pushed.
 */
int mdk_nic_vq_push(struct mdk_nic_vq *vq, const struct mdk_nic_mem *m,
		    u16 head, u32 len)
{
	/* A queue's chains are all out at most once: size elements. */
	if (vq->nr_pushed >= vq->size)
		return -EPROTO;
	vq->pushed[vq->nr_pushed].id = cpu_to_le32(head);
	vq->pushed[vq->nr_pushed].len = cpu_to_le32(len);
	vq->nr_pushed++;
	return 0;
}

/**
 * mdk_nic_vq_publish() - make the pushed chains visible to the driver
 * @vq: the queue
 * @m: the driver's memory
 *
 * Return: 0, or the memory callback's error.
 */
int mdk_nic_vq_publish(struct mdk_nic_vq *vq, const struct mdk_nic_mem *m)
{
	u16 done = 0, at, n;
	int ret;

	/* The elements pushed, in at most two writes (the ring wraps once). */
	while (done < vq->nr_pushed) {
		at = (vq->used_idx + done) & (vq->size - 1);
		n = min_t(u16, vq->nr_pushed - done, vq->size - at);
		ret = m->rw(m->ctx, vq->used + USED_RING + USED_ELEM_SIZE * (u64)at,
			    &vq->pushed[done], USED_ELEM_SIZE * n, true);
		if (ret)
			return ret;
		done += n;
	}
	vq->used_idx += vq->nr_pushed;
	vq->nr_pushed = 0;
	/* The elements before the index that covers them. */
	smp_wmb();
	return wr16(m, vq->used + USED_IDX, vq->used_idx);
}

/**
 * mdk_nic_vq_no_notify() - ask the driver not to notify (or to again)
 * @vq: the queue
 * @m: the driver's memory
 * @on: set VRING_USED_F_NO_NOTIFY (the device is busy with the queue), or
 *	clear it (the caller then looks at the available index once more)
 *
 * Return: 0, or the memory callback's error.
 */
int mdk_nic_vq_no_notify(const struct mdk_nic_vq *vq,
			 const struct mdk_nic_mem *m, bool on)
{
	int ret = wr16(m, vq->used, on ? VRING_USED_F_NO_NOTIFY : 0);

	/* Cleared before the caller reads the available index again. */
	smp_mb();
	return ret;
}

/**
 * mdk_nic_vq_wants_irq() - does the driver want an interrupt now?
 * @vq: the queue
 * @m: the driver's memory
 *
 * Return: 1 or 0 (VRING_AVAIL_F_NO_INTERRUPT), or the memory callback's
 * error.
 */
int mdk_nic_vq_wants_irq(const struct mdk_nic_vq *vq,
			 const struct mdk_nic_mem *m)
{
	u16 flags;
	int ret;

	/* The used index is published before the flags are read. */
	smp_mb();
	ret = rd16(m, vq->avail + AVAIL_FLAGS, &flags);
	return ret ? ret : !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}

/**
 * mdk_nic_chain_rw() - copy to the writable, or from the readable, bytes
 *	of a chain
 * @m: the driver's memory
 * @c: the chain
 * @off: offset into the chain's readable (or writable) bytes
 * @buf: the device's buffer
 * @len: bytes to copy
 * @write: into the writable segments (else from the readable ones)
 *
 * Return: 0; -EINVAL when [@off, @off + @len) is not all in the chain; the
 * memory callback's error.
 */
int mdk_nic_chain_rw(const struct mdk_nic_mem *m, const struct mdk_nic_chain *c,
		     u64 off, void *buf, size_t len, bool write)
{
	u64 total = write ? c->writable : c->readable;
	unsigned int i;
	int ret;

	if (off > total || len > total - off)
		return -EINVAL;
	for (i = 0; i < c->nr && len; i++) {
		const struct mdk_nic_seg *s = &c->seg[i];
		size_t n;

		if (s->write != write)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = min_t(u64, len, s->len - off);
		ret = m->rw(m->ctx, s->addr + off, buf, n, write);
		if (ret)
			return ret;
		buf += n;
		len -= n;
		off = 0;
	}
	return 0;
}

/**
 * mdk_nic_features() - the features a NIC mdev offers
 * @pairs: its queue pairs
 *
 * Return: the feature bits (docs/nic.md).
 */
u64 mdk_nic_features(unsigned int pairs)
{
	u64 f = BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(VIRTIO_NET_F_MAC) |
		BIT_ULL(VIRTIO_NET_F_STATUS) | BIT_ULL(VIRTIO_NET_F_MTU) |
		BIT_ULL(VIRTIO_NET_F_MRG_RXBUF);

	if (pairs > 1)
		f |= BIT_ULL(VIRTIO_NET_F_CTRL_VQ) | BIT_ULL(VIRTIO_NET_F_MQ);
	return f;
}

/**
 * mdk_nic_features_ok() - may the device accept what the driver chose?
 * @offered: the device's features
 * @accepted: the driver's
 *
 * Return: true when @accepted is a subset of @offered, has VERSION_1 (a
 * modern device refuses legacy drivers) and MQ only with CTRL_VQ.
 */
bool mdk_nic_features_ok(u64 offered, u64 accepted)
{
	if (accepted & ~offered)
		return false;
	if (!(accepted & BIT_ULL(VIRTIO_F_VERSION_1)))
		return false;
	if ((accepted & BIT_ULL(VIRTIO_NET_F_MQ)) &&
	    !(accepted & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)))
		return false;
	return true;
}
