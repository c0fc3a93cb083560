// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk-vnet - drive a virtio-net mdev (parents/nic, or any virtio-net
 * function VFIO exposes) from userspace, through libmdkvnet:
 *
 *   mdk-vnet info UUID           the device: features, MAC, MTU, link, queues
 *   mdk-vnet respond UUID IP [SECONDS]
 *                                bring it up and answer ARP and ICMP echo for
 *                                IP (so the host can ping it through the
 *                                representor) until SECONDS pass (default:
 *                                until interrupted) or the device is asked
 *                                back (REQ: mdev removal, parent deletion)
 *   mdk-vnet send UUID COUNT [LEN]
 *                                transmit COUNT broadcast frames of LEN bytes
 *                                (ethertype 0x88b5, default 60)
 *
 * Exit status 0 on success; 1 with a message naming what failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "mdkvnet.h"

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "mdk-vnet: %s: %s\n", what, strerror(-err));
	return 1;
}

static uint64_t want_features(void)
{
	return (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) |
	       (1ULL << VIRTIO_NET_F_STATUS) | (1ULL << VIRTIO_NET_F_MTU) |
	       (1ULL << VIRTIO_NET_F_MRG_RXBUF);
}

static int cmd_info(const char *uuid)
{
	static const char * const names[64] = {
		[VIRTIO_NET_F_MTU] = "MTU", [VIRTIO_NET_F_MAC] = "MAC",
		[VIRTIO_NET_F_MRG_RXBUF] = "MRG_RXBUF",
		[VIRTIO_NET_F_STATUS] = "STATUS",
		[VIRTIO_NET_F_CTRL_VQ] = "CTRL_VQ", [VIRTIO_NET_F_MQ] = "MQ",
		[VIRTIO_F_VERSION_1] = "VERSION_1",
	};
	struct virtio_net_config c;
	struct mdkvnet n;
	uint64_t f;
	int ret, b;

	ret = mdkvnet_open(&n, uuid);
	if (ret)
		return fail(uuid, ret);
	ret = mdkvnet_reset(&n);
	if (ret)
		return fail("reset", ret);
	f = mdkvnet_device_features(&n);
	ret = mdkvnet_config(&n, &c);
	if (ret)
		return fail("device configuration", ret);
	printf("virtio-net %s: %u virtqueues, %u MSI-X vectors\n", uuid,
	       n.num_queues, n.nvec);
	printf("  features %#llx:", (unsigned long long)f);
	for (b = 0; b < 64; b++)
		if (f & (1ULL << b))
			printf(" %s", names[b] ? names[b] : "?");
	printf("\n  mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u max_pairs %u link %s\n",
	       c.mac[0], c.mac[1], c.mac[2], c.mac[3], c.mac[4], c.mac[5],
	       c.mtu, c.max_virtqueue_pairs,
	       c.status & VIRTIO_NET_S_LINK_UP ? "up" : "down");
	mdkvnet_close(&n);
	return 0;
}

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (b[i] << 8) | b[i + 1];
	if (len & 1)
		s += b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

/* The reply to @f (in place), or 0 when it asks nothing of @ip. */
static size_t answer(uint8_t *f, size_t len, const uint8_t *mac, uint32_t ip)
{
	uint16_t type = (f[12] << 8) | f[13];
	uint8_t tmp[6];
	uint8_t *a = f + ETH_HLEN;
	size_t ihl;

	if (type == ETH_P_ARP && len >= ETH_HLEN + 28 &&
	    a[7] == 1 && !memcmp(a + 24, &ip, 4)) {
		a[7] = 2;				/* reply */
		memcpy(a + 18, a + 8, 10);		/* target = sender */
		memcpy(a + 8, mac, 6);
		memcpy(a + 14, &ip, 4);
		memcpy(f, a + 18, 6);
		memcpy(f + 6, mac, 6);
		return len;
	}
	if (type != ETH_P_IP || len < ETH_HLEN + 20)
		return 0;
	ihl = (a[0] & 15) * 4;
	if (ihl < 20 || len < ETH_HLEN + ihl + 8 || a[9] != 1 ||
	    memcmp(a + 16, &ip, 4) || a[ihl] != 8)
		return 0;
	memcpy(tmp, a + 12, 4);			/* swap the addresses */
	memcpy(a + 12, a + 16, 4);
	memcpy(a + 16, tmp, 4);
	a[ihl] = 0;				/* echo reply */
	a[ihl + 2] = a[ihl + 3] = 0;
	len = ETH_HLEN + ((a[2] << 8) | a[3]) <= len ?
	      ETH_HLEN + ((a[2] << 8) | a[3]) : len;
	*(uint16_t *)(a + ihl + 2) = htons(csum(a + ihl, len - ETH_HLEN - ihl));
	memcpy(tmp, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, mac, 6);
	return len;
}

/* REQ: the kernel asks for the device back (removal). */
static int req_eventfd(struct mdkvnet *n)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd >= 0 && mdkvfio_set_eventfds(&n->v, VFIO_PCI_REQ_IRQ_INDEX, 0,
					    1, &fd)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int cmd_respond(const char *uuid, const char *ipstr, double seconds)
{
	struct virtio_net_config c;
	struct timespec t0, t;
	unsigned long long rx = 0, tx = 0;
	uint8_t f[MDKVNET_BUF];
	struct pollfd p;
	struct mdkvnet n;
	struct in_addr ip;
	ssize_t len;
	size_t out;
	int ret, req;

	if (inet_pton(AF_INET, ipstr, &ip) != 1) {
		fprintf(stderr, "mdk-vnet: %s: not an IPv4 address\n", ipstr);
		return 1;
	}
	ret = mdkvnet_open(&n, uuid);
	if (ret)
		return fail(uuid, ret);
	req = req_eventfd(&n);
	ret = mdkvnet_start(&n, want_features(), 1);
	if (!ret)
		ret = mdkvnet_config(&n, &c);
	if (ret)
		return fail("bring-up", ret);
	printf("mdk-vnet: %s up, answering for %s as %02x:%02x:%02x:%02x:%02x:%02x\n",
	       uuid, ipstr, c.mac[0], c.mac[1], c.mac[2], c.mac[3], c.mac[4],
	       c.mac[5]);
	fflush(stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (seconds > 0 && t.tv_sec - t0.tv_sec +
		    (t.tv_nsec - t0.tv_nsec) / 1e9 > seconds)
			break;
		p = (struct pollfd){ .fd = req, .events = POLLIN };
		if (req >= 0 && poll(&p, 1, 0) == 1) {
			printf("mdk-vnet: the device is asked back (REQ): closing\n");
			break;
		}
		len = mdkvnet_rx(&n, 0, f, sizeof(f), 100, NULL);
		if (len == -ETIMEDOUT)
			continue;
		if (len < 0) {
			mdkvnet_close(&n);
			return fail("receive", len);
		}
		rx++;
		out = answer(f, len, c.mac, ip.s_addr);
		if (!out)
			continue;
		ret = mdkvnet_tx(&n, 0, f, out);
		if (!ret)
			ret = mdkvnet_tx_done(&n, 0, 1000);
		if (ret) {
			mdkvnet_close(&n);
			return fail("transmit", ret);
		}
		tx++;
	}
	printf("mdk-vnet: %llu frames received, %llu answered\n", rx, tx);
	mdkvnet_close(&n);
	if (req >= 0)
		close(req);
	return 0;
}

static int cmd_send(const char *uuid, unsigned long count, size_t len)
{
	uint8_t f[MDKVNET_BUF] = { 0 };
	struct virtio_net_config c;
	struct mdkvnet n;
	unsigned long i;
	int ret;

	if (len < ETH_HLEN || len + MDKVNET_HDR > MDKVNET_BUF) {
		fprintf(stderr, "mdk-vnet: LEN from %d to %zu\n", ETH_HLEN,
			MDKVNET_BUF - MDKVNET_HDR);
		return 1;
	}
	ret = mdkvnet_open(&n, uuid);
	if (ret)
		return fail(uuid, ret);
	ret = mdkvnet_start(&n, want_features(), 1);
	if (!ret)
		ret = mdkvnet_config(&n, &c);
	if (ret)
		return fail("bring-up", ret);
	memset(f, 0xff, 6);
	memcpy(f + 6, c.mac, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	for (i = 0; i < count; i++) {
		snprintf((char *)f + ETH_HLEN, len - ETH_HLEN, "mdk-vnet %lu", i);
		while ((ret = mdkvnet_tx(&n, 0, f, len)) == -EAGAIN)
			usleep(100);
		if (ret)
			return fail("transmit", ret);
	}
	ret = mdkvnet_tx_done(&n, 0, 5000);
	if (ret)
		return fail("transmit completion", ret);
	printf("mdk-vnet: %lu frames of %zu bytes sent\n", count, len);
	mdkvnet_close(&n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "info"))
		return cmd_info(argv[2]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "respond"))
		return cmd_respond(argv[2], argv[3],
				   argc == 5 ? atof(argv[4]) : 0);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "send"))
		return cmd_send(argv[2], strtoul(argv[3], NULL, 0),
				argc == 5 ? strtoul(argv[4], NULL, 0) : 60);
	fprintf(stderr, "usage: mdk-vnet info UUID\n"
		"       mdk-vnet respond UUID IP [SECONDS]\n"
		"       mdk-vnet send UUID COUNT [LEN]\n");
	return 2;
}
