// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_bench_card - mdk_card throughput, through libmdkcard:
 *
 *   mdk_bench_card LABEL UUID [UUID2]
 *
 * Prints "BENCH-CARD LABEL op=OP size=BYTES vfs=N rate=R" lines:
 *   copy        COPY descriptors of 4, 16, 64, 256 KiB and 1 MiB, 128 in
 *               flight on one queue (R in MB/s), the driver sleeping 20 us
 *               between looks at a record; with UUID2 also both VFs at
 *               once (two processes; R is their sum)
 *   copy_poll   the same, 1 VF, a poll-mode driver (spinning on a record)
 *   desc        64-byte COPY descriptors per second (sleeping driver)
 *   desc_poll   the same, a poll-mode driver
 *   op_fill, op_compare, op_crc32c
 *               the other operations at 64 KiB (MB/s; sleeping driver)
 *   memcpy      memcpy() of the same sizes in this process (MB/s)
 *   inflight    INFLIGHT, the descriptors in flight of "copy" (size=0)
 *   idle_cpu    the card engine's CPU time over 2 s with a queue enabled
 *               and idle, in percent of one CPU (size=0)
 * Each for about MDK_BENCH_SECONDS (default 0.5), best of MDK_BENCH_ROUNDS
 * (default 3).
 *
 *   mdk_bench_card fair LABEL UUID:WEIGHT...
 *
 * Sets each VF's qos/weight, keeps 64 COPY descriptors of 256 KiB in flight
 * on each (one child process per VF) and measures each VF's share of the
 * bytes its qos/bytes counted over 4 x MDK_BENCH_SECONDS (after 0.5 s of
 * warm-up; again, up to three windows, while a child found its queue
 * empty). Prints per VF "BENCH-CARD-FAIR LABEL sched=S vfs=N vf=I
 * weight=W want=SHARE got=SHARE got_c=SHARE by=qos|completions mbps=R
 * dry=D" (got: by qos/bytes, or by completions where qos/bytes counted
 * nothing; got_c: by the completions the children counted).
 *
 *   mdk_bench_card lat LABEL FLOOD_UUID PROBE_UUID
 *
 * Times single 64-byte COPYs on PROBE_UUID (submit, wait for the
 * interrupt), alone and while FLOOD_UUID keeps 64 COPYs of 1 MiB in flight
 * (a child process), and single 1 MiB COPYs alone. Prints "BENCH-CARD-LAT
 * LABEL sched=S case=alone|flood|t1m n=N median_us=M p99_us=P max_us=X
 * [flood_mbps=R]". S is the card module's sched parameter (1 if it has
 * none).
 */
#include <dirent.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mdkcard.h"
#include "mdk_sysfs.h"

#define INFLIGHT	128	/* of the ring's 256 */
#define HALF		(INFLIGHT / 2)

static double seconds = 0.5;
static int rounds = 3;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* The sizes of the copy and memcpy rates. */
static const uint32_t sizes[] = { 4096, 16384, 65536, 262144, 1 << 20 };
static const struct { const char *name; uint32_t op; } ops[] = {
	{ "op_fill", MDK_CARD_OP_FILL },
	{ "op_compare", MDK_CARD_OP_COMPARE },
	{ "op_crc32c", MDK_CARD_OP_CRC32C },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A spinning loop's pause, where the CPU has one. */
static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Waits for the last record of a half, @idx: a poll-mode driver (@poll, as
 * DPDK's or Intel's dsa-perf-micros poll completion records) spins on its
 * status word, yielding the vCPU every 256 looks; otherwise mdkcard_wait()
 * sleeps 20 us between looks. 0, or -1 after 10 s.
 */
static int half_wait(struct mdkcard_vf *vf, uint32_t idx, bool poll)
{
	/* An atomic load each look: no need of the record's volatile. */
	uint32_t *status = (uint32_t *)&vf->q[0].comp[idx].status;
	double end = now() + 10;
	struct mdk_card_comp junk;
	unsigned int k = 0;

	if (!poll)
		return mdkcard_wait(vf, 0, idx, 10000, &junk) ? -1 : 0;
	/*
	 * A yield now and then: should the engine's thread share this vCPU,
	 * it runs (a spin that never yields held it off until preempted).
	 */
	while (!__atomic_load_n(status, __ATOMIC_ACQUIRE)) {
		if (++k % 256 == 0) {
			sched_yield();
			if (now() > end)
				return -1;
		}
		spin_pause();
	}
	return 0;
}

/*
 * Bytes per second of descriptors of opcode @op and @size, @INFLIGHT at a
 * time, in two halves: the driver waits until the card has done the last
 * of one half (@poll: spinning on its record; else sleeping between
 * looks), then checks the half's records (status, and the result COMPARE
 * and CRC32C must give) and submits it again while the card works on the
 * other half (one wait per half, not per descriptor).
 */
static double op_rate(struct mdkcard_vf *vf, uint32_t op, uint32_t size,
		      bool poll)
{
	uint8_t *src = mdkcard_data(vf, 0), *dst = mdkcard_data(vf, 1 << 20);
	struct mdk_card_desc d = {
		.opcode = op, .len = size,
		.src = mdkcard_iova(vf, src), .dst = mdkcard_iova(vf, dst),
	};
	struct mdk_card_comp c;
	uint32_t idx[INFLIGHT], want;
	double best = 0, t0, dt;
	uint64_t n;
	int r, i;

	memset(src, 0x5a, size);
	memset(dst, 0x5a, size);	/* COMPARE finds them equal */
	want = op == MDK_CARD_OP_CRC32C ? mdkcard_crc32c(src, size) : 0;
	for (r = 0; r < rounds; r++) {
		n = 0;
		t0 = now();
		for (i = 0; i < INFLIGHT; i++)
			idx[i] = mdkcard_submit(vf, 0, &d);
		do {
			for (i = 0; i < INFLIGHT; i++) {
				if (i % HALF == 0 &&
				    half_wait(vf, idx[i + HALF - 1], poll)) {
					fprintf(stderr, "op %u of %u B: not done in 10 s\n",
						op, size);
					exit(1);
				}
				if (mdkcard_wait(vf, 0, idx[i], 10000, &c) ||
				    c.status != MDK_CARD_ST_SUCCESS ||
				    c.result != want) {
					fprintf(stderr, "op %u of %u B: status %u result %#x\n",
						op, size, c.status, c.result);
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

static double copy_rate(struct mdkcard_vf *vf, uint32_t size, bool poll)
{
	return op_rate(vf, MDK_CARD_OP_COPY, size, poll);
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
	struct mdkcard_vf vf;
	unsigned int i;
	long t0, t1;

	if (mdkcard_open(&vf, uuid, 2 << 20) || mdkcard_start(&vf, 0)) {
		fprintf(stderr, "open %s failed\n", uuid);
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		printf("BENCH-CARD %s op=copy size=%u vfs=%d rate=%.1f\n", label,
		       sizes[i], vfs, copy_rate(&vf, sizes[i], false) / 1e6);
	if (!quiet) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++)
			printf("BENCH-CARD %s op=copy_poll size=%u vfs=1 rate=%.1f\n",
			       label, sizes[i],
			       copy_rate(&vf, sizes[i], true) / 1e6);
		for (i = 0; i < ARRAY_SIZE(ops); i++)
			printf("BENCH-CARD %s op=%s size=65536 vfs=1 rate=%.1f\n",
			       label, ops[i].name,
			       op_rate(&vf, ops[i].op, 65536, false) / 1e6);
		printf("BENCH-CARD %s op=desc size=64 vfs=1 rate=%.0f\n", label,
		       copy_rate(&vf, 64, false) / 64);
		printf("BENCH-CARD %s op=desc_poll size=64 vfs=1 rate=%.0f\n",
		       label, copy_rate(&vf, 64, true) / 64);
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

/*
 * Flows: a child process per VF keeps @depth COPYs of @len in flight on
 * its queue 0 until told to stop; its counters live in shared memory.
 */
#define FLOW_DEPTH	64	/* 16 can run dry between the child's wake-ups */
#define FAIR_LEN	(256 * 1024)
#define FLOOD_LEN	(1024 * 1024)
#define MAX_VFS		8
#define MDEVS		"/sys/bus/mdev/devices"

/* Each field has one writer: the child, or (go, stop) the parent. */
struct flow {
	int go;
	int stop;
	int state;	/* 1 running, -1 failed to start */
	long done;	/* completions with SUCCESS */
	long errors;	/* other statuses, or a timeout */
	long dry;	/* times its queue was found empty */
};

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* One more in a counter of a flow's child (its only writer). */
static void flow_count(long *c)
{
	WRITE_ONCE(*c, READ_ONCE(*c) + 1);
}

/* Waits for record @idx of queue 0, polling every @us; 0 or -1 (20 s). */
static int flow_wait(struct mdkcard_vf *vf, uint32_t idx, unsigned int us)
{
	double end = now() + 20;

	while (!vf->q[0].comp[idx].status) {
		if (now() > end)
			return -1;
		usleep(us);
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return vf->q[0].comp[idx].status == MDK_CARD_ST_SUCCESS ? 0 : -1;
}

static int flow_run(struct flow *f, const char *uuid, uint32_t len)
{
	unsigned int us = len >= FLOOD_LEN ? 1000 : 200, i;
	uint32_t idx[FLOW_DEPTH];
	struct mdk_card_desc d = { .opcode = MDK_CARD_OP_COPY, .len = len };
	struct mdkcard_vf vf;

	while (!READ_ONCE(f->go)) {
		if (READ_ONCE(f->stop))
			return 0;
		usleep(10000);
	}
	if (mdkcard_open(&vf, uuid, 2 << 20) || mdkcard_start(&vf, 0)) {
		fprintf(stderr, "open %s failed\n", uuid);
		WRITE_ONCE(f->state, -1);
		return 1;
	}
	d.src = mdkcard_iova(&vf, mdkcard_data(&vf, 0));
	d.dst = mdkcard_iova(&vf, mdkcard_data(&vf, 1 << 20));
	for (i = 0; i < FLOW_DEPTH; i++)
		idx[i] = mdkcard_submit(&vf, 0, &d);
	WRITE_ONCE(f->state, 1);
	while (!READ_ONCE(f->stop)) {
		for (i = 0; i < FLOW_DEPTH && !READ_ONCE(f->stop); i++) {
			if (flow_wait(&vf, idx[i], us))
				flow_count(&f->errors);
			else
				flow_count(&f->done);
			/* The newest one done too: the queue ran dry. */
			if (vf.q[0].comp[idx[(i + FLOW_DEPTH - 1) % FLOW_DEPTH]].status)
				flow_count(&f->dry);
			idx[i] = mdkcard_submit(&vf, 0, &d);
		}
	}
	mdkcard_close(&vf);
	return 0;
}

/*
 * Forks the child of a flow on @uuid, which opens the VF when told to go:
 * no VF is open across a fork (its DMA area is private memory). Its pid.
 */
static pid_t flow_fork(struct flow *f, const char *uuid, uint32_t len)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid)
		_exit(flow_run(f, uuid, len));
	return pid;
}

/* Lets a forked flow go; 0 once it runs, -1 if it did not start in 20 s. */
static int flow_go(struct flow *f)
{
	double end = now() + 20;

	WRITE_ONCE(f->go, 1);
	while (!READ_ONCE(f->state) && now() < end)
		usleep(10000);
	return READ_ONCE(f->state) == 1 ? 0 : -1;
}

static int flow_stop(struct flow *f, pid_t pid)
{
	int st;

	WRITE_ONCE(f->stop, 1);
	if (pid <= 0 || waitpid(pid, &st, 0) != pid)
		return 1;
	return !WIFEXITED(st) || WEXITSTATUS(st) || READ_ONCE(f->errors);
}

/* The card module's sched parameter: 0 if it is off, else 1. */
static int card_sched(void)
{
	char buf[8];

	if (mdk_read_str("/sys/module/mdk_card/parameters/sched", buf,
			 sizeof(buf)))
		return 1;
	return buf[0] != 'N' && buf[0] != '0';
}

/* A VF's qos counter or setting @name; 0 if it cannot be read. */
static double qos_get(const char *uuid, const char *name)
{
	char path[160], buf[32];

	snprintf(path, sizeof(path), MDEVS "/%s/qos/%s", uuid, name);
	if (mdk_read_str(path, buf, sizeof(buf)))
		return 0;
	return strtod(buf, NULL);
}

static int qos_set_weight(const char *uuid, unsigned int w)
{
	char path[160], val[16];

	snprintf(path, sizeof(path), MDEVS "/%s/qos/weight", uuid);
	snprintf(val, sizeof(val), "%u", w);
	return mdk_write_str(path, val);
}

/* What each VF had consumed at one moment. */
struct snap {
	double t;
	double bytes[MAX_VFS];
	long done[MAX_VFS];
	long dry[MAX_VFS];
};

static void snap_take(char uuid[][40], struct flow *f, unsigned int n,
		      struct snap *s)
{
	unsigned int i;

	s->t = now();
	for (i = 0; i < n; i++) {
		s->done[i] = READ_ONCE(f[i].done);
		s->dry[i] = READ_ONCE(f[i].dry);
		s->bytes[i] = qos_get(uuid[i], "bytes");
	}
}

/*
 * Measures @n running flows: up to three windows, until one in which no
 * child found its queue empty (that would measure the child, not the card).
 */
static void fair_measure(char uuid[][40], struct flow *f, unsigned int n,
			 struct snap *a, struct snap *b)
{
	unsigned int i, k;
	long dry;

	usleep(500000);
	for (k = 0; k < 3; k++) {
		snap_take(uuid, f, n, a);
		usleep(4 * seconds * 1e6);
		snap_take(uuid, f, n, b);
		for (i = 0, dry = 0; i < n; i++)
			dry += b->dry[i] - a->dry[i];
		if (!dry)
			return;
	}
}

static void fair_print(const char *label, const unsigned int *w,
		       unsigned int n, const struct snap *a,
		       const struct snap *b)
{
	double sum_b = 0, sum_c = 0, sum_w = 0, db, dc;
	unsigned int i;

	for (i = 0; i < n; i++) {
		sum_w += w[i];
		sum_b += b->bytes[i] - a->bytes[i];
		sum_c += (double)(b->done[i] - a->done[i]) * FAIR_LEN;
	}
	for (i = 0; i < n; i++) {
		db = b->bytes[i] - a->bytes[i];
		dc = (double)(b->done[i] - a->done[i]) * FAIR_LEN;
		printf("BENCH-CARD-FAIR %s sched=%d vfs=%u vf=%u weight=%u",
		       label, card_sched(), n, i, w[i]);
		printf(" want=%.4f got=%.4f got_c=%.4f by=%s mbps=%.1f dry=%ld\n",
		       w[i] / sum_w, sum_b > 0 ? db / sum_b : dc / sum_c,
		       dc / sum_c, sum_b > 0 ? "qos" : "completions",
		       (sum_b > 0 ? db : dc) / (b->t - a->t) / 1e6,
		       b->dry[i] - a->dry[i]);
	}
}

static int fair_main(const char *label, int n, char **arg)
{
	char uuid[MAX_VFS][40];
	unsigned int w[MAX_VFS];
	pid_t pid[MAX_VFS] = { 0 };
	struct snap a, b;
	struct flow *f;
	int i, ret = 0;

	if (n < 1 || n > MAX_VFS)
		return 2;
	f = mmap(NULL, MAX_VFS * sizeof(*f), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f == MAP_FAILED)
		return 1;
	for (i = 0; i < n; i++) {
		if (sscanf(arg[i], "%39[^:]:%u", uuid[i], &w[i]) != 2) {
			fprintf(stderr, "%s: not UUID:WEIGHT\n", arg[i]);
			return 2;
		}
		/* Without the scheduler there may be no weights to set. */
		if (qos_set_weight(uuid[i], w[i]) && card_sched()) {
			fprintf(stderr, "%s: cannot set qos/weight %u\n",
				uuid[i], w[i]);
			return 1;
		}
	}
	for (i = 0; i < n; i++) {
		pid[i] = flow_fork(&f[i], uuid[i], FAIR_LEN);
		ret |= pid[i] < 0;
	}
	for (i = 0; i < n && !ret; i++)
		ret = flow_go(&f[i]);
	if (!ret) {
		fair_measure(uuid, f, n, &a, &b);
		fair_print(label, w, n, &a, &b);
	}
	for (i = 0; i < n; i++)
		ret |= flow_stop(&f[i], pid[i]);
	fflush(stdout);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Waits for record @idx of queue 0 by its interrupt, as a driver would (a
 * thread polling every 20 us takes a vCPU from the card's workers); 0, or
 * -1 after 10 s or if the COPY failed.
 */
static int wait_irq(struct mdkcard_vf *vf, uint32_t idx)
{
	struct pollfd p = { .fd = vf->q[0].efd, .events = POLLIN };
	double end = now() + 10;
	uint64_t n;

	while (!vf->q[0].comp[idx].status) {
		if (now() > end)
			return -1;
		if (poll(&p, 1, 100) == 1 && read(p.fd, &n, sizeof(n)) < 0)
			usleep(100);
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return vf->q[0].comp[idx].status == MDK_CARD_ST_SUCCESS ? 0 : -1;
}

/* @n single COPYs of @len, one at a time, into @lat (sorted, seconds). */
static int one_at_a_time(struct mdkcard_vf *vf, uint32_t len, unsigned int n,
			 double *lat)
{
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .len = len, .flags = MDK_CARD_F_IRQ,
		.src = mdkcard_iova(vf, mdkcard_data(vf, 0)),
		.dst = mdkcard_iova(vf, mdkcard_data(vf, 1 << 20)),
	};
	unsigned int i;
	uint64_t junk;
	double t;

	for (i = 0; i < n; i++) {
		/* No interrupt left over from the last one. */
		if (read(vf->q[0].efd, &junk, sizeof(junk)) < 0)
			junk = 0;
		t = now();
		if (wait_irq(vf, mdkcard_submit(vf, 0, &d))) {
			fprintf(stderr, "a single COPY of %u failed\n", len);
			return -1;
		}
		lat[i] = now() - t;
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	return 0;
}

/* @lat sorted; @mbps: the flood's rate meanwhile, or < 0 (no flood). */
static void lat_print(const char *label, const char *what,
		      const double *lat, unsigned int n, double mbps)
{
	printf("BENCH-CARD-LAT %s sched=%d case=%s n=%u median_us=%.0f p99_us=%.0f max_us=%.0f",
	       label, card_sched(), what, n, lat[n / 2] * 1e6,
	       lat[(n * 99 + 99) / 100 - 1] * 1e6, lat[n - 1] * 1e6);
	if (mbps >= 0)
		printf(" flood_mbps=%.1f", mbps);
	printf("\n");
}

/* The 1 MiB COPY alone on @uuid: its times into @t1m (8 of them). */
static int lat_t1m(const char *uuid, double *t1m)
{
	struct mdkcard_vf vf;
	int ret;

	if (mdkcard_open(&vf, uuid, 2 << 20) || mdkcard_start(&vf, 0)) {
		fprintf(stderr, "open %s failed\n", uuid);
		return -1;
	}
	ret = one_at_a_time(&vf, FLOOD_LEN, 2, t1m) ||
	      one_at_a_time(&vf, FLOOD_LEN, 8, t1m);
	mdkcard_close(&vf);
	return ret;
}

static int lat_main(const char *label, const char *flood, const char *probe)
{
	unsigned int n = seconds * 400 < 20 ? 20 : seconds * 400 > 200 ? 200 :
			 seconds * 400;
	double lat[200], t1m[8], t0;
	struct mdkcard_vf vf;
	struct flow *f;
	long before;
	pid_t pid;
	int ret;

	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f == MAP_FAILED)
		return 1;
	/* Equal weights (a fair run may have left others); none if sched=0. */
	qos_set_weight(flood, 100);
	qos_set_weight(probe, 100);
	pid = flow_fork(f, flood, FLOOD_LEN);
	if (mdkcard_open(&vf, probe, 2 << 20) || mdkcard_start(&vf, 0)) {
		fprintf(stderr, "open %s failed\n", probe);
		ret = 1;
		goto out;
	}
	ret = pid < 0 || one_at_a_time(&vf, 64, 10, lat) ||
	      one_at_a_time(&vf, 64, n, lat) || lat_t1m(flood, t1m);
	if (ret)
		goto out;
	lat_print(label, "alone", lat, n, -1);
	lat_print(label, "t1m", t1m, 8, -1);
	ret = flow_go(f);
	if (ret)
		goto out;
	usleep(500000);
	before = READ_ONCE(f->done);
	t0 = now();
	ret = one_at_a_time(&vf, 64, n, lat);
	if (!ret)
		lat_print(label, "flood", lat, n, (READ_ONCE(f->done) - before) *
			  (double)FLOOD_LEN / (now() - t0) / 1e6);
out:
	ret |= flow_stop(f, pid);
	mdkcard_close(&vf);
	fflush(stdout);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned int i;
	int st, ret;
	pid_t pid;

	if (getenv("MDK_BENCH_SECONDS"))
		seconds = atof(getenv("MDK_BENCH_SECONDS"));
	if (getenv("MDK_BENCH_ROUNDS"))
		rounds = atoi(getenv("MDK_BENCH_ROUNDS"));
	if (argc >= 4 && !strcmp(argv[1], "fair"))
		return fair_main(argv[2], argc - 3, argv + 3);
	if (argc == 5 && !strcmp(argv[1], "lat"))
		return lat_main(argv[2], argv[3], argv[4]);
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s LABEL UUID [UUID2]\n"
			"       %s fair LABEL UUID:WEIGHT...\n"
			"       %s lat LABEL FLOOD_UUID PROBE_UUID\n",
			argv[0], argv[0], argv[0]);
		return 2;
	}
	printf("BENCH-CARD %s op=inflight size=0 vfs=1 rate=%d\n", argv[1],
	       INFLIGHT);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
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
