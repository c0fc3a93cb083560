// SPDX-License-Identifier: GPL-2.0-only
/*
 * nic_hostile - a virtio-net driver that lies to mdk_nic (docs/nic.md):
 * descriptor loops, chains longer than the queue, an avail index too far
 * ahead, descriptor indices beyond the queue, buffers outside the DMA
 * mappings or whose address + length wraps, control commands of the wrong
 * size, notifications for queues that are not there or not enabled, queue
 * sizes that are not a power of two or too large, rings outside the
 * mappings, resets in the middle of traffic. The device's answers (virtio
 * 1.2, 2.1.2): a malformed chain sets DEVICE_NEEDS_RESET and raises the
 * configuration vector; a control command of the wrong size is answered
 * VIRTIO_NET_ERR; a notification for a queue that does not exist is
 * ignored. Each case also checks that a neighbour mdev on the same NIC
 * keeps passing traffic, and that the victim works again after a reset.
 */
#include <pthread.h>

#include "harness.h"
#include "mdk_nic.h"

#define F_ALL		(~0ULL)
#define TXQ		1	/* pair 0's transmit queue */
#define RXQ		0
#define UNMAPPED	0x7000000000ULL

/* Both functions 2qp, started; the neighbour is checked first. */
static void start_both(struct __test_metadata *_metadata,
		       struct __fixture_type_nic *self)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, nic_fn_make(self, i, "2qp", 1));
		ASSERT_EQ(0, mdkvnet_start(&self->fn[i].n, F_ALL, 2));
		nic_fn_mac(&self->fn[i]);
		ASSERT_EQ(1, nic_wait_carrier(self->fn[i].rep, 1, 2000));
	}
	ASSERT_EQ(0, nic_ping(&self->fn[1], 0, 100, 1));
	ASSERT_EQ(0, nic_ping(&self->fn[0], 0, 100, 1));
	while (mdkvnet_wait_efd(self->fn[0].n.cfg_efd, 0) > 0)
		;
}

/* The victim stopped with DEVICE_NEEDS_RESET and said so. */
static void expect_needs_reset(struct __test_metadata *_metadata,
			       struct nic_fn *fn)
{
	int i;

	EXPECT_EQ(1, mdkvnet_wait_efd(fn->n.cfg_efd, 2000));
	for (i = 0; i < 200 && !(mdkvnet_status(&fn->n) &
				 VIRTIO_CONFIG_S_NEEDS_RESET); i++)
		usleep(10000);
	EXPECT_EQ(VIRTIO_CONFIG_S_NEEDS_RESET,
		  mdkvnet_status(&fn->n) & VIRTIO_CONFIG_S_NEEDS_RESET);
	EXPECT_EQ(VIRTIO_PCI_ISR_CONFIG,
		  mdkvnet_isr(&fn->n) & VIRTIO_PCI_ISR_CONFIG);
	EXPECT_EQ(0, nic_wait_carrier(fn->rep, 0, 2000));
}

/* The victim did not stop. */
static void expect_running(struct __test_metadata *_metadata,
			   struct nic_fn *fn)
{
	EXPECT_EQ(0, mdkvnet_wait_efd(fn->n.cfg_efd, 300));
	EXPECT_EQ(0, mdkvnet_status(&fn->n) & VIRTIO_CONFIG_S_NEEDS_RESET);
	EXPECT_EQ(0, nic_ping(fn, 0, 200, 77));
}

/* The neighbour passes traffic; the victim, reset and restarted, too. */
static void expect_both_work(struct __test_metadata *_metadata,
			     struct __fixture_type_nic *self)
{
	struct nic_fn *v = &self->fn[0];
	uint8_t g[2048];
	unsigned int i;

	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, nic_ping(&self->fn[1], i & 1, 60 + 400 * i,
				      100 + 2 * i));
	ASSERT_EQ(0, mdkvnet_start(&v->n, F_ALL, 2));
	ASSERT_EQ(1, nic_wait_carrier(v->rep, 1, 2000));
	while (nic_sock_recv(v->sock, g, sizeof(g), 50) > 0)
		;
	EXPECT_EQ(0, nic_ping(v, 0, 1514, 200));
	EXPECT_EQ(0, nic_ping(v, 1, 60, 202));
	EXPECT_FALSE(mdkvnet_status(&v->n) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* A valid frame in the victim's scratch area; its IOVA. */
static uint64_t frame_iova(struct nic_fn *fn)
{
	uint8_t *f = mdkvnet_scratch(&fn->n);

	memset(f, 0, MDKVNET_HDR);
	nic_frame(f + MDKVNET_HDR, 100, fn->mac, fn->mac, 4242, 0);
	return mdkvnet_iova(&fn->n, f);
}

/* Makes head @head available on @q (next slot) and notifies. */
static void offer(struct nic_fn *fn, unsigned int q, uint16_t head)
{
	struct mdkvnet_vq *vq = &fn->n.vq[q];

	mdkvnet_raw_avail(&fn->n, q, vq->avail_idx, head);
	mdkvnet_raw_avail_idx(&fn->n, q, vq->avail_idx + 1);
	mdkvnet_kick(&fn->n, q);
}

TEST_F(nic, descriptor_loop_needs_reset)
{
	struct nic_fn *v = &self->fn[0];
	uint64_t a;

	start_both(_metadata, self);
	a = frame_iova(v);
	mdkvnet_raw_desc(&v->n, TXQ, 0, a, 50, VRING_DESC_F_NEXT, 1);
	mdkvnet_raw_desc(&v->n, TXQ, 1, a + 50, 62, VRING_DESC_F_NEXT, 0);
	offer(v, TXQ, 0);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, descriptor_pointing_at_itself_needs_reset)
{
	struct nic_fn *v = &self->fn[0];

	start_both(_metadata, self);
	mdkvnet_raw_desc(&v->n, TXQ, 5, frame_iova(v), 112,
			 VRING_DESC_F_NEXT, 5);
	offer(v, TXQ, 5);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, chain_longer_than_the_queue_needs_reset)
{
	struct nic_fn *v = &self->fn[0];
	uint16_t size, i;
	uint64_t a;

	start_both(_metadata, self);
	size = v->n.vq[TXQ].size;
	a = frame_iova(v);
	/* Every descriptor once, then on again: size + 1 links. */
	for (i = 0; i < size; i++)
		mdkvnet_raw_desc(&v->n, TXQ, i, a, 1, VRING_DESC_F_NEXT,
				 (i + 1) % size);
	offer(v, TXQ, 0);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, avail_index_more_than_the_queue_ahead_needs_reset)
{
	struct nic_fn *v = &self->fn[0];
	struct mdkvnet_vq *vq = &v->n.vq[TXQ];
	uint16_t i;

	start_both(_metadata, self);
	for (i = 0; i < vq->size; i++) {
		mdkvnet_raw_desc(&v->n, TXQ, i, frame_iova(v), 112, 0, 0);
		mdkvnet_raw_avail(&v->n, TXQ, i, i);
	}
	mdkvnet_raw_avail_idx(&v->n, TXQ, vq->avail_idx + vq->size + 1);
	mdkvnet_kick(&v->n, TXQ);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, head_index_beyond_the_queue_needs_reset)
{
	struct nic_fn *v = &self->fn[0];

	start_both(_metadata, self);
	offer(v, TXQ, v->n.vq[TXQ].size);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, next_index_beyond_the_queue_needs_reset)
{
	struct nic_fn *v = &self->fn[0];

	start_both(_metadata, self);
	mdkvnet_raw_desc(&v->n, TXQ, 0, frame_iova(v), 12, VRING_DESC_F_NEXT,
			 0xffff);
	offer(v, TXQ, 0);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, transmit_buffer_outside_the_mappings_needs_reset)
{
	struct nic_fn *v = &self->fn[0];

	start_both(_metadata, self);
	mdkvnet_raw_desc(&v->n, TXQ, 0, UNMAPPED, 112, 0, 0);
	offer(v, TXQ, 0);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, transmit_buffer_running_off_the_mapping_needs_reset)
{
	struct nic_fn *v = &self->fn[0];
	uint64_t end;

	start_both(_metadata, self);
	end = MDKVNET_IOVA + v->n.mem_size;
	mdkvnet_raw_desc(&v->n, TXQ, 0, end - 60, 112, 0, 0);
	offer(v, TXQ, 0);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, receive_buffer_outside_the_mappings_needs_reset)
{
	struct nic_fn *v = &self->fn[0];
	struct mdkvnet_vq *vq = &v->n.vq[RXQ];
	uint8_t f[128];
	uint16_t i;

	start_both(_metadata, self);
	/* Every posted receive buffer now points nowhere. */
	for (i = 0; i < vq->size; i++)
		vq->desc[i].addr = UNMAPPED + i * 4096ULL;
	nic_frame(f, 128, v->mac, v->mac, 7, 0);
	ASSERT_EQ(128, send(v->sock, f, 128, 0));
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, address_plus_length_wrapping_needs_reset)
{
	struct nic_fn *v = &self->fn[0];

	start_both(_metadata, self);
	mdkvnet_raw_desc(&v->n, TXQ, 0, 0xffffffffffffff00ULL, 0x200, 0, 0);
	offer(v, TXQ, 0);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, transmit_length_0xffffffff_is_dropped)
{
	struct nic_fn *v = &self->fn[0];
	uint8_t g[2048];
	long dropped;

	start_both(_metadata, self);
	dropped = nic_stat(v->rep, "rx_dropped");
	/* docs/nic.md: longer than MTU + VLAN header, dropped. */
	mdkvnet_raw_desc(&v->n, TXQ, 0, frame_iova(v), 0xffffffff, 0, 0);
	offer(v, TXQ, 0);
	EXPECT_EQ(-1, nic_sock_recv(v->sock, g, sizeof(g), 300));
	EXPECT_EQ(dropped + 1, nic_stat(v->rep, "rx_dropped"));
	expect_running(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, indirect_descriptor_needs_reset)
{
	struct nic_fn *v = &self->fn[0];
	uint8_t *table;

	start_both(_metadata, self);
	table = mdkvnet_scratch(&v->n) + 4096;
	/* A well-formed indirect table: INDIRECT_DESC is not offered. */
	memset(table, 0, 16);
	*(uint64_t *)table = frame_iova(v);
	*(uint32_t *)(table + 8) = 112;
	mdkvnet_raw_desc(&v->n, TXQ, 0, mdkvnet_iova(&v->n, table), 16,
			 VRING_DESC_F_INDIRECT, 0);
	offer(v, TXQ, 0);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, transmit_chain_with_a_writable_descriptor_needs_reset)
{
	struct nic_fn *v = &self->fn[0];
	uint64_t a;

	start_both(_metadata, self);
	a = frame_iova(v);
	mdkvnet_raw_desc(&v->n, TXQ, 0, a, 112, VRING_DESC_F_NEXT, 1);
	mdkvnet_raw_desc(&v->n, TXQ, 1, a + 2048, 64, VRING_DESC_F_WRITE, 0);
	offer(v, TXQ, 0);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

/* Rewrites every posted receive descriptor, then sends it a frame. */
static void spoil_rx(struct __test_metadata *_metadata, struct nic_fn *v,
		     uint16_t flags, int chain)
{
	struct mdkvnet_vq *vq = &v->n.vq[RXQ];
	uint8_t f[128];
	uint16_t i;

	/* With @chain, every chain ends in the last, readable, descriptor. */
	for (i = 0; i < vq->size; i++) {
		vq->desc[i].flags = flags;
		vq->desc[i].next = vq->size - 1;
	}
	if (chain)
		vq->desc[vq->size - 1].flags = 0;
	nic_frame(f, 128, v->mac, v->mac, 7, 0);
	ASSERT_EQ(128, send(v->sock, f, 128, 0));
}

TEST_F(nic, receive_chain_with_a_readable_descriptor_needs_reset)
{
	start_both(_metadata, self);
	spoil_rx(_metadata, &self->fn[0], 0, 0);
	expect_needs_reset(_metadata, &self->fn[0]);
	expect_both_work(_metadata, self);
}

TEST_F(nic, readable_descriptor_after_a_writable_one_needs_reset)
{
	start_both(_metadata, self);
	spoil_rx(_metadata, &self->fn[0],
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	expect_needs_reset(_metadata, &self->fn[0]);
	expect_both_work(_metadata, self);
}

TEST_F(nic, control_chain_without_room_for_the_ack_needs_reset)
{
	struct nic_fn *v = &self->fn[0];
	unsigned int cq;
	uint8_t *cmd;

	start_both(_metadata, self);
	cq = v->n.num_queues - 1;
	cmd = mdkvnet_scratch(&v->n);
	cmd[0] = VIRTIO_NET_CTRL_MQ;
	cmd[1] = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET;
	cmd[2] = 1;
	cmd[3] = 0;
	mdkvnet_raw_desc(&v->n, cq, 0, mdkvnet_iova(&v->n, cmd), 2,
			 VRING_DESC_F_NEXT, 1);
	mdkvnet_raw_desc(&v->n, cq, 1, mdkvnet_iova(&v->n, cmd + 2), 2, 0, 0);
	offer(v, cq, 0);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, control_command_of_the_wrong_size_gets_err)
{
	struct nic_fn *v = &self->fn[0];
	uint8_t data[8] = { 1 };
	size_t len;

	start_both(_metadata, self);
	for (len = 0; len < sizeof(data); len++) {
		if (len == 2)
			continue;
		EXPECT_EQ(VIRTIO_NET_ERR,
			  mdkvnet_ctrl(&v->n, VIRTIO_NET_CTRL_MQ,
				       VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
				       data, len));
	}
	expect_running(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, notify_for_a_queue_that_does_not_exist_is_ignored)
{
	struct nic_fn *v = &self->fn[0];
	uint64_t page;
	unsigned int q;

	start_both(_metadata, self);
	/* The pages after the last queue's (their writes may be refused). */
	for (q = v->n.num_queues; q < 16; q++) {
		page = v->n.notify.off + (uint64_t)q * v->n.notify_mul;
		mdkvnet_kick_raw(&v->n, page, q);
	}
	/* A queue's own page with another queue's, or no queue's, index. */
	mdkvnet_kick_raw(&v->n, v->n.vq[TXQ].notify, 9);
	mdkvnet_kick_raw(&v->n, v->n.vq[TXQ].notify, 0xffff);
	expect_running(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, notify_for_a_queue_not_enabled_is_ignored)
{
	struct nic_fn *v = &self->fn[0];
	struct mdkvnet *n = &v->n;
	unsigned int q;

	ASSERT_EQ(0, nic_fn_make(self, 1, "2qp", 1));
	ASSERT_EQ(0, mdkvnet_start(&self->fn[1].n, F_ALL, 2));
	nic_fn_mac(&self->fn[1]);
	ASSERT_EQ(0, nic_fn_make(self, 0, "2qp", 1));
	/* Pair 0 only, without the control queue: pair 1's are not enabled. */
	ASSERT_EQ(0, mdkvnet_negotiate(n, F_ALL & ~(1ULL << VIRTIO_NET_F_MQ) &
				       ~(1ULL << VIRTIO_NET_F_CTRL_VQ)));
	ASSERT_EQ(0, mdkvnet_setup(n, 1, 0));
	ASSERT_EQ(0, mdkvnet_post_rx(n, 0, 64, MDKVNET_BUF));
	ASSERT_EQ(0, mdkvnet_driver_ok(n));
	nic_fn_mac(v);
	ASSERT_EQ(1, nic_wait_carrier(v->rep, 1, 2000));
	while (mdkvnet_wait_efd(n->cfg_efd, 0) > 0)
		;
	/* Its notify pages, read from the device: queues 2, 3, 4. */
	for (q = 2; q < n->num_queues; q++) {
		mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
		mdkvnet_kick_raw(n, n->notify.off + n->notify_mul *
				 mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_NOFF, 2), q);
	}
	expect_running(_metadata, v);
	expect_both_work(_metadata, self);
}

/* Queue 0 set up by hand with @size and ring addresses, then enabled. */
static void bad_queue(struct __test_metadata *_metadata, struct nic_fn *fn,
		      uint16_t size, uint64_t desc, uint64_t avail,
		      uint64_t used)
{
	struct mdkvnet *n = &fn->n;

	ASSERT_EQ(0, mdkvnet_negotiate(n, F_ALL));
	ASSERT_EQ(0, mdkvnet_irqs(n));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_DESCLO, 8, desc);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_AVAILLO, 8, avail);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_USEDLO, 8, used);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
}

/*
 * A queue size the device cannot use: the queue does not start, the device
 * tells the driver (DEVICE_NEEDS_RESET), the neighbour is unaffected.
 */
static void bad_setup(struct __test_metadata *_metadata,
		      struct __fixture_type_nic *self, uint16_t size,
		      unsigned int misalign)
{
	struct nic_fn *v = &self->fn[0];
	uint64_t rings;

	start_both(_metadata, self);
	rings = mdkvnet_iova(&v->n, mdkvnet_scratch(&v->n));
	bad_queue(_metadata, v, size, rings + misalign, rings + 0x4000,
		  rings + 0x8000);
	EXPECT_EQ(0, mdkvnet_rd(&v->n, VIRTIO_PCI_COMMON_Q_ENABLE, 2));
	mdkvnet_driver_ok(&v->n);
	EXPECT_EQ(0, nic_wait_carrier(v->rep, 1, 300));
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, queue_size_not_a_power_of_two_is_refused)
{
	bad_setup(_metadata, self, 100, 0);
}

TEST_F(nic, queue_size_above_the_maximum_is_refused)
{
	bad_setup(_metadata, self, 512, 0);
}

TEST_F(nic, queue_size_zero_is_refused)
{
	bad_setup(_metadata, self, 0, 0);
}

TEST_F(nic, misaligned_descriptor_table_is_refused)
{
	bad_setup(_metadata, self, 256, 8);
}

TEST_F(nic, queue_enable_before_features_ok_needs_reset)
{
	struct nic_fn *v = &self->fn[0];
	struct mdkvnet *n = &v->n;

	start_both(_metadata, self);
	ASSERT_EQ(0, mdkvnet_reset(n));
	mdkvnet_set_status(n, VIRTIO_CONFIG_S_ACKNOWLEDGE |
			   VIRTIO_CONFIG_S_DRIVER);
	ASSERT_EQ(0, mdkvnet_irqs(n));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	mdkvnet_setup_vq(n, RXQ, 0);
	EXPECT_EQ(0, mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_ENABLE, 2));
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, rings_outside_the_mappings_need_reset)
{
	struct nic_fn *v = &self->fn[0];

	start_both(_metadata, self);
	bad_queue(_metadata, v, 256, UNMAPPED, UNMAPPED + 0x1000,
		  UNMAPPED + 0x2000);
	/* Refused at once, or found out when the device first looks. */
	mdkvnet_driver_ok(&v->n);
	mdkvnet_kick_raw(&v->n, v->n.notify.off, 0);
	{
		uint8_t f[128];

		nic_frame(f, 128, v->mac, v->mac, 8, 0);
		nic_wait_up(v->rep, 2000);
		send(v->sock, f, 128, 0);
	}
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F(nic, used_ring_outside_the_mappings_needs_reset)
{
	struct nic_fn *v = &self->fn[0];
	struct mdkvnet *n = &v->n;

	start_both(_metadata, self);
	/* A good setup of pair 0, but the transmit used ring nowhere. */
	ASSERT_EQ(0, mdkvnet_negotiate(n, F_ALL));
	/* No avail entry left over from start_both()'s traffic. */
	memset(n->mem + TXQ * MDKVNET_QAREA, 0, MDKVNET_RINGS);
	ASSERT_EQ(0, mdkvnet_irqs(n));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	ASSERT_EQ(0, mdkvnet_setup_vq(n, RXQ, 0));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SELECT, 2, TXQ);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SIZE, 2, 256);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_DESCLO, 8,
		   mdkvnet_iova(n, n->mem + TXQ * MDKVNET_QAREA));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_AVAILLO, 8,
		   mdkvnet_iova(n, n->mem + TXQ * MDKVNET_QAREA + 0x1000));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_USEDLO, 8, UNMAPPED);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	ASSERT_EQ(0, mdkvnet_driver_ok(n));
	n->vq[TXQ].size = 256;
	n->vq[TXQ].desc = (void *)(n->mem + TXQ * MDKVNET_QAREA);
	n->vq[TXQ].avail = (void *)(n->mem + TXQ * MDKVNET_QAREA + 0x1000);
	n->vq[TXQ].avail_idx = 0;
	n->vq[TXQ].notify = n->notify.off + n->notify_mul * TXQ;
	mdkvnet_raw_desc(n, TXQ, 0, frame_iova(v), 112, 0, 0);
	offer(v, TXQ, 0);
	expect_needs_reset(_metadata, v);
	expect_both_work(_metadata, self);
}

TEST_F_TIMEOUT(nic, resets_in_the_middle_of_traffic, 120)
{
	struct nic_fn *v = &self->fn[0];
	uint8_t f[2048];
	unsigned int k, i;

	start_both(_metadata, self);
	for (k = 0; k < 30; k++) {
		for (i = 0; i < 100; i++) {
			nic_frame(f, 600, v->mac, v->mac, i, 0);
			mdkvnet_tx(&v->n, i & 1, f, 600);
			send(v->sock, f, 600, 0);
		}
		switch (k % 3) {
		case 0:
			ASSERT_EQ(0, mdkvnet_reset(&v->n));
			break;
		case 1:
			ASSERT_EQ(0, mdkvfio_reset(&v->n.v));
			break;
		default:	/* closed and opened again */
			mdkvnet_close(&v->n);
			ASSERT_EQ(0, mdkvnet_open(&v->n, v->uuid));
			break;
		}
		ASSERT_EQ(0, mdkvnet_start(&v->n, F_ALL, 2));
		nic_fn_mac(v);
		if (k % 5 == 0)
			EXPECT_EQ(0, nic_ping(&self->fn[1], 0, 1514, 10 * k));
	}
	expect_both_work(_metadata, self);
}

struct storm {
	struct mdkvnet *n;
	volatile int stop;
	long kicks;
};

/* Notifies every queue's page, and past them, as fast as it can. */
static void *storm_thread(void *arg)
{
	struct storm *st = arg;
	struct mdkvnet *n = st->n;
	unsigned int q;

	while (!st->stop) {
		for (q = 0; q < 8; q++)
			mdkvnet_kick_raw(n, n->notify.off +
					 (uint64_t)q * n->notify_mul, q);
		st->kicks++;
	}
	return NULL;
}

TEST_F_TIMEOUT(nic, notify_storm_while_the_device_resets, 120)
{
	struct nic_fn *v = &self->fn[0];
	struct storm st = { .n = &v->n };
	uint8_t f[2048];
	pthread_t th;
	unsigned int k, i;

	start_both(_metadata, self);
	ASSERT_EQ(0, pthread_create(&th, NULL, storm_thread, &st));
	for (k = 0; k < 40; k++) {
		for (i = 0; i < 50; i++) {
			nic_frame(f, 300, v->mac, v->mac, i, 0);
			mdkvnet_tx(&v->n, i & 1, f, 300);
			send(v->sock, f, 300, 0);
		}
		if (k & 1)
			mdkvfio_reset(&v->n.v);
		else
			mdkvnet_reset(&v->n);
		mdkvnet_start(&v->n, F_ALL, 2);
	}
	st.stop = 1;
	pthread_join(th, NULL);
	TH_LOG("%ld rounds of notifications", st.kicks);
	EXPECT_LT(0, st.kicks);
	expect_both_work(_metadata, self);
}

NIC_HARNESS_MAIN
