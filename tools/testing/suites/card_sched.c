// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdevkit-alone: long
 * card_sched - the card's device scheduler as its users see it, through
 * each VF's qos/ directory (weight, max_bytes_per_s, max_ops_per_s; the
 * counters bytes, ops, throttled_ns) on a software card:
 * - the files exist with the type's default weight (100 per queue), bad
 *   writes fail with EINVAL or ERANGE and change nothing, good ones read
 *   back;
 * - VFs that keep 64 KiB copies in flight (64 of them: DEPTH_SHARES) share
 *   the engine in the ratio of their weights (2 and 4 VFs; a weight
 *   changed under load);
 * - byte and operation rate limits hold over 3 s, throttled_ns grows while
 *   a VF is held back, and an unlimited neighbour gets the rest;
 * - a VF's single small copies next to a VF flooding 1 MiB copies wait
 *   about one 1 MiB copy, not the flood's queue;
 * - a VF whose ring sits in memory whose faults are never served (a
 *   userfaultfd nobody reads) does not stall even itself: the card reaches
 *   rings through its pin cache and vfio pins without waiting on a
 *   userfaultfd, so its descriptors complete with BAD_ADDRESS at once; its
 *   neighbour's traffic, the card's sysfs and creating and removing
 *   another VF go on, and it goes away cleanly.
 * Shares are measured as ratios of qos/bytes deltas (cross-checked with the
 * completions the test counts) and rates over 3 s, so that the other VM
 * that check.sh runs at the same time moves them little. Every measurement
 * is printed.
 */
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "harness.h"
#include "mdkcard.h"
#include "mdk_sysfs.h"

#define CARD		"/sys/devices/platform/mdk_card.0"
#define TYPES		CARD "/mdev_supported_types"
#define NFLOWS		4
#define DEPTH		16		/* descriptors in flight */
/*
 * ... in the share tests: 16 64 KiB copies are 5-20 ms of work here, and a
 * flow's thread in the TCG VM is not always back within that: the queue
 * runs dry (DRR then rightly forgets the VF's turn) and the shares measure
 * the threads' wake-ups instead (100:300 came out as 35:65 with 16).
 */
#define DEPTH_SHARES	64
/* Copies of the share tests: 64 of them keep a 6.12 card busy ~30 ms. */
#define SHARE_LEN	(256 * KIB)
#define KIB		1024
#define MIB		(1024 * 1024)
#define DATA		(2 * MIB + 64 * KIB)	/* 1 MiB src + 1 MiB dst */
#define TOL		0.10		/* relative tolerance of shares, rates */
#define WARMUP_US	500000		/* before a window: bursts spent */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One VF and the thread that keeps its queue 0 busy. */
struct flow {
	char uuid[40];
	int created;
	struct mdkcard_vf vf;
	uint32_t len;		/* bytes per COPY */
	unsigned int depth;	/* in flight, up to DEPTH_SHARES */
	volatile int stop;
	volatile long done;	/* completions with SUCCESS */
	volatile long errors;	/* other statuses, or a timeout */
	volatile long dry;	/* times its queue was found empty */
	pthread_t th;
	int running;
};

/*
 * Waits for record @idx of queue 0, polling every @us (the flows need not
 * poll as fast as mdkcard_wait(): their queues hold 16 descriptors, and
 * the CPU they leave is the workers'); 0, or -ETIMEDOUT after 20 s.
 */
static int flow_wait(struct mdkcard_vf *vf, uint32_t idx, unsigned int us,
		     struct mdk_card_comp *c)
{
	double end = now() + 20;

	while (!vf->q[0].comp[idx].status) {
		if (now() > end)
			return -ETIMEDOUT;
		usleep(us);
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(c, (void *)&vf->q[0].comp[idx], sizeof(*c));
	return 0;
}

/* Keeps f->depth copies of f->len in flight until told to stop. */
static void *flow_thread(void *arg)
{
	struct flow *f = arg;
	struct mdkcard_vf *vf = &f->vf;
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .len = f->len,
		.src = mdkcard_iova(vf, mdkcard_data(vf, 0)),
		.dst = mdkcard_iova(vf, mdkcard_data(vf, MIB)),
	};
	unsigned int us = f->len >= MIB ? 1000 : f->len >= 64 * KIB ? 200 : 50;
	unsigned int i, n = f->depth;
	struct mdk_card_comp c;
	uint32_t idx[DEPTH_SHARES];

	for (i = 0; i < n; i++)
		idx[i] = mdkcard_submit(vf, 0, &d);
	while (!f->stop) {
		for (i = 0; i < n && !f->stop; i++) {
			if (flow_wait(vf, idx[i], us, &c)) {
				f->errors++;
				return NULL;
			}
			if (c.status == MDK_CARD_ST_SUCCESS)
				f->done++;
			else
				f->errors++;
			/* The newest one done too: the queue ran dry. */
			if (vf->q[0].comp[idx[(i + n - 1) % n]].status)
				f->dry++;
			idx[i] = mdkcard_submit(vf, 0, &d);
		}
	}
	return NULL;
}

FIXTURE(sched) {
	struct flow f[NFLOWS];
	char extra[40];		/* a VF created and removed by one test */
};

FIXTURE_SETUP(sched)
{
	unsigned int i;

	for (i = 0; i < NFLOWS; i++)
		mdkcard_init(&self->f[i].vf);
	ASSERT_EQ(0, mdk_sh("modprobe vfio_iommu_type1 && modprobe mdk_card soft=1"));
	if (!mdk_exists(TYPES "/mdk_card-1q/create"))
		SKIP(return, "no software card");
}

static void flow_stop(struct flow *f)
{
	if (f->running) {
		f->stop = 1;
		pthread_join(f->th, NULL);
		f->running = 0;
	}
}

FIXTURE_TEARDOWN(sched)
{
	unsigned int i;

	for (i = 0; i < NFLOWS; i++)
		flow_stop(&self->f[i]);
	/* Close before removing: a remove waits for the VF's user. */
	for (i = 0; i < NFLOWS; i++) {
		mdkcard_close(&self->f[i].vf);
		if (self->f[i].created)
			mdk_remove_mdev(self->f[i].uuid);
	}
	if (self->extra[0])
		mdk_remove_mdev(self->extra);
	mdk_sh("rmmod mdk_card");
}

/* Creates VF @i of @type ("1q" ...) and, if @open, opens it, queue 0 on. */
static void flow_create(struct __test_metadata *_metadata,
			struct __fixture_type_sched *self, unsigned int i,
			const char *type, int open)
{
	struct flow *f = &self->f[i];
	char path[160];

	mdk_make_uuid(f->uuid, 0x5c4ed, getpid(), i);
	snprintf(path, sizeof(path), TYPES "/mdk_card-%s/create", type);
	ASSERT_EQ(0, mdk_write_str(path, f->uuid));
	f->created = 1;
	if (!open)
		return;
	ASSERT_EQ(0, mdkcard_open(&f->vf, f->uuid, DATA));
	ASSERT_EQ(0, mdkcard_start(&f->vf, 0));
}

static void flow_go(struct __test_metadata *_metadata, struct flow *f,
		    uint32_t len, unsigned int depth)
{
	f->len = len;
	f->depth = depth;
	f->stop = 0;
	ASSERT_EQ(0, pthread_create(&f->th, NULL, flow_thread, f));
	f->running = 1;
}

static void set_weight(struct __test_metadata *_metadata, struct flow *f,
		       unsigned int w)
{
	char val[16];

	snprintf(val, sizeof(val), "%u", w);
	ASSERT_EQ(0, mdk_qos_set(f->uuid, "weight", val));
	ASSERT_EQ(w, mdk_qos_get(f->uuid, "weight"));
}

/* What every VF had consumed at one moment. */
struct snap {
	double t;
	uint64_t bytes[NFLOWS];
	uint64_t ops[NFLOWS];
	uint64_t thr[NFLOWS];
	long done[NFLOWS];
};

static void snap_take(struct __fixture_type_sched *self, unsigned int n,
		      struct snap *s)
{
	unsigned int i;

	/* A sysfs read can take tens of ms here: each count next to its own. */
	s->t = now();
	for (i = 0; i < n; i++) {
		s->done[i] = self->f[i].done;
		s->bytes[i] = mdk_qos_get(self->f[i].uuid, "bytes");
	}
	for (i = 0; i < n; i++) {
		s->ops[i] = mdk_qos_get(self->f[i].uuid, "ops");
		s->thr[i] = mdk_qos_get(self->f[i].uuid, "throttled_ns");
	}
}

/*
 * Measures the @n flows over @secs after a warm-up: up to three windows,
 * until one in which every flow's queue stayed busy (a queue the test let
 * run dry measures the test's threads, not the scheduler).
 */
static void measure(struct __fixture_type_sched *self, unsigned int n,
		    double secs, struct snap *a, struct snap *b)
{
	long dry[NFLOWS];
	unsigned int i, k;
	bool busy;

	usleep(WARMUP_US);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < n; i++)
			dry[i] = self->f[i].dry;
		snap_take(self, n, a);
		usleep(secs * 1e6);
		snap_take(self, n, b);
		busy = true;
		for (i = 0; i < n; i++)
			busy &= self->f[i].dry == dry[i];
		if (busy)
			return;
	}
}

/*
 * Each flow's share of the bytes over [a, b] within TOL (relative) of its
 * weight's share, by the qos counters and by the completions counted here;
 * the two agree to what was in flight at each end (and 5%: the samples of
 * the flows are not taken at one instant).
 */
static void check_shares(struct __test_metadata *_metadata,
			 struct __fixture_type_sched *self,
			 const unsigned int *w, unsigned int n,
			 const struct snap *a, const struct snap *b,
			 const char *what)
{
	double sum_b = 0, sum_c = 0, dt = b->t - a->t;
	unsigned int i, sum_w = 0;

	for (i = 0; i < n; i++) {
		ASSERT_NE(UINT64_MAX, a->bytes[i]);
		ASSERT_NE(UINT64_MAX, b->bytes[i]);
		sum_w += w[i];
		sum_b += b->bytes[i] - a->bytes[i];
		sum_c += (double)(b->done[i] - a->done[i]) * self->f[i].len;
	}
	ASSERT_LT(0, sum_b);
	ASSERT_LT(0, sum_c);
	TH_LOG("%s: %.2f s, %.1f MiB/s in all", what, dt, sum_b / dt / MIB);
	for (i = 0; i < n; i++) {
		double db = b->bytes[i] - a->bytes[i];
		double dc = (double)(b->done[i] - a->done[i]) * self->f[i].len;
		double want = (double)w[i] / sum_w;
		double got = db / sum_b, got_c = dc / sum_c;

		TH_LOG("  VF%u weight %4u: %8.1f MiB/s share %.3f (completions %.3f) want %.3f, error %+.1f%%",
		       i, w[i], db / dt / MIB, got, got_c, want,
		       100 * (got / want - 1));
		EXPECT_GE(TOL, got / want - 1);
		EXPECT_GE(TOL, 1 - got / want);
		EXPECT_GE(TOL, got_c / want - 1);
		EXPECT_GE(TOL, 1 - got_c / want);
		/* Completions lag the counter by what is in flight. */
		EXPECT_GE(2.0 * self->f[i].depth * self->f[i].len + 0.05 * db,
			  db > dc ? db - dc : dc - db);
		EXPECT_EQ(0, self->f[i].errors);
		if (self->f[i].dry)
			TH_LOG("  VF%u: its queue was found empty %ld times (the test did not keep it busy)",
			       i, self->f[i].dry);
	}
}

TEST_F(sched, qos_files_exist_with_type_defaults)
{
	static const char *const types[] = { "1q", "2q", "4q", "8q" };
	static const char *const zero[] = {
		"max_bytes_per_s", "max_ops_per_s", "bytes", "ops",
		"throttled_ns",
	};
	unsigned int i, k;

	for (i = 0; i < 4; i++) {
		flow_create(_metadata, self, i, types[i], 0);
		TH_LOG("mdk_card-%s: weight %llu", types[i],
		       (unsigned long long)mdk_qos_get(self->f[i].uuid, "weight"));
		ASSERT_EQ(100ULL << i, mdk_qos_get(self->f[i].uuid, "weight"));
		for (k = 0; k < 5; k++) {
			if (mdk_qos_get(self->f[i].uuid, zero[k]))
				TH_LOG("  %s is %llu", zero[k],
				       (unsigned long long)mdk_qos_get(self->f[i].uuid,
								   zero[k]));
			EXPECT_EQ(0, mdk_qos_get(self->f[i].uuid, zero[k]));
		}
	}
}

struct bad_write {
	const char *file;
	const char *val;
	int err;		/* the errno expected */
	int err2;		/* another one accepted, or 0 */
};

TEST_F(sched, bad_qos_writes_fail_and_change_nothing)
{
	static const struct bad_write bad[] = {
		/* "": `echo > file` (a write of 0 bytes never reaches it) */
		{ "weight", "\n", EINVAL, 0 },
		{ "weight", "abc", EINVAL, 0 },
		{ "weight", "-1", EINVAL, ERANGE },
		{ "weight", "1x", EINVAL, 0 },
		{ "weight", "5\n\n", EINVAL, 0 },
		{ "weight", "5 ", EINVAL, 0 },
		{ "weight", "0", ERANGE, 0 },
		{ "weight", "10001", ERANGE, 0 },
		{ "weight", "4294967396", ERANGE, 0 },	/* 2^32 + 100 */
		{ "weight", "18446744073709551616", ERANGE, 0 },
		{ "max_bytes_per_s", "\n", EINVAL, 0 },
		{ "max_bytes_per_s", "abc", EINVAL, 0 },
		{ "max_bytes_per_s", "-1", EINVAL, ERANGE },
		{ "max_bytes_per_s", "1x", EINVAL, 0 },
		{ "max_bytes_per_s", "18446744073709551616", ERANGE, 0 },
		{ "max_ops_per_s", "\n", EINVAL, 0 },
		{ "max_ops_per_s", "abc", EINVAL, 0 },
		{ "max_ops_per_s", "-1", EINVAL, ERANGE },
		{ "max_ops_per_s", "1x", EINVAL, 0 },
		{ "max_ops_per_s", "1000000001", ERANGE, 0 },
		{ "max_ops_per_s", "18446744073709551616", ERANGE, 0 },
	};
	static const char *const ro[] = { "bytes", "ops", "throttled_ns" };
	const char *u;
	unsigned int i;

	flow_create(_metadata, self, 0, "1q", 0);
	u = self->f[0].uuid;
	/* Values that are not the defaults, to see that nothing changes. */
	ASSERT_EQ(0, mdk_qos_set(u, "weight", "250"));
	ASSERT_EQ(0, mdk_qos_set(u, "max_bytes_per_s", "12345678"));
	ASSERT_EQ(0, mdk_qos_set(u, "max_ops_per_s", "4321"));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t before = mdk_qos_get(u, bad[i].file);
		int ret = mdk_qos_set(u, bad[i].file, bad[i].val);

		if (ret != -bad[i].err && (!bad[i].err2 || ret != -bad[i].err2))
			TH_LOG("%s <- \"%s\": %d (%s), expected -%d", bad[i].file,
			       bad[i].val, ret, ret ? strerror(-ret) : "accepted",
			       bad[i].err);
		EXPECT_TRUE(ret == -bad[i].err ||
			    (bad[i].err2 && ret == -bad[i].err2));
		EXPECT_EQ(before, mdk_qos_get(u, bad[i].file));
	}
	EXPECT_EQ(250, mdk_qos_get(u, "weight"));
	EXPECT_EQ(12345678, mdk_qos_get(u, "max_bytes_per_s"));
	EXPECT_EQ(4321, mdk_qos_get(u, "max_ops_per_s"));
	/* The counters cannot be written. */
	for (i = 0; i < 3; i++)
		EXPECT_NE(0, mdk_qos_set(u, ro[i], "0"));
}

TEST_F(sched, good_qos_writes_read_back)
{
	static const struct {
		const char *file, *val;
		uint64_t want;
	} good[] = {
		{ "weight", "1", 1 },
		{ "weight", "10000", 10000 },
		{ "weight", "300\n", 300 },
		{ "weight", "+42", 42 },
		{ "max_bytes_per_s", "16777216", 16777216 },
		{ "max_bytes_per_s", "1099511627776\n", 1099511627776ULL },
		{ "max_bytes_per_s", "0", 0 },
		{ "max_ops_per_s", "1000000000", 1000000000 },
		{ "max_ops_per_s", "2000\n", 2000 },
		{ "max_ops_per_s", "0", 0 },
	};
	const char *u;
	unsigned int i;

	flow_create(_metadata, self, 0, "2q", 0);
	u = self->f[0].uuid;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		int ret = mdk_qos_set(u, good[i].file, good[i].val);

		if (ret)
			TH_LOG("%s <- \"%s\": %s", good[i].file, good[i].val,
			       strerror(-ret));
		EXPECT_EQ(0, ret);
		EXPECT_EQ(good[i].want, mdk_qos_get(u, good[i].file));
	}
}

/*
 * Every flow's share over [a, b] within TOL of its weight's, by the qos
 * counters and by the completions counted here: what check_shares()
 * checks. (The completions lag by what is in flight, up to a tenth of a
 * short window on the debug kernel: such a window is measured again.)
 */
static bool shares_within(struct __fixture_type_sched *self,
			  const unsigned int *w, unsigned int n,
			  const struct snap *a, const struct snap *b)
{
	double sum_b = 0, sum_c = 0, got, got_c, want;
	unsigned int i, sum_w = 0;

	for (i = 0; i < n; i++) {
		sum_w += w[i];
		sum_b += b->bytes[i] - a->bytes[i];
		sum_c += (double)(b->done[i] - a->done[i]) * self->f[i].len;
	}
	for (i = 0; i < n && sum_b > 0 && sum_c > 0; i++) {
		got = (b->bytes[i] - a->bytes[i]) / sum_b;
		got_c = (b->done[i] - a->done[i]) * self->f[i].len / sum_c;
		want = (double)w[i] / sum_w;
		if (got / want - 1 > TOL || 1 - got / want > TOL ||
		    got_c / want - 1 > TOL || 1 - got_c / want > TOL)
			return false;
	}
	return sum_b > 0 && sum_c > 0;
}

/*
 * Measures the shares of flows of weights @w over windows of @secs and
 * checks them. Up to three windows (five on the debug kernel, where four
 * VFs' workers and drivers starve each other of the two vCPUs): one the
 * host disturbed (the other VM of the check taking the cores, the card's
 * rate falling 5x in a window on the debug kernel) is logged and measured
 * again; a scheduler that gets the shares wrong gets them wrong in all of
 * them.
 */
static void measure_shares(struct __test_metadata *_metadata,
			   struct __fixture_type_sched *self,
			   const unsigned int *w, unsigned int n, double secs,
			   const char *what)
{
	struct snap a, b;
	unsigned int k;

	for (k = 0; k < (mdk_is_debug_kernel() ? 4 : 2); k++) {
		measure(self, n, secs, &a, &b);
		if (shares_within(self, w, n, &a, &b))
			break;
		TH_LOG("%s: window %u off, measuring again", what, k + 1);
	}
	check_shares(_metadata, self, w, n, &a, &b, what);
}

static void shares(struct __test_metadata *_metadata,
		   struct __fixture_type_sched *self, const unsigned int *w,
		   unsigned int n, const char *what)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		flow_create(_metadata, self, i, "1q", 1);
		set_weight(_metadata, &self->f[i], w[i]);
	}
	for (i = 0; i < n; i++)
		flow_go(_metadata, &self->f[i], SHARE_LEN, DEPTH_SHARES);
	measure_shares(_metadata, self, w, n, 3, what);
}

TEST_F_TIMEOUT(sched, shares_follow_weights_of_two_vfs, 120)
{
	static const unsigned int w[] = { 100, 300 };

	shares(_metadata, self, w, 2, "weights 100:300");
}

TEST_F_TIMEOUT(sched, shares_follow_weights_of_four_vfs, 120)
{
	static const unsigned int w[] = { 100, 200, 300, 400 };

	shares(_metadata, self, w, 4, "weights 100:200:300:400");
}

TEST_F_TIMEOUT(sched, weight_changed_under_load_takes_effect, 120)
{
	static const unsigned int w1[] = { 100, 100 }, w2[] = { 100, 400 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		flow_create(_metadata, self, i, "1q", 1);
		set_weight(_metadata, &self->f[i], 100);
	}
	for (i = 0; i < 2; i++)
		flow_go(_metadata, &self->f[i], SHARE_LEN, DEPTH_SHARES);
	measure_shares(_metadata, self, w1, 2, 3, "weights 100:100");
	set_weight(_metadata, &self->f[1], 400);
	usleep(WARMUP_US);	/* the queues hold the old weights' backlog */
	measure_shares(_metadata, self, w2, 2, 3,
		       "then 100:400, changed under load");
}

/* Flow 0 was held back by its limit for part of [a, b], and no longer. */
static void check_throttled(struct __test_metadata *_metadata,
			    struct __fixture_type_sched *self,
			    const struct snap *a, const struct snap *b)
{
	double dt = b->t - a->t, thr = (b->thr[0] - a->thr[0]) / 1e9;

	TH_LOG("throttled %.2f s of %.2f s", thr, dt);
	EXPECT_LT(0.1 * dt, thr);
	EXPECT_GE(dt + 0.1, thr);
	EXPECT_EQ(0, self->f[0].errors);
}

TEST_F_TIMEOUT(sched, byte_rate_limit_holds_and_throttled_ns_grows, 120)
{
	double dt, alone, limit;
	struct snap a, b;
	char val[32];

	flow_create(_metadata, self, 0, "1q", 1);
	/*
	 * 16 MiB/s, or a third of what the card does here unlimited if that
	 * is less (the debug kernel's card, beside another VM, can do less).
	 */
	flow_go(_metadata, &self->f[0], 64 * KIB, DEPTH);
	measure(self, 1, 1, &a, &b);
	alone = (b.bytes[0] - a.bytes[0]) / (b.t - a.t);
	limit = alone / 3 < 16.0 * MIB ? alone / 3 : 16.0 * MIB;
	TH_LOG("unlimited: %.1f MiB/s; the limit: %.1f MiB/s", alone / MIB,
	       limit / MIB);
	snprintf(val, sizeof(val), "%.0f", limit);
	ASSERT_EQ(0, mdk_qos_set(self->f[0].uuid, "max_bytes_per_s", val));
	measure(self, 1, 3, &a, &b);
	dt = b.t - a.t;
	mdk_check_rate(_metadata, TOL, b.bytes[0] - a.bytes[0], dt, atof(val),
		       "bytes at max_bytes_per_s");
	mdk_check_rate(_metadata, TOL,
		       (double)(b.done[0] - a.done[0]) * 64 * KIB, dt,
		       atof(val), "  by completions");
	check_throttled(_metadata, self, &a, &b);
}

TEST_F_TIMEOUT(sched, op_rate_limit_holds_and_throttled_ns_grows, 120)
{
	struct snap a, b;
	double dt, ratio;

	flow_create(_metadata, self, 0, "1q", 1);
	/* What the card does unlimited here: the debug kernel under TCG
	 * can be below 2000 64-byte copies a second.
	 */
	flow_go(_metadata, &self->f[0], 64, DEPTH);
	measure(self, 1, 1, &a, &b);
	dt = b.t - a.t;
	TH_LOG("unlimited: %.0f 64-byte copies/s", (b.ops[0] - a.ops[0]) / dt);
	if ((b.ops[0] - a.ops[0]) / dt < 1.2 * 2000)
		SKIP(return, "the card does %.0f copies/s here: a limit of 2000/s cannot be measured",
		     (b.ops[0] - a.ops[0]) / dt);
	ASSERT_EQ(0, mdk_qos_set(self->f[0].uuid, "max_ops_per_s", "2000"));
	measure(self, 1, 3, &a, &b);
	dt = b.t - a.t;
	mdk_check_rate(_metadata, TOL, b.ops[0] - a.ops[0], dt, 2000,
		       "64-byte copies at max_ops_per_s 2000");
	mdk_check_rate(_metadata, TOL, b.done[0] - a.done[0], dt, 2000,
		       "  by completions");
	/* 64 bytes an operation (ops and bytes are read apart: 5%). */
	ratio = (b.bytes[0] - a.bytes[0]) / (64.0 * (b.ops[0] - a.ops[0]));
	EXPECT_GE(1.05, ratio);
	EXPECT_LE(0.95, ratio);
	check_throttled(_metadata, self, &a, &b);
}

/* What one attempt of limited_vf_leaves_the_rest_to_an_unlimited_one saw. */
struct limit_run {
	double alone;	/* the unlimited VF alone, bytes/s */
	double limit;	/* the limited VF's limit: a fifth of that, or 16 MiB/s */
	double got;	/* the limited VF's rate */
	double rest;	/* the unlimited VF's rate next to it */
	double dt;	/* the window */
	struct snap a, b;
};

/*
 * One attempt on VFs @l (to be limited) and @u (unlimited), both created:
 * @u alone first (what the card gives one VF here, now), then @l limited
 * to a fifth of that (16 MiB/s at most; the debug kernel's card does
 * ~25-50) next to it. Both flows are stopped at the end. Returns whether
 * the rates came out as the policy says (the caller checks the last
 * attempt); what must hold whatever the host does is checked here.
 */
static bool limit_attempt(struct __test_metadata *_metadata,
			  struct __fixture_type_sched *self, unsigned int l,
			  unsigned int u, struct limit_run *r)
{
	char val[32];

	flow_go(_metadata, &self->f[u], 64 * KIB, DEPTH_SHARES);
	measure(self, u + 1, 2, &r->a, &r->b);
	r->alone = (r->b.bytes[u] - r->a.bytes[u]) / (r->b.t - r->a.t);
	TH_LOG("VF%u alone: %.1f MiB/s", u, r->alone / MIB);
	r->limit = (unsigned long long)(r->alone / 5 < 16.0 * MIB ?
					r->alone / 5 : 16.0 * MIB);
	snprintf(val, sizeof(val), "%llu", (unsigned long long)r->limit);
	EXPECT_EQ(0, mdk_qos_set(self->f[l].uuid, "max_bytes_per_s", val));
	flow_go(_metadata, &self->f[l], 64 * KIB, DEPTH);
	measure(self, u + 1, 3, &r->a, &r->b);
	flow_stop(&self->f[l]);
	flow_stop(&self->f[u]);
	r->dt = r->b.t - r->a.t;
	r->got = (r->b.bytes[l] - r->a.bytes[l]) / r->dt;
	r->rest = (r->b.bytes[u] - r->a.bytes[u]) / r->dt;
	TH_LOG("VF%u limited to %.1f MiB/s: %.1f MiB/s (%+.1f%%); VF%u unlimited next to it: %.1f MiB/s (%.0f%% of alone), throttled %llu ns",
	       l, r->limit / MIB, r->got / MIB, 100 * (r->got / r->limit - 1),
	       u, r->rest / MIB, 100 * r->rest / r->alone,
	       (unsigned long long)(r->b.thr[u] - r->a.thr[u]));
	EXPECT_EQ(0, r->b.thr[u] - r->a.thr[u]);
	EXPECT_EQ(0, self->f[l].errors);
	EXPECT_EQ(0, self->f[u].errors);
	return r->got <= (1 + TOL) * r->limit &&
	       r->got >= (1 - TOL) * r->limit &&
	       r->rest > 2 * r->got && r->rest > 0.3 * r->alone;
}

/*
 * A VF limited to a fifth of what the card gives one VF alone, next to an
 * unlimited one: the limit holds, and the unlimited one gets the rest
 * (work conserving: far more than an equal share with the limited one,
 * and most of what it did alone). The rates are compared with one measured
 * seconds earlier, and the host's load moved a rate 2-5x between windows
 * in CI (the other VM, a benchmark beside it): an attempt that misses is
 * printed and made again on two fresh VFs (the first pair stopped), and
 * the second is the one checked.
 */
TEST_F_TIMEOUT(sched, limited_vf_leaves_the_rest_to_an_unlimited_one, 180)
{
	struct limit_run r;
	unsigned int i;

	for (i = 0; i < 4; i++)
		flow_create(_metadata, self, i, "1q", 1);
	if (limit_attempt(_metadata, self, 0, 1, &r))
		goto check;
	TH_LOG("attempt 1 missed: again on VF2 and VF3");
	limit_attempt(_metadata, self, 2, 3, &r);
check:
	mdk_check_rate(_metadata, TOL, r.got * r.dt, r.dt, r.limit,
		       "the limited VF at a fifth of the other alone");
	EXPECT_LT(2 * r.got, r.rest);
	EXPECT_LT(0.3 * r.alone, r.rest);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define LAT_N	200

/*
 * Waits for record @idx of queue 0 by its interrupt, as a driver would
 * (a thread polling every 20 us takes a vCPU from the workers here);
 * 0, or -ETIMEDOUT after 10 s.
 */
static int wait_irq(struct mdkcard_vf *vf, uint32_t idx,
		    struct mdk_card_comp *c)
{
	struct pollfd p = { .fd = vf->q[0].efd, .events = POLLIN };
	double end = now() + 10;
	uint64_t n;

	while (!vf->q[0].comp[idx].status) {
		if (now() > end)
			return -ETIMEDOUT;
		if (poll(&p, 1, 100) == 1 && read(p.fd, &n, sizeof(n)) < 0)
			usleep(100);
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(c, (void *)&vf->q[0].comp[idx], sizeof(*c));
	return 0;
}

/* @n single COPYs of @len on @f, one at a time; their times, sorted. */
static void one_at_a_time(struct __test_metadata *_metadata, struct flow *f,
			  uint32_t len, unsigned int n, double *lat)
{
	struct mdkcard_vf *vf = &f->vf;
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .len = len, .flags = MDK_CARD_F_IRQ,
		.src = mdkcard_iova(vf, mdkcard_data(vf, 0)),
		.dst = mdkcard_iova(vf, mdkcard_data(vf, MIB)),
	};
	struct mdk_card_comp c;
	unsigned int i;
	uint64_t junk;
	double t;

	for (i = 0; i < n; i++) {
		/* No interrupt left over from the last one. */
		if (read(vf->q[0].efd, &junk, sizeof(junk)) < 0)
			junk = 0;
		t = now();
		ASSERT_EQ(0, wait_irq(vf, mdkcard_submit(vf, 0, &d), &c));
		lat[i] = now() - t;
		ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
}

static void log_lat(struct __test_metadata *_metadata, const char *what,
		    const double *lat, unsigned int n)
{
	TH_LOG("%s: min %.2f median %.2f p99 %.2f max %.2f ms", what,
	       lat[0] * 1e3, lat[n / 2] * 1e3, lat[(n * 99 + 99) / 100 - 1] * 1e3,
	       lat[n - 1] * 1e3);
}

TEST_F_TIMEOUT(sched, small_copy_waits_about_one_big_copy_next_to_a_flood, 180)
{
	double lat[LAT_N], t1m[8], bound;
	long before;

	flow_create(_metadata, self, 0, "1q", 1);	/* A: floods */
	flow_create(_metadata, self, 1, "1q", 1);	/* B: single copies */
	/* Warm: pages pinned, both VFs known to the scheduler. */
	one_at_a_time(_metadata, &self->f[0], MIB, 2, t1m);
	one_at_a_time(_metadata, &self->f[1], 64, 10, lat);
	one_at_a_time(_metadata, &self->f[1], 64, LAT_N, lat);
	log_lat(_metadata, "B's 64-byte copies alone", lat, LAT_N);
	one_at_a_time(_metadata, &self->f[0], MIB, 8, t1m);
	log_lat(_metadata, "A's 1 MiB copy alone (t1m)", t1m, 8);
	bound = 4 * t1m[4] + 0.030;
	/*
	 * 64 in flight: served in arrival order, B would wait for up to 64
	 * of A's copies; with the scheduler, for about one.
	 */
	flow_go(_metadata, &self->f[0], MIB, DEPTH_SHARES);
	usleep(WARMUP_US);
	before = self->f[0].done;
	one_at_a_time(_metadata, &self->f[1], 64, LAT_N, lat);
	TH_LOG("A completed %ld 1 MiB copies meanwhile", self->f[0].done - before);
	log_lat(_metadata, "B's 64-byte copies next to A's flood", lat, LAT_N);
	TH_LOG("bound on the 99th percentile: 4 * t1m (median %.2f ms) + 30 ms = %.2f ms (the maximum also holds the host's preemptions of the VM)",
	       t1m[4] * 1e3, bound * 1e3);
	EXPECT_GE(bound, lat[LAT_N * 99 / 100 - 1]);
	EXPECT_GE(16 * t1m[4] + 0.050, lat[LAT_N - 1]);
	/* A was flooding all along. */
	EXPECT_LT(LAT_N / 10, self->f[0].done - before);
	EXPECT_EQ(0, self->f[0].errors);
}

/* A call that may block in the kernel, run in a thread with a deadline. */
struct tcall {
	void (*fn)(struct tcall *t);
	const char *path;
	const char *val;
	const char *uuid;
	int ret;
	volatile int done;
};

static void *tcall_thread(void *arg)
{
	struct tcall *t = arg;

	t->fn(t);
	t->done = 1;
	return NULL;
}

/*
 * Runs @t->fn; its time, or -1 if it did not return within @limit
 * seconds (then the thread and @t are left behind: @t must not be on the
 * stack).
 */
static double timed(struct tcall *t, double limit)
{
	double t0 = now();
	pthread_t th;

	t->done = 0;
	if (pthread_create(&th, NULL, tcall_thread, t))
		return -1;
	while (!t->done && now() - t0 < limit)
		usleep(1000);
	if (!t->done) {
		pthread_detach(th);
		return -1;
	}
	pthread_join(th, NULL);
	return now() - t0;
}

static void do_read(struct tcall *t)
{
	char buf[256];

	t->ret = mdk_read_str(t->path, buf, sizeof(buf));
}

/* Creates mdev t->uuid of type path t->path, then removes it. */
static void do_create_remove(struct tcall *t)
{
	t->ret = mdk_write_str(t->path, t->uuid);
	if (!t->ret)
		t->ret = mdk_remove_mdev(t->uuid);
}

#define STALL_IOVA	(MDKCARD_IOVA + (1ULL << 30))
#define STALL_SIZE	(64 * KIB)

TEST_F_TIMEOUT(sched, stalled_tenant_does_not_stop_the_others, 180)
{
	static const char *const card_files[] = {
		CARD "/portals_total", CARD "/portals_free",
		CARD "/queues_total", CARD "/queues_free",
		CARD "/vectors_total", CARD "/vectors_free",
		TYPES "/mdk_card-1q/available_instances",
		TYPES "/mdk_card-2q/available_instances",
		TYPES "/mdk_card-4q/available_instances",
		TYPES "/mdk_card-8q/available_instances",
	};
	static const char *const qos[] = {
		"weight", "bytes", "ops", "throttled_ns",
	};
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct flow *a = &self->f[0], *b = &self->f[1];
	volatile struct mdk_card_comp *rec;
	uint32_t base = MDK_CARD_Q(0);
	uint64_t comp;
	struct tcall *t;
	char path[8][160];
	double took, worst = 0, t0, end;
	long before;
	void *ring;
	unsigned int i, k;
	int uffd;

	flow_create(_metadata, self, 0, "1q", 1);	/* A: will stall */
	flow_create(_metadata, self, 1, "1q", 1);	/* B: keeps working */
	flow_go(_metadata, b, 64 * KIB, DEPTH);

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 && errno == ENOSYS)
		SKIP(return, "no userfaultfd in this kernel");
	ASSERT_LE(0, uffd);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	ring = mmap(NULL, STALL_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ring);
	reg.range.start = (uintptr_t)ring;
	reg.range.len = STALL_SIZE;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	/* An mdev-only container pins nothing at map time: no fault here. */
	ASSERT_EQ(0, mdkvfio_map_dma(&a->vf.v, ring, STALL_IOVA, STALL_SIZE));

	/* A's queue 0: the ring there, records in A's ordinary memory. */
	comp = a->vf.iova + MDKCARD_RING * sizeof(struct mdk_card_desc);
	rec = (void *)(a->vf.mem + (comp - a->vf.iova));
	ASSERT_EQ(0, mdkcard_wreg(&a->vf, base + MDK_CARD_Q_ENABLE, 0));
	ASSERT_EQ(0, mdkcard_wreg(&a->vf, base + MDK_CARD_Q_RING_LO,
				  (uint32_t)STALL_IOVA));
	ASSERT_EQ(0, mdkcard_wreg(&a->vf, base + MDK_CARD_Q_RING_HI,
				  STALL_IOVA >> 32));
	ASSERT_EQ(0, mdkcard_wreg(&a->vf, base + MDK_CARD_Q_COMP_LO,
				  (uint32_t)comp));
	ASSERT_EQ(0, mdkcard_wreg(&a->vf, base + MDK_CARD_Q_COMP_HI,
				  comp >> 32));
	ASSERT_EQ(0, mdkcard_wreg(&a->vf, base + MDK_CARD_Q_SIZE, MDKCARD_RING));
	ASSERT_EQ(0, mdkcard_wreg(&a->vf, base + MDK_CARD_Q_VECTOR,
				  MDK_CARD_NO_VECTOR));
	ASSERT_EQ(0, mdkcard_wreg(&a->vf, base + MDK_CARD_Q_ENABLE, 1));
	ASSERT_EQ(1, mdkcard_reg(&a->vf, base + MDK_CARD_Q_ENABLE));
	rec[0].status = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*(volatile uint32_t *)(a->vf.portals + MDK_CARD_PORTAL_TAIL) = 1;
	/*
	 * The card fetches through its pin cache, and vfio pins without
	 * waiting on a userfaultfd: A's descriptor fails at once instead of
	 * leaving A's worker waiting on the fault.
	 */
	t0 = now();
	while (!rec[0].status && now() - t0 < 5)
		usleep(1000);
	TH_LOG("A's descriptor on userfaultfd memory completed after %.1f ms, status 0x%x",
	       (now() - t0) * 1e3, rec[0].status);
	ASSERT_EQ(MDK_CARD_ST_BAD_ADDRESS, rec[0].status);
	/* And A keeps submitting into it while B works. */
	*(volatile uint32_t *)(a->vf.portals + MDK_CARD_PORTAL_TAIL) = 100;

	/* 3 s of B, while the card's sysfs is read and a VF comes and goes. */
	before = b->done;
	t0 = now();
	end = t0 + 3;
	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	t->fn = do_read;
	for (i = 0; i < ARRAY_SIZE(card_files); i++) {
		t->path = card_files[i];
		took = timed(t, 1);
		if (took < 0) {
			TH_LOG("reading %s took over 1 s", t->path);
			t = calloc(1, sizeof(*t));
			ASSERT_NE(NULL, t);
			t->fn = do_read;
		}
		EXPECT_LE(0, took);
		EXPECT_EQ(0, t->ret);
		if (took > worst)
			worst = took;
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 4; i++) {
			mdk_qos_path(path[i], sizeof(path[i]), self->f[k].uuid,
				 qos[i]);
			t->path = path[i];
			took = timed(t, 1);
			if (took < 0) {
				TH_LOG("reading %s took over 1 s", t->path);
				t = calloc(1, sizeof(*t));
				ASSERT_NE(NULL, t);
				t->fn = do_read;
			}
			EXPECT_LE(0, took);
			if (took > worst)
				worst = took;
		}
	}
	TH_LOG("sysfs reads while A is stalled: the slowest took %.1f ms",
	       worst * 1e3);
	t = calloc(1, sizeof(*t));
	ASSERT_NE(NULL, t);
	mdk_make_uuid(self->extra, 0x5c4ed, getpid(), 9);
	t->fn = do_create_remove;
	t->path = TYPES "/mdk_card-1q/create";
	t->uuid = self->extra;
	took = timed(t, 10);
	TH_LOG("creating and removing a third VF took %.1f ms", took * 1e3);
	EXPECT_LE(0, took);
	EXPECT_EQ(0, t->ret);
	if (took >= 0 && !t->ret)
		self->extra[0] = 0;
	if (now() < end)
		usleep((end - now()) * 1e6);
	TH_LOG("B completed %ld 64 KiB copies in %.2f s with A stalled",
	       b->done - before, now() - t0);
	EXPECT_LE(300, b->done - before);
	EXPECT_EQ(0, b->errors);
	/* A's 99 others failed the same way, none left waiting. */
	for (i = 1; i < 100; i++)
		EXPECT_EQ(MDK_CARD_ST_BAD_ADDRESS, rec[i].status);
	close(uffd);
	flow_stop(b);
	mdkcard_close(&a->vf);
	munmap(ring, STALL_SIZE);
	/* A goes away cleanly. */
	t0 = now();
	EXPECT_EQ(0, mdk_remove_mdev(a->uuid));
	TH_LOG("A removed in %.1f ms", (now() - t0) * 1e3);
	a->created = 0;
}

TEST_HARNESS_MAIN
