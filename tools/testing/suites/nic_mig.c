// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdevkit-kvers: 6.12 6.1 debug
 * nic_mig - VFIO migration v2 of mdk_nic functions through the uAPI, as a
 * VMM drives it (docs/migration.md), with libmdkvnet as the guest's
 * virtio-net driver:
 * - the flags and the data size (the NIC's section: 40 bytes and 40 per
 *   virtqueue);
 * - a running 2-pair function (multiqueue, control queue) quiesced in the
 *   middle of traffic: a frame the guest transmits while it is quiesced
 *   stays in its ring, a frame for the guest is dropped; the
 *   state moves through STOP_COPY into a second function under another
 *   UUID after the "guest memory" is copied. The target sends the guest's
 *   frame exactly once on its own representor and never the source's,
 *   never delivers the dropped one, has
 *   the source's MAC and MTU, features, status and active pairs, and frames
 *   go both ways on both pairs with the receive buffers the guest posted
 *   on the source;
 * - the same state loaded back into the original after a reset;
 * - a link change while the function is quiesced reaches the driver as a
 *   configuration interrupt once it runs again;
 * - a status write cannot clear a bit (DRIVER_OK alone keeps FEATURES_OK),
 *   so the state a driver reaches that way migrates;
 * - the source's MAC is the target's for the session only;
 * - bad sections, their CRCs right (queue size, MAC, MTU above the
 *   target's, pairs, vectors, flags, a running datapath without DRIVER_OK,
 *   ring addresses wrapping past 2^64, virtqueue count, features) and a function of another type: the
 *   uAPI's error, the target still in RESUMING, and whole after a reset.
 */
#include "harness.h"
#include "mdk_mig.h"
#include "mdk_nic.h"

#define ALL_FEATURES	(~0ULL)
#define SEC_HDR		40	/* the NIC's section (parents/nic/nic_mig.c) */
#define SEC_Q		40

static unsigned int nvqs(unsigned int pairs)
{
	return 2 * pairs + (pairs > 1);
}

static size_t section_size(unsigned int pairs)
{
	return SEC_HDR + nvqs(pairs) * SEC_Q;
}

/* Reads @fn's whole state through STOP_COPY into @s; it ends in STOP. */
static int save(struct nic_fn *fn, struct stream *s)
{
	int fd, ret;

	s->len = 0;
	ret = mdkvfio_mig_set(&fn->n.v, STOP_COPY, &fd);
	if (ret)
		return ret;
	ret = read_fd(fd, s);
	close(fd);
	return ret ? ret : mdkvfio_mig_set(&fn->n.v, STOP, NULL);
}

/*
 * The target's driver goes on where the source's stopped: the "guest
 * memory" copied (rings and buffers), the driver's view of every queue
 * (its pointers into that memory moved along), its own eventfds kept.
 */
static void adopt(struct mdkvnet *dst, const struct mdkvnet *src)
{
	unsigned int q;

	memcpy(dst->mem, src->mem, dst->mem_size);
	for (q = 0; q < MDKVNET_MAX_VQS; q++) {
		struct mdkvnet_vq *d = &dst->vq[q];
		const struct mdkvnet_vq *s = &src->vq[q];
		int efd = d->efd;

		*d = *s;
		d->efd = efd;
		if (!s->size)
			continue;
		d->desc = (void *)(dst->mem + ((uint8_t *)s->desc - src->mem));
		d->avail = (void *)(dst->mem + ((uint8_t *)s->avail - src->mem));
		d->used = (void *)(dst->mem + ((uint8_t *)s->used - src->mem));
		d->bufs = dst->mem + (s->bufs - src->mem);
	}
	dst->features = src->features;
	dst->pairs = src->pairs;
	dst->nvqs = src->nvqs;
}

/* No test frame arrives on @sock within @ms. */
static int sock_quiet(int sock, int ms)
{
	uint8_t g[2048];

	return nic_sock_recv(sock, g, sizeof(g), ms) < 0;
}

TEST_F(nic, migration_is_offered_with_the_kernels_flags)
{
	uint64_t flags, want = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P,
		 size;
	int ret;

	if (kernel_has_precopy())
		want |= VFIO_MIGRATION_PRE_COPY;
	ASSERT_EQ(0, nic_fn_make(self, 0, "2qp", 1));
	ASSERT_EQ(0, mdkvfio_mig_flags(&self->fn[0].n.v, &flags));
	EXPECT_EQ(want, flags);
	ret = mdkvfio_mig_data_size(&self->fn[0].n.v, &size);
	if (kernel_has_precopy()) {
		ASSERT_EQ(0, ret);
		/* header, config space, INTx, MSI-X table (6) and PBA, NIC */
		TH_LOG("MIG_DATA_SIZE: %llu bytes", (unsigned long long)size);
		EXPECT_EQ(256 + 4096 + 4 + 6 * 16 + 8 + section_size(2), size);
	} else {
		EXPECT_EQ(-ENOTTY, ret);
	}
}

/*
 * Function 0 (2 pairs) runs, frames both ways on both pairs; then it is
 * quiesced, the guest transmits frame @seq, and a frame for the guest is
 * dropped; then its state is read into @s (STOP).
 */
static void save_busy(struct __test_metadata *_metadata,
		      struct __fixture_type_nic *self, struct stream *s,
		      uint32_t seq)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct nic_fn *fn = &self->fn[0];
	uint8_t f[2048];

	ASSERT_EQ(0, nic_fn_make(self, 0, "2qp", 1));
	ASSERT_EQ(0, mdkvnet_start(&fn->n, ALL_FEATURES, 2));
	nic_fn_mac(fn);
	ASSERT_EQ(0, nic_ping(fn, 0, 100, 10));
	ASSERT_EQ(0, nic_ping(fn, 1, 1514, 20));
	ASSERT_EQ(0, mdkvfio_mig_set(&fn->n.v, RUNNING_P2P, NULL));
	/* Quiesced: the representor's carrier is off, nothing moves. */
	EXPECT_EQ(0, nic_wait_carrier(fn->rep, 0, 2000));
	nic_frame(f, 300, bcast, fn->mac, seq, 0);
	ASSERT_EQ(0, mdkvnet_tx(&fn->n, 1, f, 300));
	EXPECT_TRUE(sock_quiet(fn->sock, 300));
	/*
	 * Its carrier is off: the host's stack or the device drops this one
	 * (which depends on whether the link watch has run yet).
	 */
	nic_frame(f, 200, fn->mac, bcast, seq + 1, 0);
	EXPECT_EQ(200, send(fn->sock, f, 200, 0));
	ASSERT_EQ(0, save(fn, s));
	TH_LOG("state: %zu bytes", s->len);
	ASSERT_EQ(HDR_SIZE + 4096 + 4 + 6 * 16 + 8 + section_size(2), s->len);
}

/*
 * @fn (the source's identity @mac) never delivers the frame for the guest
 * that was dropped at the switch (@seq + 1), and carries frames on both
 * pairs.
 */
static void traffic_goes_on(struct __test_metadata *_metadata,
			    struct nic_fn *fn, const uint8_t *mac,
			    uint32_t seq)
{
	struct virtio_net_config c;
	char buf[32], want[32];
	uint8_t g[2048];
	unsigned int p;

	for (p = 0; p < 2; p++)
		EXPECT_GT(0, nic_guest_recv_seq(&fn->n, p, g, sizeof(g), 200,
						NULL, seq + 1));

	ASSERT_EQ(0, mdkvnet_config(&fn->n, &c));
	EXPECT_EQ(0, memcmp(mac, c.mac, 6));
	EXPECT_EQ(1500, c.mtu);
	snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	ASSERT_EQ(0, nic_attr(fn->uuid, "mac", buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	memcpy(fn->mac, mac, 6);
	EXPECT_EQ(1, nic_wait_carrier(fn->rep, 1, 3000));
	EXPECT_EQ(0, nic_ping(fn, 0, 60, 100));
	EXPECT_EQ(0, nic_ping(fn, 1, 1514, 110));
	EXPECT_EQ(0, nic_ping(fn, 0, 1000, 120));
}

TEST_F_TIMEOUT(nic, running_function_moves_to_another_mdev, 300)
{
	struct nic_fn *src = &self->fn[0], *dst = &self->fn[1];
	struct stream s = { 0 };
	uint8_t g[2048];
	uint32_t state;
	uint8_t st;

	char own[32], buf[32];

	save_busy(_metadata, self, &s, 50);
	/* The target, under another UUID, driven by another "VMM". */
	ASSERT_EQ(0, nic_fn_make(self, 1, "2qp", 1));
	ASSERT_EQ(0, nic_attr(dst->uuid, "mac", own, sizeof(own)));
	ASSERT_EQ(0, mdkvnet_irqs(&dst->n));
	adopt(&dst->n, &src->n);
	ASSERT_EQ(0, mig_load(&dst->n.v, &s, 700, RUNNING));
	ASSERT_EQ(0, mdkvfio_mig_state(&dst->n.v, &state));
	EXPECT_EQ(RUNNING, state);
	st = mdkvnet_status(&dst->n);
	EXPECT_EQ(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK, st);
	mdkvnet_wr(&dst->n, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	EXPECT_EQ((uint32_t)src->n.features,
		  mdkvnet_rd(&dst->n, VIRTIO_PCI_COMMON_GF, 4));
	/*
	 * The frame the guest posted while quiesced leaves once, here, and
	 * none before it again (the target starts at the saved last_avail).
	 */
	ASSERT_EQ(300, nic_sock_recv(dst->sock, g, sizeof(g), 3000));
	EXPECT_EQ(50, nic_frame_seq(g, 300));
	EXPECT_EQ(0, mdkvnet_tx_done(&dst->n, 1, 2000));
	EXPECT_TRUE(sock_quiet(dst->sock, 300));
	EXPECT_TRUE(sock_quiet(src->sock, 300));
	traffic_goes_on(_metadata, dst, src->mac, 50);
	/* The source's MAC was the session's: closed, the target has its own. */
	mdkvnet_close(&dst->n);
	ASSERT_EQ(0, nic_attr(dst->uuid, "mac", buf, sizeof(buf)));
	EXPECT_STREQ(own, buf);
	free(s.buf);
}

TEST_F(nic, status_bits_stay_set_and_the_state_migrates)
{
	struct nic_fn *fn = &self->fn[0];
	struct stream s = { 0 };

	ASSERT_EQ(0, nic_fn_make(self, 0, "1qp", 1));
	ASSERT_EQ(0, mdkvnet_start(&fn->n, ALL_FEATURES, 1));
	nic_fn_mac(fn);
	/* DRIVER_OK alone would clear FEATURES_OK under enabled queues. */
	mdkvnet_set_status(&fn->n, VIRTIO_CONFIG_S_DRIVER_OK);
	EXPECT_EQ(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK,
		  mdkvnet_status(&fn->n));
	EXPECT_EQ(0, nic_ping(fn, 0, 100, 1));
	ASSERT_EQ(0, mdkvfio_mig_set(&fn->n.v, STOP, NULL));
	ASSERT_EQ(0, save(fn, &s));
	ASSERT_EQ(0, mdkvfio_reset(&fn->n.v));
	ASSERT_EQ(0, mdkvnet_irqs(&fn->n));
	ASSERT_EQ(0, mig_load(&fn->n.v, &s, 4096, RUNNING));
	EXPECT_EQ(0, nic_ping(fn, 0, 100, 3));
	free(s.buf);
}

TEST_F_TIMEOUT(nic, state_loads_back_into_the_original_after_a_reset, 300)
{
	struct nic_fn *fn = &self->fn[0];
	struct stream s = { 0 };
	uint8_t mac[6], g[2048];

	save_busy(_metadata, self, &s, 60);
	memcpy(mac, fn->mac, 6);
	ASSERT_EQ(0, mdkvfio_reset(&fn->n.v));
	EXPECT_EQ(0, mdkvnet_status(&fn->n));
	/* The VMM sets its interrupts up again, as after any reset. */
	ASSERT_EQ(0, mdkvnet_irqs(&fn->n));
	ASSERT_EQ(0, mig_load(&fn->n.v, &s, 65536, RUNNING));
	EXPECT_NE(0, mdkvnet_status(&fn->n) & VIRTIO_CONFIG_S_DRIVER_OK);
	ASSERT_EQ(300, nic_sock_recv(fn->sock, g, sizeof(g), 3000));
	EXPECT_EQ(60, nic_frame_seq(g, 300));
	EXPECT_TRUE(sock_quiet(fn->sock, 300));
	traffic_goes_on(_metadata, fn, mac, 60);
	free(s.buf);
}

TEST_F_TIMEOUT(nic, link_change_while_quiesced_reaches_the_driver, 120)
{
	struct nic_fn *fn = &self->fn[0];
	struct virtio_net_config c;

	ASSERT_EQ(0, nic_fn_make(self, 0, "1qp", 1));
	ASSERT_EQ(0, mdkvnet_start(&fn->n, ALL_FEATURES, 1));
	nic_fn_mac(fn);
	ASSERT_EQ(0, nic_ping(fn, 0, 100, 1));
	while (mdkvnet_wait_efd(fn->n.cfg_efd, 0) > 0)
		;
	ASSERT_EQ(0, mdkvfio_mig_set(&fn->n.v, RUNNING_P2P, NULL));
	ASSERT_EQ(0, nic_ifup(fn->rep, 0));
	/* Not while quiesced ... */
	EXPECT_EQ(0, mdkvnet_wait_efd(fn->n.cfg_efd, 300));
	ASSERT_EQ(0, mdkvfio_mig_set(&fn->n.v, RUNNING, NULL));
	/* ... but once it runs: the link is down. */
	EXPECT_EQ(1, mdkvnet_wait_efd(fn->n.cfg_efd, 2000));
	ASSERT_EQ(0, mdkvnet_config(&fn->n, &c));
	EXPECT_EQ(0, c.status & VIRTIO_NET_S_LINK_UP);
	/* Up again, while running: the usual interrupt. */
	ASSERT_EQ(0, nic_ifup(fn->rep, 1));
	EXPECT_EQ(1, mdkvnet_wait_efd(fn->n.cfg_efd, 2000));
	ASSERT_EQ(0, nic_wait_up(fn->rep, 3000));
	EXPECT_EQ(0, nic_ping(fn, 0, 100, 3));
}

/* Little-endian stores into a section, as the VM is. */
static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* One forged section: what it changes, and what the load must say. */
struct forgery {
	const char *what;
	unsigned int off;	/* in the section; q0 is SEC_HDR + ... */
	unsigned int len;	/* 1, 2, 4 or 8 */
	uint64_t val;
};

static const struct forgery forgeries[] = {
	{ "virtqueue count", 0, 4, 3 },
	{ "NEEDS_RESET in status", 12, 1, 0x4f },
	{ "an unknown flag", 13, 1, 0x80 },
	{ "configuration vector 7 of 6", 14, 2, 7 },
	{ "a feature not offered", 20, 4, 0x80000000 },
	{ "0 active pairs", 26, 2, 0 },
	{ "3 active pairs of 2", 26, 2, 3 },
	{ "MTU 67", 28, 2, 67 },
	{ "MTU 1501, above the target's nic/mtu", 28, 2, 1501 },
	{ "the datapath ran without DRIVER_OK", 12, 1, 0x0b },
	{ "an unknown ISR bit", 30, 1, 4 },
	{ "a multicast MAC", 32, 1, 0x03 },
	{ "reserved header bytes", 38, 2, 1 },
	{ "queue 0 of size 3", SEC_HDR + 24, 2, 3 },
	{ "queue 0 of size 512", SEC_HDR + 24, 2, 512 },
	{ "queue 1's descriptors misaligned", SEC_HDR + SEC_Q, 1, 8 },
	{ "queue 0's vector 9", SEC_HDR + 30, 2, 9 },
	{ "queue 0's used ring wrapping past 2^64", SEC_HDR + 16, 8,
	  0xfffffffffffffc00ULL },
	{ "queue 1's descriptors at the last 4 KiB (256 x 16 wraps)",
	  SEC_HDR + SEC_Q, 8, 0xfffffffffffff000ULL + 16 },
	{ "an unknown queue flag", SEC_HDR + 32, 4, 3 },
	{ "reserved queue bytes", SEC_HDR + 36, 4, 1 },
};

TEST_F_TIMEOUT(nic, forged_sections_and_other_types_are_refused, 300)
{
	struct nic_fn *tgt = &self->fn[1];
	struct stream s = { 0 }, bad = { 0 };
	uint32_t state;
	unsigned int i;
	size_t sec;
	int ret;

	save_busy(_metadata, self, &s, 70);
	sec = s.len - section_size(2);
	ASSERT_EQ(0, nic_fn_make(self, 1, "2qp", 1));
	bad.buf = malloc(s.len);
	ASSERT_NE(NULL, bad.buf);
	for (i = 0; i < sizeof(forgeries) / sizeof(forgeries[0]); i++) {
		const struct forgery *f = &forgeries[i];

		memcpy(bad.buf, s.buf, s.len);
		bad.len = s.len;
		if (f->len == 1)
			bad.buf[sec + f->off] = f->val;
		else if (f->len == 2)
			put16(bad.buf + sec + f->off, f->val);
		else if (f->len == 4)
			put32(bad.buf + sec + f->off, f->val);
		else
			memcpy(bad.buf + sec + f->off, &f->val, 8);
		reseal(bad.buf, bad.len);
		ret = mig_load(&tgt->n.v, &bad, 4096, STOP);
		ASSERT_EQ(0, mdkvfio_mig_state(&tgt->n.v, &state));
		if (ret != -EINVAL || state != RESUMING)
			TH_LOG("%s: %d, state %s", f->what, ret,
			       mdkvfio_mig_state_name(state));
		EXPECT_EQ(-EINVAL, ret);
		EXPECT_EQ(RESUMING, state);
		ASSERT_EQ(0, mdkvfio_reset(&tgt->n.v));
	}
	/* Truncated in the NIC's section: the length no longer adds up. */
	bad.len = s.len - SEC_Q;
	memcpy(bad.buf, s.buf, s.len);
	EXPECT_EQ(-EINVAL, mig_load(&tgt->n.v, &bad, 4096, STOP));
	ASSERT_EQ(0, mdkvfio_reset(&tgt->n.v));
	/* After all that, the target is a whole function that works. */
	ASSERT_EQ(0, mdkvfio_mig_state(&tgt->n.v, &state));
	EXPECT_EQ(RUNNING, state);
	EXPECT_EQ(0, mdkvnet_status(&tgt->n));
	ASSERT_EQ(0, mdkvnet_start(&tgt->n, ALL_FEATURES, 2));
	nic_fn_mac(tgt);
	EXPECT_EQ(0, nic_ping(tgt, 1, 500, 200));
	/* A function of another type refuses the header. */
	mdkvnet_close(&tgt->n);
	mdk_remove_mdev(tgt->uuid);
	close(tgt->sock);
	tgt->sock = -1;
	ASSERT_EQ(0, nic_fn_make(self, 1, "4qp", 1));
	EXPECT_EQ(-EINVAL, mig_load(&tgt->n.v, &s, 4096, STOP));
	ASSERT_EQ(0, mdkvfio_reset(&tgt->n.v));
	free(bad.buf);
	free(s.buf);
}

NIC_HARNESS_MAIN
