/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the vfio_mdev suites share: the mdk_vfiotest parent's layout and
 * registers (tools/testing/modules/mdk_vfiotest.c), and a fixture that
 * creates one of its mdevs and opens it with libmdkvfio.
 */
#ifndef MDK_VFIOTEST_H
#define MDK_VFIOTEST_H

#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <linux/pci_regs.h>

#include "mdkvfio.h"
#include "mdk_sysfs.h"

#define VT_TYPE		"/sys/devices/platform/mdk_vfiotest/mdev_supported_types/mdk_vfiotest-full"
#define VT_MDEVS	"/sys/bus/mdev/devices"

#define VT_BAR0_SIZE	0x10000
#define VT_BAR2_SIZE	0x2000
#define VT_BAR4_SIZE	0x100
#define VT_MSIX_TABLE	0x8000
#define VT_MSIX_PBA	0x8800
#define VT_NR_MSIX	8
#define VT_NR_MSI	4

/* BAR2 registers */
#define VT_RAISE	0x00
#define VT_STATUS	0x04
#define VT_DMA_IOVA	0x08
#define VT_DMA_LEN	0x10
#define VT_DMA_CMD	0x14
#define VT_NR_PINNED	0x18
#define VT_RESETS	0x1c
#define VT_OPENS	0x20
#define VT_CLOSES	0x24
#define VT_UNMAPS	0x28
#define VT_LAST_BAR	0x30
#define VT_LAST_OFF	0x34
#define VT_LAST_LEN	0x38
#define VT_ACCESSES	0x3c
#define VT_DMA_BUF	0x1000

#define VT_CMD_DMA_READ		1
#define VT_CMD_DMA_WRITE	2
#define VT_CMD_PIN		3
#define VT_CMD_UNPIN		4
#define VT_CMD_ERR		5

static inline int vt_load(void)
{
	return mdk_sh("modprobe vfio_iommu_type1 && modprobe mdk_vfiotest");
}

static inline int vt_create(const char *uuid)
{
	return mdk_write_str(VT_TYPE "/create", uuid);
}

static inline int vt_remove(const char *uuid)
{
	char path[128];

	snprintf(path, sizeof(path), VT_MDEVS "/%s/remove", uuid);
	return mdk_write_str(path, "1");
}

static inline uint32_t vt_reg(struct mdkvfio *v, uint32_t reg)
{
	uint32_t val = 0xdeadbeef;

	if (mdkvfio_read32(v, VFIO_PCI_BAR2_REGION_INDEX, reg, &val))
		return 0xdeadbeef;
	return val;
}

static inline int vt_wreg(struct mdkvfio *v, uint32_t reg, uint32_t val)
{
	return mdkvfio_write32(v, VFIO_PCI_BAR2_REGION_INDEX, reg, val);
}

/* Runs a command register; returns the parent's STATUS (0 or -errno). */
static inline int32_t vt_cmd(struct mdkvfio *v, uint64_t iova, uint32_t len,
			     uint32_t cmd)
{
	vt_wreg(v, VT_DMA_IOVA, (uint32_t)iova);
	vt_wreg(v, VT_DMA_IOVA + 4, (uint32_t)(iova >> 32));
	vt_wreg(v, VT_DMA_LEN, len);
	vt_wreg(v, VT_DMA_CMD, cmd);
	return (int32_t)vt_reg(v, VT_STATUS);
}

static inline int32_t vt_raise(struct mdkvfio *v, uint32_t vector)
{
	vt_wreg(v, VT_RAISE, vector);
	return (int32_t)vt_reg(v, VT_STATUS);
}

/* 1 if @fd fired within @ms (and consumes it), 0 if not, -1 on error. */
static inline int vt_fired(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t n;
	int ret = poll(&p, 1, ms);

	if (ret <= 0)
		return ret;
	return read(fd, &n, sizeof(n)) == sizeof(n) ? 1 : -1;
}

static inline int vt_cfg_read(struct mdkvfio *v, uint64_t off, void *buf,
			      size_t len)
{
	ssize_t n = mdkvfio_pread(v, VFIO_PCI_CONFIG_REGION_INDEX, buf, len,
				  off);

	return n == (ssize_t)len ? 0 : n < 0 ? (int)n : -EIO;
}

static inline int vt_cfg_write(struct mdkvfio *v, uint64_t off,
			       const void *buf, size_t len)
{
	ssize_t n = mdkvfio_pwrite(v, VFIO_PCI_CONFIG_REGION_INDEX, buf, len,
				   off);

	return n == (ssize_t)len ? 0 : n < 0 ? (int)n : -EIO;
}

/* Sets (@on) or clears @bits of the command register. */
static inline int vt_command(struct mdkvfio *v, uint16_t bits, int on)
{
	uint16_t cmd;
	int ret = vt_cfg_read(v, PCI_COMMAND, &cmd, 2);

	if (ret)
		return ret;
	cmd = on ? cmd | bits : cmd & ~bits;
	return vt_cfg_write(v, PCI_COMMAND, &cmd, 2);
}

static sigjmp_buf vt_bus_jmp;

static inline void vt_on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(vt_bus_jmp, 1);
}

/*
 * One byte load (@val NULL) or store of *@val through a mapping; 1 if it
 * took SIGBUS, 0 if it went through.
 */
static inline int vt_sigbus(volatile uint8_t *p, const uint8_t *val)
{
	struct sigaction sa = { .sa_handler = vt_on_sigbus }, old;
	volatile int bus = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(vt_bus_jmp, 1)) {
		bus = 1;
	} else if (val) {
		*p = *val;
	} else {
		(void)*p;
	}
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

/* Page faults this process has taken (minor ones: what an mmap takes). */
static inline long vt_minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* One mdev of mdk_vfiotest, created and opened (MDK_VT_NO_FIXTURE: none). */
#ifndef MDK_VT_NO_FIXTURE
#define VT_MAPS	4

FIXTURE(vt) {
	char uuid[40];
	struct mdkvfio v;
	void *map[VT_MAPS];	/* vt_mmap()'s, which teardown unmaps */
	size_t map_len[VT_MAPS];
};

/*
 * mdkvfio_mmap() undone by teardown: a mapping holds the device open, so
 * one left by a failed test would block the mdev's removal.
 */
static inline void *vt_mmap(struct __fixture_type_vt *self,
			    unsigned int index, uint64_t off, size_t len)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < VT_MAPS && self->map[i]; i++)
		;
	if (i == VT_MAPS)
		return NULL;
	self->map[i] = mdkvfio_mmap(&self->v, index, off, len, &err);
	self->map_len[i] = len;
	return self->map[i];
}

FIXTURE_SETUP(vt)
{
	static unsigned int seq;

	ASSERT_EQ(0, vt_load());
	mdk_make_uuid(self->uuid, 0xf10, getpid() & 0xffff, ++seq);
	ASSERT_EQ(0, vt_create(self->uuid));
	ASSERT_EQ(0, mdkvfio_open(&self->v, self->uuid));
}

FIXTURE_TEARDOWN(vt)
{
	unsigned int i;

	for (i = 0; i < VT_MAPS; i++)
		if (self->map[i])
			munmap(self->map[i], self->map_len[i]);
	mdkvfio_close(&self->v);
	vt_remove(self->uuid);
}
#endif

#endif /* MDK_VFIOTEST_H */
