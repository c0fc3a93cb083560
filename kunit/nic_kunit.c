// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdk_nic_vq: the software NIC's pure virtqueue logic and
 * feature negotiation (parents/nic/nic_vq.c), over a buffer that stands
 * for the driver's memory: queue setup checks, chains walked and every
 * malformed one refused with -EPROTO (loops, chains longer than the queue,
 * indices past the ring, indirect descriptors, readable after writable,
 * buffers that wrap), the available index running ahead, copies across
 * segments, the used ring, interrupt suppression, and which feature sets
 * the device accepts.
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <mdevkit/compat.h>

#include "parents/nic/nic_vq.h"

#define MEM_SIZE	SZ_64K
#define DESC		0x1000
#define AVAIL		0x2000
#define USED		0x3000
#define DATA		0x8000

struct fake {
	u8 mem[MEM_SIZE];
	unsigned int writes;
};

static int fake_rw(void *ctx, u64 addr, void *buf, size_t len, bool write)
{
	struct fake *f = ctx;

	if (addr >= MEM_SIZE || len > MEM_SIZE - addr)
		return -EFAULT;
	if (write) {
		memcpy(f->mem + addr, buf, len);
		f->writes++;
	} else {
		memcpy(buf, f->mem + addr, len);
	}
	return 0;
}

struct ctx {
	struct fake *f;
	struct mdk_nic_mem m;
	struct mdk_nic_vq vq;
	struct mdk_nic_chain *c;
};

static struct ctx *setup(struct kunit *test, u16 size)
{
	struct ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->f = kunit_kzalloc(test, sizeof(*x->f), GFP_KERNEL);
	x->c = kunit_kzalloc(test, sizeof(*x->c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->f);
	KUNIT_ASSERT_NOT_NULL(test, x->c);
	x->m = (struct mdk_nic_mem){ .rw = fake_rw, .ctx = x->f };
	x->vq.size = size;
	x->vq.desc = DESC;
	x->vq.avail = AVAIL;
	x->vq.used = USED;
	return x;
}

static void desc(struct ctx *x, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u8 *d = x->f->mem + DESC + 16 * i;

	put_unaligned_le64(addr, d);
	put_unaligned_le32(len, d + 8);
	put_unaligned_le16(flags, d + 12);
	put_unaligned_le16(next, d + 14);
}

/* Makes @head available at the next position. */
static void offer(struct ctx *x, u16 head)
{
	u16 idx = get_unaligned_le16(x->f->mem + AVAIL + 2);

	put_unaligned_le16(head, x->f->mem + AVAIL + 4 + 2 * (idx % x->vq.size));
	put_unaligned_le16(idx + 1, x->f->mem + AVAIL + 2);
}

/* The chain at available position @at, as the device reads it. */
static int peek_at(struct ctx *x, u16 at)
{
	u16 pending;
	int ret;

	x->vq.last_avail = at;
	ret = mdk_nic_vq_avail(&x->vq, &x->m, &pending);
	return ret ? ret : mdk_nic_vq_peek(&x->vq, &x->m, at, x->c);
}

static void mdk_nic_vq_check_setups(struct kunit *test)
{
	struct ctx *x = setup(test, 256);
	struct mdk_nic_vq *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, v);
	*v = x->vq;
	KUNIT_EXPECT_EQ(test, 0, mdk_nic_vq_check(v));
	v->size = 1;
	KUNIT_EXPECT_EQ(test, 0, mdk_nic_vq_check(v));
	v->size = 0;
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_vq_check(v));
	v->size = 3;
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_vq_check(v));
	v->size = 512;
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_vq_check(v));
	*v = x->vq;
	v->desc = DESC + 8;
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_vq_check(v));
	*v = x->vq;
	v->avail = AVAIL + 1;
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_vq_check(v));
	*v = x->vq;
	v->used = USED + 2;
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_vq_check(v));
	/* Rings that would wrap past 2^64. */
	*v = x->vq;
	v->desc = U64_MAX - 15;
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_vq_check(v));
	*v = x->vq;
	v->used = U64_MAX - 3;
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_vq_check(v));
}

static void mdk_nic_vq_walks_a_chain(struct kunit *test)
{
	struct ctx *x = setup(test, 8);
	u16 pending;

	desc(x, 5, DATA, 12, VRING_DESC_F_NEXT, 2);
	desc(x, 2, DATA + 100, 50, VRING_DESC_F_NEXT, 7);
	desc(x, 7, DATA + 200, 1500, VRING_DESC_F_WRITE, 0);
	offer(x, 5);
	KUNIT_ASSERT_EQ(test, 0, mdk_nic_vq_avail(&x->vq, &x->m, &pending));
	KUNIT_EXPECT_EQ(test, 1, pending);
	KUNIT_ASSERT_EQ(test, 0, peek_at(x, 0));
	KUNIT_EXPECT_EQ(test, 5, x->c->head);
	KUNIT_EXPECT_EQ(test, 3, x->c->nr);
	KUNIT_EXPECT_EQ(test, 62, x->c->readable);
	KUNIT_EXPECT_EQ(test, 1500, x->c->writable);
	KUNIT_EXPECT_TRUE(test, x->c->seg[2].write);
	KUNIT_EXPECT_EQ(test, DATA + 100, x->c->seg[1].addr);
}

static void mdk_nic_vq_refuses_malformed_chains(struct kunit *test)
{
	struct ctx *x = setup(test, 8);
	u16 pending;
	int i;

	/* A loop: 0 -> 1 -> 0. */
	desc(x, 0, DATA, 10, VRING_DESC_F_NEXT, 1);
	desc(x, 1, DATA, 10, VRING_DESC_F_NEXT, 0);
	offer(x, 0);
	KUNIT_EXPECT_EQ(test, -EPROTO, peek_at(x, 0));
	/* A head past the table. */
	offer(x, 8);
	KUNIT_EXPECT_EQ(test, -EPROTO, peek_at(x, 1));
	/* A next past the table. */
	desc(x, 2, DATA, 10, VRING_DESC_F_NEXT, 0xffff);
	offer(x, 2);
	KUNIT_EXPECT_EQ(test, -EPROTO, peek_at(x, 2));
	/* Indirect, not negotiated. */
	desc(x, 3, DATA, 16, VRING_DESC_F_INDIRECT, 0);
	offer(x, 3);
	KUNIT_EXPECT_EQ(test, -EPROTO, peek_at(x, 3));
	/* Readable after writable. */
	desc(x, 4, DATA, 10, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 5);
	desc(x, 5, DATA, 10, 0, 0);
	offer(x, 4);
	KUNIT_EXPECT_EQ(test, -EPROTO, peek_at(x, 4));
	/* A buffer that wraps past 2^64; one that ends at 2^64 is fine. */
	desc(x, 6, U64_MAX - 4, 10, 0, 0);
	offer(x, 6);
	KUNIT_EXPECT_EQ(test, -EPROTO, peek_at(x, 5));
	desc(x, 6, U64_MAX - 9, 10, 0, 0);
	KUNIT_EXPECT_EQ(test, 0, peek_at(x, 5));
	desc(x, 6, U64_MAX - 8, 10, 0, 0);
	KUNIT_EXPECT_EQ(test, -EPROTO, peek_at(x, 5));
	/* A chain through all 8 descriptors is fine; a 9th link is a loop. */
	for (i = 0; i < 8; i++)
		desc(x, i, DATA, 1, i < 7 ? VRING_DESC_F_NEXT : 0, i + 1);
	offer(x, 0);
	KUNIT_EXPECT_EQ(test, 0, peek_at(x, 6));
	KUNIT_EXPECT_EQ(test, 8, x->c->nr);
	desc(x, 7, DATA, 1, VRING_DESC_F_NEXT, 0);
	KUNIT_EXPECT_EQ(test, -EPROTO, peek_at(x, 6));
	/* The available index more than a queue ahead. */
	x->vq.last_avail = 0;
	put_unaligned_le16(9, x->f->mem + AVAIL + 2);
	KUNIT_EXPECT_EQ(test, -EPROTO, mdk_nic_vq_avail(&x->vq, &x->m, &pending));
	/* A table outside the driver's memory: the memory's error. */
	x->vq.desc = MEM_SIZE;
	put_unaligned_le16(1, x->f->mem + AVAIL + 2);
	KUNIT_EXPECT_EQ(test, -EFAULT, peek_at(x, 0));
}

static void mdk_nic_vq_index_wraps(struct kunit *test)
{
	struct ctx *x = setup(test, 4);
	u16 pending;

	/* Free-running 16-bit indices: 65534 -> 1 is 3 pending. */
	x->vq.last_avail = 65534;
	put_unaligned_le16(1, x->f->mem + AVAIL + 2);
	KUNIT_EXPECT_EQ(test, 0, mdk_nic_vq_avail(&x->vq, &x->m, &pending));
	KUNIT_EXPECT_EQ(test, 3, pending);
}

static void mdk_nic_chain_copies_across_segments(struct kunit *test)
{
	struct ctx *x = setup(test, 8);
	u8 in[40], out[40];
	int i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = i + 1;
	desc(x, 0, DATA, 3, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(x, 1, DATA + 0x100, 0, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	desc(x, 2, DATA + 0x200, 100, VRING_DESC_F_WRITE, 0);
	offer(x, 0);
	KUNIT_ASSERT_EQ(test, 0, peek_at(x, 0));
	KUNIT_EXPECT_EQ(test, 103, x->c->writable);
	KUNIT_ASSERT_EQ(test, 0, mdk_nic_chain_rw(&x->m, x->c, 1, in, 40, true));
	KUNIT_EXPECT_EQ(test, 1, x->f->mem[DATA + 1]);
	KUNIT_EXPECT_EQ(test, 2, x->f->mem[DATA + 2]);
	KUNIT_EXPECT_EQ(test, 3, x->f->mem[DATA + 0x200]);
	KUNIT_EXPECT_EQ(test, 40, x->f->mem[DATA + 0x200 + 37]);
	KUNIT_EXPECT_EQ(test, 0, x->f->mem[DATA + 0x200 + 38]);
	/* Reading a direction the chain has not: nothing there. */
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_chain_rw(&x->m, x->c, 0, out, 1, false));
	/* Past the end, and an offset that would overflow. */
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_chain_rw(&x->m, x->c, 64, out, 40, true));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			mdk_nic_chain_rw(&x->m, x->c, U64_MAX, out, 2, true));
}

static void mdk_nic_vq_used_ring_and_irq(struct kunit *test)
{
	struct ctx *x = setup(test, 4);
	int i;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, 0, mdk_nic_vq_push(&x->vq, &x->m, i, 100 + i));
	/* Nothing visible before publish. */
	KUNIT_EXPECT_EQ(test, 0, get_unaligned_le16(x->f->mem + USED + 2));
	KUNIT_EXPECT_EQ(test, 0, x->f->writes);
	KUNIT_ASSERT_EQ(test, 0, mdk_nic_vq_publish(&x->vq, &x->m));
	KUNIT_EXPECT_EQ(test, 3, get_unaligned_le16(x->f->mem + USED + 2));
	/* Elements and index: two writes. */
	KUNIT_EXPECT_EQ(test, 2, x->f->writes);
	for (; i < 5; i++)
		KUNIT_ASSERT_EQ(test, 0, mdk_nic_vq_push(&x->vq, &x->m, i, 100 + i));
	/* Across the wrap: two writes of elements, one of the index. */
	KUNIT_ASSERT_EQ(test, 0, mdk_nic_vq_publish(&x->vq, &x->m));
	KUNIT_EXPECT_EQ(test, 5, x->f->writes);
	KUNIT_EXPECT_EQ(test, 5, get_unaligned_le16(x->f->mem + USED + 2));
	KUNIT_EXPECT_EQ(test, 3, get_unaligned_le32(x->f->mem + USED + 4 + 8 * 3));
	/* The 5th element wrapped onto slot 0. */
	KUNIT_EXPECT_EQ(test, 4, get_unaligned_le32(x->f->mem + USED + 4));
	KUNIT_EXPECT_EQ(test, 104, get_unaligned_le32(x->f->mem + USED + 8));
	KUNIT_EXPECT_EQ(test, 1, get_unaligned_le32(x->f->mem + USED + 12));
	KUNIT_EXPECT_EQ(test, 1, mdk_nic_vq_wants_irq(&x->vq, &x->m));
	put_unaligned_le16(VRING_AVAIL_F_NO_INTERRUPT, x->f->mem + AVAIL);
	KUNIT_EXPECT_EQ(test, 0, mdk_nic_vq_wants_irq(&x->vq, &x->m));
	/* More than a queue's worth before a publish is the caller's bug. */
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, 0, mdk_nic_vq_push(&x->vq, &x->m, 0, 0));
	KUNIT_EXPECT_EQ(test, -EPROTO, mdk_nic_vq_push(&x->vq, &x->m, 0, 0));
	x->vq.used = MEM_SIZE;
	KUNIT_EXPECT_EQ(test, -EFAULT, mdk_nic_vq_publish(&x->vq, &x->m));
	/* Notification suppression, on and off. */
	x->vq.used = USED;
	KUNIT_EXPECT_EQ(test, 0, mdk_nic_vq_no_notify(&x->vq, &x->m, true));
	KUNIT_EXPECT_EQ(test, VRING_USED_F_NO_NOTIFY, get_unaligned_le16(x->f->mem + USED));
	KUNIT_EXPECT_EQ(test, 0, mdk_nic_vq_no_notify(&x->vq, &x->m, false));
	KUNIT_EXPECT_EQ(test, 0, get_unaligned_le16(x->f->mem + USED));
}

static void mdk_nic_vq_reads_heads_ahead(struct kunit *test)
{
	struct ctx *x = setup(test, 8);
	unsigned int before;
	u16 pending;
	int i;

	for (i = 0; i < 8; i++) {
		desc(x, i, DATA, 10, 0, 0);
		offer(x, 7 - i);
	}
	x->vq.last_avail = 6;		/* positions 6, 7, then 0 to 5 wrapped */
	put_unaligned_le16(14, x->f->mem + AVAIL + 2);
	before = x->f->writes;
	KUNIT_ASSERT_EQ(test, 0, mdk_nic_vq_avail(&x->vq, &x->m, &pending));
	KUNIT_EXPECT_EQ(test, 8, pending);
	KUNIT_EXPECT_EQ(test, before, x->f->writes);
	KUNIT_ASSERT_EQ(test, 0, mdk_nic_vq_peek(&x->vq, &x->m, 6, x->c));
	KUNIT_EXPECT_EQ(test, 1, x->c->head);
	KUNIT_ASSERT_EQ(test, 0, mdk_nic_vq_peek(&x->vq, &x->m, 9, x->c));
	KUNIT_EXPECT_EQ(test, 6, x->c->head);
	/* Positions mdk_nic_vq_avail() did not count: refused. */
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_vq_peek(&x->vq, &x->m, 14, x->c));
	KUNIT_EXPECT_EQ(test, -EINVAL, mdk_nic_vq_peek(&x->vq, &x->m, 5, x->c));
}

static void mdk_nic_feature_negotiation(struct kunit *test)
{
	u64 one = mdk_nic_features(1), two = mdk_nic_features(2);
	u64 v1 = BIT_ULL(VIRTIO_F_VERSION_1);

	KUNIT_EXPECT_FALSE(test, one & BIT_ULL(VIRTIO_NET_F_MQ));
	KUNIT_EXPECT_FALSE(test, one & BIT_ULL(VIRTIO_NET_F_CTRL_VQ));
	KUNIT_EXPECT_TRUE(test, two & BIT_ULL(VIRTIO_NET_F_MQ));
	KUNIT_EXPECT_TRUE(test, two & BIT_ULL(VIRTIO_NET_F_CTRL_VQ));
	KUNIT_EXPECT_TRUE(test, one & BIT_ULL(VIRTIO_NET_F_MRG_RXBUF));
	KUNIT_EXPECT_TRUE(test, mdk_nic_features_ok(one, one));
	KUNIT_EXPECT_TRUE(test, mdk_nic_features_ok(one, v1));
	/* Legacy drivers, features not offered, MQ without CTRL_VQ. */
	KUNIT_EXPECT_FALSE(test, mdk_nic_features_ok(one, 0));
	KUNIT_EXPECT_FALSE(test, mdk_nic_features_ok(one, one & ~v1));
	KUNIT_EXPECT_FALSE(test, mdk_nic_features_ok(one, v1 | BIT_ULL(VIRTIO_NET_F_CSUM)));
	KUNIT_EXPECT_FALSE(test, mdk_nic_features_ok(one, v1 | BIT_ULL(VIRTIO_NET_F_MQ)));
	KUNIT_EXPECT_FALSE(test, mdk_nic_features_ok(two, v1 | BIT_ULL(VIRTIO_NET_F_MQ)));
	KUNIT_EXPECT_TRUE(test, mdk_nic_features_ok(two, two));
	KUNIT_EXPECT_FALSE(test, mdk_nic_features_ok(two, two | BIT_ULL(63)));
}

static struct kunit_case mdk_nic_vq_cases[] = {
	KUNIT_CASE(mdk_nic_vq_check_setups),
	KUNIT_CASE(mdk_nic_vq_walks_a_chain),
	KUNIT_CASE(mdk_nic_vq_refuses_malformed_chains),
	KUNIT_CASE(mdk_nic_vq_index_wraps),
	KUNIT_CASE(mdk_nic_chain_copies_across_segments),
	KUNIT_CASE(mdk_nic_vq_used_ring_and_irq),
	KUNIT_CASE(mdk_nic_vq_reads_heads_ahead),
	KUNIT_CASE(mdk_nic_feature_negotiation),
	{}
};

static struct kunit_suite mdk_nic_vq_suite = {
	.name = "mdk_nic_vq",
	.test_cases = mdk_nic_vq_cases,
};

kunit_test_suite(mdk_nic_vq_suite);
