// SPDX-License-Identifier: GPL-2.0-only
/*
 * nic_vnet - the mdk_nic sample parent (docs/nic.md) as a virtio-net
 * driver sees it, through libmdkvnet, for each type (1, 2 and 4 queue
 * pairs): PCI identity and virtio capabilities, the features offered and
 * FEATURES_OK refused for one that is not, nic/mac and nic/mtu (stable per
 * UUID, writable only while the device is closed), frames both ways between
 * the guest side and the representor (sizes 60 to 1514, merged receive
 * buffers), multiqueue through the control queue, the representor's carrier
 * and the device's link status with its configuration interrupt, a reset
 * (status 0, and VFIO_DEVICE_RESET) in the middle of traffic, and the
 * representor's counters. On the debug kernel only the 2-pair variant runs
 * (multiqueue and the control queue): the other two repeat its paths at
 * KASAN's speed; they run on 6.12 and 6.1.
 */
#define HARNESS_DEBUG_VARIANTS	"qp2"
#include "harness.h"
#include "mdk_nic.h"

FIXTURE_VARIANT(nic) {
	const char *type;
	unsigned int pairs;
};

FIXTURE_VARIANT_ADD(nic, qp1) { .type = "1qp", .pairs = 1 };
FIXTURE_VARIANT_ADD(nic, qp2) { .type = "2qp", .pairs = 2 };
FIXTURE_VARIANT_ADD(nic, qp4) { .type = "4qp", .pairs = 4 };

#define ALL_FEATURES	(~0ULL)
#define F(b)		(1ULL << (b))

static const size_t sizes[] = { 60, 61, 64, 100, 128, 511, 512, 1000, 1513,
				1514 };
#define NSIZES	(sizeof(sizes) / sizeof(sizes[0]))

static unsigned int nvqs(unsigned int pairs)
{
	return 2 * pairs + (pairs > 1);
}

/* Creates and opens function 0 and starts it with every feature offered. */
static void start0(struct __test_metadata *_metadata,
		   struct __fixture_type_nic *self,
		   const struct __fixture_variant_nic *variant)
{
	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	ASSERT_EQ(0, mdkvnet_start(&self->fn[0].n, ALL_FEATURES,
				   variant->pairs));
	nic_fn_mac(&self->fn[0]);
}

TEST_F(nic, pci_identity_and_virtio_capabilities)
{
	struct mdkvnet *n = &self->fn[0].n;
	struct virtio_net_config c;
	uint32_t v;

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	ASSERT_EQ(0, mdkvfio_read32(&n->v, VFIO_PCI_CONFIG_REGION_INDEX,
				    PCI_VENDOR_ID, &v));
	EXPECT_EQ(0x10411af4, v);
	ASSERT_EQ(0, mdkvfio_read32(&n->v, VFIO_PCI_CONFIG_REGION_INDEX,
				    PCI_CLASS_REVISION, &v));
	EXPECT_EQ(0x02000001, v);	/* Ethernet, revision 1 */
	ASSERT_EQ(0, mdkvfio_read32(&n->v, VFIO_PCI_CONFIG_REGION_INDEX,
				    PCI_SUBSYSTEM_VENDOR_ID, &v));
	EXPECT_EQ(0x11001af4, v);
	/* The capabilities were walked, not assumed: what they say. */
	EXPECT_EQ(0, n->common.bar);
	EXPECT_EQ(0x0000, n->common.off);
	EXPECT_LE(0x38, n->common.len);
	EXPECT_EQ(0x1000, n->isr.off);
	EXPECT_LE(1, n->isr.len);
	EXPECT_EQ(0x2000, n->device.off);
	EXPECT_LE(12, n->device.len);
	EXPECT_EQ(0x4000, n->notify.off);
	EXPECT_EQ(4096, n->notify_mul);
	EXPECT_EQ(nvqs(variant->pairs), n->num_queues);
	EXPECT_EQ(1 + nvqs(variant->pairs), n->nvec);
	ASSERT_EQ(0, mdkvnet_config(n, &c));
	EXPECT_EQ(variant->pairs, c.max_virtqueue_pairs);
	EXPECT_EQ(1500, c.mtu);
	EXPECT_EQ(2, c.mac[0]);
	/* Every queue offers at most 256 entries, a power of two. */
	for (v = 0; v < n->num_queues; v++) {
		uint16_t size;

		mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SELECT, 2, v);
		size = mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_SIZE, 2);
		EXPECT_EQ(256, size);
		EXPECT_EQ(v, mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_NOFF, 2));
	}
	/* A queue beyond num_queues has queue_size 0 (4.1.4.3.2). */
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SELECT, 2, n->num_queues);
	EXPECT_EQ(0, mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_SIZE, 2));
}

TEST_F(nic, features_offered_as_documented)
{
	struct mdkvnet *n = &self->fn[0].n;
	uint64_t f;

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	ASSERT_EQ(0, mdkvnet_reset(n));
	f = mdkvnet_device_features(n);
	if (f != nic_doc_features(variant->pairs))
		TH_LOG("offered 0x%llx, docs/nic.md says 0x%llx",
		       (unsigned long long)f,
		       (unsigned long long)nic_doc_features(variant->pairs));
	EXPECT_EQ(nic_doc_features(variant->pairs), f);
	/* Selector 2 and beyond: no features. */
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_DFSELECT, 4, 2);
	EXPECT_EQ(0, mdkvnet_rd(n, VIRTIO_PCI_COMMON_DF, 4));
	/* All of them are accepted. */
	EXPECT_EQ(0, mdkvnet_negotiate(n, ALL_FEATURES));
	EXPECT_EQ(nic_doc_features(variant->pairs), n->features);
}

TEST_F(nic, features_ok_refused_for_a_feature_not_offered)
{
	static const unsigned int bits[] = {
		VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM,
		VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_CTRL_RX,
		VIRTIO_F_ACCESS_PLATFORM, VIRTIO_F_RING_PACKED,
		VIRTIO_NET_F_CTRL_VQ, VIRTIO_NET_F_MQ, 63,
	};
	struct mdkvnet *n = &self->fn[0].n;
	uint64_t offered = nic_doc_features(variant->pairs);
	unsigned int i;

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (offered & F(bits[i]))
			continue;
		TH_LOG("accepting bit %u", bits[i]);
		EXPECT_EQ(-ENOTSUP, mdkvnet_negotiate_exact(n, offered |
							    F(bits[i])));
		EXPECT_FALSE(mdkvnet_status(n) & VIRTIO_CONFIG_S_FEATURES_OK);
	}
	/* No VERSION_1 (a legacy driver), or MQ without CTRL_VQ. */
	EXPECT_EQ(-ENOTSUP, mdkvnet_negotiate_exact(n, offered &
						    ~F(VIRTIO_F_VERSION_1)));
	if (variant->pairs > 1)
		EXPECT_EQ(-ENOTSUP, mdkvnet_negotiate_exact(n, offered &
						~F(VIRTIO_NET_F_CTRL_VQ)));
	/* And what is offered still goes through after that. */
	EXPECT_EQ(0, mdkvnet_negotiate_exact(n, offered));
}

/* The device's MAC as "xx:xx:..." from its configuration. */
static void config_mac(struct mdkvnet *n, char *s)
{
	struct virtio_net_config c;

	mdkvnet_config(n, &c);
	sprintf(s, "%02x:%02x:%02x:%02x:%02x:%02x", c.mac[0], c.mac[1],
		c.mac[2], c.mac[3], c.mac[4], c.mac[5]);
}

TEST_F(nic, mac_is_stable_for_a_uuid)
{
	struct nic_fn *fn = &self->fn[0];
	char mac[32], again[32], other[32], seen[32];

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	ASSERT_EQ(0, nic_attr(fn->uuid, "mac", mac, sizeof(mac)));
	EXPECT_EQ(0, strncmp(mac, "02:", 3));
	config_mac(&fn->n, seen);
	EXPECT_STREQ(mac, seen);
	mdkvnet_close(&fn->n);
	close(fn->sock);
	fn->sock = -1;
	ASSERT_EQ(0, mdk_remove_mdev(fn->uuid));
	self->created[0] = 0;
	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	ASSERT_EQ(0, nic_attr(fn->uuid, "mac", again, sizeof(again)));
	EXPECT_STREQ(mac, again);
	/* Another UUID: another MAC. */
	ASSERT_EQ(0, nic_fn_make(self, 1, variant->type, 0));
	ASSERT_EQ(0, nic_attr(self->fn[1].uuid, "mac", other, sizeof(other)));
	EXPECT_NE(0, strcmp(mac, other));
}

/* Writes nic/@attr closed (@ok), checks it is EBUSY while open. */
static void attr_only_while_closed(struct __test_metadata *_metadata,
				   struct nic_fn *fn, const char *attr,
				   const char *val, const char *busy_val)
{
	char got[32];

	mdkvnet_close(&fn->n);
	ASSERT_EQ(0, nic_set_attr(fn->uuid, attr, val));
	ASSERT_EQ(0, nic_attr(fn->uuid, attr, got, sizeof(got)));
	EXPECT_STREQ(val, got);
	ASSERT_EQ(0, mdkvnet_open(&fn->n, fn->uuid));
	EXPECT_EQ(-EBUSY, nic_set_attr(fn->uuid, attr, busy_val));
	ASSERT_EQ(0, nic_attr(fn->uuid, attr, got, sizeof(got)));
	EXPECT_STREQ(val, got);
}

TEST_F(nic, mac_settable_only_while_closed)
{
	struct nic_fn *fn = &self->fn[0];
	char seen[32];

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 0));
	EXPECT_EQ(-EINVAL, nic_set_attr(fn->uuid, "mac", "01:00:5e:00:00:01"));
	EXPECT_EQ(-EINVAL, nic_set_attr(fn->uuid, "mac", "00:00:00:00:00:00"));
	EXPECT_EQ(-EINVAL, nic_set_attr(fn->uuid, "mac", "02:11:22"));
	attr_only_while_closed(_metadata, fn, "mac", "02:11:22:33:44:55",
			       "02:66:77:88:99:aa");
	config_mac(&fn->n, seen);
	EXPECT_STREQ("02:11:22:33:44:55", seen);
	/* Closed again: writable again. */
	mdkvnet_close(&fn->n);
	EXPECT_EQ(0, nic_set_attr(fn->uuid, "mac", "02:66:77:88:99:aa"));
}

TEST_F(nic, mtu_settable_only_while_closed)
{
	struct nic_fn *fn = &self->fn[0];
	struct virtio_net_config c;

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 0));
	EXPECT_EQ(-EINVAL, nic_set_attr(fn->uuid, "mtu", "67"));
	EXPECT_EQ(-EINVAL, nic_set_attr(fn->uuid, "mtu", "9001"));
	EXPECT_EQ(0, nic_set_attr(fn->uuid, "mtu", "68"));
	attr_only_while_closed(_metadata, fn, "mtu", "9000", "1500");
	ASSERT_EQ(0, mdkvnet_config(&fn->n, &c));
	EXPECT_EQ(9000, c.mtu);
	mdkvnet_close(&fn->n);
	EXPECT_EQ(0, nic_set_attr(fn->uuid, "mtu", "1500"));
}

TEST_F(nic, notify_mode_is_the_nics_and_read_only)
{
	struct nic_fn *fn = &self->fn[0];
	char got[32];

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	ASSERT_EQ(0, nic_attr(fn->uuid, "notify", got, sizeof(got)));
	EXPECT_STREQ("trap", got);
	ASSERT_EQ(0, mdk_read_str(NIC0 "/notify", got, sizeof(got)));
	EXPECT_STREQ("trap", got);
	EXPECT_GT(0, nic_set_attr(fn->uuid, "notify", "passthrough"));
	ASSERT_EQ(0, nic_attr(fn->uuid, "notify", got, sizeof(got)));
	EXPECT_STREQ("trap", got);
	/* Trapped: the notify pages are not an mmap area. */
	EXPECT_TRUE(fn->n.notify_map == NULL);
}

#define NIC1		"/sys/bus/platform/devices/mdk_nic.1"
#define NIC_DRV		"/sys/bus/platform/drivers/mdk_nic"

TEST_F(nic, passthrough_notify_nic_passes_traffic)
{
	struct nic_fn *fn = &self->fn[0];
	char path[160], got[32];
	unsigned int i;

	if (!mdk_exists(NIC1))
		ASSERT_EQ(0, mdk_write_str(NIC_DRV "/new_device",
					   "1 notify=passthrough"));
	ASSERT_EQ(0, mdk_read_str(NIC1 "/notify", got, sizeof(got)));
	ASSERT_STREQ("passthrough", got);
	mdk_make_uuid(fn->uuid, 0x41c1, getpid() & 0xffff, 0);
	snprintf(path, sizeof(path),
		 NIC1 "/mdev_supported_types/mdk_nic-%s/create", variant->type);
	ASSERT_EQ(0, mdk_write_str(path, fn->uuid));
	self->created[0] = 1;
	ASSERT_EQ(0, nic_attr(fn->uuid, "notify", got, sizeof(got)));
	EXPECT_STREQ("passthrough", got);
	ASSERT_EQ(0, nic_attr(fn->uuid, "representor", fn->rep,
			      sizeof(fn->rep)));
	EXPECT_EQ(0, strncmp(fn->rep, "mdknic1v", 8));
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 fn->rep);
	mdk_write_str(path, "1");
	ASSERT_EQ(0, nic_ifup(fn->rep, 1));
	fn->sock = nic_socket(fn->rep);
	ASSERT_LE(0, fn->sock);
	ASSERT_EQ(0, mdkvnet_open(&fn->n, fn->uuid));
	/* Notifications are stores into the mapped notify pages. */
	ASSERT_TRUE(fn->n.notify_map != NULL);
	ASSERT_EQ(0, mdkvnet_start(&fn->n, ALL_FEATURES, variant->pairs));
	nic_fn_mac(fn);
	for (i = 0; i < 50; i++)
		ASSERT_EQ(0, nic_ping(fn, i % variant->pairs, sizes[i % NSIZES],
				      2 * i));
	mdkvnet_close(&fn->n);
	close(fn->sock);
	fn->sock = -1;
	EXPECT_EQ(0, mdk_remove_mdev(fn->uuid));
	self->created[0] = 0;
	EXPECT_EQ(0, mdk_write_str(NIC_DRV "/del_device", "1"));
}

TEST_F(nic, queue_interrupts_on_their_vectors)
{
	struct nic_fn *fn = &self->fn[0];
	struct mdkvnet *n = &fn->n;
	uint8_t f[256], g[2048];
	uint16_t used;
	int i;

	start0(_metadata, self, variant);
	ASSERT_EQ(0, nic_wait_up(fn->rep, 3000));
	while (mdkvnet_wait_efd(n->vq[0].efd, 0) > 0)
		;
	mdkvnet_isr(n);
	/* Receive queue 0: vector 1. */
	nic_frame(f, 100, fn->mac, fn->mac, 1, 0);
	ASSERT_EQ(100, send(fn->sock, f, 100, 0));
	EXPECT_EQ(1, mdkvnet_wait_efd(n->vq[0].efd, 2000));
	EXPECT_EQ(1, mdkvnet_isr(n) & 1);
	EXPECT_EQ(0, mdkvnet_wait_efd(n->cfg_efd, 0));
	ASSERT_EQ(100, nic_guest_recv(n, 0, g, sizeof(g), 2000, NULL));
	/* Transmit queue 0: vector 2. */
	while (mdkvnet_wait_efd(n->vq[1].efd, 0) > 0)
		;
	ASSERT_EQ(0, mdkvnet_tx(n, 0, f, 100));
	EXPECT_EQ(1, mdkvnet_wait_efd(n->vq[1].efd, 2000));
	EXPECT_EQ(0, mdkvnet_tx_done(n, 0, 2000));
	/* VRING_AVAIL_F_NO_INTERRUPT: used, without an interrupt. */
	while (mdkvnet_wait_efd(n->vq[0].efd, 0) > 0)
		;
	n->vq[0].avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	used = mdkvnet_used_idx(n, 0);
	ASSERT_EQ(100, send(fn->sock, f, 100, 0));
	for (i = 0; i < 200 && mdkvnet_used_idx(n, 0) == used; i++)
		usleep(10000);
	EXPECT_NE(used, mdkvnet_used_idx(n, 0));
	EXPECT_EQ(0, mdkvnet_wait_efd(n->vq[0].efd, 100));
}

TEST_F(nic, vectors_past_the_table_read_back_no_vector)
{
	struct mdkvnet *n = &self->fn[0].n;

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	ASSERT_EQ(0, mdkvnet_negotiate(n, ALL_FEATURES));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_MSIX, 2, n->nvec);
	EXPECT_EQ(VIRTIO_MSI_NO_VECTOR, mdkvnet_rd(n, VIRTIO_PCI_COMMON_MSIX, 2));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_MSIX, 2, n->nvec - 1);
	EXPECT_EQ(n->nvec - 1, mdkvnet_rd(n, VIRTIO_PCI_COMMON_MSIX, 2));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_MSIX, 2, 0x7fff);
	EXPECT_EQ(VIRTIO_MSI_NO_VECTOR, mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_MSIX, 2));
}

TEST_F(nic, queue_addresses_of_an_enabled_queue_do_not_change)
{
	struct mdkvnet *n = &self->fn[0].n;
	uint64_t desc;

	start0(_metadata, self, variant);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	desc = mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_DESCLO, 8);
	EXPECT_EQ(mdkvnet_iova(n, n->vq[0].desc), desc);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_DESCLO, 8, 0x7000000000ULL);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SIZE, 2, 16);
	EXPECT_EQ(desc, mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_DESCLO, 8));
	EXPECT_EQ(n->vq[0].size, mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_SIZE, 2));
	EXPECT_EQ(0, nic_ping(&self->fn[0], 0, 300, 5));
}

TEST_F(nic, representor_is_the_mdevs_netdev)
{
	struct nic_fn *fn = &self->fn[0];
	char path[256], name[64];
	long id;

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 0));
	ASSERT_EQ(1, sscanf(fn->rep, "mdknic0v%ld", &id));
	snprintf(path, sizeof(path), NIC_MDEVS "/%s/net/%s", fn->uuid, fn->rep);
	EXPECT_TRUE(mdk_exists(path));
	snprintf(path, sizeof(path), "/sys/class/net/%s/phys_port_name",
		 fn->rep);
	ASSERT_EQ(0, mdk_read_str(path, name, sizeof(name)));
	snprintf(path, sizeof(path), "vf%ld", id);
	EXPECT_STREQ(path, name);
}

TEST_F(nic, frames_guest_to_representor)
{
	struct nic_fn *fn = &self->fn[0];
	uint8_t f[2048], g[2048];
	unsigned int i;

	start0(_metadata, self, variant);
	for (i = 0; i < NSIZES; i++) {
		ssize_t r;

		nic_frame(f, sizes[i], (const uint8_t *)"\xff\xff\xff\xff\xff\xff",
			  fn->mac, i, 0);
		ASSERT_EQ(0, mdkvnet_tx(&fn->n, 0, f, sizes[i]));
		r = nic_sock_recv(fn->sock, g, sizeof(g), 2000);
		TH_LOG("size %zu", sizes[i]);
		ASSERT_EQ((ssize_t)sizes[i], r);
		ASSERT_EQ(0, memcmp(f, g, sizes[i]));
	}
	EXPECT_EQ(0, mdkvnet_tx_done(&fn->n, 0, 2000));
}

TEST_F(nic, transmit_frames_too_long_or_too_short_are_dropped)
{
	struct nic_fn *fn = &self->fn[0];
	uint8_t f[2048], g[2048];
	long dropped;

	start0(_metadata, self, variant);
	dropped = nic_stat(fn->rep, "rx_dropped");
	/* MTU + Ethernet + VLAN header: the longest that goes through. */
	nic_frame(f, 1518, fn->mac, fn->mac, 1, 0);
	ASSERT_EQ(0, mdkvnet_tx(&fn->n, 0, f, 1518));
	EXPECT_EQ(1518, nic_sock_recv_seq(fn->sock, g, sizeof(g), 2000, 1));
	nic_frame(f, 1519, fn->mac, fn->mac, 2, 0);
	ASSERT_EQ(0, mdkvnet_tx(&fn->n, 0, f, 1519));
	EXPECT_EQ(-1, nic_sock_recv(fn->sock, g, sizeof(g), 300));
	/* Shorter than an Ethernet header. */
	ASSERT_EQ(0, mdkvnet_tx(&fn->n, 0, f, 13));
	EXPECT_EQ(0, mdkvnet_tx_done(&fn->n, 0, 2000));
	EXPECT_EQ(dropped + 2, nic_stat(fn->rep, "rx_dropped"));
	EXPECT_EQ(0, nic_ping(fn, 0, 60, 10));
}

TEST_F(nic, receive_buffer_too_small_without_merging_drops_the_frame)
{
	struct nic_fn *fn = &self->fn[0];
	struct mdkvnet *n = &fn->n;
	uint8_t f[2048], g[2048];
	long dropped;

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	ASSERT_EQ(0, mdkvnet_negotiate(n, ALL_FEATURES &
				       ~F(VIRTIO_NET_F_MRG_RXBUF)));
	ASSERT_EQ(0, mdkvnet_setup(n, variant->pairs, 0));
	ASSERT_EQ(0, mdkvnet_post_rx(n, 0, 16, 100));
	ASSERT_EQ(0, mdkvnet_driver_ok(n));
	nic_fn_mac(fn);
	ASSERT_EQ(0, nic_wait_up(fn->rep, 3000));
	dropped = nic_stat(fn->rep, "tx_dropped");
	nic_frame(f, 200, fn->mac, fn->mac, 1, 0);
	ASSERT_EQ(200, send(fn->sock, f, 200, 0));
	nic_frame(f, 88, fn->mac, fn->mac, 2, 0);	/* 12 + 88 = 100 */
	ASSERT_EQ(88, send(fn->sock, f, 88, 0));
	EXPECT_EQ(88, nic_guest_recv(n, 0, g, sizeof(g), 2000, NULL));
	EXPECT_EQ(2, nic_frame_seq(g, 88));
	EXPECT_EQ(dropped + 1, nic_stat(fn->rep, "tx_dropped"));
}

/* Representor to guest with receive buffers of @buflen bytes. */
static void to_guest(struct __test_metadata *_metadata, struct nic_fn *fn,
		     uint64_t features, uint32_t buflen)
{
	uint8_t f[2048], g[2048];
	unsigned int i, nb;

	ASSERT_EQ(0, mdkvnet_negotiate(&fn->n, features));
	ASSERT_EQ(0, mdkvnet_setup(&fn->n, 1, 0));
	ASSERT_EQ(0, mdkvnet_post_rx(&fn->n, 0, fn->n.vq[0].size, buflen));
	ASSERT_EQ(0, mdkvnet_driver_ok(&fn->n));
	nic_fn_mac(fn);
	ASSERT_EQ(0, nic_wait_up(fn->rep, 3000));
	for (i = 0; i < NSIZES; i++) {
		ssize_t r;

		nic_frame(f, sizes[i], fn->mac, (const uint8_t *)"\x02\0\0\0\0\1",
			  100 + i, 0);
		ASSERT_EQ((ssize_t)sizes[i], send(fn->sock, f, sizes[i], 0));
		r = nic_guest_recv(&fn->n, 0, g, sizeof(g), 2000, &nb);
		TH_LOG("size %zu buffers %u", sizes[i], nb);
		ASSERT_EQ((ssize_t)sizes[i], r);
		ASSERT_EQ(0, memcmp(f, g, sizes[i]));
		if (features & F(VIRTIO_NET_F_MRG_RXBUF))
			EXPECT_EQ((sizes[i] + MDKVNET_HDR + buflen - 1) / buflen,
				  nb);
	}
}

TEST_F(nic, frames_representor_to_guest)
{
	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	to_guest(_metadata, &self->fn[0],
		 ALL_FEATURES & ~F(VIRTIO_NET_F_MRG_RXBUF), MDKVNET_BUF);
}

TEST_F(nic, frames_representor_to_guest_merged_buffers)
{
	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	to_guest(_metadata, &self->fn[0], ALL_FEATURES, 256);
}

TEST_F(nic, frames_of_every_size_both_ways_repeatedly)
{
	unsigned int i, k;

	start0(_metadata, self, variant);
	/* More frames than a queue has entries: the rings wrap. */
	for (k = 0; k < 3; k++)
		for (i = 0; i < 100; i++)
			ASSERT_EQ(0, nic_ping(&self->fn[0], 0,
					      sizes[i % NSIZES], 1000 + 2 * i));
}

TEST_F(nic, small_queues_wrap_many_times)
{
	struct nic_fn *fn = &self->fn[0];
	struct mdkvnet *n = &fn->n;
	unsigned int i;

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	ASSERT_EQ(0, mdkvnet_negotiate(n, ALL_FEATURES));
	ASSERT_EQ(0, mdkvnet_setup(n, variant->pairs, 8));
	EXPECT_EQ(8, n->vq[0].size);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	EXPECT_EQ(8, mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_SIZE, 2));
	ASSERT_EQ(0, mdkvnet_post_rx(n, 0, 8, MDKVNET_BUF));
	ASSERT_EQ(0, mdkvnet_driver_ok(n));
	nic_fn_mac(fn);
	for (i = 0; i < 200; i++)
		ASSERT_EQ(0, nic_ping(fn, 0, sizes[i % NSIZES], 2 * i));
}

TEST_F(nic, multiqueue_pairs_set_and_traffic_on_every_pair)
{
	struct nic_fn *fn = &self->fn[0];
	unsigned int p, i, got[MDKVNET_MAX_PAIRS] = { 0 }, total = 0;
	uint8_t f[2048], g[2048];
	uint16_t pairs;

	if (variant->pairs == 1)
		SKIP(return, "one pair: no control queue, no MQ");
	start0(_metadata, self, variant);
	pairs = variant->pairs;
	ASSERT_EQ(VIRTIO_NET_OK, mdkvnet_ctrl(&fn->n, VIRTIO_NET_CTRL_MQ,
					      VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
					      &pairs, 2));
	/* Every pair transmits. */
	for (p = 0; p < variant->pairs; p++) {
		nic_frame(f, 200, fn->mac, fn->mac, 500 + p, 0);
		ASSERT_EQ(0, mdkvnet_tx(&fn->n, p, f, 200));
		ASSERT_EQ(200, nic_sock_recv(fn->sock, g, sizeof(g), 2000));
		EXPECT_EQ(500 + p, nic_frame_seq(g, 200));
	}
	/* Flows spread over every receive queue. */
	ASSERT_EQ(0, nic_wait_up(fn->rep, 3000));
	for (i = 0; i < 64; i++) {
		nic_frame(f, 128, fn->mac, fn->mac, 600 + i, 1000 + i * 37);
		ASSERT_EQ(128, send(fn->sock, f, 128, 0));
	}
	for (i = 0; i < 200 && total < 64; i++) {
		for (p = 0; p < variant->pairs; p++) {
			if (nic_guest_recv(&fn->n, p, g, sizeof(g), 10,
					   NULL) == 128) {
				got[p]++;
				total++;
			}
		}
	}
	EXPECT_EQ(64, total);
	for (p = 0; p < variant->pairs; p++) {
		TH_LOG("pair %u received %u", p, got[p]);
		EXPECT_LT(0, got[p]);
	}
}

TEST_F(nic, control_commands_of_a_bad_size_or_value_get_err)
{
	struct nic_fn *fn = &self->fn[0];
	uint8_t data[4] = { 2, 0, 0, 0 };
	uint16_t v;

	if (variant->pairs == 1)
		SKIP(return, "one pair: no control queue");
	start0(_metadata, self, variant);
	EXPECT_EQ(VIRTIO_NET_ERR, mdkvnet_ctrl(&fn->n, VIRTIO_NET_CTRL_MQ,
					       VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
					       data, 1));
	EXPECT_EQ(VIRTIO_NET_ERR, mdkvnet_ctrl(&fn->n, VIRTIO_NET_CTRL_MQ,
					       VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
					       data, 3));
	EXPECT_EQ(VIRTIO_NET_ERR, mdkvnet_ctrl(&fn->n, VIRTIO_NET_CTRL_MQ,
					       VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
					       data, 0));
	v = 0;
	EXPECT_EQ(VIRTIO_NET_ERR, mdkvnet_ctrl(&fn->n, VIRTIO_NET_CTRL_MQ,
					       VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
					       &v, 2));
	v = variant->pairs + 1;
	EXPECT_EQ(VIRTIO_NET_ERR, mdkvnet_ctrl(&fn->n, VIRTIO_NET_CTRL_MQ,
					       VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
					       &v, 2));
	v = 1;
	EXPECT_EQ(VIRTIO_NET_ERR, mdkvnet_ctrl(&fn->n, VIRTIO_NET_CTRL_RX,
					       VIRTIO_NET_CTRL_RX_PROMISC,
					       &v, 1));
	/* The device is still fine. */
	EXPECT_EQ(VIRTIO_NET_OK, mdkvnet_ctrl(&fn->n, VIRTIO_NET_CTRL_MQ,
					      VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
					      &v, 2));
	EXPECT_FALSE(mdkvnet_status(&fn->n) & VIRTIO_CONFIG_S_NEEDS_RESET);
	EXPECT_EQ(0, nic_ping(fn, 0, 60, 1));
}

TEST_F(nic, carrier_up_only_after_driver_ok_down_after_reset)
{
	struct nic_fn *fn = &self->fn[0];
	struct mdkvnet *n = &fn->n;
	unsigned int p;

	ASSERT_EQ(0, nic_fn_make(self, 0, variant->type, 1));
	EXPECT_EQ(0, nic_wait_carrier(fn->rep, 0, 100));
	ASSERT_EQ(0, mdkvnet_negotiate(n, ALL_FEATURES));
	ASSERT_EQ(0, mdkvnet_setup(n, variant->pairs, 0));
	for (p = 0; p < variant->pairs; p++)
		ASSERT_EQ(0, mdkvnet_post_rx(n, p, 64, MDKVNET_BUF));
	/* Queues enabled, no DRIVER_OK yet: still down. */
	EXPECT_EQ(0, nic_wait_carrier(fn->rep, 1, 200));
	ASSERT_EQ(0, mdkvnet_driver_ok(n));
	EXPECT_EQ(1, nic_wait_carrier(fn->rep, 1, 2000));
	ASSERT_EQ(0, mdkvnet_reset(n));
	EXPECT_EQ(0, nic_wait_carrier(fn->rep, 0, 2000));
	/* Up again with the next DRIVER_OK; down when the device is closed. */
	ASSERT_EQ(0, mdkvnet_start(n, ALL_FEATURES, variant->pairs));
	EXPECT_EQ(1, nic_wait_carrier(fn->rep, 1, 2000));
	mdkvnet_close(n);
	EXPECT_EQ(0, nic_wait_carrier(fn->rep, 0, 2000));
}

TEST_F(nic, link_status_follows_the_representor_with_a_config_interrupt)
{
	struct nic_fn *fn = &self->fn[0];
	struct mdkvnet *n = &fn->n;
	struct virtio_net_config c;
	uint8_t gen;

	start0(_metadata, self, variant);
	ASSERT_EQ(0, mdkvnet_config(n, &c));
	EXPECT_EQ(VIRTIO_NET_S_LINK_UP, c.status & VIRTIO_NET_S_LINK_UP);
	while (mdkvnet_wait_efd(n->cfg_efd, 0) > 0)
		;
	mdkvnet_isr(n);
	gen = mdkvnet_rd(n, VIRTIO_PCI_COMMON_CFGGENERATION, 1);
	ASSERT_EQ(0, nic_ifup(fn->rep, 0));
	EXPECT_EQ(1, mdkvnet_wait_efd(n->cfg_efd, 2000));
	EXPECT_EQ(VIRTIO_PCI_ISR_CONFIG, mdkvnet_isr(n) & VIRTIO_PCI_ISR_CONFIG);
	EXPECT_NE(gen, mdkvnet_rd(n, VIRTIO_PCI_COMMON_CFGGENERATION, 1));
	ASSERT_EQ(0, mdkvnet_config(n, &c));
	EXPECT_EQ(0, c.status & VIRTIO_NET_S_LINK_UP);
	ASSERT_EQ(0, nic_ifup(fn->rep, 1));
	EXPECT_EQ(1, mdkvnet_wait_efd(n->cfg_efd, 2000));
	ASSERT_EQ(0, mdkvnet_config(n, &c));
	EXPECT_EQ(VIRTIO_NET_S_LINK_UP, c.status & VIRTIO_NET_S_LINK_UP);
	/* Nothing else raised the configuration vector. */
	EXPECT_EQ(0, mdkvnet_wait_efd(n->cfg_efd, 200));
	EXPECT_EQ(0, nic_ping(fn, 0, 60, 1));
}

/* Frames both ways without waiting for them, @count of each. */
static void burst(struct nic_fn *fn, unsigned int count)
{
	uint8_t f[2048];
	unsigned int i;

	for (i = 0; i < count; i++) {
		nic_frame(f, 1000, fn->mac, fn->mac, 3000 + i, 0);
		mdkvnet_tx(&fn->n, 0, f, 1000);
		send(fn->sock, f, 1000, 0);
	}
}

/* Drains what is pending on the representor's socket. */
static void drain(int sock)
{
	uint8_t g[2048];

	while (nic_sock_recv(sock, g, sizeof(g), 100) > 0)
		;
}

TEST_F(nic, reset_by_status_in_the_middle_of_traffic)
{
	struct nic_fn *fn = &self->fn[0];
	unsigned int k;

	start0(_metadata, self, variant);
	for (k = 0; k < 5; k++) {
		burst(fn, 200);
		ASSERT_EQ(0, mdkvnet_reset(&fn->n));
		EXPECT_EQ(0, nic_wait_carrier(fn->rep, 0, 2000));
		drain(fn->sock);
		ASSERT_EQ(0, mdkvnet_start(&fn->n, ALL_FEATURES,
					   variant->pairs));
		ASSERT_EQ(1, nic_wait_carrier(fn->rep, 1, 2000));
		drain(fn->sock);
		ASSERT_EQ(0, nic_ping(fn, 0, 1514, 10 * k));
	}
}

TEST_F(nic, vfio_device_reset_in_the_middle_of_traffic)
{
	struct nic_fn *fn = &self->fn[0];
	unsigned int k;

	start0(_metadata, self, variant);
	for (k = 0; k < 5; k++) {
		burst(fn, 200);
		ASSERT_EQ(0, mdkvfio_reset(&fn->n.v));
		EXPECT_EQ(0, mdkvnet_status(&fn->n));
		EXPECT_EQ(0, nic_wait_carrier(fn->rep, 0, 2000));
		drain(fn->sock);
		ASSERT_EQ(0, mdkvnet_start(&fn->n, ALL_FEATURES,
					   variant->pairs));
		drain(fn->sock);
		ASSERT_EQ(0, nic_ping(fn, 0, 1514, 10 * k));
	}
}

TEST_F(nic, representor_counters_move)
{
	struct nic_fn *fn = &self->fn[0];
	long rxp, rxb, txp, txb;
	unsigned int i;
	char cmd[128];

	start0(_metadata, self, variant);
	drain(fn->sock);
	rxp = nic_stat(fn->rep, "rx_packets");
	rxb = nic_stat(fn->rep, "rx_bytes");
	txp = nic_stat(fn->rep, "tx_packets");
	txb = nic_stat(fn->rep, "tx_bytes");
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, nic_ping(fn, 0, 100 + i, 2 * i));
	/* The representor received what the guest sent, and sent the rest. */
	EXPECT_EQ(rxp + 10, nic_stat(fn->rep, "rx_packets"));
	EXPECT_EQ(rxb + 10 * 100 + 45, nic_stat(fn->rep, "rx_bytes"));
	EXPECT_EQ(txp + 10, nic_stat(fn->rep, "tx_packets"));
	EXPECT_EQ(txb + 10 * 100 + 45, nic_stat(fn->rep, "tx_bytes"));
	snprintf(cmd, sizeof(cmd), "ip -s link show dev %s", fn->rep);
	EXPECT_EQ(0, mdk_sh(cmd));
}

NIC_HARNESS_MAIN
