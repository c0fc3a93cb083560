// SPDX-License-Identifier: GPL-2.0-only
/*
 * bed_vfio - the test VM offers what every other suite relies on: the
 * target kernel's vfio and vfio_iommu_type1 modules, a working VFIO container
 * with the type1v2 IOMMU model, and the ivshmem PCI device whose BAR2 the
 * sample parents slice.
 */
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/vfio.h>

#include "../harness.h"

#define IVSHMEM_VENDOR 0x1af4
#define IVSHMEM_DEVICE 0x1110

static unsigned long read_hex(const char *dir, const char *file)
{
	char path[512];
	unsigned long v = ~0UL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return v;
	if (fscanf(f, "%lx", &v) != 1)
		v = ~0UL;
	fclose(f);
	return v;
}

/* First PCI function with the ivshmem IDs, or "" when there is none. */
static void find_ivshmem(char *out, size_t len)
{
	struct dirent *de;
	char dir[512];
	DIR *d;

	out[0] = '\0';
	d = opendir("/sys/bus/pci/devices");
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", de->d_name);
		if (read_hex(dir, "vendor") == IVSHMEM_VENDOR &&
		    read_hex(dir, "device") == IVSHMEM_DEVICE) {
			snprintf(out, len, "%s", dir);
			break;
		}
	}
	closedir(d);
}

/* The size the runner gave the device: "mdevkit.ivshmem_mb=N" on the cmdline. */
static unsigned long expected_bar2_size(void)
{
	char buf[4096] = "";
	unsigned long mb = 0;
	const char *p;
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	p = strstr(buf, "mdevkit.ivshmem_mb=");
	if (p)
		mb = strtoul(p + strlen("mdevkit.ivshmem_mb="), NULL, 0);
	return mb << 20;
}

TEST(vfio_modules_are_loaded)
{
	struct stat st;

	EXPECT_EQ(0, stat("/sys/module/vfio", &st));
	EXPECT_EQ(0, stat("/sys/module/vfio_iommu_type1", &st));
}

FIXTURE(container) {
	int fd;
};

FIXTURE_SETUP(container)
{
	self->fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(container)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(container, api_version_matches_uapi)
{
	EXPECT_EQ(VFIO_API_VERSION, ioctl(self->fd, VFIO_GET_API_VERSION));
}

TEST_F(container, type1v2_iommu_is_offered)
{
	EXPECT_EQ(1, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
}

TEST_F(container, unknown_extension_is_refused)
{
	EXPECT_EQ(0, ioctl(self->fd, VFIO_CHECK_EXTENSION, 0x7fff));
}

TEST(ivshmem_bar2_is_memory_of_the_configured_size)
{
	unsigned long long start, end, flags, size, want = expected_bar2_size();
	char dir[512], path[600], line[256];
	FILE *f;
	int i;

	find_ivshmem(dir, sizeof(dir));
	ASSERT_NE(0, dir[0]);
	ASSERT_NE(0, want);
	snprintf(path, sizeof(path), "%s/resource", dir);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	for (i = 0; i <= 2; i++)
		ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	fclose(f);
	ASSERT_EQ(3, sscanf(line, "%llx %llx %llx", &start, &end, &flags));
	size = end - start + 1;
	EXPECT_EQ(want, size);
	EXPECT_NE(0, flags & 0x200);	/* IORESOURCE_MEM */
}

TEST_HARNESS_MAIN
