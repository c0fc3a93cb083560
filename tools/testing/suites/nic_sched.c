// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdevkit-alone: long
 * mdevkit-append: maxcpus=1
 * mdevkit-kvers: 6.12 6.1
 * Not on the debug kernel: there (KASAN, lockdep and kmemleak under TCG)
 * the NIC's transmit path moved 0.1-1.2 MiB/s on a slow host (100-860
 * frames/s, swinging 10x between windows), less than one scheduling round
 * of four functions (2.5 MiB) in 30 s, so neither shares nor limits can be
 * measured; a faster host passed it and CI then failed it (a share 10%
 * off). The policy runs on debug in card_sched and in KUnit.
 * nic_sched - the software NIC's transmit engine (docs/nic.md, "Transmit
 * is scheduled") as its users see it, through each mdev's qos/ directory
 * (docs/sched.md), on NIC 0 with 1qp functions driven by libmdkvnet:
 * - the weight defaults to 100 per queue pair; bad writes fail with EINVAL
 *   or ERANGE and change nothing;
 * - functions that keep their transmit ring full of 1514-byte frames share
 *   the engine in the ratio of their weights (2 functions 100:300, then
 *   300:100 changed under load; 4 functions 100:200:300:400);
 * - a byte limit and a frame (operation) limit hold over 3 s or more,
 *   throttled_ns grows while the function is held back, and an unlimited
 *   neighbour gets the rest.
 * The representors are up and nobody reads them: the stack drops the
 * frames (an unknown ethertype to a MAC that is not theirs), and what the
 * engine charges (the frame and its 12-byte virtio header) counts either
 * way. Shares are ratios of qos/bytes deltas over a window in which every
 * function's ring stayed non-empty and the VM was not stopped by the host
 * (up to 4 windows, else the least disturbed: see measure()); limits are a
 * fraction of what a function does alone here, measured first, so that the
 * debug kernel passes too. Every measurement is printed.
 *
 * One CPU (maxcpus=1): QEMU's single-threaded TCG runs a busy vCPU up to
 * 100 ms before the other, so with two a flow's thread woken on the idle
 * one waited that long while the NIC's workers ran on the busy one, and
 * the rings (256 frames, 10-150 ms of transmit here) ran dry; on one CPU
 * the guest's scheduler runs the (real-time) thread when its sleep ends.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>

#include "harness.h"
#define MDK_NIC_NO_FIXTURE
#include "mdk_nic.h"

#define NFLOWS		4
#define FRAME_LEN	1514
/* What the engine charges for one: the frame and its virtio header. */
#define CHARGED		(FRAME_LEN + MDKVNET_HDR)
#define FLOW_US		1000	/* a flow's thread refills its ring so often */
#define TOL		0.10	/* relative tolerance of shares, rates */
#define WARMUP_US	500000	/* before a window: bursts spent */
/*
 * A window in which a thread (real-time, sleeping 1 ms) woke later than
 * this saw the VM stand still: the host ran something else (in the VM only
 * a non-preemptible stretch of a worker or of the frames' softirq delays
 * it, a few ms; 5-29 ms were seen with the host's load at 5-6). A stop
 * that long can also hold an owner of the engine past its 50 ms stall
 * limit, which then loses its turn.
 */
#define LATE_US		30000
#define WINDOWS		4	/* at most, until an undisturbed one, */
#define SHARE_BUDGET_S	75	/* or until they would take this long */
#define MIB		(1024.0 * 1024)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One function and the thread that keeps its transmit ring full. */
struct flow {
	char uuid[40];
	char rep[IFNAMSIZ];
	int created;
	uint8_t mac[6];
	struct mdkvnet n;
	/* Shared with its thread: read and written with LOAD() and STORE(). */
	int stop;
	long sent;		/* frames made available */
	long dry;		/* times its ring was found empty */
	long errors;		/* mdkvnet_tx() failures other than full */
	long late_us;		/* its latest wake-up since reset, past FLOW_US */
	pthread_t th;
	int running;
};

/*
 * Fills the transmit ring of pair 0, sleeps FLOW_US, again, until told to
 * stop; a ring the device emptied meanwhile counts as dry.
 */
static void *flow_thread(void *arg)
{
	/* Unicast, not the representor's: the stack drops it at once. */
	static const uint8_t dst[6] = { 0x02, 0x6d, 0x64, 0x6b, 0x00, 0x01 };
	struct flow *f = arg;
	unsigned int q = mdkvnet_txq(0);
	uint8_t frame[FRAME_LEN];
	double t;
	long late;
	int ret;

	nic_frame(frame, FRAME_LEN, dst, f->mac, 1, 0);
	while (!LOAD(f->stop)) {
		while (!(ret = mdkvnet_tx(&f->n, 0, frame, FRAME_LEN)))
			STORE(f->sent, f->sent + 1);
		if (ret != -EAGAIN) {
			STORE(f->errors, f->errors + 1);
			return NULL;
		}
		t = now();
		usleep(FLOW_US);
		late = (now() - t) * 1e6 - FLOW_US;
		if (late > LOAD(f->late_us))
			STORE(f->late_us, late);
		if (mdkvnet_used_idx(&f->n, q) == f->n.vq[q].avail_idx)
			STORE(f->dry, f->dry + 1);
	}
	return NULL;
}

FIXTURE(sched) {
	struct flow f[NFLOWS];
};

FIXTURE_SETUP(sched)
{
	unsigned int i;

	for (i = 0; i < NFLOWS; i++)
		mdkvnet_init(&self->f[i].n);
	ASSERT_EQ(0, nic_load());
}

static void flow_stop(struct flow *f)
{
	if (f->running) {
		STORE(f->stop, 1);
		pthread_join(f->th, NULL);
		f->running = 0;
	}
}

FIXTURE_TEARDOWN(sched)
{
	unsigned int i;

	for (i = 0; i < NFLOWS; i++)
		flow_stop(&self->f[i]);
	/* Close before removing: a remove waits for the mdev's user. */
	for (i = 0; i < NFLOWS; i++) {
		mdkvnet_close(&self->f[i].n);
		if (self->f[i].created)
			mdk_remove_mdev(self->f[i].uuid);
	}
}

/*
 * Creates function @i of @type; with @start, its representor up (no IPv6:
 * no router solicitations) and the device opened and started, one pair.
 */
static void flow_create(struct __test_metadata *_metadata,
			struct __fixture_type_sched *self, unsigned int i,
			const char *type, int start)
{
	struct flow *f = &self->f[i];
	struct virtio_net_config c;
	char path[160];

	mdk_make_uuid(f->uuid, 0x5c4ee, getpid() & 0xffff, i);
	ASSERT_EQ(0, nic_create(type, f->uuid));
	f->created = 1;
	if (!start)
		return;
	ASSERT_EQ(0, nic_attr(f->uuid, "representor", f->rep, sizeof(f->rep)));
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 f->rep);
	mdk_write_str(path, "1");
	ASSERT_EQ(0, nic_ifup(f->rep, 1));
	ASSERT_EQ(0, mdkvnet_open(&f->n, f->uuid));
	ASSERT_EQ(0, mdkvnet_start(&f->n, ~0ULL, 1));
	ASSERT_EQ(0, mdkvnet_config(&f->n, &c));
	memcpy(f->mac, c.mac, 6);
}

/*
 * Its thread real-time: it preempts the NIC's workers and the backlog of
 * frames on the one CPU as soon as its sleep ends (it sleeps most of the
 * time). Among ordinary tasks it waited up to tens of ms there, and four
 * functions' rings ran dry on 6.1.
 */
static void flow_go(struct __test_metadata *_metadata, struct flow *f)
{
	struct sched_param sp = { .sched_priority = 1 };
	pthread_attr_t attr;

	STORE(f->stop, 0);
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setinheritsched(&attr,
						  PTHREAD_EXPLICIT_SCHED));
	ASSERT_EQ(0, pthread_attr_setschedpolicy(&attr, SCHED_FIFO));
	ASSERT_EQ(0, pthread_attr_setschedparam(&attr, &sp));
	/* Not allowed (a cgroup without real-time time): an ordinary one. */
	if (pthread_create(&f->th, &attr, flow_thread, f)) {
		TH_LOG("no real-time thread here: an ordinary one");
		ASSERT_EQ(0, pthread_create(&f->th, NULL, flow_thread, f));
	}
	pthread_attr_destroy(&attr);
	f->running = 1;
}

static void set_qos(struct __test_metadata *_metadata, struct flow *f,
		    const char *name, uint64_t v)
{
	char val[32];

	snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
	ASSERT_EQ(0, mdk_qos_set(f->uuid, name, val));
	ASSERT_EQ(v, mdk_qos_get(f->uuid, name));
}

/* What every function had been charged at one moment. */
struct snap {
	double t;
	uint64_t bytes[NFLOWS];
	uint64_t ops[NFLOWS];
	uint64_t thr[NFLOWS];
};

static void snap_take(struct __fixture_type_sched *self, unsigned int n,
		      struct snap *s)
{
	unsigned int i;

	/* A sysfs read can take ms here: the bytes next to each other. */
	s->t = now();
	for (i = 0; i < n; i++)
		s->bytes[i] = mdk_qos_get(self->f[i].uuid, "bytes");
	for (i = 0; i < n; i++) {
		s->ops[i] = mdk_qos_get(self->f[i].uuid, "ops");
		s->thr[i] = mdk_qos_get(self->f[i].uuid, "throttled_ns");
	}
}

/* How a measurement window went for the test's threads. */
struct disturb {
	long dry;	/* rings found empty */
	long late_us;	/* the latest wake-up of a thread */
};

static long disturb_score(const struct disturb *d)
{
	return d->dry + (d->late_us > LATE_US ? 1000 : 0);
}

/*
 * Measures flows 0..@n-1 over @secs after a warm-up: up to WINDOWS windows
 * (fewer if they would take more than SHARE_BUDGET_S in all), until one
 * in which the ring of every running flow among them stayed
 * non-empty (a ring the test let run dry measures the test's threads, not
 * the scheduler) and no thread woke LATE_US late (the host stopped the
 * VM). Under a loaded host that may not come: then the least disturbed
 * window is kept, and *@d says how it was.
 */
static void measure(struct __fixture_type_sched *self, unsigned int n,
		    double secs, struct snap *a, struct snap *b,
		    struct disturb *d)
{
	struct disturb cur;
	long dry[NFLOWS];
	struct snap x, y;
	unsigned int i, k;
	double t0;

	usleep(WARMUP_US);
	t0 = now();
	for (k = 0; k < WINDOWS && (!k || disturb_score(d)) &&
	     (!k || now() - t0 + secs <= SHARE_BUDGET_S); k++) {
		for (i = 0; i < n; i++) {
			dry[i] = LOAD(self->f[i].dry);
			STORE(self->f[i].late_us, 0);
		}
		snap_take(self, n, &x);
		usleep(secs * 1e6);
		snap_take(self, n, &y);
		cur = (struct disturb){ 0 };
		for (i = 0; i < n; i++) {
			if (!self->f[i].running)
				continue;
			cur.dry += LOAD(self->f[i].dry) - dry[i];
			if (LOAD(self->f[i].late_us) > cur.late_us)
				cur.late_us = LOAD(self->f[i].late_us);
		}
		if (!k || disturb_score(&cur) < disturb_score(d)) {
			*d = cur;
			*a = x;
			*b = y;
		}
	}
}

static void log_disturb(struct __test_metadata *_metadata,
			const struct disturb *d)
{
	TH_LOG("  rings found empty: %ld; latest wake-up %.1f ms late%s",
	       d->dry, d->late_us / 1e3,
	       disturb_score(d) ? " (every window was disturbed)" : "");
}

/*
 * Each flow's share of the bytes over [a, b] within TOL (relative) of its
 * weight's share; its frames the same, CHARGED bytes each.
 */
static void check_shares(struct __test_metadata *_metadata,
			 struct __fixture_type_sched *self,
			 const unsigned int *w, unsigned int n,
			 const struct snap *a, const struct snap *b,
			 const struct disturb *d, const char *what)
{
	double sum_b = 0, dt = b->t - a->t;
	unsigned int i, sum_w = 0;

	for (i = 0; i < n; i++) {
		ASSERT_NE(UINT64_MAX, a->bytes[i]);
		ASSERT_NE(UINT64_MAX, b->bytes[i]);
		sum_w += w[i];
		sum_b += b->bytes[i] - a->bytes[i];
	}
	ASSERT_LT(0, sum_b);
	TH_LOG("%s: %.2f s, %.1f MiB/s in all", what, dt, sum_b / dt / MIB);
	log_disturb(_metadata, d);
	for (i = 0; i < n; i++) {
		double db = b->bytes[i] - a->bytes[i];
		double dops = b->ops[i] - a->ops[i];
		double want = (double)w[i] / sum_w, got = db / sum_b;

		TH_LOG("  fn%u weight %4u: %5.1f MiB/s %6.0f frames/s share %.3f want %.3f %+.1f%%",
		       i, w[i], db / dt / MIB, dops / dt, got, want,
		       100 * (got / want - 1));
		EXPECT_GE(TOL, got / want - 1);
		EXPECT_GE(TOL, 1 - got / want);
		/* Every frame charged in full (bytes and ops are read apart). */
		EXPECT_GE(0.05 * db + 64 * CHARGED,
			  db > dops * CHARGED ? db - dops * CHARGED :
			  dops * CHARGED - db);
		EXPECT_EQ(0, LOAD(self->f[i].errors));
	}
}

TEST_F(sched, qos_weight_defaults_to_100_per_queue_pair)
{
	static const char *const types[] = { "1qp", "2qp", "4qp" };
	static const char *const zero[] = {
		"max_bytes_per_s", "max_ops_per_s", "bytes", "ops",
		"throttled_ns",
	};
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		flow_create(_metadata, self, i, types[i], 0);
		TH_LOG("mdk_nic-%s: weight %llu", types[i],
		       (unsigned long long)mdk_qos_get(self->f[i].uuid, "weight"));
		EXPECT_EQ(100ULL << i, mdk_qos_get(self->f[i].uuid, "weight"));
		for (k = 0; k < ARRAY_SIZE(zero); k++)
			EXPECT_EQ(0, mdk_qos_get(self->f[i].uuid, zero[k]));
	}
}

struct bad_write {
	const char *file;
	const char *val;
	int err;
};

TEST_F(sched, bad_qos_writes_fail_and_change_nothing)
{
	static const struct bad_write bad[] = {
		{ "weight", "abc", EINVAL },
		{ "weight", "1x", EINVAL },
		{ "weight", "0", ERANGE },
		{ "weight", "10001", ERANGE },
		{ "max_bytes_per_s", "abc", EINVAL },
		{ "max_bytes_per_s", "18446744073709551616", ERANGE },
		{ "max_ops_per_s", "abc", EINVAL },
		{ "max_ops_per_s", "1000000001", ERANGE },
	};
	struct flow *f = &self->f[0];
	unsigned int i;

	flow_create(_metadata, self, 0, "1qp", 0);
	set_qos(_metadata, f, "weight", 250);
	set_qos(_metadata, f, "max_bytes_per_s", 12345678);
	set_qos(_metadata, f, "max_ops_per_s", 4321);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t before = mdk_qos_get(f->uuid, bad[i].file);
		int ret = mdk_qos_set(f->uuid, bad[i].file, bad[i].val);

		if (ret != -bad[i].err)
			TH_LOG("%s <- \"%s\": %d (%s), expected -%d (%s)",
			       bad[i].file, bad[i].val, ret,
			       ret ? strerror(-ret) : "accepted", bad[i].err,
			       strerror(bad[i].err));
		EXPECT_EQ(-bad[i].err, ret);
		EXPECT_EQ(before, mdk_qos_get(f->uuid, bad[i].file));
	}
	EXPECT_EQ(250, mdk_qos_get(f->uuid, "weight"));
	EXPECT_EQ(12345678, mdk_qos_get(f->uuid, "max_bytes_per_s"));
	EXPECT_EQ(4321, mdk_qos_get(f->uuid, "max_ops_per_s"));
}

/* @n started 1qp functions of weights @w, every one transmitting. */
static void flows_go(struct __test_metadata *_metadata,
		     struct __fixture_type_sched *self, const unsigned int *w,
		     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		flow_create(_metadata, self, i, "1qp", 1);
		set_qos(_metadata, &self->f[i], "weight", w[i]);
	}
	for (i = 0; i < n; i++)
		flow_go(_metadata, &self->f[i]);
}

/*
 * The engine's quantum for weight 100 (MDK_ENGINE_QUANTUM in
 * include/mdevkit/engine.h): a function of weight w gets w/100 of it a round.
 */
#define ENGINE_QUANTUM	(256 * 1024)
#define ROUNDS		50	/* a share window holds this many rounds */
#define SHARE_MIN_S	2
#define SHARE_MAX_S	30

/*
 * Seconds a share of weights @w is measured over: long enough for ROUNDS
 * rounds (every function's quantum once) at the rate the @n flows run now.
 * A share is off by up to the part of its turn that straddles either end of
 * the window, a quantum and a pass (64 frames) at most, so 50 rounds keep
 * that within 2-4%. How many rounds a fixed window holds depends on the
 * kernel and on the host, which runs 3-4x slower on some days.
 */
static double share_secs(struct __test_metadata *_metadata,
			 struct __fixture_type_sched *self,
			 const unsigned int *w, unsigned int n)
{
	double round = 0, rate = 0, secs;
	struct snap a, b;
	unsigned int i;

	for (i = 0; i < n; i++)
		round += (double)ENGINE_QUANTUM * w[i] / 100;
	usleep(WARMUP_US);
	snap_take(self, n, &a);
	usleep(1000000);
	snap_take(self, n, &b);
	for (i = 0; i < n; i++)
		rate += b.bytes[i] - a.bytes[i];
	rate /= b.t - a.t;
	secs = rate > 0 ? ROUNDS * round / rate : SHARE_MAX_S;
	secs = secs < SHARE_MIN_S ? SHARE_MIN_S :
	       secs > SHARE_MAX_S ? SHARE_MAX_S : secs;
	TH_LOG("%.1f MiB/s in all, %.0f KiB a round: windows of %.1f s (%.0f rounds)",
	       rate / MIB, round / 1024, secs, rate * secs / round);
	return secs;
}

/* The largest relative error of a flow's share of the bytes over [a, b]. */
static double shares_worst(const unsigned int *w, unsigned int n,
			   const struct snap *a, const struct snap *b)
{
	double sum_b = 0, worst = 0, err;
	unsigned int i, sum_w = 0;

	for (i = 0; i < n; i++) {
		sum_w += w[i];
		sum_b += b->bytes[i] - a->bytes[i];
	}
	if (sum_b <= 0)
		return 1;
	for (i = 0; i < n; i++) {
		err = (b->bytes[i] - a->bytes[i]) / sum_b / ((double)w[i] / sum_w) - 1;
		if (err < 0)
			err = -err;
		if (err > worst)
			worst = err;
	}
	return worst;
}

/*
 * measure() a share of weights @w; when a share came out past TOL in a
 * window that was disturbed (in CI a function's ring ran dry 7-34 times in
 * the best of 4 windows, and a neighbour, work conserving, took the time:
 * +10.1% once on 6.1), measure again, up to SHARE_ATTEMPTS in all and
 * while SHARE_RETRY_S has not passed. Each attempt is printed; the last is
 * what check_shares() checks. A policy that ignored the weights would miss
 * in every attempt.
 */
#define SHARE_ATTEMPTS	3
#define SHARE_RETRY_S	90
static void measure_shares(struct __test_metadata *_metadata,
			   struct __fixture_type_sched *self,
			   const unsigned int *w, unsigned int n,
			   struct snap *a, struct snap *b, struct disturb *d)
{
	double t0 = now(), worst;
	int k;

	for (k = 1; ; k++) {
		measure(self, n, share_secs(_metadata, self, w, n), a, b, d);
		worst = shares_worst(w, n, a, b);
		if (k == SHARE_ATTEMPTS || !disturb_score(d) || worst <= TOL ||
		    now() - t0 > SHARE_RETRY_S)
			return;
		TH_LOG("attempt %d of %d: a share off by %.1f%%, window disturbed (%ld dry): again",
		       k, SHARE_ATTEMPTS, 100 * worst, d->dry);
	}
}

TEST_F_TIMEOUT(sched, two_functions_share_transmit_by_weight, 420)
{
	static const unsigned int w1[] = { 100, 300 }, w2[] = { 300, 100 };
	struct disturb d;
	struct snap a, b;

	flows_go(_metadata, self, w1, 2);
	measure_shares(_metadata, self, w1, 2, &a, &b, &d);
	check_shares(_metadata, self, w1, 2, &a, &b, &d, "weights 100:300");
	set_qos(_metadata, &self->f[0], "weight", w2[0]);
	set_qos(_metadata, &self->f[1], "weight", w2[1]);
	measure_shares(_metadata, self, w2, 2, &a, &b, &d);
	check_shares(_metadata, self, w2, 2, &a, &b, &d,
		     "then 300:100, changed under load");
}

TEST_F_TIMEOUT(sched, four_functions_share_transmit_by_weight, 240)
{
	static const unsigned int w[] = { 100, 200, 300, 400 };
	struct disturb d;
	struct snap a, b;

	flows_go(_metadata, self, w, 4);
	measure_shares(_metadata, self, w, 4, &a, &b, &d);
	check_shares(_metadata, self, w, 4, &a, &b, &d,
		     "weights 100:200:300:400");
}

/* What one attempt of limit_next_to_unlimited() measured. */
struct limit_run {
	double alone;	/* function 1's rate alone (frames or bytes /s) */
	double limit;	/* function 0's limit: a fifth of that */
	double got;	/* function 0's rate, limited */
	double rest;	/* function 1's rate next to it */
	double thr;	/* seconds function 0 was throttled */
	double dt;	/* the window */
};

/*
 * One attempt: function 1 alone (what one function does here, now); then
 * function 0 limited in @file to a fifth of that, next to it, over a window
 * long enough for 40 of function 0's passes (64 frames each, one charge: a
 * pass at either end moves the rate by 1/40). What must hold whatever the
 * host does is checked here; whether the rates came out as the policy says
 * is returned, for the caller to retry.
 */
static bool limit_attempt(struct __test_metadata *_metadata,
			  struct __fixture_type_sched *self, const char *file,
			  bool frames, struct limit_run *r)
{
	double unit = frames ? 1 : CHARGED, secs;
	struct disturb d;
	struct snap a, b;

	flow_stop(&self->f[0]);
	measure(self, 2, 1.5, &a, &b, &d);
	r->dt = b.t - a.t;
	r->alone = (frames ? b.ops[1] - a.ops[1] :
		    b.bytes[1] - a.bytes[1]) / r->dt;
	TH_LOG("fn1 alone: %.1f MiB/s, %.0f frames/s",
	       (b.bytes[1] - a.bytes[1]) / r->dt / MIB,
	       (b.ops[1] - a.ops[1]) / r->dt);
	log_disturb(_metadata, &d);
	if (r->alone <= 0)
		return false;
	r->limit = (uint64_t)(r->alone / 5);
	secs = 40.0 * 64 * unit / r->limit;
	secs = secs < 3 ? 3 : secs > 10 ? 10 : secs;
	set_qos(_metadata, &self->f[0], file, r->limit);
	flow_go(_metadata, &self->f[0]);
	measure(self, 2, secs, &a, &b, &d);
	r->dt = b.t - a.t;
	r->got = (frames ? b.ops[0] - a.ops[0] :
		  b.bytes[0] - a.bytes[0]) / r->dt;
	r->rest = (frames ? b.ops[1] - a.ops[1] :
		   b.bytes[1] - a.bytes[1]) / r->dt;
	r->thr = (b.thr[0] - a.thr[0]) / 1e9;
	TH_LOG("fn0 limited in %s to %.0f/s: %.1f/s (%+.1f%%), throttled %.2f s of %.2f s",
	       file, r->limit, r->got, 100 * (r->got / r->limit - 1), r->thr,
	       r->dt);
	TH_LOG("fn1 unlimited next to it: %.0f/s (%.0f%% of alone), throttled %llu ns",
	       r->rest, 100 * r->rest / r->alone,
	       (unsigned long long)(b.thr[1] - a.thr[1]));
	log_disturb(_metadata, &d);
	/* Never more throttled than the window; the neighbour never. */
	EXPECT_GE(r->dt + 0.1, r->thr);
	EXPECT_EQ(0, b.thr[1] - a.thr[1]);
	EXPECT_EQ(0, LOAD(self->f[0].errors));
	EXPECT_EQ(0, LOAD(self->f[1].errors));
	return r->got <= (1 + TOL) * r->limit &&
	       r->got >= (1 - TOL) * r->limit && r->thr > 0.1 * r->dt &&
	       r->rest > 2 * r->got && r->rest > 0.3 * r->alone;
}

/*
 * Function 0 limited in @file to a fifth of what function 1 does alone, and
 * function 1 next to it: the limit holds, function 0 is throttled, function
 * 1 gets the rest (work conserving: far more than function 0, and most of
 * what it did alone). Both rates are compared with one measured seconds
 * earlier, and the host's load moved a rate 2-4x between windows in CI (a
 * limit that a slowed card cannot reach; a neighbour measured alone while
 * the host was fast): such an attempt, whose numbers are all printed, is
 * made again from the start, up to LIMIT_ATTEMPTS times, and the last one
 * is what the test checks.
 */
#define LIMIT_ATTEMPTS	3
static void limit_next_to_unlimited(struct __test_metadata *_metadata,
				    struct __fixture_type_sched *self,
				    const char *file, bool frames)
{
	struct limit_run r = { 0 };
	int k;

	flow_create(_metadata, self, 0, "1qp", 1);
	flow_create(_metadata, self, 1, "1qp", 1);
	flow_go(_metadata, &self->f[1]);
	for (k = 1; k <= LIMIT_ATTEMPTS; k++) {
		TH_LOG("attempt %d of %d", k, LIMIT_ATTEMPTS);
		if (limit_attempt(_metadata, self, file, frames, &r))
			break;
	}
	ASSERT_LT(0, r.alone);
	mdk_check_rate(_metadata, TOL, r.got * r.dt, r.dt, r.limit,
		       frames ? "fn0's frames at a fifth of that in max_ops_per_s" :
		       "fn0's bytes at a fifth of that in max_bytes_per_s");
	EXPECT_LT(0.1 * r.dt, r.thr);
	EXPECT_LT(2 * r.got, r.rest);
	EXPECT_LT(0.3 * r.alone, r.rest);
}

TEST_F_TIMEOUT(sched, byte_limit_holds_and_an_unlimited_neighbour_gets_the_rest,
	       120)
{
	limit_next_to_unlimited(_metadata, self, "max_bytes_per_s", false);
}

TEST_F_TIMEOUT(sched, frame_limit_holds_and_an_unlimited_neighbour_gets_the_rest,
	       120)
{
	limit_next_to_unlimited(_metadata, self, "max_ops_per_s", true);
}

NIC_HARNESS_MAIN
