// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_bench_nic - frame rates of the software NIC, through libmdkvnet and a
 * packet socket on the representor, next to a veth pair driven with packet
 * sockets the same way:
 *
 *   mdk_bench_nic vnet UUID REP PAIRS   a NIC mdev and its representor
 *   mdk_bench_nic veth IF_A IF_B        a veth pair (IF_A sends, IF_B counts)
 *   mdk_bench_nic idle UUID             CPU use with the device up and idle
 *
 * Prints "BENCH-NIC LABEL dir=DIR size=BYTES pairs=N fps=F mbps=M" lines:
 * dir=to_host is the driver transmitting to the representor, dir=to_guest
 * the representor transmitting to the driver (veth: dir=a_to_b); and
 * "BENCH-NIC idle cpu=P" (percent of all CPUs busy over 2 s). Frames are
 * UDP/IPv4 with varying ports (so several pairs share the load), counted at
 * the receiver over MDK_BENCH_SECONDS (default 1) of sending.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mdkvnet.h"

static double seconds = 1;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A UDP/IPv4 frame of @len bytes; @flow varies the ports. */
static void frame(uint8_t *f, size_t len, unsigned int flow)
{
	memset(f, 0, len);
	memset(f, 0xff, 6);
	f[6] = 0x02;
	f[11] = 0x01;
	f[12] = 0x08;			/* IPv4 */
	f[14] = 0x45;
	f[16] = (len - 14) >> 8;
	f[17] = (len - 14) & 0xff;
	f[22] = 64;
	f[23] = 17;			/* UDP */
	f[26] = 10; f[29] = 1;		/* 10.0.0.1 -> 10.0.0.2 */
	f[30] = 10; f[33] = 2;
	f[34] = 0x30 | (flow & 0xf);	/* source port */
	f[35] = flow >> 4;
	f[36] = 0x13; f[37] = 0x88;	/* 5000 */
	f[38] = (len - 34) >> 8;
	f[39] = (len - 34) & 0xff;
}

static int packet_socket(const char *ifname)
{
	struct sockaddr_ll a = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = if_nametoindex(ifname),
	};
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), sz = 8 << 20;
	int one = 1;

	if (s < 0 || !a.sll_ifindex || bind(s, (void *)&a, sizeof(a))) {
		perror(ifname);
		exit(1);
	}
	/* The representor's own sends are not frames it received. */
	setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	return s;
}

/* Child: counts IPv4 frames of @len arriving on @s for @secs; writes it. */
static pid_t counter(int s, size_t len, double secs, int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		exit(1);
	pid = fork();
	if (!pid) {
		uint8_t buf[2048];
		struct timeval tv = { 0, 100000 };
		unsigned long n = 0;
		double end;
		ssize_t r;

		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		end = now() + secs;
		while (now() < end) {
			r = recv(s, buf, sizeof(buf), 0);
			if (r == (ssize_t)len && buf[12] == 0x08 && buf[23] == 17)
				n++;
		}
		if (write(p[1], &n, sizeof(n)) != sizeof(n))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &len, 1) != 1)
		exit(1);
	*rfd = p[0];
	return pid;
}

static unsigned long counted(pid_t pid, int rfd)
{
	unsigned long n = 0;

	if (read(rfd, &n, sizeof(n)) != sizeof(n))
		n = 0;
	close(rfd);
	waitpid(pid, NULL, 0);
	return n;
}

static void report(const char *label, const char *dir, size_t size,
		   unsigned int pairs, unsigned long n, double secs)
{
	printf("BENCH-NIC %s dir=%s size=%zu pairs=%u fps=%.0f mbps=%.1f\n",
	       label, dir, size, pairs, n / secs, n * size * 8 / secs / 1e6);
	fflush(stdout);
}

/* The driver transmits for @seconds; the representor's socket counts. */
static void to_host(struct mdkvnet *n, int s, unsigned int pairs, size_t size)
{
	uint8_t f[MDKVNET_BUF];
	unsigned long i = 0;
	double end;
	int rfd, ret;
	pid_t pid = counter(s, size, seconds + 0.5, &rfd);

	end = now() + seconds;
	while (now() < end) {
		frame(f, size, i);
		ret = mdkvnet_tx(n, i % pairs, f, size);
		if (ret == -EAGAIN)
			continue;
		i++;
	}
	report("vnet", "to_host", size, pairs, counted(pid, rfd), seconds);
}

/* The representor's socket sends for @seconds; the driver counts. */
static void to_guest(struct mdkvnet *n, int s, unsigned int pairs, size_t size)
{
	uint8_t f[MDKVNET_BUF], g[MDKVNET_BUF];
	unsigned long got = 0, i;
	double end;
	unsigned int p;
	pid_t pid;

	pid = fork();
	if (!pid) {
		end = now() + seconds;
		for (i = 0; now() < end; i++) {
			frame(f, size, i);
			if (send(s, f, size, 0) < 0 && errno != ENOBUFS)
				_exit(1);
		}
		_exit(0);
	}
	end = now() + seconds + 0.5;
	while (now() < end)
		for (p = 0; p < pairs; p++)
			if (mdkvnet_rx(n, p, g, sizeof(g), 0, NULL) == (ssize_t)size)
				got++;
	waitpid(pid, NULL, 0);
	report("vnet", "to_guest", size, pairs, got, seconds);
}

static int bench_vnet(const char *uuid, const char *rep, unsigned int pairs)
{
	uint64_t want = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) |
			(1ULL << VIRTIO_NET_F_MRG_RXBUF) |
			(1ULL << VIRTIO_NET_F_CTRL_VQ) | (1ULL << VIRTIO_NET_F_MQ);
	static const size_t sizes[] = { 64, 1500 };
	struct mdkvnet n;
	uint16_t np = pairs;
	unsigned int i;
	int s, ret;

	ret = mdkvnet_open(&n, uuid);
	if (!ret)
		ret = mdkvnet_start(&n, want, pairs);
	if (!ret && pairs > 1)
		ret = mdkvnet_ctrl(&n, VIRTIO_NET_CTRL_MQ,
				   VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &np,
				   sizeof(np));
	if (ret) {
		fprintf(stderr, "mdk_bench_nic: %s: %s\n", uuid, strerror(-ret));
		return 1;
	}
	s = packet_socket(rep);
	for (i = 0; i < 2; i++) {
		to_host(&n, s, pairs, sizes[i]);
		to_guest(&n, s, pairs, sizes[i]);
	}
	close(s);
	mdkvnet_close(&n);
	return 0;
}

static int bench_veth(const char *a, const char *b)
{
	static const size_t sizes[] = { 64, 1500 };
	int sa = packet_socket(a), sb = packet_socket(b), rfd;
	uint8_t f[2048];
	unsigned long j;
	unsigned int i;
	double end;
	pid_t pid;

	for (i = 0; i < 2; i++) {
		pid = counter(sb, sizes[i], seconds + 0.5, &rfd);
		end = now() + seconds;
		for (j = 0; now() < end; j++) {
			frame(f, sizes[i], j);
			send(sa, f, sizes[i], 0);
		}
		report("veth", "a_to_b", sizes[i], 1, counted(pid, rfd), seconds);
	}
	return 0;
}

/* Busy share of all CPUs from /proc/stat over 2 s. */
static int bench_idle(const char *uuid)
{
	unsigned long long v[2][8], busy, total;
	struct mdkvnet n;
	FILE *f;
	int k, i, ret;

	ret = mdkvnet_open(&n, uuid);
	if (!ret)
		ret = mdkvnet_start(&n, (1ULL << VIRTIO_F_VERSION_1), 1);
	if (ret)
		return 1;
	sleep(1);
	for (k = 0; k < 2; k++) {
		f = fopen("/proc/stat", "r");
		if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
				 &v[k][0], &v[k][1], &v[k][2], &v[k][3], &v[k][4],
				 &v[k][5], &v[k][6], &v[k][7]) != 8)
			return 1;
		fclose(f);
		if (!k)
			sleep(2);
	}
	for (i = 0, busy = total = 0; i < 8; i++) {
		total += v[1][i] - v[0][i];
		if (i != 3 && i != 4)
			busy += v[1][i] - v[0][i];
	}
	printf("BENCH-NIC idle cpu=%.1f\n", total ? 100.0 * busy / total : 0);
	mdkvnet_close(&n);
	return 0;
}

int main(int argc, char **argv)
{
	if (getenv("MDK_BENCH_SECONDS"))
		seconds = atof(getenv("MDK_BENCH_SECONDS"));
	if (argc == 5 && !strcmp(argv[1], "vnet"))
		return bench_vnet(argv[2], argv[3], atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "veth"))
		return bench_veth(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "idle"))
		return bench_idle(argv[2]);
	fprintf(stderr, "usage: mdk_bench_nic vnet UUID REP PAIRS | veth IF_A IF_B | idle UUID\n");
	return 2;
}
