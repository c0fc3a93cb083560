// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_bench_vfio - region access rates of one mdev, through libmdkvfio:
 *
 *   mdk_bench_vfio LABEL UUID BAR TRAP_OFFSET [PT_OFFSET]
 *
 * Prints "BENCH-VFIO LABEL op=OP rate=ACCESSES_PER_SECOND" for:
 *   trap_read, trap_write   4-byte pread()/pwrite() at TRAP_OFFSET of BAR
 *                           (a trapped register: a system call each)
 *   pt_load, pt_store       4-byte loads/stores through an mmap of the
 *                           passthrough page at PT_OFFSET (when given)
 *   mem_load, mem_store     the same loop on an ordinary page of this
 *                           process: the physical limit
 * Each op runs for about MDK_BENCH_SECONDS (default 0.5) per round, best of
 * MDK_BENCH_ROUNDS (default 3).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "mdkvfio.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double seconds = 0.5;
static int rounds = 3;

/* Loads or stores over one 4 KiB page, 4 bytes at a time. */
static double mem_rate(volatile uint32_t *p, int store)
{
	double best = 0, t0, dt;
	uint64_t n;
	uint32_t sink = 0;
	int r, i;

	for (r = 0; r < rounds; r++) {
		n = 0;
		t0 = now();
		do {
			for (i = 0; i < 1024 * 64; i++) {
				if (store)
					p[i & 1023] = i;
				else
					sink += p[i & 1023];
			}
			n += 1024 * 64;
			dt = now() - t0;
		} while (dt < seconds);
		if (n / dt > best)
			best = n / dt;
	}
	if (sink == 0xdeadbeef)
		fprintf(stderr, "-");
	return best;
}

static double trap_rate(struct mdkvfio *v, unsigned int bar, uint64_t off,
			int write)
{
	double best = 0, t0, dt;
	uint32_t val = 0x12345678;
	uint64_t n;
	int r, i;

	for (r = 0; r < rounds; r++) {
		n = 0;
		t0 = now();
		do {
			for (i = 0; i < 256; i++) {
				ssize_t ret = write ?
					mdkvfio_pwrite(v, bar, &val, 4, off) :
					mdkvfio_pread(v, bar, &val, 4, off);

				if (ret != 4) {
					fprintf(stderr, "access: %s\n",
						strerror(ret < 0 ? -ret : EIO));
					exit(1);
				}
			}
			n += 256;
			dt = now() - t0;
		} while (dt < seconds);
		if (n / dt > best)
			best = n / dt;
	}
	return best;
}

int main(int argc, char **argv)
{
	const char *label, *uuid;
	unsigned int bar;
	uint64_t trap_off;
	struct mdkvfio v;
	void *page;
	int ret;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: %s LABEL UUID BAR TRAP_OFFSET [PT_OFFSET]\n",
			argv[0]);
		return 2;
	}
	if (getenv("MDK_BENCH_SECONDS"))
		seconds = atof(getenv("MDK_BENCH_SECONDS"));
	if (getenv("MDK_BENCH_ROUNDS"))
		rounds = atoi(getenv("MDK_BENCH_ROUNDS"));
	label = argv[1];
	uuid = argv[2];
	bar = strtoul(argv[3], NULL, 0);
	trap_off = strtoull(argv[4], NULL, 0);
	ret = mdkvfio_open(&v, uuid);
	if (ret) {
		fprintf(stderr, "open %s: %s\n", uuid, strerror(-ret));
		return 1;
	}
	printf("BENCH-VFIO %s op=trap_read rate=%.0f\n", label,
	       trap_rate(&v, bar, trap_off, 0));
	printf("BENCH-VFIO %s op=trap_write rate=%.0f\n", label,
	       trap_rate(&v, bar, trap_off, 1));
	if (argc == 6) {
		page = mdkvfio_mmap(&v, bar, strtoull(argv[5], NULL, 0), 4096,
				    &ret);
		if (!page) {
			fprintf(stderr, "mmap: %s\n", strerror(-ret));
			return 1;
		}
		printf("BENCH-VFIO %s op=pt_load rate=%.0f\n", label,
		       mem_rate(page, 0));
		printf("BENCH-VFIO %s op=pt_store rate=%.0f\n", label,
		       mem_rate(page, 1));
		munmap(page, 4096);
		page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			return 1;
		printf("BENCH-VFIO %s op=mem_load rate=%.0f\n", label,
		       mem_rate(page, 0));
		printf("BENCH-VFIO %s op=mem_store rate=%.0f\n", label,
		       mem_rate(page, 1));
	}
	mdkvfio_close(&v);
	return 0;
}
