// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_fault - vfio_mdev's entry points under fault injection.
 * mdevkit-kvers: debug
 * mdevkit-alone: long
 *
 * The engine of mdev_core_fault (tools/testing/mdk_fault.h): for each entry
 * point, the 1st, 2nd, 3rd, ... allocation of the one call fails, under
 * failslab and under fail_page_alloc, until the call no longer reaches the
 * armed allocation. The entry points: creating an mdev of mdk_vfiotest
 * (mdk_vdev_create(): config space, layouts, interrupt state, VFIO
 * registration), opening the VFIO device, GET_REGION_INFO with its
 * sparse-mmap capability, enabling MSI-X eventfds, mmap of passthrough
 * pages, and pinning user pages. Each injected fault must fail the call
 * with ENOMEM and leave the state as before (the call then succeeds), or be
 * absorbed with the state a clean call leaves; kmemleak, KASAN and lockdep
 * stay silent.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "mdkvfio.h"

struct ctx {
	int nth_fd;
	unsigned int nth;	/* the fault point being armed */
	int fd;			/* a file the armed call writes, or -1 */
	char why[512];		/* what a check found wrong */
	char uuid[40];
	struct mdkvfio v;	/* the device, open (but for op_open) */
	int dev;		/* op_open: the device fd it got */
	int efds[8];
	uint8_t *map;		/* op_mmap: the mapping */
	void *dma;		/* user memory mapped for DMA */
};

#define MDK_FAULT_RESET "rmmod mdk_vfiotest vfio_mdev mdev_core 2>/dev/null"
#include "mdk_fault.h"
#define MDK_VT_NO_FIXTURE
#include "mdk_vfiotest.h"

#define IOVA	0x100000ULL
#define DMA_LEN	(64 * 1024)

static bool mdev_exists(struct ctx *c, bool want)
{
	char path[128];
	bool dir, group;

	snprintf(path, sizeof(path), VT_MDEVS "/%s", c->uuid);
	dir = mdk_exists(path);
	snprintf(path, sizeof(path), VT_MDEVS "/%s/iommu_group", c->uuid);
	group = mdk_exists(path);
	if (dir == want && group == want)
		return true;
	return why(c, "mdev %s: want %s, have dir %d iommu_group %d", c->uuid,
		   want ? "present" : "absent", dir, group);
}

/* ---- create ---------------------------------------------------------------- */

static int create_prepare(struct ctx *c)
{
	c->fd = open(VT_TYPE "/create", O_WRONLY | O_CLOEXEC);
	return c->fd < 0 ? -errno : 0;
}

static int create_act(struct ctx *c)
{
	return write(c->fd, c->uuid, strlen(c->uuid)) < 0 ? -errno : 0;
}

static bool mdev_absent(struct ctx *c) { return mdev_exists(c, false); }
static bool mdev_present(struct ctx *c) { return mdev_exists(c, true); }

static int remove_mdev(struct ctx *c)
{
	return vt_remove(c->uuid);
}

static const struct op op_create = {
	.name = "create", .prepare = create_prepare, .act = create_act,
	.before = mdev_absent, .after = mdev_present, .undo = remove_mdev,
};

/* ---- open the device -------------------------------------------------------- */

/* Container and group as mdkvfio_open() sets them up, unarmed. */
static int open_prepare(struct ctx *c)
{
	struct mdkvfio *v = &c->v;
	char path[64];

	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), "/dev/vfio/%d", mdkvfio_group_of(c->uuid));
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->container < 0 || v->group < 0 ||
	    ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) ||
	    ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -errno;
	c->dev = -1;
	return 0;
}

static int open_act(struct ctx *c)
{
	c->dev = ioctl(c->v.group, VFIO_GROUP_GET_DEVICE_FD, c->uuid);
	return c->dev < 0 ? -errno : 0;
}

static bool not_open(struct ctx *c)
{
	return c->dev < 0 ? true : why(c, "a device fd after a failure");
}

static bool open_works(struct ctx *c)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint16_t vendor = 0;

	if (ioctl(c->dev, VFIO_DEVICE_GET_INFO, &info) ||
	    info.num_regions != VFIO_PCI_NUM_REGIONS)
		return why(c, "GET_INFO on the new fd: %s", strerror(errno));
	if (pread(c->dev, &vendor, 2, (uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40) != 2 ||
	    vendor != 0x1af4)
		return why(c, "config read on the new fd: vendor %#x", vendor);
	return true;
}

static int open_undo(struct ctx *c)
{
	close(c->dev);
	mdkvfio_close(&c->v);
	return 0;
}

static const struct op op_open = {
	.name = "open device", .prepare = open_prepare, .act = open_act,
	.before = not_open, .after = open_works, .undo = open_undo,
};

/* ---- region info ------------------------------------------------------------ */

static int nothing(struct ctx *c) { return 0; }
static bool stateless(struct ctx *c) { return true; }

static int region_act(struct ctx *c)
{
	struct {
		struct vfio_region_info info;
		uint8_t caps[256];
	} r = { .info = { .argsz = sizeof(r), .index = 0 } };

	return ioctl(c->v.device, VFIO_DEVICE_GET_REGION_INFO, &r) ? -errno : 0;
}

static bool region_right(struct ctx *c)
{
	struct mdkvfio_region r;

	if (mdkvfio_region(&c->v, 0, &r) || r.nr_areas != 2 ||
	    r.areas[1].offset != 0x4000)
		return why(c, "BAR0 region info after the call: %u areas",
			   r.nr_areas);
	return true;
}

static const struct op op_region = {
	.name = "region info", .prepare = nothing, .act = region_act,
	.before = stateless, .after = region_right,
};

/* ---- MSI-X eventfds ----------------------------------------------------------- */

static int msix_act(struct ctx *c)
{
	return mdkvfio_set_eventfds(&c->v, VFIO_PCI_MSIX_IRQ_INDEX, 0,
				    VT_NR_MSIX, c->efds);
}

static bool msix_off(struct ctx *c)
{
	int32_t st = vt_raise(&c->v, 3);

	return st == -ENOTCONN ? true : why(c, "raise with MSI-X off: %d", st);
}

static bool msix_on(struct ctx *c)
{
	int32_t st = vt_raise(&c->v, 3);

	if (st || vt_fired(c->efds[3], 1000) != 1)
		return why(c, "vector 3 after enabling: status %d, no event", st);
	return true;
}

static int msix_undo(struct ctx *c)
{
	return mdkvfio_irq_disable(&c->v, VFIO_PCI_MSIX_IRQ_INDEX);
}

static const struct op op_msix = {
	.name = "MSI-X enable", .prepare = nothing, .act = msix_act,
	.before = msix_off, .after = msix_on, .undo = msix_undo,
};

/* ---- mmap ------------------------------------------------------------------------ */

static int mmap_act(struct ctx *c)
{
	int err = 0;

	c->map = mdkvfio_mmap(&c->v, 0, 0x1000, 0x2000, &err);
	return c->map ? 0 : err;
}

static bool unmapped(struct ctx *c)
{
	return c->map ? why(c, "a mapping after a failure") : true;
}

static bool mapped(struct ctx *c)
{
	uint8_t b = 0;

	c->map[0x1234] = (uint8_t)c->nth;
	if (mdkvfio_pread(&c->v, 0, &b, 1, 0x1000 + 0x1234) != 1 ||
	    b != (uint8_t)c->nth)
		return why(c, "the mapping and read() disagree: %#x", b);
	return true;
}

static int mmap_undo(struct ctx *c)
{
	munmap(c->map, 0x2000);
	c->map = NULL;
	return 0;
}

static const struct op op_mmap = {
	.name = "mmap", .prepare = nothing, .act = mmap_act,
	.before = unmapped, .after = mapped, .undo = mmap_undo,
};

/* ---- pin ---------------------------------------------------------------------------- */

static int pin_act(struct ctx *c)
{
	return vt_cmd(&c->v, IOVA + 0x4000, 4, VT_CMD_PIN);
}

static bool pins(struct ctx *c, uint32_t want)
{
	uint32_t n = vt_reg(&c->v, VT_NR_PINNED);

	return n == want ? true : why(c, "%u pages pinned, want %u", n, want);
}

static bool none_pinned(struct ctx *c) { return pins(c, 0); }
static bool four_pinned(struct ctx *c) { return pins(c, 4); }

static int pin_undo(struct ctx *c)
{
	return vt_cmd(&c->v, 0, 0, VT_CMD_UNPIN);
}

static const struct op op_pin = {
	.name = "pin", .prepare = nothing, .act = pin_act,
	.before = none_pinned, .after = four_pinned, .undo = pin_undo,
};

/* ---- tests ---------------------------------------------------------------------------- */

/* The modules, one mdev, and (unless @open is false) the device open. */
static int setup(struct ctx *c, bool create, bool open)
{
	unsigned int i;

	c->v.container = c->v.group = c->v.device = c->dev = -1;
	for (i = 0; i < VT_NR_MSIX; i++) {
		c->efds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (c->efds[i] < 0)
			return -1;
	}
	mdk_make_uuid(c->uuid, 0xfa01f000, getpid(), 0);
	if (vt_load() || (create && vt_create(c->uuid)))
		return -1;
	return open ? mdkvfio_open(&c->v, c->uuid) : 0;
}

static void cleanup(struct ctx *c)
{
	if (c->dma)
		munmap(c->dma, DMA_LEN);
	mdkvfio_close(&c->v);
	vt_remove(c->uuid);
}

/*
 * Faults under mdk_vdev_create() only: the test parent's own vmalloc()s
 * print the kernel's allocation-failure stack dump by design. And none in
 * vfio_create_group(): in 6.12, when its dev_set_name() or
 * cdev_device_add() fails, the unwind's release WARNs on the iommu_group it
 * never dropped (drivers/vfio/group.c), and leaks that reference.
 */
TEST_F_TIMEOUT(fault, create, 600)
{
	ASSERT_EQ(0, setup(&self->c, false, false));
	ASSERT_EQ(0, stack_filter("mdk_vdev_create", "vfio_create_group"));
	SWEEP(op_create);
	cleanup(&self->c);
}

TEST_F_TIMEOUT(fault, open_device, 600)
{
	ASSERT_EQ(0, setup(&self->c, true, false));
	SWEEP(op_open);
	cleanup(&self->c);
}

TEST_F_TIMEOUT(fault, region_info, 600)
{
	ASSERT_EQ(0, setup(&self->c, true, true));
	SWEEP(op_region);
	cleanup(&self->c);
}

TEST_F_TIMEOUT(fault, msix_enable, 600)
{
	ASSERT_EQ(0, setup(&self->c, true, true));
	SWEEP(op_msix);
	cleanup(&self->c);
}

TEST_F_TIMEOUT(fault, mmap, 600)
{
	ASSERT_EQ(0, setup(&self->c, true, true));
	SWEEP(op_mmap);
	cleanup(&self->c);
}

TEST_F_TIMEOUT(fault, pin, 600)
{
	struct ctx *c = &self->c;

	ASSERT_EQ(0, setup(c, true, true));
	c->dma = mmap(NULL, DMA_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c->dma);
	memset(c->dma, 1, DMA_LEN);
	ASSERT_EQ(0, mdkvfio_map_dma(&c->v, c->dma, IOVA, DMA_LEN));
	SWEEP(op_pin);
	cleanup(c);
}

TEST_HARNESS_MAIN
