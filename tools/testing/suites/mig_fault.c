// SPDX-License-Identifier: GPL-2.0-only
/*
 * mig_fault - live migration's entry points under fault injection.
 * mdevkit-kvers: debug
 *
 * The engine of the *_fault suites (tools/testing/mdk_fault.h), on a
 * running mdk_nic function (2 pairs, started by libmdkvnet) and a second
 * one of its type: the 1st, 2nd, 3rd, ... allocation under the migration
 * state machine (mdk_vdev_mig_set_state()) or the data fd's write fails,
 * under failslab and under fail_page_alloc, for
 * - save: STOP -> STOP_COPY, which builds the record and its fd;
 * - write: the whole stream written into the target's RESUMING fd, which
 *   makes room for the record once its header is in;
 * - load: RESUMING -> STOP, which loads the record (the NIC's check
 *   allocates).
 * Each injected fault must fail the call with ENOMEM and leave the state
 * as before (the call then succeeds), or be absorbed; kmemleak, KASAN and
 * lockdep stay silent (docs/migration.md). The record's buffer comes from
 * kvmalloc(), whose kmalloc() falls back to vmalloc(), which itself
 * survives one failed allocation: a failslab sweep here may fail no call
 * (the write's never does), so it must only reach fault points. The
 * write's ENOMEM has a test of its own, with every allocation failing.
 */
#include "mdk_mig.h"
#define MDK_NIC_NO_FIXTURE
#include "mdk_nic.h"

struct ctx {
	int nth_fd;
	unsigned int nth;
	int fd;
	char why[512];
	char uuid[2][40];
	struct mdkvnet n[2];	/* the source, started; the target, open */
	int dfd;		/* the data fd of the op, or -1 */
	struct stream s;	/* the source's state, saved unarmed */
};

#define MDK_FAULT_RESET "rmmod mdk_nic vfio_mdev mdev_core 2>/dev/null"
#include "mdk_fault.h"


static int state_is(struct ctx *c, struct mdkvfio *v, uint32_t want)
{
	uint32_t st = ~0U;

	if (!mdkvfio_mig_state(v, &st) && st == want)
		return true;
	return why(c, "state %s, want %s", mdkvfio_mig_state_name(st),
		   mdkvfio_mig_state_name(want));
}

static void close_dfd(struct ctx *c)
{
	if (c->dfd >= 0)
		close(c->dfd);
	c->dfd = -1;
}

/* ---- save: STOP -> STOP_COPY ---------------------------------------------- */

/*
 * Stopped, its record read unarmed for reference: each resume gives the
 * driver a configuration interrupt, which moves the NIC's generation and
 * ISR, so the reference is taken in this stop.
 */
static int save_prepare(struct ctx *c)
{
	int ret;

	c->dfd = -1;
	ret = mdkvfio_mig_set(&c->n[0].v, STOP, NULL);
	if (!ret)
		ret = mdkvfio_mig_set(&c->n[0].v, STOP_COPY, &c->dfd);
	if (!ret) {
		c->s.len = 0;
		ret = read_fd(c->dfd, &c->s);
	}
	close_dfd(c);
	return ret ? ret : mdkvfio_mig_set(&c->n[0].v, STOP, NULL);
}

static int save_act(struct ctx *c)
{
	return mdkvfio_mig_set(&c->n[0].v, STOP_COPY, &c->dfd);
}

static bool save_before(struct ctx *c)
{
	if (c->dfd >= 0)
		return why(c, "a data fd after a failure");
	return state_is(c, &c->n[0].v, STOP);
}

/* The whole record, byte for byte the one saved unarmed in this stop. */
static bool save_after(struct ctx *c)
{
	struct stream s = { 0 };
	bool ok;

	if (!state_is(c, &c->n[0].v, STOP_COPY))
		return false;
	if (read_fd(c->dfd, &s))
		return why(c, "reading the data fd: %s", strerror(errno));
	ok = s.len == c->s.len && !memcmp(s.buf, c->s.buf, s.len);
	free(s.buf);
	return ok ? true : why(c, "a record of %zu bytes, want the %zu saved",
			       s.len, c->s.len);
}

static int save_undo(struct ctx *c)
{
	close_dfd(c);
	return mdkvfio_mig_set(&c->n[0].v, RUNNING, NULL);
}

static const struct op op_save = {
	.name = "save", .prepare = save_prepare, .act = save_act,
	.before = save_before, .after = save_after, .undo = save_undo,
};

/* ---- write: the stream into the RESUMING fd ------------------------------ */

static int write_prepare(struct ctx *c)
{
	c->dfd = -1;
	return mdkvfio_mig_set(&c->n[1].v, RESUMING, &c->dfd);
}

/* Short writes go on; the first error ends it. */
static int write_act(struct ctx *c)
{
	return write_fd(c->dfd, c->s.buf, c->s.len, c->s.len);
}

static bool in_resuming(struct ctx *c)
{
	return state_is(c, &c->n[1].v, RESUMING);
}

/* All of it arrived, intact: the load takes it. */
static bool write_after(struct ctx *c)
{
	int ret = mdkvfio_mig_set(&c->n[1].v, STOP, NULL);

	if (ret)
		return why(c, "loading what was written: %s", strerror(-ret));
	return state_is(c, &c->n[1].v, STOP);
}

static int resume_undo(struct ctx *c)
{
	close_dfd(c);
	return mdkvfio_mig_set(&c->n[1].v, RUNNING, NULL);
}

static const struct op op_write = {
	.name = "write", .prepare = write_prepare, .act = write_act,
	.before = in_resuming, .after = write_after, .undo = resume_undo,
};

/* ---- load: RESUMING -> STOP ------------------------------------------------ */

static int load_prepare(struct ctx *c)
{
	int ret = write_prepare(c);

	return ret ? ret : write_act(c);
}

static int load_act(struct ctx *c)
{
	return mdkvfio_mig_set(&c->n[1].v, STOP, NULL);
}

/* Stopped with the source's state: its status and the MAC it reports. */
static bool load_after(struct ctx *c)
{
	struct virtio_net_config a, b;

	if (!state_is(c, &c->n[1].v, STOP))
		return false;
	if (mdkvnet_status(&c->n[1]) != mdkvnet_status(&c->n[0]))
		return why(c, "status %#x, the source's %#x",
			   mdkvnet_status(&c->n[1]), mdkvnet_status(&c->n[0]));
	if (mdkvnet_config(&c->n[0], &a) || mdkvnet_config(&c->n[1], &b) ||
	    memcmp(a.mac, b.mac, 6))
		return why(c, "the target does not report the source's MAC");
	return true;
}

static const struct op op_load = {
	.name = "load", .prepare = load_prepare, .act = load_act,
	.before = in_resuming, .after = load_after, .undo = resume_undo,
};

/* ---- the tests -------------------------------------------------------------- */

/* Two 2-pair functions, the first started; its state saved unarmed. */
static int setup(struct ctx *c)
{
	unsigned int i;
	int ret;

	c->dfd = -1;
	if (nic_load())
		return -1;
	for (i = 0; i < 2; i++) {
		mdkvnet_init(&c->n[i]);
		mdk_make_uuid(c->uuid[i], 0xfa02f000, getpid(), i);
		ret = nic_create("2qp", c->uuid[i]);
		if (!ret)
			ret = mdkvnet_open(&c->n[i], c->uuid[i]);
		if (ret)
			return ret;
	}
	ret = mdkvnet_start(&c->n[0], ~0ULL, 2);
	if (!ret)
		ret = mdkvnet_irqs(&c->n[1]);
	if (!ret)
		ret = mdkvfio_mig_set(&c->n[0].v, STOP_COPY, &c->dfd);
	if (!ret)
		ret = read_fd(c->dfd, &c->s);
	close_dfd(c);
	if (!ret)
		ret = mdkvfio_mig_set(&c->n[0].v, RUNNING, NULL);
	return ret;
}

static void cleanup(struct ctx *c)
{
	unsigned int i;

	close_dfd(c);
	for (i = 0; i < 2; i++) {
		mdkvnet_close(&c->n[i]);
		mdk_remove_mdev(c->uuid[i]);
	}
	free(c->s.buf);
	c->s.buf = NULL;
}

TEST_F_TIMEOUT(fault, save, 600)
{
	ASSERT_EQ(0, setup(&self->c));
	ASSERT_EQ(0, stack_filter("mdk_vdev_mig_set_state", NULL));
	SWEEP_ABSORBS(op_save, true);
	cleanup(&self->c);
}

TEST_F_TIMEOUT(fault, write, 600)
{
	ASSERT_EQ(0, setup(&self->c));
	ASSERT_EQ(0, stack_filter("mdk_vdev_mig_write", NULL));
	SWEEP_ABSORBS(op_write, true);
	cleanup(&self->c);
}

TEST_F_TIMEOUT(fault, load, 600)
{
	ASSERT_EQ(0, setup(&self->c));
	ASSERT_EQ(0, stack_filter("mdk_vdev_mig_set_state", NULL));
	SWEEP_ABSORBS(op_load, true);
	cleanup(&self->c);
}

/*
 * Every allocation under the RESUMING fd's write fails (failslab at
 * probability 100 for this thread only), so kvmalloc()'s vmalloc() fallback
 * fails too: the write is ENOMEM and takes nothing; the same write
 * unarmed then takes the whole stream, which loads. (A review found the
 * retry copying into a NULL buffer: a BUG under hardened usercopy.)
 */
TEST_F_TIMEOUT(fault, write_out_of_memory_then_retry, 300)
{
	struct ctx *c = &self->c;
	ssize_t n;
	int err;

	if (!variant->slab)
		SKIP(return, "failslab only");
	ASSERT_EQ(0, setup(c));
	ASSERT_EQ(0, mdkvfio_mig_set(&c->n[1].v, RESUMING, &c->dfd));
	ASSERT_EQ(0, stack_filter("mdk_vdev_mig_write", NULL));
	ASSERT_EQ(0, knob("failslab/task-filter", "Y") ||
		     knob("failslab/probability", "100") ||
		     knob("failslab/interval", "1") ||
		     knob("failslab/times", "-1") ||
		     knob("failslab/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, mdk_write_str("/proc/thread-self/make-it-fail", "1"));
	n = write(c->dfd, c->s.buf, c->s.len);
	err = errno;
	mdk_write_str("/proc/thread-self/make-it-fail", "0");
	knob("failslab/probability", "0");
	knob("failslab/times", "1");
	knob("failslab/task-filter", "N");
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ENOMEM, err);
	/* Nothing was taken: the whole stream again, then the load. */
	ASSERT_EQ((ssize_t)c->s.len, write(c->dfd, c->s.buf, c->s.len));
	ASSERT_EQ(0, mdkvfio_mig_set(&c->n[1].v, STOP, NULL));
	ASSERT_EQ(0, mdkvfio_mig_set(&c->n[1].v, RUNNING, NULL));
	cleanup(c);
}

TEST_HARNESS_MAIN
