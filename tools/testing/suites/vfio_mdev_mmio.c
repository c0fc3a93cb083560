// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_mmio - passthrough pages backed by a real PCI BAR: the test VM's
 * ivshmem device is bound to mdk_vfiotest's PCI driver (driver_override),
 * and each "mdk_vfiotest-mmio" mdev passes an 8 KiB slice of its BAR2
 * through at BAR0 0x1000. What the user stores through the mdev's mmap is
 * in the device's BAR (seen through sysfs resource2), read() and write() of
 * the region reach the same bytes through the kernel's mapping, an access
 * straddling a trapped range and the MMIO range is split correctly, and two
 * mdevs have disjoint slices.
 * mdevkit-append: iomem=relaxed
 * (so that sysfs resource2 of the bound device can be mapped: Debian's
 * kernels have IO_STRICT_DEVMEM)
 */
#include <string.h>
#include <sys/mman.h>

#include "harness.h"
#define MDK_VT_NO_FIXTURE
#include "mdk_vfiotest.h"

#define MMIO_TYPE "/sys/devices/platform/mdk_vfiotest/mdev_supported_types/mdk_vfiotest-mmio"
#define SLICE 0x2000

FIXTURE(mmio) {
	char pci[300];
	char uuid[2][40];
	struct mdkvfio v[2];
	uint8_t *bar;		/* the device's BAR2 through sysfs */
	void *map;		/* an mdev mapping teardown unmaps (SLICE) */
};

FIXTURE_SETUP(mmio)
{
	char path[400];
	int i;

	ASSERT_EQ(0, vt_load());
	{
		char bdf[256];

		mdk_find_pci(0x1af4, 0x1110, bdf, sizeof(bdf));
		ASSERT_NE(0, bdf[0]);
		snprintf(self->pci, sizeof(self->pci), "/sys/bus/pci/devices/%.200s",
			 bdf);
	}
	snprintf(path, sizeof(path), "%s/driver_override", self->pci);
	ASSERT_EQ(0, mdk_write_str(path, "mdk_vfiotest_bar"));
	ASSERT_EQ(0, mdk_write_str("/sys/bus/pci/drivers_probe",
				   strrchr(self->pci, '/') + 1));
	snprintf(path, sizeof(path), "%s/driver/module", self->pci);
	ASSERT_TRUE(mdk_exists(path));
	for (i = 0; i < 2; i++) {
		self->v[i].device = self->v[i].group = self->v[i].container = -1;
		mdk_make_uuid(self->uuid[i], 0xf12, getpid() & 0xffff, i);
		ASSERT_EQ(0, mdk_write_str(MMIO_TYPE "/create", self->uuid[i]));
		ASSERT_EQ(0, mdkvfio_open(&self->v[i], self->uuid[i]));
	}
}

/* The device's BAR2 as the kernel exports it (sysfs resource2). */
static uint8_t *device_bar(struct __test_metadata *_metadata, const char *pci)
{
	char path[400];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/resource2", pci);
	fd = open(path, O_RDWR | O_SYNC);
	ASSERT_LE(0, fd);
	p = mmap(NULL, 2 * SLICE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, p);
	return p;
}

FIXTURE_TEARDOWN(mmio)
{
	char path[400];
	int i;

	if (self->bar)
		munmap(self->bar, 2 * SLICE);
	if (self->map)
		munmap(self->map, SLICE);
	for (i = 0; i < 2; i++) {
		mdkvfio_close(&self->v[i]);
		vt_remove(self->uuid[i]);
	}
	snprintf(path, sizeof(path), "%s/driver/unbind", self->pci);
	mdk_write_str(path, strrchr(self->pci, '/') + 1);
	snprintf(path, sizeof(path), "%s/driver_override", self->pci);
	mdk_write_str(path, "\n");
}

TEST_F(mmio, stores_through_the_mdev_land_in_the_device_bar)
{
	struct mdkvfio_region r;
	uint8_t *map, b;
	uint32_t w;
	int err = 0, k;

	self->bar = device_bar(_metadata, self->pci);
	ASSERT_EQ(0, mdkvfio_region(&self->v[0], 0, &r));
	ASSERT_EQ(2, r.nr_areas);
	ASSERT_EQ(0x1000, r.areas[0].offset);
	map = mdkvfio_mmap(&self->v[0], 0, 0x1000, SLICE, &err);
	ASSERT_NE(NULL, map);
	for (k = 0; k < SLICE; k += 97)
		map[k] = 0x40 + k % 61;
	for (k = 0; k < SLICE; k += 97)
		ASSERT_EQ(0x40 + k % 61, self->bar[k]);
	/* The other way, and through read() of the region. */
	self->bar[0x1ff0] = 0xa7;
	ASSERT_EQ(0xa7, map[0x1ff0]);
	ASSERT_EQ(1, mdkvfio_pread(&self->v[0], 0, &b, 1, 0x1000 + 0x1ff0));
	ASSERT_EQ(0xa7, b);
	ASSERT_EQ(0, mdkvfio_write32(&self->v[0], 0, 0x1000 + 0x100, 0x11223344));
	memcpy(&w, self->bar + 0x100, 4);
	ASSERT_EQ(0x11223344, w);
	/* Trapped | MMIO: 4 bytes in the scratch register, 4 in the BAR. */
	ASSERT_EQ(8, mdkvfio_pwrite(&self->v[0], 0, "ABCDEFGH", 8, 0x0ffc));
	ASSERT_EQ(0, memcmp(self->bar, "EFGH", 4));
	ASSERT_EQ(4, vt_reg(&self->v[0], VT_LAST_LEN));
	ASSERT_EQ(0xffc, vt_reg(&self->v[0], VT_LAST_OFF));
	munmap(map, SLICE);
}

/*
 * As vfio-pci maps a BAR: with memory decode off, the MMIO pages are zapped
 * and an access gets SIGBUS; on again, they fault back in (uncached, the
 * device's own bytes).
 */
TEST_F(mmio, mmio_mapping_sigbus_while_memory_decode_off)
{
	uint8_t v = 0x3d;
	volatile uint8_t *map;
	int err = 0;

	self->bar = device_bar(_metadata, self->pci);
	self->map = mdkvfio_mmap(&self->v[0], 0, 0x1000, SLICE, &err);
	map = self->map;
	ASSERT_NE(NULL, map);
	ASSERT_EQ(0, vt_sigbus(map + 0x20, &v));
	ASSERT_EQ(0x3d, self->bar[0x20]);
	ASSERT_EQ(0, vt_command(&self->v[0], PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(1, vt_sigbus(map + 0x20, NULL));
	ASSERT_EQ(1, vt_sigbus(map + 0x1020, &v));
	/* The other mdev's mapping of its own slice is untouched. */
	{
		volatile uint8_t *m1 = mdkvfio_mmap(&self->v[1], 0, 0x1000,
						    SLICE, &err);

		ASSERT_NE(NULL, m1);
		ASSERT_EQ(0, vt_sigbus(m1, &v));
		munmap((void *)m1, SLICE);
	}
	self->bar[0x21] = 0x9e;
	ASSERT_EQ(0, vt_command(&self->v[0], PCI_COMMAND_MEMORY, 1));
	ASSERT_EQ(0, vt_sigbus(map + 0x20, NULL));
	ASSERT_EQ(0x3d, map[0x20]);
	ASSERT_EQ(0x9e, map[0x21]);
}

TEST_F(mmio, two_mdevs_have_disjoint_slices)
{
	uint8_t *m0, *m1;
	int err = 0;

	self->bar = device_bar(_metadata, self->pci);
	m0 = mdkvfio_mmap(&self->v[0], 0, 0x1000, SLICE, &err);
	m1 = mdkvfio_mmap(&self->v[1], 0, 0x1000, SLICE, &err);
	ASSERT_NE(NULL, m0);
	ASSERT_NE(NULL, m1);
	memset(m0, 0x11, SLICE);
	memset(m1, 0x22, SLICE);
	ASSERT_EQ(0x11, m0[0]);
	ASSERT_EQ(0x11, m0[SLICE - 1]);
	ASSERT_EQ(0x11, self->bar[0]);
	ASSERT_EQ(0x22, self->bar[SLICE]);
	ASSERT_EQ(0x22, self->bar[2 * SLICE - 1]);
	munmap(m0, SLICE);
	munmap(m1, SLICE);
}

TEST_F(mmio, no_pci_device_no_mmio_mdev)
{
	char path[400], uuid[40];

	/* Slices in use: the PCI unbind would wait; remove the mdevs first. */
	mdkvfio_close(&self->v[0]);
	mdkvfio_close(&self->v[1]);
	ASSERT_EQ(0, vt_remove(self->uuid[0]));
	ASSERT_EQ(0, vt_remove(self->uuid[1]));
	snprintf(path, sizeof(path), "%s/driver/unbind", self->pci);
	ASSERT_EQ(0, mdk_write_str(path, strrchr(self->pci, '/') + 1));
	mdk_make_uuid(uuid, 0xf12, getpid() & 0xffff, 9);
	ASSERT_EQ(-ENODEV, mdk_write_str(MMIO_TYPE "/create", uuid));
}

TEST_HARNESS_MAIN
