// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_bench_card - mdk_card throughput, through libmdkcard:
 *
 *   mdk_bench_card LABEL UUID [UUID2]
 *
 * Prints "BENCH-CARD LABEL op=OP size=BYTES vfs=N rate=R" lines:
 *   copy        COPY descriptors of 4 KiB, 64 KiB and 1 MiB, 128 in flight
 *               on one queue (R in MB/s); with UUID2 also both VFs at once
 *               (two processes; R is their sum)
 *   desc        64-byte COPY descriptors per second
 *   memcpy      memcpy() of the same sizes in this process (MB/s)
 *   idle_cpu    the card engine's CPU time over 2 s with a queue enabled
 *               and idle, in percent of one CPU (size=0)
 * Each for about MDK_BENCH_SECONDS (default 0.5), best of MDK_BENCH_ROUNDS
 * (default 3).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mdkcard.h"

#define INFLIGHT	128	/* of the ring's 256 */
#define HALF		(INFLIGHT / 2)

static double seconds = 0.5;
static int rounds = 3;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Bytes per second of COPY descriptors of @size, @INFLIGHT at a time, in
 * two halves: the driver sleeps until the card has done the last of one
 * half, then checks the half's records and submits it again while the card
 * works on the other half (one wake-up per half, not per descriptor).
 */
static double copy_rate(struct mdkcard_vf *vf, uint32_t size)
{
	uint8_t *src = mdkcard_data(vf, 0), *dst = mdkcard_data(vf, 1 << 20);
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .len = size,
		.src = mdkcard_iova(vf, src), .dst = mdkcard_iova(vf, dst),
	};
	struct mdk_card_comp c;
	uint32_t idx[INFLIGHT];
	double best = 0, t0, dt;
	uint64_t n;
	int r, i;

	memset(src, 0x5a, size);
	for (r = 0; r < rounds; r++) {
		n = 0;
		t0 = now();
		for (i = 0; i < INFLIGHT; i++)
			idx[i] = mdkcard_submit(vf, 0, &d);
		do {
			for (i = 0; i < INFLIGHT; i++) {
				if (i % HALF == 0)
					mdkcard_wait(vf, 0, idx[i + HALF - 1],
						     10000, &c);
				if (mdkcard_wait(vf, 0, idx[i], 10000, &c) ||
				    c.status != MDK_CARD_ST_SUCCESS) {
					fprintf(stderr, "copy failed: %u\n", c.status);
					exit(1);
				}
				n++;
				idx[i] = mdkcard_submit(vf, 0, &d);
			}
			dt = now() - t0;
		} while (dt < seconds);
		for (i = 0; i < INFLIGHT; i++)
			mdkcard_wait(vf, 0, idx[i], 10000, &c);
		dt = now() - t0;
		n += INFLIGHT;
		if (n * size / dt > best)
			best = n * size / dt;
	}
	return best;
}

static double memcpy_rate(uint32_t size)
{
	uint8_t *src = malloc(size), *dst = malloc(size);
	double best = 0, t0, dt;
	uint64_t n;
	int r;

	memset(src, 0x5a, size);
	memset(dst, 0, size);
	for (r = 0; r < rounds; r++) {
		n = 0;
		t0 = now();
		do {
			memcpy(dst, src, size);
			__asm__ volatile("" : : "r"(dst) : "memory");
			n++;
			dt = now() - t0;
		} while (dt < seconds);
		if (n * size / dt > best)
			best = n * size / dt;
	}
	free(src);
	free(dst);
	return best;
}

/* The engine thread's utime + stime, in clock ticks. */
static long engine_ticks(void)
{
	char path[300], comm[64], buf[1024];
	long ut, st, total = -1;
	struct dirent *de;
	DIR *d = opendir("/proc");
	FILE *f;

	while (d && (de = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "mdk_card/", 9)) {
			fclose(f);
			snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
			f = fopen(path, "r");
			if (f && fgets(buf, sizeof(buf), f) &&
			    sscanf(strrchr(buf, ')') + 2,
				   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld",
				   &ut, &st) == 2)
				total = ut + st;
		}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return total;
}

static int one_vf(const char *label, const char *uuid, int vfs, int quiet)
{
	static const uint32_t sizes[] = { 4096, 65536, 1 << 20 };
	struct mdkcard_vf vf;
	unsigned int i;
	long t0, t1;

	if (mdkcard_open(&vf, uuid, 2 << 20) || mdkcard_start(&vf, 0)) {
		fprintf(stderr, "open %s failed\n", uuid);
		return 1;
	}
	for (i = 0; i < 3; i++)
		printf("BENCH-CARD %s op=copy size=%u vfs=%d rate=%.1f\n", label,
		       sizes[i], vfs, copy_rate(&vf, sizes[i]) / 1e6);
	if (!quiet) {
		printf("BENCH-CARD %s op=desc size=64 vfs=1 rate=%.0f\n", label,
		       copy_rate(&vf, 64) / 64);
		t0 = engine_ticks();
		sleep(2);
		t1 = engine_ticks();
		printf("BENCH-CARD %s op=idle_cpu size=0 vfs=1 rate=%.1f\n", label,
		       t0 < 0 ? -1.0 :
		       100.0 * (t1 - t0) / sysconf(_SC_CLK_TCK) / 2);
	}
	fflush(stdout);
	mdkcard_close(&vf);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 4096, 65536, 1 << 20 };
	unsigned int i;
	int st, ret;
	pid_t pid;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s LABEL UUID [UUID2]\n", argv[0]);
		return 2;
	}
	if (getenv("MDK_BENCH_SECONDS"))
		seconds = atof(getenv("MDK_BENCH_SECONDS"));
	if (getenv("MDK_BENCH_ROUNDS"))
		rounds = atoi(getenv("MDK_BENCH_ROUNDS"));
	for (i = 0; i < 3; i++)
		printf("BENCH-CARD %s op=memcpy size=%u vfs=1 rate=%.1f\n",
		       argv[1], sizes[i], memcpy_rate(sizes[i]) / 1e6);
	ret = one_vf(argv[1], argv[2], 1, 0);
	if (ret || argc != 4)
		return ret;
	/* Two VFs at once: the other in a child, its lines tagged vfs=2. */
	fflush(stdout);
	pid = fork();
	if (!pid)
		_exit(one_vf(argv[1], argv[3], 2, 1));
	ret = one_vf(argv[1], argv[2], 2, 1);
	waitpid(pid, &st, 0);
	return ret || !WIFEXITED(st) || WEXITSTATUS(st);
}
