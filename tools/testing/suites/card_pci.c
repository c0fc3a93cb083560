// SPDX-License-Identifier: GPL-2.0-only
/*
 * card_pci - mdk_card on a real PCI device: the VM's ivshmem (1af4:1110) is
 * given to the driver with driver_override (the driver has no ID table, so
 * it claims nothing else); its BAR2 becomes the portal space. A VF's TAIL,
 * written through the VF's passthrough mapping, lands in the device's BAR
 * at the VF's portal page (seen through sysfs resource2, so the VM boots
 * with iomem=relaxed); the engine notices it without a trap and executes;
 * two processes drive two VFs at once, each checking its own results; the
 * card unbound from its driver and hot-removed while a VF is open (REQ).
 * mdevkit-append: iomem=relaxed
 */
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "harness.h"
#include "mdkcard.h"
#include "mdk_sysfs.h"

#define MDEVS	"/sys/bus/mdev/devices"

FIXTURE(pci) {
	char bdf[256];
	char dev[300];
	char uuid[2][40];
	struct mdkcard_vf vf;	/* closed in teardown, before the removes */
};

static int type_path(char *buf, size_t len, const char *dev, const char *t,
		     const char *attr)
{
	return snprintf(buf, len, "%s/mdev_supported_types/mdk_card-%s/%s", dev,
			t, attr);
}

FIXTURE_SETUP(pci)
{
	char path[400];

	ASSERT_EQ(0, mdk_sh("modprobe vfio_iommu_type1 && modprobe mdk_card"));
	mdk_find_pci(0x1af4, 0x1110, self->bdf, sizeof(self->bdf));
	ASSERT_NE(0, self->bdf[0]);
	snprintf(self->dev, sizeof(self->dev), "/sys/bus/pci/devices/%.200s",
		 self->bdf);
	snprintf(path, sizeof(path), "%s/driver_override", self->dev);
	ASSERT_EQ(0, mdk_write_str(path, "mdk_card"));
	ASSERT_EQ(0, mdk_write_str("/sys/bus/pci/drivers_probe", self->bdf));
	mdk_make_uuid(self->uuid[0], 0xca4e, getpid() & 0xffff, 0);
	mdk_make_uuid(self->uuid[1], 0xca4e, getpid() & 0xffff, 1);
	mdkcard_init(&self->vf);
}

FIXTURE_TEARDOWN(pci)
{
	char path[400];
	int i;

	mdkcard_close(&self->vf);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), MDEVS "/%s/remove", self->uuid[i]);
		mdk_write_str(path, "1");
	}
	snprintf(path, sizeof(path), "%s/driver/unbind", self->dev);
	mdk_write_str(path, self->bdf);
	snprintf(path, sizeof(path), "%s/driver_override", self->dev);
	mdk_write_str(path, "\n");
}

TEST_F(pci, bar2_is_the_portal_space)
{
	struct mdkcard_vf *vf = &self->vf;
	struct mdk_card_comp c;
	char path[400], drv[256];
	volatile uint32_t *bar;
	uint8_t *src, *dst;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/driver", self->dev);
	n = readlink(path, drv, sizeof(drv) - 1);
	ASSERT_GT(n, 0);
	drv[n] = 0;
	ASSERT_NE(NULL, strstr(drv, "/mdk_card"));
	/* A 16 MiB BAR2 has 4096 pages; the card uses 1024 at most. */
	snprintf(path, sizeof(path), "%s/portals_total", self->dev);
	ASSERT_EQ(1024, mdk_read_long(path));
	/* A 4q VF takes portal pages 0-3; a 1q VF then takes page 4. */
	type_path(path, sizeof(path), self->dev, "4q", "create");
	ASSERT_EQ(0, mdk_write_str(path, self->uuid[1]));
	type_path(path, sizeof(path), self->dev, "1q", "create");
	ASSERT_EQ(0, mdk_write_str(path, self->uuid[0]));
	ASSERT_EQ(0, mdkcard_open(vf, self->uuid[0], 65536));
	ASSERT_EQ(1, vf->nq);
	ASSERT_EQ(0, mdkcard_start(vf, 0));
	src = mdkcard_data(vf, 0);
	dst = mdkcard_data(vf, 32768);
	memset(src, 0x3c, 32768);
	{
		struct mdk_card_desc d = {
			.opcode = MDK_CARD_OP_COPY, .len = 32768,
			.src = mdkcard_iova(vf, src), .dst = mdkcard_iova(vf, dst),
		};

		ASSERT_EQ(0, mdkcard_run(vf, 0, &d, &c));
		ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
		ASSERT_EQ(0, memcmp(src, dst, 32768));
	}
	/* The doorbell it rang is in the device's BAR2, at page 4. */
	snprintf(path, sizeof(path), "%s/resource2", self->dev);
	fd = open(path, O_RDWR | O_SYNC);
	ASSERT_LE(0, fd);
	bar = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, bar);
	ASSERT_EQ(1, bar[4 * 1024 + MDK_CARD_PORTAL_TAIL / 4]);
	ASSERT_EQ(1, bar[4 * 1024 + MDK_CARD_PORTAL_HEAD / 4]);
	ASSERT_EQ(0, bar[0 * 1024 + MDK_CARD_PORTAL_TAIL / 4]);
	munmap((void *)bar, 8 * 4096);
	mdkcard_close(vf);
}

/* One process drives one VF: 200 copies of its own pattern. */
static int drive(const char *uuid, uint8_t seed)
{
	struct mdkcard_vf vf;
	struct mdk_card_comp c;
	uint8_t *src, *dst;
	int i;

	if (mdkcard_open(&vf, uuid, 2 * 65536) || mdkcard_start(&vf, 0))
		return 1;
	src = mdkcard_data(&vf, 0);
	dst = mdkcard_data(&vf, 65536);
	for (i = 0; i < 200; i++) {
		struct mdk_card_desc d = {
			.opcode = MDK_CARD_OP_COPY, .len = 65536,
			.src = mdkcard_iova(&vf, src), .dst = mdkcard_iova(&vf, dst),
			.cookie = i,
		};

		int ret;

		memset(src, seed + i, 65536);
		ret = mdkcard_run(&vf, 0, &d, &c);
		if (ret || c.status != MDK_CARD_ST_SUCCESS ||
		    c.cookie != (uint64_t)i || dst[0] != (uint8_t)(seed + i) ||
		    dst[65535] != (uint8_t)(seed + i)) {
			fprintf(stderr, "# VF %s copy %d: wait %d status %u cookie %llu dst %#x %#x\n",
			       uuid, i, ret, c.status,
			       (unsigned long long)c.cookie, dst[0], dst[65535]);
			return 2;
		}
	}
	mdkcard_close(&vf);
	return 0;
}

TEST_F_TIMEOUT(pci, two_processes_two_vfs, 300)
{
	char path[400];
	pid_t pid[2];
	int i, st;

	for (i = 0; i < 2; i++) {
		type_path(path, sizeof(path), self->dev, "1q", "create");
		ASSERT_EQ(0, mdk_write_str(path, self->uuid[i]));
	}
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (!pid[i])
			_exit(drive(self->uuid[i], 0x10 * (i + 1)));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &st, 0));
		ASSERT_TRUE(WIFEXITED(st));
		ASSERT_EQ(0, WEXITSTATUS(st));
	}
}

/*
 * The PCI card leaves its driver (@how: the driver's unbind, or the device's
 * hot removal) while a process has a VF open: the user is asked through
 * REQ, lets go as QEMU would, and the card's mdevs are gone.
 */
static void card_leaves(struct __test_metadata *_metadata,
			struct __fixture_type_pci *self, const char *path,
			const char *val)
{
	struct mdk_writer w = { .path = path, .val = val };
	char mdev[128], type[400];
	struct pollfd p;
	pthread_t th;
	int i, req;

	type_path(type, sizeof(type), self->dev, "1q", "create");
	ASSERT_EQ(0, mdk_write_str(type, self->uuid[0]));
	type_path(type, sizeof(type), self->dev, "2q", "create");
	ASSERT_EQ(0, mdk_write_str(type, self->uuid[1]));
	ASSERT_EQ(0, mdkcard_open(&self->vf, self->uuid[0], 65536));
	ASSERT_EQ(0, mdkcard_start(&self->vf, 0));
	req = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, req);
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->vf.v, VFIO_PCI_REQ_IRQ_INDEX,
					  0, 1, &req));
	ASSERT_EQ(0, pthread_create(&th, NULL, mdk_write_thread, &w));
	p = (struct pollfd){ .fd = req, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 15000));
	ASSERT_EQ(0, w.done);	/* waits for the user */
	mdkcard_close(&self->vf);
	pthread_join(th, NULL);
	ASSERT_EQ(0, w.ret);
	close(req);
	for (i = 0; i < 2; i++) {
		snprintf(mdev, sizeof(mdev), MDEVS "/%s", self->uuid[i]);
		ASSERT_FALSE(mdk_exists(mdev));
	}
	snprintf(mdev, sizeof(mdev), "/sys/class/mdev_bus/%.100s", self->bdf);
	ASSERT_FALSE(mdk_exists(mdev));
}

TEST_F_TIMEOUT(pci, unbind_with_a_vf_open, 120)
{
	char path[400];

	card_leaves(_metadata, self, "/sys/bus/pci/drivers/mdk_card/unbind",
		    self->bdf);
	/* Bound again, the card is whole. */
	ASSERT_EQ(0, mdk_write_str("/sys/bus/pci/drivers_probe", self->bdf));
	snprintf(path, sizeof(path), "%s/portals_free", self->dev);
	ASSERT_EQ(1024, mdk_read_long(path));
	type_path(path, sizeof(path), self->dev, "8q", "available_instances");
	ASSERT_EQ(128, mdk_read_long(path));
}

TEST_F_TIMEOUT(pci, hot_removal_with_a_vf_open, 120)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/remove", self->dev);
	card_leaves(_metadata, self, path, "1");
	ASSERT_FALSE(mdk_exists(self->dev));
	/* A rescan finds it again, unclaimed: no ID table, no override. */
	ASSERT_EQ(0, mdk_write_str("/sys/bus/pci/rescan", "1"));
	ASSERT_TRUE(mdk_exists(self->dev));
	snprintf(path, sizeof(path), "%s/driver", self->dev);
	ASSERT_FALSE(mdk_exists(path));
}

TEST_HARNESS_MAIN
