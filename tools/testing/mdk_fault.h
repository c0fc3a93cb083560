/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fault-injection engine the *_fault suites share (debug kernel only):
 * an entry point as a state machine (struct op), the sweep that makes its
 * 1st, 2nd, 3rd, ... allocation fail through /proc/thread-self/fail-nth
 * until the call completes without reaching the armed one, the failslab /
 * fail_page_alloc fixture variants and the stack filters.
 *
 * The including suite defines, before including this file:
 *   struct ctx    with at least: int nth_fd; unsigned int nth; int fd;
 *                 char why[512]; (its own fields besides)
 *   MDK_FAULT_RESET  a shell command that unloads what the suite loads
 */
#ifndef MDK_FAULT_H
#define MDK_FAULT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "mdk_sysfs.h"

#define FAULT_DIR	"/sys/kernel/debug"
/* No entry point reaches this many allocations (parent register: ~150). */
#define MAX_NTH		4000
/* Clean calls in a row that end a sweep. */
#define MAX_MISSES	4
/*
 * Sampling: the first FULL_POINTS fault points are armed one by one, past
 * them every MDK_FAULT_STRIDE-th (default 6) from an offset that changes
 * from run to run (MDK_FAULT_OFFSET picks it), so that successive runs
 * arm every point; from a clean call on, every point again until the sweep
 * ends or a point is reached, so that a sweep stops as a full one does,
 * after MAX_MISSES clean calls in a row. MDK_FAULT_STRIDE=1 arms every
 * point. Most fault points of a long sweep repeat one error path (each
 * sysfs file, each kobject of a registration), and under KASAN in TCG
 * each costs 1-2 s.
 */
#define FULL_POINTS	16
#define DEFAULT_STRIDE	6

/*
 * An entry point as a state machine: prepare() (unarmed) reaches the state
 * before the call, act() is the one armed call, before()/after() check the
 * exact states, undo() (unarmed) goes back from "after" to the baseline.
 */
struct op {
	const char *name;
	int (*prepare)(struct ctx *c);
	int (*act)(struct ctx *c);
	bool (*before)(struct ctx *c);
	bool (*after)(struct ctx *c);
	int (*undo)(struct ctx *c);
};

struct sweep_stats {
	unsigned int points;	/* the last nth that was reached */
	unsigned int failed;	/* injected faults that failed the call */
	unsigned int absorbed;	/* injected faults the call survived */
	unsigned int armed;	/* calls made with a fault armed */
	unsigned int stride;	/* past FULL_POINTS, every stride-th point */
	unsigned int offset;	/* ... those with nth % stride == offset */
};

static unsigned int env_uint(const char *name, unsigned int dflt)
{
	const char *v = getenv(name);

	return v && *v ? (unsigned int)strtoul(v, NULL, 10) : dflt;
}

static void sampling(struct sweep_stats *st)
{
	static unsigned int offset = ~0U;

	st->stride = env_uint("MDK_FAULT_STRIDE", DEFAULT_STRIDE);
	if (!st->stride)
		st->stride = 1;
	/*
	 * One offset a process (the harness forks one a test), logged with
	 * the sweep: MDK_FAULT_OFFSET=k repeats it (for every sweep).
	 */
	if (offset == ~0U)
		offset = env_uint("MDK_FAULT_OFFSET",
				  (unsigned int)(time(NULL) ^ getpid()));
	st->offset = offset % st->stride;
}

/* Whether the sweep arms @nth (every point after a clean call). */
static bool sampled(const struct sweep_stats *st, unsigned int nth,
		    unsigned int misses)
{
	return nth <= FULL_POINTS || misses || nth % st->stride == st->offset;
}

/* Say what a check found wrong; false, for `return why(...)`. */
static bool __attribute__((format(printf, 2, 3)))
why(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return false;
}

/* ---- fail-nth ------------------------------------------------------------ */

static int arm(struct ctx *c, unsigned int nth)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%u", nth);

	return pwrite(c->nth_fd, buf, n, 0) == n ? 0 : -errno;
}

/* Disarm; true if the armed allocation was reached (and made to fail). */
static bool fired(struct ctx *c)
{
	char buf[16] = "";
	bool hit = pread(c->nth_fd, buf, sizeof(buf) - 1, 0) > 0 &&
		   strtoul(buf, NULL, 10) == 0;

	if (pwrite(c->nth_fd, "0", 1, 0) != 1)
		hit = false;
	return hit;
}

static int knob(const char *attr, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FAULT_DIR "/%s", attr);
	return mdk_write_str(path, val);
}

/* [start, end) of a kernel text symbol, from /proc/kallsyms. */
static int text_symbol(const char *name, unsigned long *start,
		       unsigned long *end)
{
	char line[256], sym[128], type;
	unsigned long addr;
	FILE *f;

	*start = *end = 0;
	for (int pass = 0; pass < 2; pass++) {
		f = fopen("/proc/kallsyms", "r");
		if (!f)
			return -errno;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%lx %c %127s", &addr, &type, sym) != 3 ||
			    (type != 't' && type != 'T'))
				continue;
			if (!pass && !*start && !strcmp(sym, name))
				*start = addr;
			else if (pass && addr > *start && (!*end || addr < *end))
				*end = addr;
		}
		fclose(f);
		if (!*start)
			return -ENOENT;
	}
	return *end ? 0 : -ENOENT;
}

/*
 * Restrict both fault types to allocations with a function of @require
 * on the stack and none of @reject; NULL, NULL restores the defaults.
 */
static int stack_filter(const char *require, const char *reject)
{
	static const char * const attrs[] = { "failslab", "fail_page_alloc" };
	unsigned long rq[2] = { 0, ~0UL }, rj[2] = { 0, 0 };
	char path[64], val[32];
	int ret = 0;

	if (require && text_symbol(require, &rq[0], &rq[1]))
		return -ENOENT;
	if (reject && text_symbol(reject, &rj[0], &rj[1]))
		return -ENOENT;
	for (int i = 0; i < 2; i++) {
		const char *names[4] = { "require-start", "require-end",
					 "reject-start", "reject-end" };
		unsigned long vals[4] = { rq[0], rq[1], rj[0], rj[1] };

		for (int k = 0; k < 4 && !ret; k++) {
			snprintf(path, sizeof(path), "%s/%s", attrs[i], names[k]);
			snprintf(val, sizeof(val), "%lu", vals[k]);
			ret = knob(path, val);
		}
		snprintf(path, sizeof(path), "%s/stacktrace-depth", attrs[i]);
		if (!ret)
			ret = knob(path, "32");
	}
	return ret;
}

/*
 * Arm the nth allocation of op->act for n = 1, 2, ... until the call
 * completes without reaching it. 0, or -1 with c->why set.
 */
static int sweep(struct ctx *c, const struct op *op, struct sweep_stats *st)
{
	unsigned int misses = 0, last_nth = 0;

	memset(st, 0, sizeof(*st));
	sampling(st);
	for (unsigned int nth = 1; nth <= MAX_NTH; nth++) {
		bool hit;
		int ret;

		if (!sampled(st, nth, misses))
			continue;
		st->armed++;
		last_nth = nth;
		c->nth = nth;
		c->fd = -1;
		ret = op->prepare(c);
		if (ret) {
			why(c, "%s: preparing for fault %u failed: %s", op->name,
			    nth, strerror(-ret));
			return -1;
		}
		if (arm(c, nth)) {
			why(c, "fail-nth: %s", strerror(errno));
			return -1;
		}
		ret = op->act(c);
		hit = fired(c);
		if (ret && !hit) {
			why(c, "%s failed with %s without an injected fault",
			    op->name, strerror(-ret));
			return -1;
		}
		if (ret && ret != -ENOMEM) {
			why(c, "%s: fault %u gave %s, not ENOMEM", op->name,
			    nth, strerror(-ret));
			return -1;
		}
		if (ret) {
			st->failed++;
			if (!op->before(c))
				goto bad_state;
			ret = op->act(c);	/* again, unarmed */
			if (ret) {
				why(c, "%s after fault %u: retry failed: %s",
				    op->name, nth, strerror(-ret));
				return -1;
			}
		} else if (hit) {
			st->absorbed++;
		}
		if (c->fd >= 0)
			close(c->fd);
		if (!op->after(c))
			goto bad_state;
		if (op->undo && (ret = op->undo(c))) {
			why(c, "%s after fault %u: undo failed: %s", op->name,
			    nth, strerror(-ret));
			return -1;
		}
		/*
		 * Page allocations come and go with slab refills, so a call
		 * may pass the nth without having made its last one: stop
		 * only after a few clean calls in a row.
		 */
		if (hit) {
			st->points = nth;
			misses = 0;
		} else if (++misses == MAX_MISSES) {
			return 0;
		}
	}
	why(c, "%s: still reaching allocation %u", op->name, MAX_NTH);
	return -1;

bad_state:
	{
		char found[sizeof(c->why)];

		memcpy(found, c->why, sizeof(found));
		snprintf(c->why, sizeof(c->why), "%.40s, after fault %u: %.440s",
			 op->name, last_nth, found);
	}
	return -1;
}

FIXTURE(fault) {
	struct ctx c;
};

FIXTURE_VARIANT(fault) {
	bool slab;
};

FIXTURE_VARIANT_ADD(fault, failslab) { .slab = true };
FIXTURE_VARIANT_ADD(fault, fail_page_alloc) { .slab = false };

/* Only the variant's allocator takes part; defaults restored at teardown. */
static int set_knobs(bool slab, bool on)
{
	bool s = on && slab, p = on && !slab;

	return knob("failslab/verbose", "0") ||
	       knob("failslab/ignore-gfp-wait", s ? "N" : "Y") ||
	       knob("fail_page_alloc/verbose", "0") ||
	       knob("fail_page_alloc/ignore-gfp-wait", p ? "N" : "Y") ||
	       knob("fail_page_alloc/ignore-gfp-highmem", p ? "N" : "Y") ||
	       knob("fail_page_alloc/min-order", p ? "0" : "1");
}

FIXTURE_SETUP(fault)
{
	if (!mdk_exists(FAULT_DIR "/failslab"))
		SKIP(return, "no failslab in debugfs: not the debug kernel");
	ASSERT_EQ(0, set_knobs(variant->slab, true));
	self->c.nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.nth_fd);
	self->c.fd = -1;
	mdk_sh(MDK_FAULT_RESET);
}

FIXTURE_TEARDOWN(fault)
{
	set_knobs(variant->slab, false);
	stack_filter(NULL, NULL);
	if (self->c.nth_fd >= 0)
		close(self->c.nth_fd);
	mdk_sh(MDK_FAULT_RESET);
}

/*
 * @absorbs: the entry point's allocations may all be absorbed (kvmalloc()
 * falls back to vmalloc(), which survives one failure), so a failslab
 * sweep only has to reach a fault point.
 */
static void report(struct __test_metadata *_metadata, bool slab,
		   const char *what, const struct sweep_stats *st,
		   bool absorbs)
{
	bool all = st->stride == 1 || st->points <= FULL_POINTS;

	TH_LOG("%s: last fault point %u; %u faults failed the call cleanly, %u were absorbed",
	       what, st->points, st->failed, st->absorbed);
	if (!all)
		TH_LOG("%s: sampled, %u calls armed: points 1-%u, then those = %u mod %u, all after a clean call (MDK_FAULT_OFFSET=%u repeats this, MDK_FAULT_STRIDE=1 arms every point)",
		       what, st->armed, FULL_POINTS, st->offset, st->stride,
		       st->offset);
	/*
	 * Every entry point allocates from slab, so a failslab sweep that
	 * failed nothing tested nothing (a sampled one at least reached
	 * points). Page allocations depend on slab refills: a call may make
	 * none.
	 */
	if (slab && all && !absorbs)
		EXPECT_LT(0, st->failed);
	else if (slab)
		EXPECT_LT(0, st->failed + st->absorbed);
}

#define SWEEP_ABSORBS(op, absorbs) do {				\
	struct sweep_stats st;						\
	int __r = sweep(&self->c, &(op), &st);				\
	if (__r)							\
		TH_LOG("%s", self->c.why);				\
	ASSERT_EQ(0, __r);						\
	report(_metadata, variant->slab, (op).name, &st, absorbs);	\
} while (0)

#define SWEEP(op)	SWEEP_ABSORBS(op, false)

#endif /* MDK_FAULT_H */
