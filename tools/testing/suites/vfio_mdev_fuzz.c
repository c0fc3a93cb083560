// SPDX-License-Identifier: GPL-2.0-only
// mdevkit-kvers: debug
// mdevkit-alone: long
/*
 * vfio_mdev_fuzz - a structured fuzzer for vfio_mdev devices and the card
 * (docs/fuzz.md). A supervisor process creates mdevs of the test parent
 * mdk_vfiotest and VFs of a software mdk_card, and forks one worker
 * process per device (or per pair of VFs sharing a container). Workers run
 * several threads of seeded, well-formed and malformed operations: every
 * device ioctl, region reads and writes, config space, MSI/MSI-X, mmaps,
 * DMA maps, resets, the card's registers, descriptors and doorbells. The
 * supervisor removes mdevs, unbinds parents and reloads modules at random
 * times (a worker closes when its REQ eventfd fires), watches the kernel
 * log, and prints every thread's last operations when something breaks.
 *
 * Invariants are checked where the uAPI defines the result (GET_INFO,
 * region and IRQ info stable, config space accesses, BAR sizing, memory
 * decode, mmap of sparse areas, DMA map/unmap, the test parent's DMA and
 * pins, the card's descriptors when nothing raced them).
 *
 *   vfio_mdev_fuzz [--seed N] [--seconds S] [--avoid known1,known2,...]
 *                  [--vt N] [--card N] [--pair N] [--no-lifecycle] [--dump N]
 *
 * TAP on stdout: four results (vfio_mdev workers, card workers, lifecycle,
 * kernel log). The seed is printed at the start and with every failure.
 */
#define MDK_VT_NO_FIXTURE
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "mdk_fuzz.h"
#include "mdk_sysfs.h"
#include "mdk_vfiotest.h"
#include "mdkcard.h"

#define SUITE		"vfio_mdev_fuzz"
#define CARD_DEV	"/sys/devices/platform/mdk_card.0"
#define CARD_DRV	"/sys/bus/platform/drivers/mdk_card"
#define VT_DRV		"/sys/bus/platform/drivers/mdk_vfiotest"

#define FZ_SLOTS	8
#define FZ_THREADS	4
#define FZ_NREG		VFIO_PCI_NUM_REGIONS	/* 9 */
#define FZ_NIRQ		VFIO_PCI_NUM_IRQS	/* 5 */
#define PAGE		4096UL
#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/* Known defects (docs/fuzz.md): --avoid known1,... steers around them. */
#define AVOID_KNOWN1	(1u << 0)	/* SET_IRQS EVENTFD|(UN)MASK, count 0 */
#define AVOID_KNOWN2	(1u << 1)	/* card reset racing an unmap */
#define AVOID_KNOWN3	(1u << 2)	/* two VFs in one container */
#define AVOID_KNOWN4	(1u << 3)	/* a portal mmap used as DMA memory */

/* Worker exit codes */
#define EX_OK		0
#define EX_SETUP	2	/* could not open what it was given */
#define EX_REMOVED	3	/* closed when REQ asked it to */
#define EX_GONE		4	/* the device went away before it opened */

/* DMA layout of a card worker (IOVAs) */
#define FZ_IOVA		0x10000000ULL	/* rings and records: 64 KiB */
#define FZ_QAREA	0x4000ULL	/* per VF: ring, then records at +8K */
#define FZ_RING		64
#define FZ_DATA		(FZ_IOVA + 0x10000)
#define FZ_CHUNK	(1ULL << 20)	/* data mapped in 1 MiB mappings */
#define FZ_NCHUNK	6
#define FZ_HOLE		0x20000000ULL	/* never mapped */
#define FZ_XIOVA	0x40000000ULL	/* tracked extra mappings */
#define FZ_XSLOTS	16
#define FZ_XPOOL	(4ULL << 20)
#define FZ_PIOVA	0x80000000ULL	/* a portal mmap as DMA memory */
#define FZ_JIOVA	0xc0000000ULL	/* junk maps that may succeed */
#define FZ_JSIZE	0x40000000ULL

enum fz_kind { FZ_VT, FZ_CARD, FZ_PAIR };
static const char * const kind_name[] = { "vt", "card", "pair" };

struct fz_slot {
	int kind;
	volatile pid_t pid;
	unsigned int gen;
	uint64_t seed;
	unsigned int nuuid;
	char uuid[2][40];
	volatile int removing;	/* the supervisor is taking it away */
	volatile int dead;	/* exited; not respawned yet */
	volatile int cleaning;	/* its mdevs are being removed */
	volatile int cleaned;	/* ... and are gone: a new worker may start */
	volatile uint64_t clean_since;
	unsigned int nthreads;
	struct fz_log log[FZ_THREADS];
};

struct fz_shared {
	volatile int stop;
	volatile int fails[3];		/* broken invariants, per kind */
	volatile uint64_t checks;	/* invariants checked */
	char first_fail[256];
	struct fz_log life;		/* the supervisor's lifecycle ops */
	struct fz_slot slot[FZ_SLOTS];
};

static struct fz_shared *sh;
static uint64_t run_seed;
static unsigned int avoid;
static unsigned int dump_last = 40;

/* One opened device. */
struct fz_vf {
	struct mdkvfio v;
	struct mdkvfio_region reg[FZ_NREG];
	struct vfio_irq_info irq[FZ_NIRQ];
	uint32_t cfg_size;
	uint8_t msi, msix;	/* capability offsets, 0 if none */
	int req;		/* REQ eventfd */
	/* card */
	unsigned int nq;
	volatile uint8_t *portals;
	size_t portal_len;
	struct mdk_card_desc *ring;
	volatile struct mdk_card_comp *comp;
	uint64_t ring_iova, comp_iova;
	uint32_t tail;
	int qefd;
};

struct fz_map {
	uint64_t size;		/* 0: free */
	uint8_t *vaddr;
};

struct fz_worker {
	struct fz_slot *slot;
	int kind;
	unsigned int nvf;
	struct fz_vf vf[2];
	uint8_t *mem;		/* card: rings + data, at FZ_IOVA */
	size_t mem_size;
	uint8_t *xpool;		/* memory of the extra mappings */
	struct fz_map xmap[FZ_XSLOTS];
	int chunk_mapped[1 + FZ_NCHUNK];	/* the rings, then the data */
	int portal_mapped;
	int ring_mapped;
	volatile int stop;
	/* disruptions: a check is valid only if none began or ran meanwhile */
	volatile unsigned int dgen, dinflight;
	pthread_mutex_t k2;	/* --avoid known2: resets vs unmaps */
};

struct fz_thread {
	struct fz_worker *w;
	struct fz_rng r;
	struct fz_log *log;
	unsigned int idx;
	unsigned int vfi;	/* card engine: its VF */
	int cfg_owner;		/* the one thread writing config space */
	int efd[6];
	uint8_t buf[8192];
	void *maps[8];
	size_t map_len[8];
	void *(*fn)(void *);
};

static int kind_of(struct fz_worker *w)
{
	return w->kind;
}

static void __attribute__((format(printf, 2, 3)))
fz_fail(struct fz_thread *t, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	int n;

	if (t->w->slot->removing || sh->stop)
		return;		/* a device being taken away owes nothing */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = __atomic_fetch_add(&sh->fails[kind_of(t->w)], 1, __ATOMIC_SEQ_CST);
	fz_op(t->log, "INVARIANT BROKEN: %s", msg);
	if (!sh->first_fail[0])
		snprintf(sh->first_fail, sizeof(sh->first_fail), "%s: %s",
			 t->log->name, msg);
	if (n < 5) {
		printf("# INVARIANT BROKEN (seed %llu) in %s: %s\n",
		       (unsigned long long)run_seed, t->log->name, msg);
		fz_dump(stdout, t->log, dump_last);
		fflush(stdout);
	}
}

#define CHECK(t, cond, fmt, ...) do {					\
	__atomic_add_fetch(&sh->checks, 1, __ATOMIC_RELAXED);		\
	if (!(cond))							\
		fz_fail(t, fmt, ##__VA_ARGS__);				\
} while (0)

static void disrupt_begin(struct fz_worker *w)
{
	__atomic_add_fetch(&w->dinflight, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&w->dgen, 1, __ATOMIC_SEQ_CST);
}

static void disrupt_end(struct fz_worker *w)
{
	__atomic_add_fetch(&w->dgen, 1, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&w->dinflight, 1, __ATOMIC_SEQ_CST);
}

/* A snapshot to compare with later: ~0 if a disruption is under way. */
static unsigned int disrupt_mark(struct fz_worker *w)
{
	if (__atomic_load_n(&w->dinflight, __ATOMIC_SEQ_CST))
		return ~0u;
	return __atomic_load_n(&w->dgen, __ATOMIC_SEQ_CST);
}

static int undisturbed(struct fz_worker *w, unsigned int mark)
{
	return mark != ~0u && disrupt_mark(w) == mark;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* ---- device ioctls ---------------------------------------------------- */

/* argsz: 0, below the mandatory fields, exactly them, huge, or right. */
static uint32_t pick_argsz(struct fz_rng *r, uint32_t minsz, uint32_t full)
{
	switch (fz_below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return minsz - 1;
	case 2:
		return minsz;
	case 3:
		return 0xffffffff;
	case 4:
		return full + fz_below(r, 64);
	case 5:
		return fz_u32(r);
	default:
		return full;
	}
}

static void op_get_info(struct fz_thread *t, struct fz_vf *vf)
{
	uint32_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info *i = (void *)t->buf;
	int ret;

	memset(t->buf, 0, 512);
	if (fz_chance(&t->r, 20))	/* a non-zero tail is accepted */
		fz_fill(&t->r, t->buf + sizeof(*i), 64);
	i->argsz = pick_argsz(&t->r, minsz, sizeof(*i));
	fz_op(t->log, "GET_INFO argsz %#x", i->argsz);
	ret = xioctl(vf->v.device, VFIO_DEVICE_GET_INFO, i);
	fz_ret(t->log, ret);
	if (i->argsz < minsz) {
		CHECK(t, ret == -EINVAL, "GET_INFO argsz %u < %u: %d, expected -EINVAL",
		      i->argsz, minsz, ret);
		return;
	}
	CHECK(t, !ret && (i->flags & (VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET)) ==
	      (VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET) &&
	      i->num_regions == FZ_NREG && i->num_irqs == FZ_NIRQ,
	      "GET_INFO argsz %#x: ret %d flags %#x regions %u irqs %u, expected PCI|RESET, %u, %u",
	      i->argsz, ret, i->flags, i->num_regions, i->num_irqs, FZ_NREG, FZ_NIRQ);
}

static uint32_t pick_index(struct fz_rng *r, uint32_t n)
{
	switch (fz_below(r, 10)) {
	case 0:
		return n;
	case 1:
		return n + fz_below(r, 100);
	case 2:
		return fz_u32(r);
	default:
		return fz_below(r, n);
	}
}

static void op_region_info(struct fz_thread *t, struct fz_vf *vf)
{
	uint32_t minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info *i = (void *)t->buf;
	uint32_t argsz, idx;
	int ret;

	memset(t->buf, 0, sizeof(t->buf));
	argsz = pick_argsz(&t->r, minsz, fz_chance(&t->r, 50) ? sizeof(*i) : 2048);
	idx = pick_index(&t->r, FZ_NREG);
	i->argsz = argsz;
	i->index = idx;
	fz_op(t->log, "GET_REGION_INFO argsz %#x index %u", argsz, idx);
	ret = xioctl(vf->v.device, VFIO_DEVICE_GET_REGION_INFO, i);
	fz_ret(t->log, ret);
	if (argsz < minsz || idx >= FZ_NREG || idx == VFIO_PCI_VGA_REGION_INDEX) {
		CHECK(t, ret == -EINVAL, "GET_REGION_INFO argsz %u index %u: %d, expected -EINVAL",
		      argsz, idx, ret);
		return;
	}
	CHECK(t, !ret && i->size == vf->reg[idx].size &&
	      i->offset == (uint64_t)idx << 40,
	      "GET_REGION_INFO %s argsz %#x: ret %d size %#llx offset %#llx, expected size %#llx offset %#llx",
	      mdkvfio_region_name(idx), argsz, ret, (unsigned long long)i->size,
	      (unsigned long long)i->offset, (unsigned long long)vf->reg[idx].size,
	      (unsigned long long)idx << 40);
	if (!ret && (i->flags & VFIO_REGION_INFO_FLAG_CAPS) && i->argsz > argsz)
		CHECK(t, i->cap_offset == 0,
		      "GET_REGION_INFO %s: argsz %u too small for the caps (%u) but cap_offset %u",
		      mdkvfio_region_name(idx), argsz, i->argsz, i->cap_offset);
}

static void op_irq_info(struct fz_thread *t, struct fz_vf *vf)
{
	uint32_t minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info *i = (void *)t->buf;
	uint32_t argsz, idx;
	int ret;

	memset(t->buf, 0, 256);
	argsz = pick_argsz(&t->r, minsz, sizeof(*i));
	idx = pick_index(&t->r, FZ_NIRQ);
	i->argsz = argsz;
	i->index = idx;
	fz_op(t->log, "GET_IRQ_INFO argsz %#x index %u", argsz, idx);
	ret = xioctl(vf->v.device, VFIO_DEVICE_GET_IRQ_INFO, i);
	fz_ret(t->log, ret);
	if (argsz < minsz || idx >= FZ_NIRQ || !vf->irq[idx].flags) {
		CHECK(t, ret == -EINVAL, "GET_IRQ_INFO argsz %u index %u: %d, expected -EINVAL",
		      argsz, idx, ret);
		return;
	}
	CHECK(t, !ret && i->count == vf->irq[idx].count &&
	      i->flags == vf->irq[idx].flags,
	      "GET_IRQ_INFO %s: ret %d count %u flags %#x, expected count %u flags %#x",
	      mdkvfio_irq_name(idx), ret, i->count, i->flags,
	      vf->irq[idx].count, vf->irq[idx].flags);
}

/* An fd for SET_IRQS: ours, -1, or something that is no eventfd. */
static int32_t pick_fd(struct fz_thread *t, struct fz_vf *vf)
{
	static const int32_t junk[] = { 0, 1, 2, -2, 9999, 0x7fffffff };

	switch (fz_below(&t->r, 10)) {
	case 0:
		return -1;
	case 1:
		return junk[fz_below(&t->r, sizeof(junk) / sizeof(junk[0]))];
	case 2:
		return vf->v.device;
	case 3:
		return vf->req;
	default:
		return t->efd[fz_below(&t->r, 6)];
	}
}

static void restore_req(struct fz_thread *t, struct fz_vf *vf)
{
	int ret = mdkvfio_set_eventfds(&vf->v, VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
				       &vf->req);

	fz_op(t->log, "SET_IRQS REQ trigger fd %d (restore)", vf->req);
	fz_ret(t->log, ret);
}

static void op_set_irqs(struct fz_thread *t, struct fz_vf *vf)
{
	static const uint32_t datas[] = {
		VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL,
		VFIO_IRQ_SET_DATA_EVENTFD,
	};
	static const uint32_t actions[] = {
		VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
		VFIO_IRQ_SET_ACTION_TRIGGER,
	};
	uint32_t minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set *s = (void *)t->buf;
	uint32_t flags, idx, start, count, n, esz, argsz, i, max;
	int bad_flags = 0, ret;

	memset(t->buf, 0, 1024);
	flags = datas[fz_below(&t->r, 3)] | actions[fz_below(&t->r, 3)];
	if (fz_chance(&t->r, 8)) {	/* two of a kind, or no such bit */
		flags |= fz_chance(&t->r, 50) ?
			 datas[fz_below(&t->r, 3)] << fz_below(&t->r, 2) :
			 1u << (6 + fz_below(&t->r, 26));
		bad_flags = __builtin_popcount(flags & VFIO_IRQ_SET_DATA_TYPE_MASK) != 1 ||
			    __builtin_popcount(flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) != 1 ||
			    (flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
				       VFIO_IRQ_SET_ACTION_TYPE_MASK));
	}
	idx = fz_chance(&t->r, 90) ? fz_below(&t->r, FZ_NIRQ) :
	      pick_index(&t->r, FZ_NIRQ);
	max = idx < FZ_NIRQ ? vf->irq[idx].count : 8;
	switch (fz_below(&t->r, 6)) {
	case 0:
		start = fz_u32(&t->r); break;
	case 1:
		start = max; break;
	case 2:
		start = max ? max - 1 : 0; break;
	default:
		start = fz_chance(&t->r, 60) ? 0 : fz_below(&t->r, max + 1);
	}
	switch (fz_below(&t->r, 7)) {
	case 0:
		count = 0; break;
	case 1:
		count = 1; break;
	case 2:
		count = max; break;
	case 3:
		count = max + 1; break;
	case 4:
		count = 0xffffffff - start + 1 + fz_below(&t->r, 3); break;
	case 5:
		count = fz_u32(&t->r); break;
	default:
		count = fz_below(&t->r, max + 1);
	}
	if ((avoid & AVOID_KNOWN1) && (flags & VFIO_IRQ_SET_DATA_EVENTFD) &&
	    (flags & (VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK)) &&
	    idx <= VFIO_PCI_MSIX_IRQ_INDEX && count == 0)
		count = 1;
	esz = (flags & VFIO_IRQ_SET_DATA_EVENTFD) ? 4 :
	      (flags & VFIO_IRQ_SET_DATA_BOOL) ? 1 : 0;
	n = count < 64 ? count : 64;
	for (i = 0; i < n; i++) {
		if (esz == 4)
			((int32_t *)s->data)[i] = pick_fd(t, vf);
		else if (esz == 1)
			s->data[i] = fz_chance(&t->r, 80) ? fz_below(&t->r, 2) :
				     (uint8_t)fz_next(&t->r);
	}
	argsz = minsz + n * esz;
	if (fz_chance(&t->r, 15))
		argsz = pick_argsz(&t->r, minsz, argsz);
	s->argsz = argsz;
	s->flags = flags;
	s->index = idx;
	s->start = start;
	s->count = count;
	fz_op(t->log, "SET_IRQS argsz %#x flags %#x %s start %u count %u data %d,%d",
	      argsz, flags, mdkvfio_irq_name(idx), start, count,
	      esz == 4 && n ? ((int32_t *)s->data)[0] : esz && n ? s->data[0] : -9,
	      esz == 4 && n > 1 ? ((int32_t *)s->data)[1] : -9);
	ret = xioctl(vf->v.device, VFIO_DEVICE_SET_IRQS, s);
	fz_ret(t->log, ret);
	if (argsz < minsz || idx >= FZ_NIRQ)
		CHECK(t, ret == -EINVAL,
		      "SET_IRQS argsz %u flags %#x index %u: %d, expected -EINVAL",
		      argsz, flags, idx, ret);
	else if (bad_flags)	/* vfio-pci: -EINVAL; vfio_mdev: -ENOTTY too */
		CHECK(t, ret < 0, "SET_IRQS flags %#x (not one data, one action): %d, expected an error",
		      flags, ret);
	if (idx == VFIO_PCI_REQ_IRQ_INDEX)
		restore_req(t, vf);
}

static void op_reset(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	int ret, card = w->kind != FZ_VT;

	if (card) {
		if (avoid & AVOID_KNOWN2)
			pthread_mutex_lock(&w->k2);
		disrupt_begin(w);
	}
	fz_op(t->log, "RESET %s", vf->v.uuid);
	ret = xioctl(vf->v.device, VFIO_DEVICE_RESET, NULL);
	fz_ret(t->log, ret);
	if (card) {
		disrupt_end(w);
		if (avoid & AVOID_KNOWN2)
			pthread_mutex_unlock(&w->k2);
	}
	CHECK(t, ret == 0, "VFIO_DEVICE_RESET: %d, expected 0", ret);
}

/*
 * Migration (docs/migration.md): a few state changes, valid and not, with a
 * data fd read, fed junk or a truncated state, then RUNNING again (by a
 * reset when RESUMING holds a stream it refuses). The test parent does not
 * migrate: ENOTTY.
 */
static void op_mig(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	int card = w->kind != FZ_VT, fd, ret, i, n = 1 + fz_below(&t->r, 4);
	uint32_t st, state = 0;
	ssize_t len;

	if (!card) {
		fz_op(t->log, "MIG_DEVICE_STATE %s -> STOP", vf->v.uuid);
		ret = mdkvfio_mig_set(&vf->v, VFIO_DEVICE_STATE_STOP, NULL);
		fz_ret(t->log, ret);
		CHECK(t, ret == -ENOTTY, "migration of the test parent: %d, expected -ENOTTY",
		      ret);
		return;
	}
	if (avoid & AVOID_KNOWN2)
		pthread_mutex_lock(&w->k2);
	disrupt_begin(w);
	for (i = 0; i < n; i++) {
		st = fz_chance(&t->r, 10) ? fz_below(&t->r, 1u << 31) :
					    fz_below(&t->r, 9);
		fz_op(t->log, "MIG_DEVICE_STATE %s -> %u (%s)", vf->v.uuid, st,
		      mdkvfio_mig_state_name(st));
		ret = mdkvfio_mig_set(&vf->v, st, &fd);
		fz_ret(t->log, ret);
		if (st == VFIO_DEVICE_STATE_ERROR || st > 7)
			CHECK(t, ret == -EINVAL, "state %u: %d, expected -EINVAL",
			      st, ret);
		if (fd < 0)
			continue;
		memset(t->buf, 0, 1024);
		if (fz_chance(&t->r, 50))
			fz_fill(&t->r, t->buf, 1024);
		len = fz_below(&t->r, 1025);
		if (st == VFIO_DEVICE_STATE_RESUMING)
			len = write(fd, t->buf, len);
		else
			len = read(fd, t->buf, len);
		fz_op(t->log, "data fd %s: %zd", st == VFIO_DEVICE_STATE_RESUMING ?
		      "write" : "read", len);
		close(fd);
	}
	fz_op(t->log, "MIG_DEVICE_STATE %s -> RUNNING", vf->v.uuid);
	ret = mdkvfio_mig_set(&vf->v, VFIO_DEVICE_STATE_RUNNING, NULL);
	fz_ret(t->log, ret);
	if (ret) {
		fz_op(t->log, "RESET %s (out of RESUMING)", vf->v.uuid);
		ret = xioctl(vf->v.device, VFIO_DEVICE_RESET, NULL);
		fz_ret(t->log, ret);
	}
	if (!ret)
		ret = mdkvfio_mig_state(&vf->v, &state);
	disrupt_end(w);
	if (avoid & AVOID_KNOWN2)
		pthread_mutex_unlock(&w->k2);
	CHECK(t, ret == 0 && state == VFIO_DEVICE_STATE_RUNNING,
	      "back to RUNNING: %d, state %u", ret, state);
}

static void op_unknown_ioctl(struct fz_thread *t, struct fz_vf *vf)
{
	static const unsigned long notty[] = {
		VFIO_DEVICE_IOEVENTFD, VFIO_DEVICE_PCI_HOT_RESET,
		VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, VFIO_DEVICE_QUERY_GFX_PLANE,
		VFIO_DEVICE_GET_GFX_DMABUF, _IO(VFIO_TYPE, VFIO_BASE + 60),
		_IO(VFIO_TYPE, VFIO_BASE + 99), _IOWR(VFIO_TYPE, VFIO_BASE + 77, int),
	};
	unsigned long cmd;
	int ret, check = 0;

	memset(t->buf, 0, 1024);
	if (fz_chance(&t->r, 30))
		fz_fill(&t->r, t->buf, 256);
	switch (fz_below(&t->r, 4)) {
	case 0:
		cmd = VFIO_DEVICE_FEATURE;
		((struct vfio_device_feature *)t->buf)->argsz =
			pick_argsz(&t->r, sizeof(struct vfio_device_feature), 64);
		break;
	case 1:	/* something of another driver's */
		cmd = _IOC(fz_below(&t->r, 4), fz_below(&t->r, 256),
			   fz_below(&t->r, 256), fz_below(&t->r, 256));
		if (_IOC_TYPE(cmd) == 'T' || _IOC_TYPE(cmd) == 'f' ||
		    _IOC_TYPE(cmd) == VFIO_TYPE)	/* not generic, not ours */
			cmd = VFIO_DEVICE_IOEVENTFD;
		break;
	default:
		cmd = notty[fz_below(&t->r, sizeof(notty) / sizeof(notty[0]))];
		check = 1;
	}
	fz_op(t->log, "ioctl %#lx (unknown)", cmd);
	ret = xioctl(vf->v.device, cmd, t->buf);
	fz_ret(t->log, ret);
	if (check)
		CHECK(t, ret == -ENOTTY, "ioctl %#lx: %d, expected -ENOTTY", cmd,
		      ret);
}

/* ---- regions and config space ------------------------------------------ */

static uint64_t region_base(uint32_t idx)
{
	return (uint64_t)idx << 40;
}

/*
 * The region and offset the kernel sees: index << 40 wraps past 2^64 (an
 * index of 2^24 is region 0 again); a position of 2^63 or more is a
 * negative file offset (FZ_NREG + 1: no region).
 */
static void effective(uint32_t *idx, uint64_t *off)
{
	uint64_t pos = region_base(*idx) + *off;

	if (pos >> 63) {
		*idx = FZ_NREG + 1;
		*off = 0;
		return;
	}
	*idx = pos >> 40;
	*off = pos & ((1ULL << 40) - 1);
}

static ssize_t region_rw(struct fz_thread *t, struct fz_vf *vf, int write,
			 uint32_t idx, uint64_t off, void *buf, size_t len)
{
	ssize_t n;

	uint64_t val = 0;

	if (write)
		memcpy(&val, buf, len < 8 ? len : 8);
	fz_op(t->log, "%s %s+%#llx len %zu%s%#llx", write ? "pwrite" : "pread",
	      mdkvfio_region_name(idx), (unsigned long long)off, len,
	      write ? " val " : " ", (unsigned long long)val);
	n = write ? pwrite(vf->v.device, buf, len, region_base(idx) + off) :
		    pread(vf->v.device, buf, len, region_base(idx) + off);
	if (n < 0)
		n = -errno;
	fz_ret(t->log, n);
	return n;
}

static int cfg_rd(struct fz_thread *t, struct fz_vf *vf, uint32_t off,
		  void *buf, size_t len)
{
	return region_rw(t, vf, 0, VFIO_PCI_CONFIG_REGION_INDEX, off, buf,
			 len) == (ssize_t)len ? 0 : -EIO;
}

static int cfg_wr(struct fz_thread *t, struct fz_vf *vf, uint32_t off,
		  uint32_t val, size_t len)
{
	return region_rw(t, vf, 1, VFIO_PCI_CONFIG_REGION_INDEX, off, &val,
			 len) == (ssize_t)len ? 0 : -EIO;
}

/*
 * Writes other threads' checks rely on are left to them: in a vfiotest
 * worker the ioctl thread owns config space, the mmap thread BAR0's page
 * 0x5000 and the DMA thread BAR2 (RAISE and the commands share STATUS).
 */
static int write_allowed(struct fz_thread *t, uint32_t idx, uint64_t off,
			 uint64_t len)
{
	if (t->w->kind != FZ_VT)
		return 1;
	if (idx == VFIO_PCI_CONFIG_REGION_INDEX && !t->cfg_owner)
		return 0;	/* the ioctl thread checks memory decode */
	if (idx == VFIO_PCI_BAR0_REGION_INDEX && off < 0x6000 && off + len > 0x5000)
		return 0;
	if (idx == VFIO_PCI_BAR2_REGION_INDEX)
		return 0;
	return 1;
}

static uint64_t pick_off(struct fz_rng *r, uint64_t size, uint64_t len)
{
	switch (fz_below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return size;
	case 2:
		return size > len ? size - len : 0;
	case 3:
		return size ? size - 1 : 0;
	case 4:
		return size + fz_below(r, 0x10000);
	case 5:
		return fz_below(r, 1ULL << 40);
	case 6:
		return (1ULL << 40) - 1 - fz_below(r, 16);
	default:
		return size ? fz_below(r, size) & ~(uint64_t)(fz_below(r, 2) ? 0 : 3) : 0;
	}
}

static void op_region_rw(struct fz_thread *t, struct fz_vf *vf)
{
	static const unsigned int w[] = { 25, 25, 15, 10, 10, 15 };
	static const uint32_t odd[] = { 1, 3, 5, VFIO_PCI_ROM_REGION_INDEX,
					VFIO_PCI_VGA_REGION_INDEX };
	struct fz_worker *wk = t->w;
	uint32_t idx;
	uint64_t size, off, len;
	int write, card_disrupt;
	ssize_t n;

	switch (fz_pick(&t->r, w, 6)) {
	case 0:
		idx = VFIO_PCI_CONFIG_REGION_INDEX; break;
	case 1:
		idx = 0; break;
	case 2:
		idx = 2; break;
	case 3:
		idx = 4; break;
	case 4:
		idx = odd[fz_below(&t->r, 5)]; break;
	default:
		idx = pick_index(&t->r, FZ_NREG) | FZ_NREG;
	}
	size = idx < FZ_NREG ? vf->reg[idx].size : 0;
	switch (fz_below(&t->r, 10)) {
	case 0:
		len = 0; break;
	case 1:
		len = 3; break;
	case 2:
		len = fz_below(&t->r, 65); break;
	case 3:
		len = 4096; break;
	case 4:
		len = size < sizeof(t->buf) ? size : fz_below(&t->r, sizeof(t->buf)); break;
	default:
		len = 1u << fz_below(&t->r, 4);
	}
	off = pick_off(&t->r, size, len);
	write = fz_chance(&t->r, 50) && write_allowed(t, idx, off, len);
	if (write)
		fz_fill(&t->r, t->buf, len);
	card_disrupt = write && wk->kind != FZ_VT &&
		       (idx == 0 || idx == 2 || idx == VFIO_PCI_CONFIG_REGION_INDEX);
	if (card_disrupt)
		disrupt_begin(wk);
	n = region_rw(t, vf, write, idx, off, t->buf, len);
	if (card_disrupt)
		disrupt_end(wk);
	effective(&idx, &off);
	size = idx < FZ_NREG ? vf->reg[idx].size : 0;
	if (idx == VFIO_PCI_CONFIG_REGION_INDEX && len && off + len <= vf->cfg_size)
		CHECK(t, n == (ssize_t)len, "%s config+%#llx len %llu: %zd, expected %llu",
		      write ? "pwrite" : "pread", (unsigned long long)off,
		      (unsigned long long)len, n, (unsigned long long)len);
	if (len && (idx >= FZ_NREG || off >= size) && off < (1ULL << 40))
		CHECK(t, n < 0, "%s %s+%#llx len %llu beyond the region (size %#llx): %zd, expected an error",
		      write ? "pwrite" : "pread", mdkvfio_region_name(idx),
		      (unsigned long long)off, (unsigned long long)len,
		      (unsigned long long)size, n);
	if (len && idx < FZ_NREG && off < size && off + len > size)
		CHECK(t, n < 0 || (uint64_t)n <= size - off,
		      "%s %s+%#llx len %llu across the end (size %#llx): %zd bytes",
		      write ? "pwrite" : "pread", mdkvfio_region_name(idx),
		      (unsigned long long)off, (unsigned long long)len,
		      (unsigned long long)size, n);
}

static void op_cfg_ids(struct fz_thread *t, struct fz_vf *vf)
{
	uint32_t id = 0, want = t->w->kind == FZ_VT ? 0x10f11af4 : 0x10f21af4;
	int ret = cfg_rd(t, vf, PCI_VENDOR_ID, &id, 4);

	CHECK(t, !ret && id == want, "config IDs: %d %#x, expected %#x", ret,
	      id, want);
}

/* BAR sizing: all ones, read the size mask, put the address back. */
static void op_bar_sizing(struct fz_thread *t, struct fz_vf *vf)
{
	unsigned int bar = fz_below(&t->r, 6);
	uint32_t off = PCI_BASE_ADDRESS_0 + 4 * bar, orig = 0, prev = 0, val = 0;
	uint64_t size = vf->reg[bar].size;
	int upper;

	if (cfg_rd(t, vf, off, &orig, 4) ||
	    (bar && cfg_rd(t, vf, off - 4, &prev, 4)))
		return;
	upper = bar && vf->reg[bar - 1].size && !(prev & 1) &&
		(prev & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	if (cfg_wr(t, vf, off, 0xffffffff, 4) || cfg_rd(t, vf, off, &val, 4))
		return;
	cfg_wr(t, vf, off, orig, 4);
	if (!t->cfg_owner)
		return;
	if (upper)
		CHECK(t, val == 0xffffffff, "BAR%u (upper half) sizing: %#x, expected 0xffffffff",
		      bar, val);
	else if (!size)
		CHECK(t, val == 0, "BAR%u (none) sizing: %#x, expected 0", bar, val);
	else if (!(orig & 1))
		CHECK(t, (val & ~0xfu) == (uint32_t)~(size - 1),
		      "BAR%u sizing (size %#llx): %#x, expected %#x", bar,
		      (unsigned long long)size, val & ~0xfu, (uint32_t)~(size - 1));
}

/* Memory decode off: BAR accesses fail with -EIO; on again, they work. */
static void op_decode(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	uint16_t cmd = 0;
	uint32_t val;
	ssize_t n;

	if (cfg_rd(t, vf, PCI_COMMAND, &cmd, 2))
		return;
	if (w->kind != FZ_VT)
		disrupt_begin(w);
	cfg_wr(t, vf, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY, 2);
	if (w->kind == FZ_VT && t->cfg_owner) {
		n = region_rw(t, vf, 0, 2, VT_RESETS, &val, 4);
		CHECK(t, n == -EIO, "BAR2 read with memory decode off: %zd, expected -EIO", n);
	}
	if (fz_chance(&t->r, 20))
		usleep(fz_below(&t->r, 2000));
	cfg_wr(t, vf, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
	if (w->kind == FZ_VT && t->cfg_owner) {
		n = region_rw(t, vf, 0, 2, VT_RESETS, &val, 4);
		CHECK(t, n == 4, "BAR2 read with memory decode on: %zd, expected 4", n);
	}
	if (w->kind != FZ_VT)
		disrupt_end(w);
}

static void op_msi_ctl(struct fz_thread *t, struct fz_vf *vf)
{
	uint16_t v = fz_chance(&t->r, 70) ?
		     (fz_below(&t->r, 2) * PCI_MSI_FLAGS_ENABLE) |
		     (fz_below(&t->r, 8) << 4) : (uint16_t)fz_next(&t->r);

	if (!vf->msi)
		return;
	if (fz_chance(&t->r, 20))	/* address and data */
		cfg_wr(t, vf, vf->msi + PCI_MSI_ADDRESS_LO + 4 * fz_below(&t->r, 3),
		       fz_u32(&t->r), 4);
	cfg_wr(t, vf, vf->msi + PCI_MSI_FLAGS, v, 2);
}

static void op_msix_ctl(struct fz_thread *t, struct fz_vf *vf)
{
	uint16_t v = fz_chance(&t->r, 80) ?
		     (fz_below(&t->r, 2) * PCI_MSIX_FLAGS_ENABLE) |
		     (fz_below(&t->r, 2) * PCI_MSIX_FLAGS_MASKALL) :
		     (uint16_t)fz_next(&t->r);

	if (vf->msix)
		cfg_wr(t, vf, vf->msix + PCI_MSIX_FLAGS, v, 2);
}

/* The MSI-X table and PBA through their BAR. */
static void op_msix_bar(struct fz_thread *t, struct fz_vf *vf)
{
	static const uint32_t sizes[] = { 4, 8, 4, 8, 1, 2, 3 };
	uint32_t tbl = 0, pba = 0, bir, base, off, len, nvec;
	int table = fz_chance(&t->r, 75), write = fz_chance(&t->r, 50);
	uint64_t val = 0;
	ssize_t n;

	if (!vf->msix || cfg_rd(t, vf, vf->msix + PCI_MSIX_TABLE, &tbl, 4) ||
	    cfg_rd(t, vf, vf->msix + PCI_MSIX_PBA, &pba, 4))
		return;
	nvec = vf->irq[VFIO_PCI_MSIX_IRQ_INDEX].count;
	bir = (table ? tbl : pba) & PCI_MSIX_TABLE_BIR;
	base = (table ? tbl : pba) & PCI_MSIX_TABLE_OFFSET;
	if (bir >= 6 || (t->w->kind == FZ_VT && bir == 2) ||
	    !write_allowed(t, bir, base, 16))
		return;
	len = sizes[fz_below(&t->r, 7)];
	off = base + fz_below(&t->r, table ? nvec * 16 + 16 : 16);
	if (fz_chance(&t->r, 75))
		off &= ~(len - 1);
	if (table && write && fz_chance(&t->r, 50)) {	/* vector control */
		off = base + 16 * fz_below(&t->r, nvec) + PCI_MSIX_ENTRY_VECTOR_CTRL;
		len = 4;
		val = fz_below(&t->r, 2);
	} else {
		val = fz_next(&t->r);
	}
	n = region_rw(t, vf, write, bir, off, &val, len);
	if (table && off + len <= base + nvec * 16 &&
	    ((len != 4 && len != 8) || off % len))
		CHECK(t, n < 0, "MSI-X table %s at %#x len %u: %zd, expected an error",
		      write ? "write" : "read", off, len, n);
}

/* ---- mmap ---------------------------------------------------------------- */

/* Is [off, off + len) of region idx inside one sparse mmap area? */
static int in_area(struct fz_vf *vf, uint32_t idx, uint64_t off, uint64_t len)
{
	const struct mdkvfio_region *r;
	unsigned int i;

	if (idx >= FZ_NREG || !len || off % PAGE)
		return 0;
	r = &vf->reg[idx];
	len = (len + PAGE - 1) & ~(PAGE - 1);
	for (i = 0; i < r->nr_areas; i++)
		if (off >= r->areas[i].offset &&
		    off + len <= r->areas[i].offset + r->areas[i].size)
			return 1;
	return 0;
}

static void drop_map(struct fz_thread *t, unsigned int i)
{
	if (!t->maps[i])
		return;
	fz_op(t->log, "munmap %p len %#zx", t->maps[i], t->map_len[i]);
	fz_ret(t->log, munmap(t->maps[i], t->map_len[i]) ? -errno : 0);
	t->maps[i] = NULL;
}

static void drop_maps(struct fz_thread *t)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		drop_map(t, i);
}

/*
 * An access to a passthrough mapping. As with vfio-pci, it raises SIGBUS
 * while the BAR's memory decode is off or a reset is under way (the
 * mapping is zapped and its fault handler refuses), which other threads of
 * the worker cause at any time: the access is then skipped.
 */
static __thread sigjmp_buf *bus_guard;

static bool map_rw32(struct fz_thread *t, volatile uint32_t *p, uint32_t *val,
		     bool write)
{
	sigjmp_buf jb;

	if (sigsetjmp(jb, 1)) {
		bus_guard = NULL;
		fz_op(t->log, "SIGBUS at %p (memory decode off or a reset)", p);
		return false;
	}
	bus_guard = &jb;
	if (write)
		*p = *val;
	else
		*val = *p;
	bus_guard = NULL;
	return true;
}

static bool map_w32(struct fz_thread *t, volatile void *p, uint32_t val)
{
	return map_rw32(t, p, &val, true);
}

static bool map_r32(struct fz_thread *t, volatile void *p, uint32_t *val)
{
	return map_rw32(t, p, val, false);
}

static void op_mmap(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	uint32_t idx = fz_chance(&t->r, 70) ? 0 : pick_index(&t->r, FZ_NREG);
	const struct mdkvfio_region *r = idx < FZ_NREG ? &vf->reg[idx] : NULL;
	uint64_t off, len, size = r ? r->size : 0;
	int shared = fz_chance(&t->r, 90), prot = PROT_READ, inside, slot;
	uint32_t eidx;
	uint64_t eoff;
	uint8_t *p;

	if (r && r->nr_areas && fz_chance(&t->r, 60)) {
		const struct mdkvfio_area *a = &r->areas[fz_below(&t->r, r->nr_areas)];
		uint64_t pages = a->size / PAGE, first = fz_below(&t->r, pages);

		off = a->offset + first * PAGE;
		len = (1 + fz_below(&t->r, pages - first)) * PAGE;
	} else {
		len = (uint64_t[]){ PAGE, 2 * PAGE, 0, size, 1ULL << 40,
				    fz_below(&t->r, 16) * PAGE + fz_below(&t->r, 2) }
			[fz_below(&t->r, 6)];
		off = pick_off(&t->r, size, len);
		if (fz_chance(&t->r, 70))
			off &= ~(PAGE - 1);
	}
	if (fz_chance(&t->r, 80))
		prot |= PROT_WRITE;
	eidx = idx;
	eoff = off;
	effective(&eidx, &eoff);
	inside = in_area(vf, eidx, eoff, len);
	fz_op(t->log, "mmap %s+%#llx len %#llx %s prot %d", mdkvfio_region_name(idx),
	      (unsigned long long)off, (unsigned long long)len,
	      shared ? "shared" : "private", prot);
	p = mmap(NULL, len, prot, shared ? MAP_SHARED : MAP_PRIVATE,
		 vf->v.device, region_base(idx) + off);
	fz_ret(t->log, p == MAP_FAILED ? -errno : 0);
	if (inside && shared)
		CHECK(t, p != MAP_FAILED, "mmap of %s+%#llx len %#llx (a sparse area) failed: %s",
		      mdkvfio_region_name(idx), (unsigned long long)off,
		      (unsigned long long)len, strerror(errno));
	else if (len && off < (1ULL << 40) && len < (1ULL << 40))
		CHECK(t, p == MAP_FAILED, "mmap of %s+%#llx len %#llx %s (no sparse area) succeeded",
		      mdkvfio_region_name(idx), (unsigned long long)off,
		      (unsigned long long)len, shared ? "shared" : "private");
	if (p == MAP_FAILED)
		return;
	if (inside && shared) {
		uint32_t x = 0, y = 0;

		/* reads fault the pages in */
		if (map_r32(t, p, &x) &&
		    map_r32(t, p + ((len - 1) & ~(PAGE - 1)), &y) &&
		    (prot & PROT_WRITE)) {
			/* the card: the portal's TAIL and HEAD, garbage */
			if (w->kind != FZ_VT)
				disrupt_begin(w);
			x += y;
			fz_op(t->log, "store %#x into the mapping", x);
			map_w32(t, p, fz_chance(&t->r, 50) ? x : fz_u32(&t->r));
			if (w->kind != FZ_VT)
				disrupt_end(w);
		}
	}
	slot = fz_below(&t->r, 8);
	drop_map(t, slot);
	t->maps[slot] = p;
	t->map_len[slot] = len;
}

/* vfiotest: a store into the mapping is what read() sees, and back. */
static void op_mmap_coherent(struct fz_thread *t, struct fz_vf *vf, uint8_t *pg)
{
	uint32_t k = 0x100 + 4 * fz_below(&t->r, 64), a = fz_u32(&t->r), b = 0;
	volatile uint32_t *q = (void *)(pg + k);
	ssize_t n;

	uint32_t c;

	fz_op(t->log, "store %#x at mapping of BAR0+%#x", a, 0x5000 + k);
	if (!map_w32(t, q, a))
		return;
	n = region_rw(t, vf, 0, 0, 0x5000 + k, &b, 4);
	if (n == 4)
		CHECK(t, a == b, "BAR0+%#x: stored %#x through mmap, read() saw %#x",
		      0x5000 + k, a, b);
	a = fz_u32(&t->r);
	n = region_rw(t, vf, 1, 0, 0x5000 + k, &a, 4);
	if (n == 4 && map_r32(t, q, &c))
		CHECK(t, c == a, "BAR0+%#x: wrote %#x with write(), mmap sees %#x",
		      0x5000 + k, a, c);
}

/* ---- DMA mappings (one thread per container maps and unmaps) ------------ */

static int dma_map(struct fz_thread *t, struct fz_vf *vf, const void *vaddr,
		   uint64_t iova, uint64_t size, uint32_t flags, uint32_t argsz)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = argsz, .flags = flags, .vaddr = (uintptr_t)vaddr,
		.iova = iova, .size = size,
	};
	int ret;

	fz_op(t->log, "MAP_DMA iova %#llx size %#llx vaddr %p flags %#x argsz %u",
	      (unsigned long long)iova, (unsigned long long)size, vaddr, flags,
	      argsz);
	ret = xioctl(vf->v.container, VFIO_IOMMU_MAP_DMA, &m);
	fz_ret(t->log, ret);
	return ret;
}

#define RW	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define MAPSZ	sizeof(struct vfio_iommu_type1_dma_map)

static int dma_unmap(struct fz_thread *t, struct fz_vf *vf, uint64_t iova,
		     uint64_t size, uint32_t flags, uint32_t argsz,
		     uint64_t *done)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = argsz, .flags = flags, .iova = iova, .size = size,
	};
	int ret;

	fz_op(t->log, "UNMAP_DMA iova %#llx size %#llx flags %#x argsz %u",
	      (unsigned long long)iova, (unsigned long long)size, flags, argsz);
	ret = xioctl(vf->v.container, VFIO_IOMMU_UNMAP_DMA, &u);
	fz_ret(t->log, ret);
	if (done)
		*done = u.size;
	return ret;
}

#define UNMAPSZ	sizeof(struct vfio_iommu_type1_dma_unmap)

/* An extra mapping of pool memory in a free slot of the window. */
static void op_xmap(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	unsigned int i = fz_below(&t->r, FZ_XSLOTS);
	uint64_t iova = FZ_XIOVA + i * FZ_CHUNK, size, vo;
	int ret;

	if (w->xmap[i].size) {
		ret = dma_map(t, vf, w->xmap[i].vaddr, iova, PAGE, RW, MAPSZ);
		CHECK(t, ret == -EEXIST, "MAP_DMA over a mapping at %#llx: %d, expected -EEXIST",
		      (unsigned long long)iova, ret);
		return;
	}
	size = (1 + fz_below(&t->r, 64)) * PAGE;
	vo = fz_below(&t->r, (FZ_XPOOL - size) / PAGE + 1) * PAGE;
	ret = dma_map(t, vf, w->xpool + vo, iova, size, RW, MAPSZ);
	CHECK(t, ret == 0, "MAP_DMA of %#llx bytes at free IOVA %#llx: %d, expected 0",
	      (unsigned long long)size, (unsigned long long)iova, ret);
	if (!ret) {
		w->xmap[i].size = size;
		w->xmap[i].vaddr = w->xpool + vo;
	}
}

static void op_xunmap(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	unsigned int i = fz_below(&t->r, FZ_XSLOTS);
	uint64_t iova = FZ_XIOVA + i * FZ_CHUNK, done = 0;
	int ret;

	if (!w->xmap[i].size) {		/* nothing there: unmaps nothing */
		ret = dma_unmap(t, vf, iova, FZ_CHUNK, 0, UNMAPSZ, &done);
		CHECK(t, ret == 0 && done == 0, "UNMAP_DMA of an empty range: %d, %llu bytes, expected 0, 0",
		      ret, (unsigned long long)done);
		return;
	}
	ret = dma_unmap(t, vf, iova, w->xmap[i].size, 0, UNMAPSZ, &done);
	CHECK(t, ret == 0 && done == w->xmap[i].size,
	      "UNMAP_DMA of the %#llx-byte mapping at %#llx: %d, %#llx bytes",
	      (unsigned long long)w->xmap[i].size, (unsigned long long)iova,
	      ret, (unsigned long long)done);
	if (!ret)
		w->xmap[i].size = 0;
}

/* Malformed maps and unmaps, and maps that may succeed in the junk window. */
static void op_junk_dma(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	uint64_t iova = FZ_JIOVA + fz_below(&t->r, FZ_JSIZE / PAGE - 64) * PAGE;
	uint64_t size = (1 + fz_below(&t->r, 16)) * PAGE, done;
	const void *va = w->xpool;
	int ret, expect = -EINVAL;

	switch (fz_below(&t->r, 10)) {
	case 0:
		size = 0;
		break;
	case 1:
		iova |= 1 + fz_below(&t->r, PAGE - 1);
		break;
	case 2:
		size |= 1 + fz_below(&t->r, PAGE - 1);
		break;
	case 3:
		va = w->xpool + 1 + fz_below(&t->r, PAGE - 1);
		break;
	case 4:		/* iova + size wraps */
		iova = ~0ULL & ~(PAGE - 1);
		size += PAGE;
		break;
	case 5:
		ret = dma_map(t, vf, va, iova, size, RW | (1u << (3 + fz_below(&t->r, 28))),
			      MAPSZ);
		CHECK(t, ret == -EINVAL, "MAP_DMA with unknown flags: %d, expected -EINVAL", ret);
		return;
	case 6:
		ret = dma_map(t, vf, va, iova, size, RW, fz_below(&t->r, MAPSZ));
		CHECK(t, ret == -EINVAL, "MAP_DMA argsz too small: %d, expected -EINVAL", ret);
		return;
	case 7:		/* may succeed: type1 pins nothing at map time */
		va = (const void *)(uintptr_t)(fz_chance(&t->r, 50) ? PAGE :
					      0xffff888000000000ULL);
		expect = 1;
		break;
	case 8:
		ret = dma_unmap(t, vf, FZ_JIOVA, FZ_JSIZE, 0, UNMAPSZ, &done);
		CHECK(t, ret == 0, "UNMAP_DMA of the junk window: %d, expected 0", ret);
		return;
	default:
		ret = dma_unmap(t, vf, iova | (fz_below(&t->r, 2) ? 1 : 0), size,
				fz_chance(&t->r, 50) ? 1u << (3 + fz_below(&t->r, 28)) : 0,
				fz_chance(&t->r, 50) ? fz_below(&t->r, UNMAPSZ) : UNMAPSZ,
				&done);
		return;
	}
	ret = dma_map(t, vf, va, iova, size, fz_chance(&t->r, 80) ? RW :
		      VFIO_DMA_MAP_FLAG_READ, MAPSZ);
	if (expect < 0)
		CHECK(t, ret == expect, "malformed MAP_DMA: %d, expected %d", ret, expect);
}

/* ---- the vfiotest parent's DMA engine and pins ------------------------- */

static int vt_w(struct fz_thread *t, struct fz_vf *vf, uint32_t reg, uint32_t val)
{
	return region_rw(t, vf, 1, 2, reg, &val, 4) == 4 ? 0 : -EIO;
}

static int vt_r(struct fz_thread *t, struct fz_vf *vf, uint32_t reg, uint32_t *val)
{
	return region_rw(t, vf, 0, 2, reg, val, 4) == 4 ? 0 : -EIO;
}

/* Runs a command; 0 with the parent's status in *st, or -EIO (decode off). */
static int fz_vt_command(struct fz_thread *t, struct fz_vf *vf, uint64_t iova,
		      uint32_t len, uint32_t cmd, int32_t *st)
{
	if (vt_w(t, vf, VT_DMA_IOVA, (uint32_t)iova) ||
	    vt_w(t, vf, VT_DMA_IOVA + 4, iova >> 32) ||
	    vt_w(t, vf, VT_DMA_LEN, len) || vt_w(t, vf, VT_DMA_CMD, cmd))
		return -EIO;
	return vt_r(t, vf, VT_STATUS, (uint32_t *)st);
}

static int pick_xmap(struct fz_thread *t)
{
	unsigned int i, k = fz_below(&t->r, FZ_XSLOTS);

	for (i = 0; i < FZ_XSLOTS; i++)
		if (t->w->xmap[(k + i) % FZ_XSLOTS].size)
			return (k + i) % FZ_XSLOTS;
	return -1;
}

static void op_vt_dma(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	int i = pick_xmap(t), wr = fz_chance(&t->r, 50);
	uint8_t *data = t->buf, *back = t->buf + 4096, *va;
	uint64_t iova, off;
	uint32_t len;
	int32_t st;

	if (i < 0)
		return;
	len = 1 + fz_below(&t->r, w->xmap[i].size < 4096 ? w->xmap[i].size : 4096);
	off = fz_below(&t->r, w->xmap[i].size - len + 1);
	iova = FZ_XIOVA + i * FZ_CHUNK + off;
	va = w->xmap[i].vaddr + off;
	fz_fill(&t->r, data, len);
	if (wr) {	/* the parent's buffer into user memory */
		if (region_rw(t, vf, 1, 2, VT_DMA_BUF, data, len) != len ||
		    fz_vt_command(t, vf, iova, len, VT_CMD_DMA_WRITE, &st))
			return;
		CHECK(t, st == 0, "DMA_WRITE of %u bytes to mapped IOVA %#llx: status %d",
		      len, (unsigned long long)iova, st);
		if (!st)
			CHECK(t, !memcmp(va, data, len),
			      "DMA_WRITE of %u bytes to IOVA %#llx: memory differs", len,
			      (unsigned long long)iova);
		return;
	}
	memcpy(va, data, len);
	if (fz_vt_command(t, vf, iova, len, VT_CMD_DMA_READ, &st))
		return;
	CHECK(t, st == 0, "DMA_READ of %u bytes from mapped IOVA %#llx: status %d",
	      len, (unsigned long long)iova, st);
	if (!st && region_rw(t, vf, 0, 2, VT_DMA_BUF, back, len) == len)
		CHECK(t, !memcmp(back, data, len),
		      "DMA_READ of %u bytes from IOVA %#llx: the parent's buffer differs",
		      len, (unsigned long long)iova);
}

static void op_vt_pin(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	int i = pick_xmap(t);
	uint32_t pages, first, n, pinned = 0;
	uint64_t done = 0;
	int32_t st;
	int ret;

	if (i < 0)
		return;
	pages = w->xmap[i].size / PAGE;
	first = fz_below(&t->r, pages);
	n = 1 + fz_below(&t->r, pages - first);
	if (fz_vt_command(t, vf, FZ_XIOVA + i * FZ_CHUNK + first * PAGE, n,
		       VT_CMD_PIN, &st))
		return;
	CHECK(t, st == 0, "PIN of %u mapped pages: status %d", n, st);
	if (st || vt_r(t, vf, VT_NR_PINNED, &pinned))
		return;
	CHECK(t, pinned == n, "PIN of %u pages: NR_PINNED %u", n, pinned);
	if (fz_chance(&t->r, 50))
		return;
	/* unmapping a pinned range makes the parent unpin it */
	ret = dma_unmap(t, vf, FZ_XIOVA + i * FZ_CHUNK, w->xmap[i].size, 0,
			UNMAPSZ, &done);
	CHECK(t, ret == 0, "UNMAP_DMA of a pinned mapping: %d", ret);
	if (ret)
		return;
	w->xmap[i].size = 0;
	if (!vt_r(t, vf, VT_NR_PINNED, &pinned))
		CHECK(t, pinned == 0, "after UNMAP_DMA of the pinned range NR_PINNED is %u, expected 0",
		      pinned);
}

/* RAISE: any vector, whatever interrupts are enabled and masked. */
static void op_vt_raise(struct fz_thread *t, struct fz_vf *vf)
{
	vt_w(t, vf, VT_RAISE, fz_chance(&t->r, 80) ? fz_below(&t->r, 10) :
	     fz_u32(&t->r));
}

static void op_vt_cmd_random(struct fz_thread *t, struct fz_vf *vf)
{
	uint32_t cmd = fz_chance(&t->r, 85) ? 1 + fz_below(&t->r, 5) : fz_u32(&t->r);
	uint32_t len = fz_chance(&t->r, 50) ? fz_below(&t->r, 600) : fz_u32(&t->r);
	uint64_t iova = fz_chance(&t->r, 50) ? FZ_XIOVA + fz_below(&t->r, FZ_XSLOTS * FZ_CHUNK) :
			fz_u64(&t->r);
	int32_t st;

	if (cmd == VT_CMD_DMA_READ || cmd == VT_CMD_DMA_WRITE)
		len = len % 5000;	/* the buffer is 4 KiB: beyond is refused */
	if (fz_vt_command(t, vf, iova, len, cmd, &st))
		return;
	if (!len && cmd >= VT_CMD_DMA_READ && cmd <= VT_CMD_PIN)
		CHECK(t, st == -EINVAL, "command %u with length 0: status %d, expected -EINVAL",
		      cmd, st);
	if (len > 4096 && (cmd == VT_CMD_DMA_READ || cmd == VT_CMD_DMA_WRITE))
		CHECK(t, st == -EINVAL, "DMA command of %u bytes (buffer 4 KiB): status %d, expected -EINVAL",
		      len, st);
}

/* The device's own passthrough BAR pages as DMA memory, pinned. */
static void op_bar_as_dma(struct fz_thread *t, struct fz_vf *vf, void *bar,
			  size_t len)
{
	struct fz_worker *w = t->w;
	uint64_t done;
	int32_t st;

	if (!bar || (avoid & AVOID_KNOWN4))
		return;
	if (!w->portal_mapped) {
		w->portal_mapped = !dma_map(t, vf, bar, FZ_PIOVA, len, RW, MAPSZ);
		return;
	}
	if (w->kind == FZ_VT && fz_chance(&t->r, 70)) {
		fz_vt_command(t, vf, FZ_PIOVA, 1 + fz_below(&t->r, len / PAGE),
			   fz_chance(&t->r, 50) ? VT_CMD_PIN : VT_CMD_DMA_READ, &st);
		return;
	}
	if (!dma_unmap(t, vf, FZ_PIOVA, len, 0, UNMAPSZ, &done))
		w->portal_mapped = 0;
}

/* ---- the card ------------------------------------------------------------ */

static int card_w(struct fz_thread *t, struct fz_vf *vf, uint32_t reg, uint32_t val)
{
	return region_rw(t, vf, 1, 2, reg, &val, 4) == 4 ? 0 : -EIO;
}

static uint32_t card_r(struct fz_thread *t, struct fz_vf *vf, uint32_t reg)
{
	uint32_t val = 0xdeadbeef;

	region_rw(t, vf, 0, 2, reg, &val, 4);
	return val;
}

/* Queue 0 of @vf with its ring in the worker's ring area; 0 when enabled. */
static int card_start(struct fz_thread *t, struct fz_vf *vf)
{
	uint32_t q = MDK_CARD_Q(0);
	uint16_t cmd = 0;

	if (!cfg_rd(t, vf, PCI_COMMAND, &cmd, 2) && !(cmd & PCI_COMMAND_MEMORY))
		cfg_wr(t, vf, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY, 2);
	card_w(t, vf, q + MDK_CARD_Q_ENABLE, 0);
	card_w(t, vf, q + MDK_CARD_Q_RING_LO, (uint32_t)vf->ring_iova);
	card_w(t, vf, q + MDK_CARD_Q_RING_HI, vf->ring_iova >> 32);
	card_w(t, vf, q + MDK_CARD_Q_COMP_LO, (uint32_t)vf->comp_iova);
	card_w(t, vf, q + MDK_CARD_Q_COMP_HI, vf->comp_iova >> 32);
	card_w(t, vf, q + MDK_CARD_Q_SIZE, FZ_RING);
	card_w(t, vf, q + MDK_CARD_Q_VECTOR, fz_chance(&t->r, 80) ? 0 :
	       MDK_CARD_NO_VECTOR);
	card_w(t, vf, q + MDK_CARD_Q_ENABLE, 1);
	vf->tail = 0;
	return card_r(t, vf, q + MDK_CARD_Q_ENABLE) == 1 ? 0 : -EIO;
}

enum { D_VALID, D_OPCODE, D_LENGTH, D_ADDRESS, D_PORTAL, D_EXTRA, D_GARBAGE };

struct fz_desc {
	struct mdk_card_desc d;
	int cls;
	int checked;		/* alone in its batch: its data are checked */
	uint32_t idx;
	uint8_t *src, *dst;	/* in our memory, for the checks */
};

/* A descriptor of class @cls; its buffers inside the thread's part of data. */
static void make_desc(struct fz_thread *t, struct fz_desc *fd, int cls,
		      int checked)
{
	struct fz_worker *w = t->w;
	uint64_t part = (FZ_NCHUNK / w->nvf) * FZ_CHUNK;
	uint64_t pbase = FZ_DATA + t->vfi * part, half = part / 2, len, so, dso;
	struct mdk_card_desc *d = &fd->d;

	memset(fd, 0, sizeof(*fd));
	fd->cls = cls;
	fd->checked = checked;
	d->opcode = 1 + fz_below(&t->r, 4);
	d->flags = fz_chance(&t->r, 30) ? MDK_CARD_F_IRQ : 0;
	if (fz_chance(&t->r, 5))
		d->flags |= fz_next(&t->r);
	d->cookie = fz_next(&t->r);
	d->pattern = fz_next(&t->r);
	switch (fz_below(&t->r, 8)) {
	case 0:
		len = 1 + fz_below(&t->r, half < MDK_CARD_MAX_LEN ? half : MDK_CARD_MAX_LEN); break;
	case 1:
		len = 4096 + fz_below(&t->r, 65536); break;
	default:
		len = 1 + fz_below(&t->r, 4096);
	}
	if (len > half)
		len = half;
	so = fz_below(&t->r, half - len + 1);
	dso = half + fz_below(&t->r, half - len + 1);
	if (!checked && fz_chance(&t->r, 30))	/* overlapping, anywhere */
		dso = fz_below(&t->r, part - len + 1);
	d->len = len;
	d->src = pbase + so;
	d->dst = pbase + dso;
	fd->src = w->mem + (d->src - FZ_IOVA);
	fd->dst = w->mem + (d->dst - FZ_IOVA);
	switch (cls) {
	case D_OPCODE:
		d->opcode = fz_chance(&t->r, 50) ? 0 : 5 + fz_below(&t->r, 1000);
		break;
	case D_LENGTH:
		d->len = fz_chance(&t->r, 50) ? 0 : MDK_CARD_MAX_LEN + 1 +
			 fz_below(&t->r, 0xffffffffu - MDK_CARD_MAX_LEN - 1);
		break;
	case D_ADDRESS: {	/* a hole, or running off the end of the data */
		int bad_src = d->opcode == MDK_CARD_OP_CRC32C ||
			      (d->opcode != MDK_CARD_OP_FILL && fz_chance(&t->r, 50));
		uint64_t bad = fz_chance(&t->r, 50) ?
			       FZ_HOLE + fz_below(&t->r, 1 << 20) :
			       FZ_DATA + FZ_NCHUNK * FZ_CHUNK - 1 -
			       fz_below(&t->r, d->len - 1);

		if (d->len < 2)
			d->len = 2;
		if (bad_src)
			d->src = bad;
		else
			d->dst = bad;
		break;
	}
	case D_PORTAL:
		d->dst = FZ_PIOVA + fz_below(&t->r, 64);
		d->len = 1 + fz_below(&t->r, 64);
		break;
	case D_EXTRA:
		d->src = FZ_XIOVA + fz_below(&t->r, FZ_XSLOTS * FZ_CHUNK);
		d->dst = FZ_XIOVA + fz_below(&t->r, FZ_XSLOTS * FZ_CHUNK);
		break;
	case D_GARBAGE:
		d->opcode = fz_u32(&t->r);
		d->len = fz_u32(&t->r);
		d->src = fz_u64(&t->r);
		d->dst = fz_u64(&t->r);
		d->reserved0 = fz_u32(&t->r);
		/* not into the data another engine checks: into the hole */
		if (d->src - FZ_IOVA < FZ_HOLE - FZ_IOVA)
			d->src += FZ_HOLE - FZ_IOVA;
		if (d->dst - FZ_IOVA < FZ_HOLE - FZ_IOVA)
			d->dst += FZ_HOLE - FZ_IOVA;
		break;
	}
	if (checked && cls == D_VALID) {
		fz_fill(&t->r, fd->src, len);
		memset(fd->dst, 0x5a, len);
		if (d->opcode == MDK_CARD_OP_COMPARE && fz_chance(&t->r, 50))
			memcpy(fd->dst, fd->src, len);
	}
}

static int pick_class(struct fz_thread *t)
{
	static const unsigned int wt[] = { 62, 6, 6, 10, 4, 6, 6 };
	int c = fz_pick(&t->r, wt, 7);

	if (c == D_PORTAL && (!t->w->portal_mapped || (avoid & AVOID_KNOWN4)))
		c = D_VALID;
	/* known3: only one VF of a pair touches what the DMA thread unmaps */
	if ((avoid & AVOID_KNOWN3) && t->vfi && (c == D_PORTAL || c == D_EXTRA ||
						 c == D_GARBAGE))
		c = D_VALID;
	return c;
}

static void check_desc(struct fz_thread *t, struct fz_desc *fd,
		       const struct mdk_card_comp *c)
{
	const struct mdk_card_desc *d = &fd->d;
	uint32_t want = fd->cls == D_OPCODE ? MDK_CARD_ST_BAD_OPCODE :
			fd->cls == D_LENGTH ? MDK_CARD_ST_BAD_LENGTH :
			fd->cls == D_ADDRESS ? MDK_CARD_ST_BAD_ADDRESS :
			MDK_CARD_ST_SUCCESS;
	uint64_t i;

	CHECK(t, c->cookie == d->cookie, "desc %u: cookie %#llx, expected %#llx",
	      fd->idx, (unsigned long long)c->cookie, (unsigned long long)d->cookie);
	if (fd->cls > D_ADDRESS) {
		CHECK(t, c->status == MDK_CARD_ST_SUCCESS ||
		      (c->status >= MDK_CARD_ST_BAD_OPCODE &&
		       c->status <= MDK_CARD_ST_BAD_ADDRESS),
		      "desc %u: status %#x is no status", fd->idx, c->status);
		return;
	}
	CHECK(t, c->status == want, "desc %u op %u len %u src %#llx dst %#llx: status %#x, expected %#x",
	      fd->idx, d->opcode, d->len, (unsigned long long)d->src,
	      (unsigned long long)d->dst, c->status, want);
	/* in a batch a later descriptor may rewrite an earlier one's bytes */
	if (fd->cls != D_VALID || c->status != MDK_CARD_ST_SUCCESS || !fd->checked)
		return;
	CHECK(t, c->bytes == d->len, "desc %u: %u bytes processed, expected %u",
	      fd->idx, c->bytes, d->len);
	switch (d->opcode) {
	case MDK_CARD_OP_COPY:
		CHECK(t, !memcmp(fd->dst, fd->src, d->len),
		      "COPY of %u bytes %#llx -> %#llx: destination differs",
		      d->len, (unsigned long long)d->src, (unsigned long long)d->dst);
		break;
	case MDK_CARD_OP_FILL:
		for (i = 0; i < d->len; i++)
			if (fd->dst[i] != (uint8_t)(d->pattern >> (8 * ((i) % 8))))
				break;
		CHECK(t, i == d->len, "FILL of %u bytes at %#llx: byte %llu differs",
		      d->len, (unsigned long long)d->dst, (unsigned long long)i);
		break;
	case MDK_CARD_OP_COMPARE:
		CHECK(t, c->result == !!memcmp(fd->src, fd->dst, d->len),
		      "COMPARE of %u bytes: result %u, expected %d", d->len,
		      c->result, !!memcmp(fd->src, fd->dst, d->len));
		break;
	case MDK_CARD_OP_CRC32C:
		CHECK(t, c->result == mdkcard_crc32c(fd->src, d->len),
		      "CRC32C of %u bytes: %#x, expected %#x", d->len, c->result,
		      mdkcard_crc32c(fd->src, d->len));
		break;
	}
}

/* Submits a batch on queue 0 and waits; 1 if the queue needs a restart. */
static int card_batch(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	struct fz_desc fd[8];
	struct mdk_card_comp c;
	unsigned int n = fz_chance(&t->r, 50) ? 1 : 1 + fz_below(&t->r, 8), i;
	int checked = n == 1, portal = 0;
	unsigned int mark = disrupt_mark(w);
	uint64_t deadline;

	for (i = 0; i < n; i++) {
		make_desc(t, &fd[i], pick_class(t), checked);
		portal |= fd[i].cls == D_PORTAL;
	}
	if (portal)
		disrupt_begin(w);	/* writes into a portal: TAIL garbage */
	for (i = 0; i < n; i++) {
		fd[i].idx = vf->tail;
		vf->ring[vf->tail] = fd[i].d;
		memset((void *)&vf->comp[vf->tail], 0, sizeof(c));
		fz_op(t->log, "desc %u: op %u flags %#x len %u src %#llx dst %#llx (class %d)",
		      vf->tail, fd[i].d.opcode, fd[i].d.flags, fd[i].d.len,
		      (unsigned long long)fd[i].d.src, (unsigned long long)fd[i].d.dst,
		      fd[i].cls);
		vf->tail = (vf->tail + 1) % FZ_RING;
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	fz_op(t->log, "TAIL %u", vf->tail);
	map_w32(t, vf->portals + MDK_CARD_PORTAL_TAIL, vf->tail);
	deadline = now_ms() + 20000;
	for (i = 0; i < n; i++) {
		while (!vf->comp[fd[i].idx].status) {
			if (w->stop || !undisturbed(w, mark) || now_ms() > deadline)
				break;
			usleep(50);
		}
		if (!vf->comp[fd[i].idx].status)
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		memcpy(&c, (void *)&vf->comp[fd[i].idx], sizeof(c));
		fz_op(t->log, "desc %u: status %#x result %#x bytes %u", fd[i].idx,
		      c.status, c.result, c.bytes);
		if (undisturbed(w, mark))
			check_desc(t, &fd[i], &c);
	}
	if (portal)
		disrupt_end(w);
	if (i == n)
		return 0;
	fz_op(t->log, "desc %u not completed (queue error %u)", fd[i].idx,
	      card_r(t, vf, MDK_CARD_Q(0) + MDK_CARD_Q_ERROR));
	if (!w->stop && undisturbed(w, mark))
		CHECK(t, 0, "desc %u (op %u len %u) not completed in 20 s with nothing in its way",
		      fd[i].idx, fd[i].d.opcode, fd[i].d.len);
	return 1;
}

/* A write of the card's registers: any queue, any value (queue 0: ours). */
static void op_card_reg(struct fz_thread *t, struct fz_vf *vf)
{
	uint32_t q = fz_below(&t->r, vf->nq), reg, val;
	int d;

	if (fz_chance(&t->r, 10)) {
		reg = MDK_CARD_RESET;
		val = fz_chance(&t->r, 80) ? 1 : fz_u32(&t->r);
	} else if (fz_chance(&t->r, 10)) {
		reg = fz_below(&t->r, MDK_CARD_CTRL_SIZE / 4) * 4;
		val = fz_u32(&t->r);
	} else {
		reg = MDK_CARD_Q(q) + 4 * fz_below(&t->r, 9);
		val = fz_chance(&t->r, 40) ? fz_u32(&t->r) :
		      (uint32_t)(FZ_IOVA + fz_below(&t->r, 0x10000));
	}
	d = reg == MDK_CARD_RESET || (reg >= MDK_CARD_Q(0) && reg < MDK_CARD_Q(1)) ||
	    reg >= MDK_CARD_MSIX_TABLE;
	if (reg == MDK_CARD_RESET && (avoid & AVOID_KNOWN2))
		pthread_mutex_lock(&t->w->k2);
	if (d)
		disrupt_begin(t->w);
	card_w(t, vf, reg, val);
	if (d)
		disrupt_end(t->w);
	if (reg == MDK_CARD_RESET && (avoid & AVOID_KNOWN2))
		pthread_mutex_unlock(&t->w->k2);
	if (q && fz_chance(&t->r, 30)) {	/* and run it, whatever it holds */
		val = fz_chance(&t->r, 50) ? fz_below(&t->r, 70) : fz_u32(&t->r);
		fz_op(t->log, "TAIL %u into portal %u", val, q);
		map_w32(t, vf->portals + q * MDK_CARD_PORTAL_SIZE, val);
	}
}

/* ---- DMA areas of a card worker: the rings (0) and the data chunks ------ */

#define FZ_AREAS	(1 + FZ_NCHUNK)

static uint64_t area_iova(unsigned int a)
{
	return a ? FZ_DATA + (a - 1) * FZ_CHUNK : FZ_IOVA;
}

static uint64_t area_size(unsigned int a)
{
	return a ? FZ_CHUNK : FZ_DATA - FZ_IOVA;
}

/* Unmaps an area (a disruption until it is back) or maps it back. */
static void op_card_area(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	unsigned int a = fz_chance(&t->r, 10) ? 0 : 1 + fz_below(&t->r, FZ_NCHUNK);
	uint64_t iova = area_iova(a), size = area_size(a), done = 0;
	int ret;

	if (w->chunk_mapped[a]) {
		if (avoid & AVOID_KNOWN2)
			pthread_mutex_lock(&w->k2);
		disrupt_begin(w);
		ret = dma_unmap(t, vf, iova, size, 0, UNMAPSZ, &done);
		if (avoid & AVOID_KNOWN2)
			pthread_mutex_unlock(&w->k2);
		CHECK(t, ret == 0 && done == size, "UNMAP_DMA of the card's area at %#llx: %d, %#llx bytes",
		      (unsigned long long)iova, ret, (unsigned long long)done);
		if (ret)
			disrupt_end(w);
		else
			w->chunk_mapped[a] = 0;
		return;
	}
	ret = dma_map(t, vf, w->mem + (iova - FZ_IOVA), iova, size, RW, MAPSZ);
	CHECK(t, ret == 0, "MAP_DMA of the card's area back at %#llx: %d", (unsigned long long)iova,
	      ret);
	if (!ret) {
		w->chunk_mapped[a] = 1;
		disrupt_end(w);
	}
}

/* Everything unmapped at once; the card's areas come back one by one. */
static void op_unmap_all(struct fz_thread *t, struct fz_vf *vf)
{
	struct fz_worker *w = t->w;
	unsigned int a;
	int ret;

	if (avoid & AVOID_KNOWN2)
		pthread_mutex_lock(&w->k2);
	disrupt_begin(w);
	ret = dma_unmap(t, vf, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, UNMAPSZ, NULL);
	if (avoid & AVOID_KNOWN2)
		pthread_mutex_unlock(&w->k2);
	CHECK(t, ret == 0, "UNMAP_DMA of everything: %d, expected 0", ret);
	if (!ret) {
		memset(w->xmap, 0, sizeof(w->xmap));
		w->portal_mapped = 0;
		for (a = 0; w->kind != FZ_VT && a < FZ_AREAS; a++)
			if (w->chunk_mapped[a]) {
				w->chunk_mapped[a] = 0;
				disrupt_begin(w);
			}
	}
	disrupt_end(w);
}

/* ---- threads ------------------------------------------------------------ */

typedef void (*fz_opfn)(struct fz_thread *t, struct fz_vf *vf);

struct fz_opw {
	fz_opfn fn;
	unsigned int weight;
};

static void op_munmap(struct fz_thread *t, struct fz_vf *vf)
{
	drop_map(t, fz_below(&t->r, 8));
}

static void op_drain(struct fz_thread *t, struct fz_vf *vf)
{
	uint64_t n;
	int i;

	for (i = 0; i < 6; i++)
		if (read(t->efd[i], &n, sizeof(n)) < 0)
			continue;
}

static void op_junk_and_xmaps(struct fz_thread *t, struct fz_vf *vf)
{
	op_junk_dma(t, vf);
}

static const struct fz_opw ioctl_ops[] = {
	{ op_get_info, 5 }, { op_region_info, 8 }, { op_irq_info, 5 },
	{ op_set_irqs, 22 }, { op_reset, 3 }, { op_unknown_ioctl, 4 },
	{ op_region_rw, 25 }, { op_cfg_ids, 2 }, { op_bar_sizing, 5 },
	{ op_decode, 3 }, { op_msi_ctl, 4 }, { op_msix_ctl, 4 },
	{ op_msix_bar, 8 }, { op_drain, 2 }, { op_mig, 2 },
};

static const struct fz_opw card_chaos_ops[] = {
	{ op_get_info, 3 }, { op_region_info, 5 }, { op_irq_info, 3 },
	{ op_set_irqs, 15 }, { op_reset, 2 }, { op_unknown_ioctl, 2 },
	{ op_region_rw, 12 }, { op_cfg_ids, 2 }, { op_bar_sizing, 3 },
	{ op_decode, 2 }, { op_msix_ctl, 3 }, { op_msix_bar, 6 },
	{ op_mmap, 6 }, { op_munmap, 3 }, { op_card_reg, 20 }, { op_drain, 2 },
	{ op_mig, 2 },
};

static const struct fz_opw vt_dma_ops[] = {
	{ op_xmap, 20 }, { op_xunmap, 12 }, { op_junk_and_xmaps, 12 },
	{ op_vt_dma, 25 }, { op_vt_pin, 10 }, { op_vt_cmd_random, 10 },
	{ op_vt_raise, 15 }, { op_unmap_all, 1 },
};

static const struct fz_opw card_dma_ops[] = {
	{ op_xmap, 20 }, { op_xunmap, 15 }, { op_junk_and_xmaps, 12 },
	{ op_card_area, 12 }, { op_unmap_all, 1 },
};

static const struct fz_opw card_dma_ops_known3[] = {
	{ op_xmap, 20 }, { op_xunmap, 15 }, { op_junk_and_xmaps, 12 },
};

static void run_op(struct fz_thread *t, const struct fz_opw *ops, unsigned int n,
		   struct fz_vf *vf)
{
	unsigned int w[32], i;

	for (i = 0; i < n; i++)
		w[i] = ops[i].weight;
	ops[fz_pick(&t->r, w, n)].fn(t, vf);
}

#define RUN_OP(t, ops, vf) run_op(t, ops, sizeof(ops) / sizeof(ops[0]), vf)

static struct fz_vf *any_vf(struct fz_thread *t)
{
	return &t->w->vf[fz_below(&t->r, t->w->nvf)];
}

static void *vt_ioctl_thread(void *arg)
{
	struct fz_thread *t = arg;

	while (!t->w->stop)
		RUN_OP(t, ioctl_ops, any_vf(t));
	return NULL;
}

static void *vt_mmap_thread(void *arg)
{
	struct fz_thread *t = arg;
	struct fz_vf *vf = &t->w->vf[0];
	int err = 0;
	uint8_t *pg = mdkvfio_mmap(&vf->v, 0, 0x5000, PAGE, &err);

	fz_op(t->log, "mmap BAR0+0x5000 (the page this thread checks)");
	fz_ret(t->log, err);
	while (!t->w->stop) {
		switch (fz_below(&t->r, 10)) {
		case 0: case 1: case 2:
			op_mmap(t, vf);
			break;
		case 3:
			op_munmap(t, vf);
			break;
		case 4:
			op_region_rw(t, vf);
			break;
		default:
			if (pg)
				op_mmap_coherent(t, vf, pg);
		}
	}
	if (pg)
		munmap(pg, PAGE);
	return NULL;
}

static void *vt_dma_thread(void *arg)
{
	struct fz_thread *t = arg;
	struct fz_vf *vf = &t->w->vf[0];
	uint8_t *bar = mdkvfio_mmap(&vf->v, 0, 0x1000, 2 * PAGE, NULL);

	while (!t->w->stop) {
		if (fz_chance(&t->r, 4))
			op_bar_as_dma(t, vf, bar, 2 * PAGE);
		else
			RUN_OP(t, vt_dma_ops, vf);
	}
	if (bar)
		munmap(bar, 2 * PAGE);
	return NULL;
}

static void *card_engine_thread(void *arg)
{
	struct fz_thread *t = arg;
	struct fz_worker *w = t->w;
	struct fz_vf *vf = &w->vf[t->vfi];
	unsigned int started = ~0u, m;
	uint32_t v;

	while (!w->stop) {
		m = disrupt_mark(w);
		if (m == ~0u || m != started) {
			if (m == ~0u)
				usleep(1000);
			started = m;
			if (card_start(t, vf))
				started = ~0u;
			continue;
		}
		if (fz_chance(&t->r, 4)) {	/* garbage TAIL or HEAD, ours */
			v = fz_chance(&t->r, 50) ? fz_below(&t->r, 2 * FZ_RING) : fz_u32(&t->r);
			disrupt_begin(w);
			fz_op(t->log, "%s %#x into our portal", fz_chance(&t->r, 70) ?
			      "TAIL" : "HEAD", v);
			map_w32(t, vf->portals + (fz_chance(&t->r, 70) ?
				MDK_CARD_PORTAL_TAIL : MDK_CARD_PORTAL_HEAD), v);
			usleep(fz_below(&t->r, 500));
			disrupt_end(w);
			continue;
		}
		if (card_batch(t, vf))
			started = ~0u;
	}
	return NULL;
}

static void *card_chaos_thread(void *arg)
{
	struct fz_thread *t = arg;

	while (!t->w->stop)
		RUN_OP(t, card_chaos_ops, any_vf(t));
	return NULL;
}

static void *card_dma_thread(void *arg)
{
	struct fz_thread *t = arg;
	struct fz_worker *w = t->w;
	struct fz_vf *vf = &w->vf[w->nvf - 1];

	while (!w->stop) {
		if (fz_chance(&t->r, 4))	/* a VF's portal page as DMA memory */
			op_bar_as_dma(t, &w->vf[0], (void *)vf->portals, PAGE);
		else if ((avoid & AVOID_KNOWN3) && w->nvf > 1)	/* not the data */
			RUN_OP(t, card_dma_ops_known3, &w->vf[0]);
		else
			RUN_OP(t, card_dma_ops, &w->vf[0]);
	}
	return NULL;
}

/* ---- a worker process --------------------------------------------------- */

static uint8_t find_cap(struct fz_vf *vf, uint8_t id)
{
	uint8_t p = 0, hdr[2];
	int n = 0;

	if (mdkvfio_pread(&vf->v, VFIO_PCI_CONFIG_REGION_INDEX, &p, 1,
			  PCI_CAPABILITY_LIST) != 1)
		return 0;
	while (p && n++ < 48) {
		if (mdkvfio_pread(&vf->v, VFIO_PCI_CONFIG_REGION_INDEX, hdr, 2, p) != 2)
			return 0;
		if (hdr[0] == id)
			return p;
		p = hdr[1];
	}
	return 0;
}

static int vf_open(struct fz_worker *w, struct fz_vf *vf, const char *uuid,
		   struct fz_vf *with)
{
	unsigned int i;
	int ret, err = 0;

	vf->req = vf->qefd = -1;
	ret = mdkvfio_open_in(&vf->v, uuid, with ? with->v.container : -1);
	if (ret)
		return ret;
	for (i = 0; i < FZ_NREG; i++) {
		/* As vfio-pci: no VGA region, not even its info. */
		if (i == VFIO_PCI_VGA_REGION_INDEX)
			continue;
		ret = mdkvfio_region(&vf->v, i, &vf->reg[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < FZ_NIRQ; i++) {
		ret = mdkvfio_irq(&vf->v, i, &vf->irq[i]);
		/* As vfio-pci: no ERR interrupt on a conventional function. */
		if (ret == -EINVAL && i == VFIO_PCI_ERR_IRQ_INDEX) {
			memset(&vf->irq[i], 0, sizeof(vf->irq[i]));
			continue;
		}
		if (ret)
			return ret;
	}
	vf->cfg_size = vf->reg[VFIO_PCI_CONFIG_REGION_INDEX].size;
	vf->msi = find_cap(vf, PCI_CAP_ID_MSI);
	vf->msix = find_cap(vf, PCI_CAP_ID_MSIX);
	vf->req = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vf->req < 0)
		return -errno;
	ret = mdkvfio_set_eventfds(&vf->v, VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &vf->req);
	if (ret || w->kind == FZ_VT)
		return ret;
	if (mdkvfio_read32(&vf->v, 2, MDK_CARD_NQUEUES, &vf->nq) || !vf->nq ||
	    vf->nq > MDK_CARD_MAX_QUEUES)
		return -ENODEV;
	vf->portal_len = vf->nq * MDK_CARD_PORTAL_SIZE;
	vf->portals = mdkvfio_mmap(&vf->v, 0, 0, vf->portal_len, &err);
	if (!vf->portals)
		return err;
	vf->qefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return mdkvfio_set_eventfds(&vf->v, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, &vf->qefd);
}

static void vf_close(struct fz_vf *vf)
{
	if (vf->portals)
		munmap((void *)vf->portals, vf->portal_len);
	vf->portals = NULL;
	mdkvfio_close(&vf->v);
	if (vf->req >= 0)
		close(vf->req);
	if (vf->qefd >= 0)
		close(vf->qefd);
	vf->req = vf->qefd = -1;
}

/* The card's DMA memory: rings and records of each VF, then the data. */
static int card_mem(struct fz_worker *w)
{
	unsigned int a, i;
	int ret;

	w->mem_size = FZ_DATA - FZ_IOVA + FZ_NCHUNK * FZ_CHUNK;
	w->mem = mmap(NULL, w->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (w->mem == MAP_FAILED)
		return -ENOMEM;
	for (a = 0; a < FZ_AREAS; a++) {
		ret = mdkvfio_map_dma(&w->vf[0].v, w->mem + (area_iova(a) - FZ_IOVA),
				      area_iova(a), area_size(a));
		if (ret)
			return ret;
		w->chunk_mapped[a] = 1;
	}
	for (i = 0; i < w->nvf; i++) {
		w->vf[i].ring_iova = FZ_IOVA + i * FZ_QAREA;
		w->vf[i].comp_iova = w->vf[i].ring_iova + FZ_QAREA / 2;
		w->vf[i].ring = (void *)(w->mem + i * FZ_QAREA);
		w->vf[i].comp = (void *)(w->mem + i * FZ_QAREA + FZ_QAREA / 2);
	}
	return 0;
}

static __thread struct fz_thread *cur_thread;

/* A worker's crash (SIGBUS on a mapping, say): what it was doing. */
static void worker_crash(int sig, siginfo_t *si, void *uc)
{
	struct fz_thread *t = cur_thread;

	if (sig == SIGBUS && bus_guard)
		siglongjmp(*bus_guard, 1);
	printf("# worker crash: signal %d at %p in %s (run seed %llu)\n", sig,
	       si->si_addr, t ? t->log->name : "main", (unsigned long long)run_seed);
	if (t)
		fz_dump(stdout, t->log, dump_last);
	fflush(stdout);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void *thread_main(void *arg)
{
	struct fz_thread *t = arg;

	cur_thread = t;
	/* the tid is the PID a kernel report names */
	snprintf(t->log->name + strlen(t->log->name),
		 sizeof(t->log->name) - strlen(t->log->name), "[%d]", gettid());
	fz_op(t->log, "thread %s starts", t->log->name);
	return t->fn(t);
}

static void thread_init(struct fz_thread *t, struct fz_worker *w,
			unsigned int idx, const char *name)
{
	struct fz_log *l = &w->slot->log[idx];
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->w = w;
	t->idx = idx;
	t->log = l;
	t->r = fz_rng(fz_derive(w->slot->seed, name, idx, 0, 0));
	for (i = 0; i < 6; i++)
		t->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(l->name, sizeof(l->name), "%s%u.g%u.%s",
		 kind_name[w->kind], (unsigned int)(w->slot - sh->slot),
		 w->slot->gen, name);
	l->n = 0;
}

static void thread_fini(struct fz_thread *t)
{
	unsigned int i;

	drop_maps(t);
	for (i = 0; i < 6; i++)
		close(t->efd[i]);
}

/* Waits for REQ (the supervisor is removing the device) or the end. */
static int worker_wait(struct fz_worker *w)
{
	struct pollfd p[2];
	unsigned int i;
	uint64_t n;

	while (!sh->stop) {
		for (i = 0; i < w->nvf; i++)
			p[i] = (struct pollfd){ .fd = w->vf[i].req, .events = POLLIN };
		if (poll(p, w->nvf, 200) <= 0)
			continue;
		for (i = 0; i < w->nvf; i++)
			if ((p[i].revents & POLLIN) &&
			    read(w->vf[i].req, &n, sizeof(n)) == sizeof(n) &&
			    w->slot->removing)
				return EX_REMOVED;
		/* else a loopback trigger of REQ: nobody is asking */
	}
	return EX_OK;
}

typedef void *(*fz_threadfn)(void *);

static void add_thread(fz_threadfn *fn, const char **names, unsigned int *nt,
		       fz_threadfn f, const char *name)
{
	fn[*nt] = f;
	names[(*nt)++] = name;
}

static int worker_main(struct fz_slot *s)
{
	static struct fz_worker wk;
	static struct fz_thread th[FZ_THREADS];
	struct fz_worker *w = &wk;
	fz_threadfn fn[FZ_THREADS] = { 0 };
	const char *names[FZ_THREADS] = { 0 };
	pthread_t tid[FZ_THREADS];
	unsigned int i, nt = 0;
	struct fz_rng r = fz_rng(fz_derive(s->seed, "exit", 0, 0, 0));
	int ret, code;

	struct sigaction sa = {
		.sa_sigaction = worker_crash, .sa_flags = SA_SIGINFO,
	};

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	memset(w, 0, sizeof(*w));
	w->slot = s;
	w->kind = s->kind;
	w->nvf = s->nuuid;
	pthread_mutex_init(&w->k2, NULL);
	for (i = 0; i < w->nvf; i++) {
		ret = vf_open(w, &w->vf[i], s->uuid[i], i ? &w->vf[0] : NULL);
		if (ret) {
			if (s->removing || ret == -ENODEV || ret == -ENOENT)
				return EX_GONE;
			printf("# worker %s%u.g%u: cannot open %s: %s\n",
			       kind_name[s->kind], (unsigned int)(s - sh->slot),
			       s->gen, s->uuid[i], strerror(-ret));
			return EX_SETUP;
		}
	}
	w->xpool = mmap(NULL, FZ_XPOOL, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (w->xpool == MAP_FAILED)
		return EX_SETUP;
	if (w->kind == FZ_VT) {
		add_thread(fn, names, &nt, vt_ioctl_thread, "ioctl");
		add_thread(fn, names, &nt, vt_mmap_thread, "mmap");
		add_thread(fn, names, &nt, vt_dma_thread, "dma");
	} else {
		ret = card_mem(w);
		if (ret) {
			printf("# worker %s: card DMA memory: %s\n", s->uuid[0],
			       strerror(-ret));
			return s->removing ? EX_GONE : EX_SETUP;
		}
		for (i = 0; i < w->nvf; i++)
			add_thread(fn, names, &nt, card_engine_thread,
				   i ? "engine1" : "engine0");
		add_thread(fn, names, &nt, card_chaos_thread, "chaos");
		add_thread(fn, names, &nt, card_dma_thread, "dma");
	}
	s->nthreads = nt;
	for (i = 0; i < nt; i++) {
		thread_init(&th[i], w, i, names[i]);
		th[i].cfg_owner = !strcmp(names[i], "ioctl") ||
				  !strcmp(names[i], "chaos");
		th[i].vfi = !strcmp(names[i], "engine1");
		th[i].fn = fn[i];
		if (pthread_create(&tid[i], NULL, thread_main, &th[i]))
			return EX_SETUP;
	}
	code = worker_wait(w);
	if (code == EX_REMOVED && fz_chance(&r, 30))
		_exit(code);	/* killed: the kernel closes everything */
	w->stop = 1;
	for (i = 0; i < nt; i++) {
		pthread_join(tid[i], NULL);
		thread_fini(&th[i]);
	}
	for (i = w->nvf; i-- > 0;)
		vf_close(&w->vf[i]);
	return code;
}

/* ---- the supervisor ------------------------------------------------------ */

static pthread_mutex_t sup_lock = PTHREAD_MUTEX_INITIALIZER;
static int parent_down[2];		/* 0: mdk_vfiotest, 1: mdk_card */
static volatile uint64_t life_busy;	/* when a blocking sysfs write began */
static char life_what[128];
static volatile int life_done;
static unsigned int nslots;
static uint64_t kind_ops[3];
static unsigned int died[3], removals, unbinds, reloads, respawns;
static char kernel_report[512];
static int kernel_bad, life_blocked;

static int parent_of(int kind)
{
	return kind != FZ_VT;
}

static uint64_t slot_ops(struct fz_slot *s)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < s->nthreads && i < FZ_THREADS; i++)
		n += s->log[i].n;
	return n;
}

static void mdev_path(char *buf, size_t len, const char *uuid, const char *attr)
{
	snprintf(buf, len, VT_MDEVS "/%s%s%s", uuid, attr ? "/" : "", attr ? attr : "");
}

static void slot_remove(struct fz_slot *s)
{
	char path[160];
	unsigned int k;

	for (k = 0; k < s->nuuid; k++) {
		mdev_path(path, sizeof(path), s->uuid[k], NULL);
		if (!mdk_exists(path))
			continue;
		mdev_path(path, sizeof(path), s->uuid[k], "remove");
		mdk_write_str(path, "1");
	}
}

static int slot_create(struct fz_slot *s, unsigned int idx, struct fz_rng *r)
{
	static const char * const types[] = { "1q", "2q", "4q", "8q" };
	char path[200];
	unsigned int k;
	int ret;

	s->gen++;
	s->nuuid = s->kind == FZ_PAIR ? 2 : 1;
	for (k = 0; k < s->nuuid; k++) {
		mdk_make_uuid(s->uuid[k], 0xf22f, idx * 2 + k, s->gen);
		if (s->kind == FZ_VT)
			snprintf(path, sizeof(path), VT_TYPE "/create");
		else
			snprintf(path, sizeof(path), CARD_DEV "/mdev_supported_types/mdk_card-%s/create",
				 types[fz_below(r, 4)]);
		ret = mdk_write_str(path, s->uuid[k]);
		if (ret) {
			s->nuuid = k;
			slot_remove(s);
			return ret;
		}
	}
	return 0;
}

static void slot_spawn(struct fz_slot *s, unsigned int idx)
{
	pid_t pid;

	s->seed = fz_derive(run_seed, "worker", idx, s->gen, 0);
	s->removing = 0;
	s->nthreads = 0;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		exit(worker_main(s));
	}
	s->pid = pid > 0 ? pid : 0;
	s->dead = pid <= 0;
}

static void dump_all(unsigned int last)
{
	unsigned int i, k;

	fz_dump(stdout, &sh->life, last);
	for (i = 0; i < nslots; i++)
		for (k = 0; k < sh->slot[i].nthreads && k < FZ_THREADS; k++)
			fz_dump(stdout, &sh->slot[i].log[k], last);
	fflush(stdout);
}

/* A worker ended: was that expected? */
static void reap(pid_t pid, int st)
{
	struct fz_slot *s = NULL;
	unsigned int i, k;
	int ok;

	for (i = 0; i < nslots && !s; i++)
		if (sh->slot[i].pid == pid)
			s = &sh->slot[i];
	if (!s)
		return;
	i = s - sh->slot;
	ok = WIFEXITED(st) &&
	     (WEXITSTATUS(st) == EX_GONE || WEXITSTATUS(st) == EX_REMOVED ||
	      (WEXITSTATUS(st) == EX_OK && sh->stop));
	if (!ok && !sh->stop) {
		died[s->kind]++;
		if (WIFSIGNALED(st))
			printf("# worker %s%u.g%u (pid %d, seed %llu) killed by signal %d (run seed %llu)\n",
			       kind_name[s->kind], i, s->gen, pid,
			       (unsigned long long)s->seed, WTERMSIG(st),
			       (unsigned long long)run_seed);
		else
			printf("# worker %s%u.g%u (pid %d) exited with %d (run seed %llu)\n",
			       kind_name[s->kind], i, s->gen, pid,
			       WEXITSTATUS(st), (unsigned long long)run_seed);
		for (k = 0; k < s->nthreads; k++)
			fz_dump(stdout, &s->log[k], dump_last);
	}
	kind_ops[s->kind] += slot_ops(s);
	s->nthreads = 0;
	s->pid = 0;
	s->dead = 1;
}

static void reap_all(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		reap(pid, st);
}

/* Removes an exited worker's mdevs, away from the main loop. */
static void *cleanup_thread(void *arg)
{
	struct fz_slot *s = arg;

	slot_remove(s);
	s->cleaned = 1;
	s->cleaning = 0;
	return NULL;
}

static int clean_blocked;

static void respawn(struct fz_rng *r)
{
	unsigned int i;
	struct fz_slot *s;
	pthread_t th;

	pthread_mutex_lock(&sup_lock);
	for (i = 0; i < nslots && !sh->stop; i++) {
		s = &sh->slot[i];
		if (!s->dead || s->removing || parent_down[parent_of(s->kind)])
			continue;
		if (s->cleaning) {
			if (now_ms() - s->clean_since > 60000 && !clean_blocked) {
				clean_blocked = 1;
				printf("# removal of %s (its worker has exited) blocked for 60 s (seed %llu)\n",
				       s->uuid[0], (unsigned long long)run_seed);
				sh->stop = 1;
			}
			continue;
		}
		if (!s->cleaned && s->gen) {
			s->cleaning = 1;
			s->clean_since = now_ms();
			if (pthread_create(&th, NULL, cleanup_thread, s))
				s->cleaning = 0;
			else
				pthread_detach(th);
			continue;
		}
		if (slot_create(s, i, r))
			continue;	/* the parent is coming back: later */
		s->cleaned = 0;
		if (s->gen > 1)
			respawns++;
		slot_spawn(s, i);
	}
	pthread_mutex_unlock(&sup_lock);
}

/* A sysfs write that may block until a worker lets go (REQ). */
static int life_write(const char *path, const char *val)
{
	int ret;

	snprintf(life_what, sizeof(life_what), "echo %s > %s", val, path);
	fz_op(&sh->life, "%s", life_what);
	life_busy = now_ms();
	ret = mdk_write_str(path, val);
	life_busy = 0;
	fz_ret(&sh->life, ret);
	return ret;
}

static int life_sh(const char *cmd)
{
	int ret;

	snprintf(life_what, sizeof(life_what), "%s", cmd);
	fz_op(&sh->life, "%s", cmd);
	life_busy = now_ms();
	ret = mdk_sh(cmd);
	life_busy = 0;
	fz_ret(&sh->life, ret);
	return ret;
}

static void life_remove_one(struct fz_rng *r)
{
	struct fz_slot *s = NULL;
	unsigned int i, k = fz_below(r, nslots);
	char path[160];

	pthread_mutex_lock(&sup_lock);
	for (i = 0; i < nslots; i++) {
		s = &sh->slot[(k + i) % nslots];
		if (s->pid && !s->removing)
			break;
		s = NULL;
	}
	if (s)
		s->removing = 1;
	pthread_mutex_unlock(&sup_lock);
	if (!s)
		return;
	mdev_path(path, sizeof(path), s->uuid[fz_below(r, s->nuuid)], "remove");
	life_write(path, "1");
	removals++;
	while (s->pid && !sh->stop)	/* the worker is on its way out */
		usleep(20000);
	s->removing = 0;
}

static void life_parent(struct fz_rng *r, int p, int reload)
{
	const char *drv = p ? CARD_DRV : VT_DRV, *dev = p ? "mdk_card.0" : "mdk_vfiotest";
	char path[160];
	unsigned int i;

	pthread_mutex_lock(&sup_lock);
	parent_down[p] = 1;
	for (i = 0; i < nslots; i++)
		if (parent_of(sh->slot[i].kind) == p)
			sh->slot[i].removing = 1;
	pthread_mutex_unlock(&sup_lock);
	snprintf(path, sizeof(path), "%s/unbind", drv);
	life_write(path, dev);
	unbinds++;
	for (i = 0; i < nslots && !sh->stop; i++)
		while (parent_of(sh->slot[i].kind) == p && sh->slot[i].pid && !sh->stop)
			usleep(20000);
	if (reload) {
		life_sh(p ? "rmmod mdk_card" : "rmmod mdk_vfiotest");
		life_sh(p ? "modprobe mdk_card soft=1" : "modprobe mdk_vfiotest");
		reloads++;
	} else {
		snprintf(path, sizeof(path), "%s/bind", drv);
		life_write(path, dev);
	}
	pthread_mutex_lock(&sup_lock);
	for (i = 0; i < nslots; i++)
		if (parent_of(sh->slot[i].kind) == p)
			sh->slot[i].removing = 0;
	parent_down[p] = 0;
	pthread_mutex_unlock(&sup_lock);
}

static void *lifecycle_thread(void *arg)
{
	struct fz_rng r = fz_rng(fz_derive(run_seed, "lifecycle", 0, 0, 0));
	unsigned int i, wait_ms, has[2] = { 0, 0 }, p;

	for (i = 0; i < nslots; i++)
		has[parent_of(sh->slot[i].kind)] = 1;
	while (!sh->stop) {
		wait_ms = 2000 + fz_below(&r, 6000);
		for (i = 0; i < wait_ms / 100 && !sh->stop; i++)
			usleep(100000);
		if (sh->stop)
			break;
		p = has[0] && has[1] ? fz_below(&r, 2) : has[1];
		switch (fz_below(&r, 10)) {
		case 0: case 1:
			life_parent(&r, p, 0);
			break;
		case 2:
			life_parent(&r, p, 1);
			break;
		default:
			life_remove_one(&r);
		}
	}
	life_done = 1;
	return NULL;
}

/* ---- the kernel log ------------------------------------------------------ */

static const char * const bad_lines[] = {
	"WARNING: CPU", "cut here ]", "BUG: ", "Oops", "general protection fault",
	"Kernel panic", "UBSAN:", "KASAN:", "possible circular locking",
	"possible recursive locking", "inconsistent lock state",
	"suspicious RCU usage", "sleeping function called from invalid context",
	"blocked for more than", "detected stalls", "soft lockup", "hard LOCKUP",
	"refcount_t: ", "list_add corruption", "list_del corruption", "ODEBUG:",
	"DEBUG_LOCKS_WARN_ON", "Call Trace:",
};

static int kmsg_fd = -1;
static char report[8192];
static size_t report_len;
static uint64_t report_since;

/* The one known report (docs/testbed.md): type1's lock order on unpin. */
static int report_is_known(void)
{
	return strstr(report, "possible circular locking") &&
	       strstr(report, "vfio_iommu_type1_unpin_pages") &&
	       strstr(report, "vfio_iommu_type1_ioctl");
}

static void kmsg_line(const char *msg)
{
	unsigned int i;

	if (!report_len) {
		for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++)
			if (strstr(msg, bad_lines[i]))
				break;
		if (i == sizeof(bad_lines) / sizeof(bad_lines[0]))
			return;
		report_since = now_ms();
	}
	report_len += snprintf(report + report_len, sizeof(report) - report_len,
			       "%s\n", msg);
	if (report_len >= sizeof(report) - 1)
		report_len = sizeof(report) - 1;
}

static void kmsg_report_done(void)
{
	if (report_is_known()) {
		printf("# note: the known type1 unpin lock-order report (docs/testbed.md); lockdep is off now\n");
	} else if (!kernel_bad) {
		kernel_bad = 1;
		snprintf(kernel_report, sizeof(kernel_report), "%.*s", 500, report);
		printf("# KERNEL REPORT during fuzzing (seed %llu):\n", (unsigned long long)run_seed);
		{
			char *l = report, *e;
			int n = 0;

			while (l && *l && n++ < 30) {
				e = strchr(l, '\n');
				printf("#   %.*s\n", e ? (int)(e - l) : (int)strlen(l), l);
				l = e ? e + 1 : NULL;
			}
		}
		printf("# operations before it:\n");
		dump_all(dump_last);
		sh->stop = 1;
	}
	report_len = 0;
	report[0] = 0;
}

static void kmsg_poll(void)
{
	char buf[2048], *msg;
	ssize_t n;

	while (kmsg_fd >= 0 && (n = read(kmsg_fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		msg = strchr(buf, ';');
		msg = msg ? msg + 1 : buf;
		msg[strcspn(msg, "\n")] = 0;
		kmsg_line(msg);
		if (report_len && strstr(msg, "</TASK>"))
			kmsg_report_done();
	}
	if (report_len && now_ms() - report_since > 3000)
		kmsg_report_done();
}

/* ---- main ------------------------------------------------------------------ */

static unsigned int parse_avoid(const char *s)
{
	unsigned int m = 0;

	if (!s)
		return 0;
	if (strstr(s, "known1"))
		m |= AVOID_KNOWN1;
	if (strstr(s, "known2"))
		m |= AVOID_KNOWN2;
	if (strstr(s, "known3"))
		m |= AVOID_KNOWN3;
	if (strstr(s, "known4"))
		m |= AVOID_KNOWN4;
	return m;
}

/* The marker the runner names a kernel report's culprit by. */
static void mark_kmsg(void)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		dprintf(fd, "mdevkit: test " SUITE "/fuzz\n");
		close(fd);
	}
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--seconds S] [--avoid known1,known2,known3,known4]\n"
		"          [--vt N] [--card N] [--pair N] [--no-lifecycle] [--dump N]\n"
		"  (environment: MDK_FUZZ_SEED, MDK_FUZZ_SECONDS, MDK_FUZZ_AVOID)\n",
		argv0);
	exit(2);
}

static void progress(uint64_t t0, uint64_t *last_ops, uint64_t *last_t)
{
	uint64_t now = now_ms(), dt = now - *last_t;
	unsigned int i, k;
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line), "# %3llus:", (unsigned long long)(now - t0) / 1000);
	for (i = 0; i < nslots; i++) {
		struct fz_slot *s = &sh->slot[i];
		uint64_t ops = slot_ops(s), d = ops >= last_ops[i] ? ops - last_ops[i] : ops;

		n += snprintf(line + n, sizeof(line) - n, " %s%u.g%u %llu/s (",
			      kind_name[s->kind], i, s->gen,
			      (unsigned long long)(dt ? d * 1000 / dt : 0));
		for (k = 0; k < s->nthreads && k < FZ_THREADS; k++)
			n += snprintf(line + n, sizeof(line) - n, "%s%llu", k ? " " : "",
				      (unsigned long long)s->log[k].n);
		n += snprintf(line + n, sizeof(line) - n, ")");
		last_ops[i] = ops;
		if (n >= (int)sizeof(line) - 64)
			break;
	}
	printf("%s\n", line);
	printf("# %3llus: %llu checks, %u removals, %u unbinds, %u reloads, %u respawns\n",
	       (unsigned long long)(now - t0) / 1000, (unsigned long long)sh->checks,
	       removals, unbinds, reloads, respawns);
	fflush(stdout);
	*last_t = now;
}

/* Stops the workers: they exit on their own, else SIGKILL; 0 if none stuck. */
static int stop_workers(void)
{
	uint64_t until = now_ms() + (kernel_bad || clean_blocked ? 5000 : 30000);
	unsigned int i, alive;

	sh->stop = 1;
	for (;;) {
		reap_all();
		for (alive = 0, i = 0; i < nslots; i++)
			alive += !!sh->slot[i].pid;
		if (!alive)
			return 0;
		if (now_ms() > until + 10000)
			break;
		if (now_ms() > until)
			for (i = 0; i < nslots; i++)
				if (sh->slot[i].pid)
					kill(sh->slot[i].pid, SIGKILL);
		usleep(100000);
	}
	for (i = 0; i < nslots; i++)
		if (sh->slot[i].pid)
			printf("# worker %s%u (pid %d) does not die: stuck in the kernel\n",
			       kind_name[sh->slot[i].kind], i, sh->slot[i].pid);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "avoid", required_argument, NULL, 'a' },
		{ "vt", required_argument, NULL, 'v' },
		{ "card", required_argument, NULL, 'c' },
		{ "pair", required_argument, NULL, 'p' },
		{ "no-lifecycle", no_argument, NULL, 'L' },
		{ "dump", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int seconds = 150, nvt = 2, ncard = 1, npair = 1, i, k;
	uint64_t t0, deadline, last_prog, last_ops[FZ_SLOTS] = { 0 };
	int lifecycle = 1, opt, stuck, fails, ok[4];
	char *e, avoid_str[64] = "";
	struct fz_rng r;
	pthread_t life;

	run_seed = (uint64_t)time(NULL) * 1000003ULL ^ getpid();
	e = getenv("MDK_FUZZ_SEED");
	if (e && *e)
		run_seed = strtoull(e, NULL, 0);
	e = getenv("MDK_FUZZ_SECONDS");
	if (e && *e)
		seconds = atoi(e);
	avoid = parse_avoid(getenv("MDK_FUZZ_AVOID"));
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			run_seed = strtoull(optarg, NULL, 0); break;
		case 't':
			seconds = atoi(optarg); break;
		case 'a':
			avoid = parse_avoid(optarg); break;
		case 'v':
			nvt = atoi(optarg); break;
		case 'c':
			ncard = atoi(optarg); break;
		case 'p':
			npair = atoi(optarg); break;
		case 'L':
			lifecycle = 0; break;
		case 'd':
			dump_last = atoi(optarg); break;
		default:
			usage(argv[0]);
		}
	}
	if (nvt + ncard + npair > FZ_SLOTS || nvt + ncard + npair == 0)
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	printf("TAP version 13\n1..4\n");
	for (i = 0; i < 4; i++)
		if (avoid & (1u << i))
			snprintf(avoid_str + strlen(avoid_str),
				 sizeof(avoid_str) - strlen(avoid_str), "%sknown%u",
				 avoid_str[0] ? "," : " --avoid ", i + 1);
	printf("# seed %llu (replay: %s --seed %llu --seconds %u%s)\n",
	       (unsigned long long)run_seed, argv[0], (unsigned long long)run_seed,
	       seconds, avoid_str);
	mark_kmsg();
	if (mdk_sh("modprobe vfio_iommu_type1 && modprobe mdk_vfiotest && modprobe mdk_card soft=1")) {
		printf("not ok 1 - modules load\nnot ok 2 - skipped\nnot ok 3 - skipped\nnot ok 4 - skipped\n");
		return 1;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	snprintf(sh->life.name, sizeof(sh->life.name), "lifecycle");
	for (i = 0; i < nvt; i++)
		sh->slot[nslots++].kind = FZ_VT;
	for (i = 0; i < ncard; i++)
		sh->slot[nslots++].kind = FZ_CARD;
	for (i = 0; i < npair; i++)
		sh->slot[nslots++].kind = FZ_PAIR;
	for (i = 0; i < nslots; i++)
		sh->slot[i].dead = 1;
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	r = fz_rng(fz_derive(run_seed, "supervisor", 0, 0, 0));
	t0 = now_ms();
	deadline = t0 + seconds * 1000ULL;
	last_prog = t0;
	respawn(&r);
	if (lifecycle && pthread_create(&life, NULL, lifecycle_thread, NULL))
		lifecycle = 0;
	while (!sh->stop && now_ms() < deadline) {
		usleep(100000);
		reap_all();
		respawn(&r);
		kmsg_poll();
		if (life_busy && now_ms() - life_busy > 60000 && !life_blocked) {
			life_blocked = 1;
			printf("# lifecycle: '%s' blocked for 60 s (seed %llu)\n", life_what,
			       (unsigned long long)run_seed);
			dump_all(dump_last);
			break;
		}
		if (now_ms() - last_prog >= 15000)
			progress(t0, last_ops, &last_prog);
	}
	progress(t0, last_ops, &last_prog);
	stuck = stop_workers();
	for (i = 0; lifecycle && !life_done && i < (kernel_bad ? 50 : 600); i++)
		usleep(100000);	/* a removal finishing */
	if (lifecycle && !life_done && !life_blocked) {
		life_blocked = 1;
		printf("# lifecycle: '%s' still blocked after the workers stopped\n", life_what);
	}
	for (i = 0; i < 30; i++) {	/* late reports */
		kmsg_poll();
		usleep(100000);
	}
	if (report_len)
		kmsg_report_done();
	for (i = 0; !stuck && !life_blocked && !clean_blocked && i < nslots; i++)
		slot_remove(&sh->slot[i]);
	for (i = 0; i < nslots; i++)	/* the workers that never exited */
		if (sh->slot[i].pid)
			kind_ops[sh->slot[i].kind] += slot_ops(&sh->slot[i]);
	for (k = 0; k < 3; k++) {
		fails = sh->fails[k] + died[k];
		if (k == FZ_PAIR)
			continue;
		if (k == FZ_CARD)
			fails += sh->fails[FZ_PAIR] + died[FZ_PAIR];
		ok[k] = !fails;
	}
	ok[2] = !life_blocked && !stuck && !clean_blocked;
	ok[3] = !kernel_bad;
	printf("%sok 1 - vfio_mdev (mdk_vfiotest) workers: %llu ops in %u s, %d broken invariants, %u died\n",
	       ok[0] ? "" : "not ", (unsigned long long)kind_ops[FZ_VT], seconds,
	       sh->fails[FZ_VT], died[FZ_VT]);
	printf("%sok 2 - card workers (one VF, two VFs in one container): %llu ops, %d broken invariants, %u died\n",
	       ok[1] ? "" : "not ", (unsigned long long)(kind_ops[FZ_CARD] + kind_ops[FZ_PAIR]),
	       sh->fails[FZ_CARD] + sh->fails[FZ_PAIR], died[FZ_CARD] + died[FZ_PAIR]);
	printf("%sok 3 - lifecycle: %u removals, %u unbinds, %u module reloads, %u respawns, %s\n",
	       ok[2] ? "" : "not ", removals, unbinds, reloads, respawns,
	       stuck ? "workers stuck in the kernel" : life_blocked || clean_blocked ?
	       "a removal blocked" : "none blocked");
	printf("%sok 4 - kernel log clean while fuzzing%s%.120s\n", ok[3] ? "" : "not ",
	       kernel_bad ? ": " : "", kernel_bad ? kernel_report : "");
	printf("# %llu invariant checks; seed %llu%s%s\n", (unsigned long long)sh->checks,
	       (unsigned long long)run_seed, sh->first_fail[0] ? "; first broken: " : "",
	       sh->first_fail);
	fflush(stdout);
	return ok[0] && ok[1] && ok[2] && ok[3] ? 0 : 1;
}
