/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the mdk_nic suites share (docs/nic.md): NIC 0 and its types, an
 * mdev's representor (brought up, with an AF_PACKET socket bound to it),
 * test frames that carry a magic, a size and a sequence number so that a
 * receiver can tell them from the host's own traffic, and a fixture that
 * owns up to two NIC mdevs, each driven by libmdkvnet.
 */
#ifndef MDK_NIC_H
#define MDK_NIC_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pci_regs.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <poll.h>

#include "mdkvnet.h"
#include "mdk_sysfs.h"

#define NIC0		"/sys/bus/platform/devices/mdk_nic.0"
#define NIC_TYPES	NIC0 "/mdev_supported_types/mdk_nic-"
#define NIC_MDEVS	"/sys/bus/mdev/devices"

#define NIC_ETHERTYPE	0x88b5		/* IEEE local experimental */
#define NIC_MAGIC	0x6d646b6eU	/* "mdkn" */
#define NIC_MAX		2		/* mdevs a test may own */

/* The features docs/nic.md says a function of @pairs pairs offers. */
static inline uint64_t nic_doc_features(unsigned int pairs)
{
	uint64_t f = (1ULL << VIRTIO_F_VERSION_1) |
		     (1ULL << VIRTIO_NET_F_MAC) |
		     (1ULL << VIRTIO_NET_F_STATUS) |
		     (1ULL << VIRTIO_NET_F_MTU) |
		     (1ULL << VIRTIO_NET_F_MRG_RXBUF);

	if (pairs > 1)
		f |= (1ULL << VIRTIO_NET_F_CTRL_VQ) | (1ULL << VIRTIO_NET_F_MQ);
	return f;
}

static inline int nic_load(void)
{
	if (mdk_sh("modprobe vfio_iommu_type1 && modprobe mdk_nic nics=1"))
		return -1;
	if (!mdk_exists(NIC0))
		return mdk_write_str("/sys/bus/platform/drivers/mdk_nic/new_device",
				     "0");
	return 0;
}

static inline int nic_create(const char *type, const char *uuid)
{
	char path[160];

	snprintf(path, sizeof(path), NIC_TYPES "%s/create", type);
	return mdk_write_str(path, uuid);
}

/* nic/<attr> of mdev @uuid into @buf; 0 or -errno. */
static inline int nic_attr(const char *uuid, const char *attr, char *buf,
			   size_t len)
{
	char path[160];

	snprintf(path, sizeof(path), NIC_MDEVS "/%s/nic/%s", uuid, attr);
	return mdk_read_str(path, buf, len);
}

static inline int nic_set_attr(const char *uuid, const char *attr,
			       const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), NIC_MDEVS "/%s/nic/%s", uuid, attr);
	return mdk_write_str(path, val);
}

/* Sets or clears IFF_UP of @ifname; 0 or -errno. */
static inline int nic_ifup(const char *ifname, int up)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
	} else {
		ifr.ifr_flags = up ? ifr.ifr_flags | IFF_UP :
			       ifr.ifr_flags & ~IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			ret = -errno;
	}
	close(fd);
	return ret;
}

/* /sys/class/net/<ifname>/<file> as a number (carrier: 0 when down). */
static inline long nic_netattr(const char *ifname, const char *file)
{
	char path[160];
	long v;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, file);
	v = mdk_read_long(path);
	return v < 0 && !strcmp(file, "carrier") ? 0 : v;
}

static inline long nic_stat(const char *ifname, const char *counter)
{
	char file[64];

	snprintf(file, sizeof(file), "statistics/%s", counter);
	return nic_netattr(ifname, file);
}

/* Waits up to @ms for the representor's carrier to read @want. */
static inline int nic_wait_carrier(const char *ifname, int want, int ms)
{
	while (nic_netattr(ifname, "carrier") != want && ms > 0) {
		usleep(10000);
		ms -= 10;
	}
	return nic_netattr(ifname, "carrier");
}

/*
 * Waits up to @ms until @ifname's operstate is "up": the link watch has
 * run, so its qdisc takes frames (before, the noop qdisc drops them).
 */
static inline int nic_wait_up(const char *ifname, int ms)
{
	char path[160], st[32];

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", ifname);
	for (; ms > 0; ms -= 10) {
		if (!mdk_read_str(path, st, sizeof(st)) && !strcmp(st, "up")) {
			usleep(20000);
			return 0;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* An AF_PACKET socket on @ifname for every protocol, or -errno. */
static inline int nic_socket(const char *ifname)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)if_nametoindex(ifname),
	};
	int fd;

	if (!sll.sll_ifindex)
		return -ENODEV;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * A test frame of @len bytes (>= 60) to @dst from @src: ethertype
 * NIC_ETHERTYPE, or IPv4/UDP with source port @flow when @flow is not 0
 * (for receive-side scaling by flow hash); then the magic, @seq, @len and
 * a pattern that depends on all three.
 */
static inline void nic_frame(uint8_t *f, size_t len, const uint8_t *dst,
			     const uint8_t *src, uint32_t seq, uint16_t flow)
{
	size_t off = 14, i;
	uint32_t w[3] = { htonl(NIC_MAGIC), htonl(seq), htonl(len) };

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = NIC_ETHERTYPE >> 8;
	f[13] = NIC_ETHERTYPE & 0xff;
	if (flow) {
		static const uint8_t ip[20] = {
			0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0,
			198, 51, 100, 1, 198, 51, 100, 2,
		};
		uint16_t tot = htons(len - 14), ul = htons(len - 34);
		uint16_t ports[2] = { htons(flow), htons(9) };

		f[12] = 0x08;
		f[13] = 0x00;
		memcpy(f + off, ip, 20);
		memcpy(f + off + 2, &tot, 2);
		memcpy(f + off + 20, ports, 4);
		memcpy(f + off + 24, &ul, 2);
		memset(f + off + 26, 0, 2);
		off += 28;
	}
	memcpy(f + off, w, sizeof(w));
	for (i = off + sizeof(w); i < len; i++)
		f[i] = (uint8_t)(seq * 7 + len + i * 13);
}

/* The seq of a test frame, or -1 if @f is not one of ours. */
static inline long nic_frame_seq(const uint8_t *f, size_t len)
{
	size_t off = f[12] == 0x08 && f[13] == 0 ? 42 : 14;
	uint32_t w[2];

	if (len < off + 12)
		return -1;
	memcpy(w, f + off, sizeof(w));
	return ntohl(w[0]) == NIC_MAGIC ? (long)ntohl(w[1]) : -1;
}

/*
 * Receives our next test frame on @sock within @ms (with sequence number
 * @seq, or any of ours for -1); its length, or -1.
 */
static inline ssize_t nic_sock_recv_seq(int sock, uint8_t *buf, size_t len,
					int ms, long seq)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	ssize_t n;

	while (poll(&p, 1, ms) == 1) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);

		n = recvfrom(sock, buf, len, 0, (struct sockaddr *)&from, &fl);
		if (n < 0 && errno == ENETDOWN)
			continue;	/* the interface went down meanwhile */
		if (n < 0)
			return -1;
		if (from.sll_pkttype != PACKET_OUTGOING &&
		    nic_frame_seq(buf, n) >= 0 &&
		    (seq < 0 || nic_frame_seq(buf, n) == seq))
			return n;
	}
	return -1;
}

static inline ssize_t nic_sock_recv(int sock, uint8_t *buf, size_t len,
				    int ms)
{
	return nic_sock_recv_seq(sock, buf, len, ms, -1);
}

/* The same on @pair of @n: its length, or mdkvnet_rx()'s error. */
static inline ssize_t nic_guest_recv_seq(struct mdkvnet *n, unsigned int pair,
					 uint8_t *buf, size_t len, int ms,
					 unsigned int *nbufs, long seq)
{
	ssize_t r;

	do {
		r = mdkvnet_rx(n, pair, buf, len, ms, nbufs);
	} while (r >= 0 && (nic_frame_seq(buf, r) < 0 ||
			    (seq >= 0 && nic_frame_seq(buf, r) != seq)));
	return r;
}

static inline ssize_t nic_guest_recv(struct mdkvnet *n, unsigned int pair,
				     uint8_t *buf, size_t len, int ms,
				     unsigned int *nbufs)
{
	return nic_guest_recv_seq(n, pair, buf, len, ms, nbufs, -1);
}

/* One NIC mdev as a test sees it. */
struct nic_fn {
	char uuid[40];
	char rep[IFNAMSIZ];
	uint8_t mac[6];		/* the device's */
	int sock;		/* AF_PACKET on the representor */
	struct mdkvnet n;
};

/* A suite with a fixture of its own defines MDK_NIC_NO_FIXTURE first. */
#ifndef MDK_NIC_NO_FIXTURE
FIXTURE(nic) {
	struct nic_fn fn[NIC_MAX];
	int created[NIC_MAX];
};

/* Creates mdev @i of @type; representor up with its socket; opened. */
static inline int nic_fn_make(struct __fixture_type_nic *self, unsigned int i,
			      const char *type, int open)
{
	struct nic_fn *fn = &self->fn[i];
	char path[160];
	int ret;

	mdk_make_uuid(fn->uuid, 0x41c0, getpid() & 0xffff, i);
	ret = nic_create(type, fn->uuid);
	if (ret)
		return ret;
	self->created[i] = 1;
	ret = nic_attr(fn->uuid, "representor", fn->rep, sizeof(fn->rep));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 fn->rep);
	mdk_write_str(path, "1");	/* no router solicitations to the guest */
	ret = nic_ifup(fn->rep, 1);
	if (ret)
		return ret;
	fn->sock = nic_socket(fn->rep);
	if (fn->sock < 0)
		return fn->sock;
	return open ? mdkvnet_open(&fn->n, fn->uuid) : 0;
}

static inline void nic_fn_mac(struct nic_fn *fn)
{
	struct virtio_net_config c;

	mdkvnet_config(&fn->n, &c);
	memcpy(fn->mac, c.mac, 6);
}

FIXTURE_SETUP(nic)
{
	unsigned int i;

	for (i = 0; i < NIC_MAX; i++) {
		mdkvnet_init(&self->fn[i].n);
		self->fn[i].sock = -1;
	}
	ASSERT_EQ(0, nic_load());
}

FIXTURE_TEARDOWN(nic)
{
	unsigned int i;

	for (i = 0; i < NIC_MAX; i++) {
		mdkvnet_close(&self->fn[i].n);
		if (self->fn[i].sock >= 0)
			close(self->fn[i].sock);
		if (self->created[i])
			mdk_remove_mdev(self->fn[i].uuid);
	}
}
#endif /* MDK_NIC_NO_FIXTURE */

/*
 * One frame each way between @fn's guest side (pair @pair) and its
 * representor, compared byte for byte: 0, or the step that failed.
 */
static inline int nic_ping(struct nic_fn *fn, unsigned int pair, size_t len,
			   uint32_t seq)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[2048], g[2048];
	ssize_t r;

	nic_frame(f, len, bcast, fn->mac, seq, 0);
	if (mdkvnet_tx(&fn->n, pair, f, len))
		return 1;
	r = nic_sock_recv_seq(fn->sock, g, sizeof(g), 2000, seq);
	if (r != (ssize_t)len || memcmp(f, g, len))
		return 2;
	nic_frame(f, len, fn->mac, bcast, seq + 1, 0);
	if (nic_wait_up(fn->rep, 3000))
		return 5;
	if (send(fn->sock, f, len, 0) != (ssize_t)len)
		return 3;
	r = nic_guest_recv_seq(&fn->n, 0, g, sizeof(g), 2000, NULL, seq + 1);
	if (r != (ssize_t)len || memcmp(f, g, len))
		return 4;
	return 0;
}

/*
 * The suite's main: its tests, then mdk_nic unloaded, so that the next
 * suite of a batch (one VM boot, the debug kernel's) finds no NIC.
 */
#define NIC_HARNESS_MAIN						\
	int main(int argc, char **argv)					\
	{								\
		int ret = __harness_main(argc, argv);			\
									\
		mdk_sh("rmmod mdk_nic 2>/dev/null");			\
		return ret;						\
	}

#endif /* MDK_NIC_H */
