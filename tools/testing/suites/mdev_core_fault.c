// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core_fault - every mdev_core entry point under fault injection.
 * mdevkit-kvers: debug
 * mdevkit-alone: long
 *
 * For each entry point (module load, parent registration and
 * unregistration, create, remove) the suite makes the 1st, 2nd, 3rd, ...
 * allocation of that one system call fail, through the task's
 * /proc/thread-self/fail-nth, until the call completes without reaching the
 * armed allocation. Two variants: failslab (slab allocations) and
 * fail_page_alloc (page allocations, order 0 included). After every injected
 * fault:
 *   - the call either succeeds whole or fails with -ENOMEM;
 *   - on failure the state is exactly the state before the call (nothing
 *     half-registered in sysfs, the counts unchanged), and the same call
 *     then succeeds;
 *   - on success the state is exactly the state a clean call leaves.
 * The runner scans kmemleak after the suite, so an error path that leaks
 * fails it too, and any KASAN/lockdep/WARN report fails the run.
 */
#include <sys/syscall.h>

#include "harness.h"
#include "mdk_sysfs.h"

#define TP_PARAMS	"/sys/module/mdk_testparent/parameters"
#define TP_DRIVER	"/sys/bus/platform/drivers/mdk_testparent"
#define PLATFORM	"/sys/devices/platform"
#define MDEV_DEVICES	"/sys/bus/mdev/devices"
#define MDEV_BUS_CLASS	"/sys/class/mdev_bus"

/* The parents the tests use: one per counting model. */
#define RES_SPEC	"bar0=64 queue=8 vector=16 type=a:bar0=4@4,queue=1,vector=2"
#define RES_AVAIL	8
#define MAX_SPEC	"max=4"
#define MAX_AVAIL	4

struct ctx {
	int nth_fd;
	unsigned int nth;	/* the fault point being armed */
	unsigned int id;	/* testparent ID */
	long avail;		/* baseline available_instances of type a */
	char uuid[37];
	int fd;			/* the file the armed call writes */
	char why[512];		/* what a check found wrong */
};

#define MDK_FAULT_RESET "rmmod mdk_testparent 2>/dev/null; rmmod mdev_core 2>/dev/null"
#include "mdk_fault.h"

/* ---- state ---------------------------------------------------------------- */

static void tp_path(struct ctx *c, char *buf, size_t size, const char *rest)
{
	snprintf(buf, size, PLATFORM "/mdk_testparent.%u%s", c->id, rest);
}

static long type_avail(struct ctx *c)
{
	char path[256];

	tp_path(c, path, sizeof(path),
		"/mdev_supported_types/mdk_testparent-a/available_instances");
	return mdk_read_long(path);
}

static long tp_nr_mdevs(struct ctx *c)
{
	char path[256];

	tp_path(c, path, sizeof(path), "/nr_mdevs");
	return mdk_read_long(path);
}

static int type_devices(struct ctx *c)
{
	char path[256];

	tp_path(c, path, sizeof(path),
		"/mdev_supported_types/mdk_testparent-a/devices");
	return mdk_count_dir(path);
}

/* Whether the mdev c->uuid exists, checked in every place it shows. */
static bool mdev_whole(struct ctx *c, bool want)
{
	char path[256], rest[64];
	bool bus, child, link, typelink;

	snprintf(path, sizeof(path), MDEV_DEVICES "/%s", c->uuid);
	bus = mdk_exists(path);
	snprintf(path, sizeof(path), MDEV_DEVICES "/%s/mdev_type", c->uuid);
	typelink = mdk_exists(path);
	snprintf(path, sizeof(path), MDEV_DEVICES "/%s/driver", c->uuid);
	link = mdk_exists(path);
	snprintf(rest, sizeof(rest), "/%s", c->uuid);
	tp_path(c, path, sizeof(path), rest);
	child = mdk_exists(path);
	if (bus == want && child == want && typelink == want && link == want)
		return true;
	return why(c, "mdev %s: want %s, have bus %d child %d mdev_type %d driver %d",
		   c->uuid, want ? "whole" : "gone", bus, child, typelink, link);
}

static bool mdev_state(struct ctx *c, bool present)
{
	long avail = type_avail(c), nr = tp_nr_mdevs(c);
	int devs = type_devices(c);

	if (!mdev_whole(c, present))
		return false;
	if (avail != c->avail - present || nr != present || devs != present)
		return why(c, "mdev %s: want available %ld, probed %d, devices %d; have %ld %ld %d",
			   present ? "present" : "absent", c->avail - present,
			   present, present, avail, nr, devs);
	return true;
}

static bool mdev_absent(struct ctx *c) { return mdev_state(c, false); }
static bool mdev_present(struct ctx *c) { return mdev_state(c, true); }

static int open_attr(struct ctx *c, const char *path)
{
	c->fd = open(path, O_WRONLY | O_CLOEXEC);
	return c->fd < 0 ? -errno : 0;
}

static int write_fd(struct ctx *c, const char *s)
{
	return write(c->fd, s, strlen(s)) < 0 ? -errno : 0;
}

/* ---- create and remove ---------------------------------------------------- */

static int create_prepare(struct ctx *c)
{
	char path[256];

	tp_path(c, path, sizeof(path),
		"/mdev_supported_types/mdk_testparent-a/create");
	return open_attr(c, path);
}

static int create_act(struct ctx *c)
{
	return write_fd(c, c->uuid);
}

static int remove_mdev(struct ctx *c)
{
	char path[256];

	snprintf(path, sizeof(path), MDEV_DEVICES "/%s/remove", c->uuid);
	return mdk_write_str(path, "1");
}

static const struct op op_create = {
	.name = "create", .prepare = create_prepare, .act = create_act,
	.before = mdev_absent, .after = mdev_present, .undo = remove_mdev,
};

static int remove_prepare(struct ctx *c)
{
	char path[256];
	int ret = create_prepare(c);

	if (!ret)
		ret = create_act(c);
	if (c->fd >= 0)
		close(c->fd);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), MDEV_DEVICES "/%s/remove", c->uuid);
	return open_attr(c, path);
}

static int remove_act(struct ctx *c)
{
	return write_fd(c, "1");
}

static const struct op op_remove = {
	.name = "remove", .prepare = remove_prepare, .act = remove_act,
	.before = mdev_present, .after = mdev_absent,
};

/* ---- parent registration and unregistration ------------------------------- */

/*
 * Registered: the device is bound, linked in class mdev_bus, with its types.
 * Unregistered: none of that (the platform device itself stays when
 * @pdev_stays, as it does across an unbind).
 */
static bool parent_state(struct ctx *c, bool want, bool pdev_stays)
{
	char path[256];
	bool pdev, drv, cls, types;
	long avail;

	tp_path(c, path, sizeof(path), "");
	pdev = mdk_exists(path);
	tp_path(c, path, sizeof(path), "/driver");
	drv = mdk_exists(path);
	snprintf(path, sizeof(path), MDEV_BUS_CLASS "/mdk_testparent.%u", c->id);
	cls = mdk_exists(path);
	tp_path(c, path, sizeof(path), "/mdev_supported_types");
	types = mdk_exists(path);
	if (pdev != (want || pdev_stays) || drv != want || cls != want ||
	    types != want)
		return why(c, "parent %u: want %s, have device %d driver %d class %d types %d",
			   c->id, want ? "registered" : "unregistered", pdev,
			   drv, cls, types);
	avail = want ? type_avail(c) : c->avail;
	if (avail != c->avail)
		return why(c, "parent %u: available_instances %ld, want %ld",
			   c->id, avail, c->avail);
	if (mdk_count_dir(MDEV_DEVICES) != 0)
		return why(c, "mdevs left on the bus");
	return true;
}

static bool parent_unbound(struct ctx *c) { return parent_state(c, false, true); }
static bool parent_bound(struct ctx *c) { return parent_state(c, true, true); }
static bool parent_gone(struct ctx *c) { return parent_state(c, false, false); }

static int new_device_prepare(struct ctx *c)
{
	return open_attr(c, TP_PARAMS "/new_device");
}

static int new_device_act(struct ctx *c)
{
	char spec[128];

	snprintf(spec, sizeof(spec), "%u %s", c->id,
		 c->avail == RES_AVAIL ? RES_SPEC : MAX_SPEC);
	return write_fd(c, spec);
}

static int new_device(struct ctx *c)
{
	int ret = new_device_prepare(c);

	if (!ret)
		ret = new_device_act(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return ret;
}

static int driver_attr(struct ctx *c, const char *attr)
{
	char path[128], dev[32];

	snprintf(path, sizeof(path), TP_DRIVER "/%s", attr);
	snprintf(dev, sizeof(dev), "mdk_testparent.%u", c->id);
	return mdk_write_str(path, dev);
}

static int unbind(struct ctx *c)
{
	return driver_attr(c, "unbind");
}

/* Registration: binding the parent's platform device runs its probe. */
static int bind_prepare(struct ctx *c)
{
	return open_attr(c, TP_DRIVER "/bind");
}

static int bind_act(struct ctx *c)
{
	char dev[32];

	snprintf(dev, sizeof(dev), "mdk_testparent.%u", c->id);
	return write_fd(c, dev);
}

static const struct op op_register = {
	.name = "parent register", .prepare = bind_prepare,
	.act = bind_act, .before = parent_unbound,
	.after = parent_bound, .undo = unbind,
};

/*
 * Unregistration with two mdevs on the parent: it removes them. Each fault
 * point gets a parent of its own ID: the kernel's module_remove_driver()
 * (drivers/base/module.c) allocates the name of the link it removes and,
 * when that allocation fails, leaves the link behind, so the same driver
 * name could not be registered again while mdk_testparent stays loaded.
 */
static int unregister_prepare(struct ctx *c)
{
	int ret;

	c->id = 100 + c->nth % 800;
	ret = new_device(c);
	for (int i = 0; i < 2 && !ret; i++) {
		mdk_make_uuid(c->uuid, 0xfa017000 + c->id, 2, i);
		ret = create_prepare(c);
		if (!ret)
			ret = create_act(c);
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
	}
	return ret ? ret : open_attr(c, TP_PARAMS "/del_device");
}

static int unregister_act(struct ctx *c)
{
	char id[16];

	snprintf(id, sizeof(id), "%u", c->id);
	return write_fd(c, id);
}

static bool parent_with_mdevs(struct ctx *c)
{
	char path[256];
	long avail = type_avail(c), nr = tp_nr_mdevs(c);
	int bus = mdk_count_dir(MDEV_DEVICES);
	bool cls;

	snprintf(path, sizeof(path), MDEV_BUS_CLASS "/mdk_testparent.%u", c->id);
	cls = mdk_exists(path);
	if (cls && bus == 2 && nr == 2 && avail == c->avail - 2)
		return true;
	return why(c, "parent %u with two mdevs: have class %d, %d on the bus, %ld probed, available %ld",
		   c->id, cls, bus, nr, avail);
}

static const struct op op_unregister = {
	.name = "parent unregister", .prepare = unregister_prepare,
	.act = unregister_act, .before = parent_with_mdevs,
	.after = parent_gone,
};

/* ---- module load ------------------------------------------------------------ */

static bool core_state(struct ctx *c, bool want)
{
	bool mod = mdk_exists("/sys/module/mdev_core");
	bool bus = mdk_exists("/sys/bus/mdev");
	bool cls = mdk_exists(MDEV_BUS_CLASS);

	if (mod == want && bus == want && cls == want)
		return true;
	return why(c, "mdev_core: want %s, have module %d bus %d class %d",
		   want ? "loaded" : "gone", mod, bus, cls);
}

static bool core_absent(struct ctx *c) { return core_state(c, false); }
static bool core_present(struct ctx *c) { return core_state(c, true); }

static int load_prepare(struct ctx *c)
{
	char path[512] = "";
	FILE *f = popen("modinfo -n mdev_core", "r");

	if (!f)
		return -errno;
	if (!fgets(path, sizeof(path), f))
		path[0] = '\0';
	pclose(f);
	path[strcspn(path, "\n")] = '\0';
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	return c->fd < 0 ? -errno : 0;
}

static int load_act(struct ctx *c)
{
	return syscall(SYS_finit_module, c->fd, "", 0) ? -errno : 0;
}

static int unload_core(struct ctx *c)
{
	return syscall(SYS_delete_module, "mdev_core", O_NONBLOCK) ? -errno : 0;
}

static const struct op op_load = {
	.name = "module load", .prepare = load_prepare, .act = load_act,
	.before = core_absent, .after = core_present, .undo = unload_core,
};

static int load_parent(struct ctx *c, unsigned int id, bool res)
{
	c->id = id;
	c->avail = res ? RES_AVAIL : MAX_AVAIL;
	if (mdk_sh("modprobe mdev_core && modprobe mdk_testparent"))
		return -1;
	return new_device(c);
}

/*
 * Faults in mdev_core's module init (with do_one_initcall() on the stack),
 * not in the module loader itself, which is the kernel's. Except in
 * bus_register(): in 6.12, when a kset or file it creates after its kset
 * fails, its unwind puts the kobject, whose release unregisters a lockdep
 * key never registered (drivers/base/bus.c), and lockdep WARNs.
 */
TEST_F_TIMEOUT(fault, module_load, 900)
{
	ASSERT_EQ(0, stack_filter("do_one_initcall", "bus_register"));
	SWEEP(op_load);
}

TEST_F_TIMEOUT(fault, parent_register, 600)
{
	ASSERT_EQ(0, mdk_sh("modprobe mdev_core && modprobe mdk_testparent"));
	self->c.id = 7;
	self->c.avail = RES_AVAIL;
	ASSERT_EQ(0, new_device(&self->c));
	ASSERT_EQ(0, unbind(&self->c));
	SWEEP(op_register);
}

TEST_F_TIMEOUT(fault, parent_unregister, 600)
{
	ASSERT_EQ(0, mdk_sh("modprobe mdev_core && modprobe mdk_testparent"));
	self->c.avail = RES_AVAIL;
	SWEEP(op_unregister);
}

TEST_F_TIMEOUT(fault, create_resource_parent, 600)
{
	ASSERT_EQ(0, load_parent(&self->c, 0, true));
	mdk_make_uuid(self->c.uuid, 0xfa017000, 0, 0);
	SWEEP(op_create);
}

TEST_F_TIMEOUT(fault, create_counting_parent, 600)
{
	ASSERT_EQ(0, load_parent(&self->c, 1, false));
	mdk_make_uuid(self->c.uuid, 0xfa017001, 0, 0);
	SWEEP(op_create);
}

TEST_F_TIMEOUT(fault, remove, 600)
{
	ASSERT_EQ(0, load_parent(&self->c, 0, true));
	mdk_make_uuid(self->c.uuid, 0xfa017002, 0, 0);
	SWEEP(op_remove);
}

TEST_HARNESS_MAIN
