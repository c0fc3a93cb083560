// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk-card - drive an mdk_card VF from userspace (docs/card.md).
 *
 *   mdk-card run UUID
 *
 * Brings the VF up with libmdkcard (VFIO, DMA mapping, queue 0 with its
 * MSI-X vector), then: a 1 MiB copy checked byte for byte, a fill, a compare
 * (equal, then with one byte changed), CRC-32C of the standard check string
 * and of 1 MiB checked against software, a descriptor outside the DMA
 * mappings, and the copy throughput of 64 KiB descriptors. Exit status 0 when every check passed,
 * 1 otherwise, 2 for a usage error.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdkcard.h"

#define MIB	(1u << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bad;

static void check(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("  %-4s ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	bad |= !ok;
}

static int run1(struct mdkcard_vf *vf, struct mdk_card_desc *d,
		struct mdk_card_comp *c, double *ms)
{
	double t0 = now();
	int ret = mdkcard_run(vf, 0, d, c);

	*ms = (now() - t0) * 1e3;
	return ret || c->status != MDK_CARD_ST_SUCCESS;
}

static double copy_mbs(struct mdkcard_vf *vf, uint8_t *src, uint8_t *dst)
{
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .len = 65536,
		.src = mdkcard_iova(vf, src), .dst = mdkcard_iova(vf, dst),
	};
	struct mdk_card_comp c;
	uint32_t idx[16];
	double t0 = now();
	int i, n = 0;

	for (i = 0; i < 16; i++)
		idx[i] = mdkcard_submit(vf, 0, &d);
	while (now() - t0 < 0.5) {
		for (i = 0; i < 16; i++) {
			if (mdkcard_wait(vf, 0, idx[i], 10000, &c))
				return 0;
			idx[i] = mdkcard_submit(vf, 0, &d);
			n++;
		}
	}
	for (i = 0; i < 16; i++)
		mdkcard_wait(vf, 0, idx[i], 10000, &c);
	return (n + 16) * 65536.0 / (now() - t0) / 1e6;
}

static int run(const char *uuid)
{
	struct mdkcard_vf vf;
	struct mdk_card_comp c;
	struct pollfd p;
	uint8_t *src, *dst;
	uint32_t i;
	double ms;
	int ret;

	ret = mdkcard_open(&vf, uuid, 2 * MIB);
	if (!ret)
		ret = mdkcard_start(&vf, 0);
	if (ret) {
		fprintf(stderr, "mdk-card: %s: %s\n", uuid, strerror(-ret));
		return 1;
	}
	printf("VF %s: %u queue(s), %u portal page(s) in BAR0, IOMMU group %d\n",
	       uuid, vf.nq, vf.nq, vf.v.group_id);
	src = mdkcard_data(&vf, 0);
	dst = mdkcard_data(&vf, MIB);
	for (i = 0; i < MIB; i++)
		src[i] = i * 7 + (i >> 12);

	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .flags = MDK_CARD_F_IRQ, .len = MIB,
		.src = mdkcard_iova(&vf, src), .dst = mdkcard_iova(&vf, dst),
		.cookie = 0xc0ffee,
	};
	ret = run1(&vf, &d, &c, &ms);
	check(!ret && !memcmp(src, dst, MIB) && c.cookie == 0xc0ffee,
	      "copy 1 MiB: identical byte for byte, %.1f ms", ms);
	p = (struct pollfd){ .fd = vf.q[0].efd, .events = POLLIN };
	check(poll(&p, 1, 1000) == 1, "completion interrupt (MSI-X vector 0) fired");

	d = (struct mdk_card_desc){
		.opcode = MDK_CARD_OP_COMPARE, .len = MIB,
		.src = mdkcard_iova(&vf, src), .dst = mdkcard_iova(&vf, dst),
	};
	ret = run1(&vf, &d, &c, &ms);
	check(!ret && c.result == 0, "compare: equal (result %u)", c.result);
	dst[123456] ^= 1;
	ret = run1(&vf, &d, &c, &ms);
	check(!ret && c.result == 1, "compare after changing one byte: differs (result %u)",
	      c.result);

	memcpy(src, "123456789", 9);
	d = (struct mdk_card_desc){
		.opcode = MDK_CARD_OP_CRC32C, .len = 9, .src = mdkcard_iova(&vf, src),
	};
	ret = run1(&vf, &d, &c, &ms);
	check(!ret && c.result == 0xe3069283,
	      "crc32c(\"123456789\") = %#010x (the standard check value)", c.result);
	d.len = MIB;
	ret = run1(&vf, &d, &c, &ms);
	check(!ret && c.result == mdkcard_crc32c(src, MIB),
	      "crc32c 1 MiB = %#010x, as computed here, %.1f ms", c.result, ms);

	d = (struct mdk_card_desc){
		.opcode = MDK_CARD_OP_FILL, .len = 4096, .pattern = 0x0706050403020100ULL,
		.dst = mdkcard_iova(&vf, dst),
	};
	ret = run1(&vf, &d, &c, &ms);
	for (i = 0; i < 4096 && dst[i] == i % 8; i++)
		;
	check(!ret && i == 4096, "fill 4 KiB with an 8-byte pattern");

	d = (struct mdk_card_desc){
		.opcode = MDK_CARD_OP_COPY, .len = 4096, .src = 0x7000000000ULL,
		.dst = mdkcard_iova(&vf, dst),
	};
	ret = mdkcard_run(&vf, 0, &d, &c);
	check(!ret && c.status == MDK_CARD_ST_BAD_ADDRESS,
	      "a source outside this process's DMA mappings: status %#x (BAD_ADDRESS)",
	      c.status);

	printf("  copy throughput, 64 KiB descriptors, 16 in flight: %.0f MB/s"
	       " (make bench compares it with memcpy)\n",
	       copy_mbs(&vf, src, dst));
	mdkcard_close(&vf);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: mdk-card run UUID\n");
		return 2;
	}
	return run(argv[2]);
}
