// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_bench - create+remove cost of a mediated-device core, run inside the
 * test VM by `make bench`.
 *
 *   mdk_bench LABEL TYPE_DIR N[,N...] [REPS]
 *
 * For each N (ascending), brings the number of existing mdevs of TYPE_DIR
 * to N, runs a few untimed cycles, then times REPS cycles of creating one
 * more mdev (a write to TYPE_DIR/create) and removing it (a write to its
 * remove attribute). Each write is timed on its own with CLOCK_MONOTONIC;
 * the median of each is printed, one line per N:
 *
 *   BENCH LABEL n=N reps=R create_us=C remove_us=R pair_us=P
 *
 * All mdevs it made are removed at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../testing/mdk_sysfs.h"

#define MAX_N		16384
#define DEFAULT_REPS	200
#define WARMUP		20

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int create(const char *type_dir, const char *uuid)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/create", type_dir);
	return mdk_write_str(path, uuid);
}

static int remove_mdev(const char *uuid)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid);
	return mdk_write_str(path, "1");
}

static int drop_all(unsigned int have)
{
	char uuid[37];
	int bad = 0;

	while (have--) {
		mdk_make_uuid(uuid, 0xbe7c0000, 0, have);
		if (remove_mdev(uuid))
			bad++;
	}
	return bad;
}

int main(int argc, char **argv)
{
	const char *label, *type_dir;
	unsigned int have = 0;
	double *t_create, *t_remove, *t_pair;
	char *list, *tok, *save;
	int reps, ret = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: %s LABEL TYPE_DIR N[,N...] [REPS]\n",
			argv[0]);
		return 2;
	}
	label = argv[1];
	type_dir = argv[2];
	list = argv[3];
	reps = argc > 4 ? atoi(argv[4]) : DEFAULT_REPS;
	if (reps < 1) {
		fprintf(stderr, "mdk_bench: REPS must be positive\n");
		return 2;
	}
	t_create = calloc(reps, sizeof(double));
	t_remove = calloc(reps, sizeof(double));
	t_pair = calloc(reps, sizeof(double));
	if (!t_create || !t_remove || !t_pair)
		return 1;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned int n = strtoul(tok, NULL, 10);
		char uuid[37];

		if (n < have || n > MAX_N) {
			fprintf(stderr, "mdk_bench: N must ascend and be at most %d\n",
				MAX_N);
			ret = 2;
			break;
		}
		for (; have < n; have++) {
			mdk_make_uuid(uuid, 0xbe7c0000, 0, have);
			ret = create(type_dir, uuid);
			if (ret) {
				fprintf(stderr, "mdk_bench: creating mdev %u: %s\n",
					have, strerror(-ret));
				goto out;
			}
		}
		mdk_make_uuid(uuid, 0xbe7c0001, 0, 0);
		/* Untimed cycles first: caches and slabs reach a steady state. */
		for (int i = 0; i < WARMUP; i++) {
			ret = create(type_dir, uuid);
			if (!ret)
				ret = remove_mdev(uuid);
			if (ret) {
				fprintf(stderr, "mdk_bench: warm-up at N=%u: %s\n",
					n, strerror(-ret));
				goto out;
			}
		}
		for (int i = 0; i < reps; i++) {
			double t0 = now_us(), t1, t2;

			ret = create(type_dir, uuid);
			t1 = now_us();
			if (!ret)
				ret = remove_mdev(uuid);
			t2 = now_us();
			if (ret) {
				fprintf(stderr, "mdk_bench: cycle %d at N=%u: %s\n",
					i, n, strerror(-ret));
				goto out;
			}
			t_create[i] = t1 - t0;
			t_remove[i] = t2 - t1;
			t_pair[i] = t2 - t0;
		}
		printf("BENCH %s n=%u reps=%d create_us=%.1f remove_us=%.1f pair_us=%.1f\n",
		       label, n, reps, median(t_create, reps),
		       median(t_remove, reps), median(t_pair, reps));
		fflush(stdout);
	}
out:
	if (drop_all(have)) {
		fprintf(stderr, "mdk_bench: some mdevs could not be removed\n");
		ret = ret ? ret : 1;
	}
	free(t_create);
	free(t_remove);
	free(t_pair);
	return ret ? 1 : 0;
}
