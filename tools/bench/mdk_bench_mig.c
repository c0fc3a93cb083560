// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_bench_mig - the device's share of a live migration's downtime, through
 * the VFIO migration uAPI with libmdkvfio (docs/migration.md):
 *
 *   mdk_bench_mig LABEL SRC_UUID DST_UUID [REPS]
 *
 * Each repetition moves the state of SRC into DST as a VMM does while the
 * guest is stopped: SRC RUNNING -> STOP (quiesce), STOP -> STOP_COPY and
 * its data fd read to the end (save), DST RUNNING -> RESUMING, the stream
 * written, RESUMING -> RUNNING (load), then both back to RUNNING for the
 * next one. Prints the median of each step and of their sum, and the state
 * size:
 *   BENCH-MIG LABEL bytes=N stop_us=.. save_us=.. load_us=.. total_us=..
 * or "BENCH-MIG LABEL unsupported=ERRNO" when SRC does not migrate.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdkvfio.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One migration of @src into @dst; the steps' times in @t (us). */
static int once(struct mdkvfio *src, struct mdkvfio *dst, uint8_t *buf,
		size_t cap, size_t *len, double *t)
{
	double t0 = now_us();
	ssize_t n;
	int fd, ret;

	ret = mdkvfio_mig_set(src, VFIO_DEVICE_STATE_STOP, NULL);
	if (ret)
		return ret;
	t[0] = now_us() - t0;
	t0 = now_us();
	ret = mdkvfio_mig_set(src, VFIO_DEVICE_STATE_STOP_COPY, &fd);
	if (ret)
		return ret;
	*len = 0;
	while ((n = read(fd, buf + *len, cap - *len)) > 0)
		*len += n;
	close(fd);
	if (n < 0 || *len == cap)
		return n < 0 ? -errno : -EFBIG;
	ret = mdkvfio_mig_set(src, VFIO_DEVICE_STATE_STOP, NULL);
	if (ret)
		return ret;
	t[1] = now_us() - t0;
	t0 = now_us();
	ret = mdkvfio_mig_set(dst, VFIO_DEVICE_STATE_RESUMING, &fd);
	if (ret)
		return ret;
	n = write(fd, buf, *len);
	close(fd);
	if (n != (ssize_t)*len)
		return n < 0 ? -errno : -EIO;
	ret = mdkvfio_mig_set(dst, VFIO_DEVICE_STATE_RUNNING, NULL);
	if (ret)
		return ret;
	t[2] = now_us() - t0;
	return mdkvfio_mig_set(src, VFIO_DEVICE_STATE_RUNNING, NULL);
}

int main(int argc, char **argv)
{
	static uint8_t buf[8 << 20];
	struct mdkvfio src, dst;
	double *t[4], step[3];
	int reps, i, k, ret;
	uint64_t flags;
	size_t len = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: %s LABEL SRC_UUID DST_UUID [REPS]\n",
			argv[0]);
		return 2;
	}
	reps = argc > 4 ? atoi(argv[4]) : 200;
	if (reps < 1)
		reps = 1;
	ret = mdkvfio_open(&src, argv[2]);
	if (!ret)
		ret = mdkvfio_open(&dst, argv[3]);
	if (ret) {
		fprintf(stderr, "%s: open: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	ret = mdkvfio_mig_flags(&src, &flags);
	if (ret) {
		printf("BENCH-MIG %s unsupported=%d\n", argv[1], -ret);
		return 0;
	}
	for (k = 0; k < 4; k++) {
		t[k] = calloc(reps, sizeof(double));
		if (!t[k])
			return 1;
	}
	for (i = 0; i < reps; i++) {
		ret = once(&src, &dst, buf, sizeof(buf), &len, step);
		if (ret) {
			fprintf(stderr, "%s: migration %d: %s\n", argv[1], i,
				strerror(-ret));
			return 1;
		}
		for (k = 0; k < 3; k++)
			t[k][i] = step[k];
		t[3][i] = step[0] + step[1] + step[2];
	}
	printf("BENCH-MIG %s flags=%#llx bytes=%zu stop_us=%.1f save_us=%.1f load_us=%.1f total_us=%.1f reps=%d\n",
	       argv[1], (unsigned long long)flags, len, median(t[0], reps),
	       median(t[1], reps), median(t[2], reps), median(t[3], reps),
	       reps);
	mdkvfio_close(&dst);
	mdkvfio_close(&src);
	return 0;
}
