// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_api - the VFIO device an mdk_vfiotest mdev becomes, through the
 * real group/container API: registration, every info ioctl and its argsz
 * contract, config space (IDs, capability walk, write masks, BAR sizing,
 * decode), the region access matrix against a model of BAR0, out-of-range
 * accesses, mmap of each sparse area and refusal elsewhere, and the MSI-X
 * table and PBA as a user reads them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/pci_regs.h>

#include "harness.h"
#include "mdk_vfiotest.h"

TEST_F(vt, registered_as_vfio_device)
{
	char path[256], group[64], link[256];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), VT_MDEVS "/%s/iommu_group", self->uuid);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_GT(n, 0);
	snprintf(group, sizeof(group), "/dev/vfio/%d", self->v.group_id);
	ASSERT_EQ(0, stat(group, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	snprintf(path, sizeof(path), VT_MDEVS "/%s/driver", self->uuid);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_GT(n, 0);
	link[n] = 0;
	ASSERT_NE(NULL, strstr(link, "mdk_vfiotest"));
	ASSERT_EQ(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
		  self->v.info.flags);
	ASSERT_EQ(VFIO_PCI_NUM_REGIONS, self->v.info.num_regions);
	ASSERT_EQ(VFIO_PCI_NUM_IRQS, self->v.info.num_irqs);
	/* A second open of the group is refused while the first holds it. */
	ASSERT_EQ(-1, open(group, O_RDWR));
	ASSERT_EQ(EBUSY, errno);
}

/* struct vfio_device_info followed by a tail the kernel must not touch. */
struct info_tail {
	struct vfio_device_info info;
	uint8_t tail[16];
};

TEST_F(vt, device_info_argsz_contract)
{
	size_t minsz = offsetof(struct vfio_device_info, num_irqs) + 4;
	struct info_tail t;
	int fd = self->v.device;

	memset(&t, 0, sizeof(t));
	t.info.argsz = minsz - 1;
	ASSERT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_INFO, &t));
	ASSERT_EQ(EINVAL, errno);

	t.info.argsz = sizeof(t);	/* long, zero tail */
	ASSERT_EQ(0, ioctl(fd, VFIO_DEVICE_GET_INFO, &t));
	ASSERT_EQ(VFIO_PCI_NUM_REGIONS, t.info.num_regions);
	ASSERT_EQ(0, t.tail[0] | t.tail[15]);

	memset(t.tail, 0xa5, sizeof(t.tail));	/* long, non-zero tail */
	t.info.argsz = sizeof(t);
	ASSERT_EQ(0, ioctl(fd, VFIO_DEVICE_GET_INFO, &t));
	ASSERT_EQ(VFIO_PCI_NUM_IRQS, t.info.num_irqs);
	ASSERT_EQ(0xa5, t.tail[0]);
	ASSERT_EQ(0xa5, t.tail[15]);

	ASSERT_EQ(-1, ioctl(fd, _IO(VFIO_TYPE, VFIO_BASE + 60)));
	ASSERT_EQ(ENOTTY, errno);
}

TEST_F(vt, region_info)
{
	static const struct {
		uint64_t size;
		uint32_t flags;
	} want[VFIO_PCI_NUM_REGIONS] = {
		[0] = { VT_BAR0_SIZE, 0xf },	/* R W MMAP CAPS */
		[2] = { VT_BAR2_SIZE, 0x3 },
		[4] = { VT_BAR4_SIZE, 0x3 },
		[VFIO_PCI_CONFIG_REGION_INDEX] = { 4096, 0x3 },
	};
	struct mdkvfio_region r;
	unsigned int i;

	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		if (i == VFIO_PCI_VGA_REGION_INDEX)
			continue;
		ASSERT_EQ(0, mdkvfio_region(&self->v, i, &r));
		TH_LOG("region %u", i);
		ASSERT_EQ(want[i].size, r.size);
		ASSERT_EQ(want[i].flags, r.flags);
		ASSERT_EQ((uint64_t)i << 40, r.offset);
	}
	/* The sparse areas are exactly the passthrough ranges, merged. */
	ASSERT_EQ(0, mdkvfio_region(&self->v, 0, &r));
	ASSERT_EQ(2, r.nr_areas);
	ASSERT_EQ(0x1000, r.areas[0].offset);
	ASSERT_EQ(0x2000, r.areas[0].size);
	ASSERT_EQ(0x4000, r.areas[1].offset);
	ASSERT_EQ(0x2000, r.areas[1].size);
	ASSERT_EQ(-EINVAL, mdkvfio_region(&self->v, VFIO_PCI_NUM_REGIONS, &r));
	ASSERT_EQ(-EINVAL, mdkvfio_region(&self->v, 0xffffffff, &r));
}

/*
 * As vfio-pci: a function without VGA has no VGA region (-EINVAL), while
 * one without a ROM has a ROM region of size 0 with no flags.
 */
TEST_F(vt, absent_vga_and_rom_regions_as_vfio_pci)
{
	struct mdkvfio_region r;

	ASSERT_EQ(-EINVAL, mdkvfio_region(&self->v, VFIO_PCI_VGA_REGION_INDEX,
					  &r));
	ASSERT_EQ(0, mdkvfio_region(&self->v, VFIO_PCI_ROM_REGION_INDEX, &r));
	ASSERT_EQ(0, r.size);
	ASSERT_EQ(0, r.flags);
	ASSERT_EQ(-EINVAL, mdkvfio_region(&self->v, VFIO_PCI_NUM_REGIONS, &r));
}

TEST_F(vt, region_info_argsz_contract)
{
	struct {
		struct vfio_region_info info;
		uint8_t tail[64];
	} t;
	size_t minsz = offsetof(struct vfio_region_info, offset) + 8;
	int fd = self->v.device;

	memset(&t, 0, sizeof(t));
	t.info.index = 0;
	t.info.argsz = minsz - 1;
	ASSERT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &t));
	ASSERT_EQ(EINVAL, errno);

	/* Room for the info only: the kernel asks for more, no cap_offset. */
	memset(t.tail, 0x5a, sizeof(t.tail));
	t.info.argsz = sizeof(t.info);
	ASSERT_EQ(0, ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &t));
	ASSERT_TRUE(t.info.flags & VFIO_REGION_INFO_FLAG_CAPS);
	ASSERT_EQ(0, t.info.cap_offset);
	ASSERT_EQ(sizeof(t.info) + sizeof(struct vfio_region_info_cap_sparse_mmap) +
		  2 * sizeof(struct vfio_region_sparse_mmap_area), t.info.argsz);
	ASSERT_EQ(0x5a, t.tail[0]);

	/* Enough room, non-zero tail: the cap lands after the info. */
	t.info.argsz = sizeof(t);
	ASSERT_EQ(0, ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &t));
	ASSERT_EQ(sizeof(t.info), t.info.cap_offset);
	ASSERT_EQ(VFIO_REGION_INFO_CAP_SPARSE_MMAP,
		  ((struct vfio_info_cap_header *)t.tail)->id);
	ASSERT_EQ(0, ((struct vfio_info_cap_header *)t.tail)->next);
}

TEST_F(vt, irq_info)
{
	static const struct {
		uint32_t count, flags;
	} want[VFIO_PCI_NUM_IRQS] = {
		{ 1, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
		     VFIO_IRQ_INFO_AUTOMASKED },
		{ VT_NR_MSI, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			     VFIO_IRQ_INFO_NORESIZE },
		{ VT_NR_MSIX, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE },
		{ 1, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE },
		{ 1, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE },
	};
	struct vfio_irq_info info;
	unsigned int i;

	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		TH_LOG("irq index %u", i);
		ASSERT_EQ(0, mdkvfio_irq(&self->v, i, &info));
		ASSERT_EQ(want[i].count, info.count);
		ASSERT_EQ(want[i].flags, info.flags);
	}
	ASSERT_EQ(-EINVAL, mdkvfio_irq(&self->v, VFIO_PCI_NUM_IRQS, &info));
	info.argsz = offsetof(struct vfio_irq_info, count);
	info.index = 0;
	ASSERT_EQ(-1, ioctl(self->v.device, VFIO_DEVICE_GET_IRQ_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(vt, set_irqs_refusals_change_nothing)
{
	struct {
		struct vfio_irq_set set;
		int32_t fds[VT_NR_MSIX + 1];
	} s;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int fd = self->v.device;

	ASSERT_GE(efd, 0);
#define SET(flags_, index_, start_, count_, argsz_) do {		\
		memset(&s, 0, sizeof(s));				\
		s.set.argsz = (argsz_);					\
		s.set.flags = (flags_);					\
		s.set.index = (index_);					\
		s.set.start = (start_);					\
		s.set.count = (count_);					\
	} while (0)
#define EVTRIG (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
	/* Bad index, range, flags, short data. */
	SET(EVTRIG, VFIO_PCI_NUM_IRQS, 0, 1, sizeof(s));
	ASSERT_EQ(-1, ioctl(fd, VFIO_DEVICE_SET_IRQS, &s));
	ASSERT_EQ(EINVAL, errno);
	SET(EVTRIG, VFIO_PCI_MSIX_IRQ_INDEX, VT_NR_MSIX - 1, 2, sizeof(s));
	ASSERT_EQ(-1, ioctl(fd, VFIO_DEVICE_SET_IRQS, &s));
	ASSERT_EQ(EINVAL, errno);
	SET(EVTRIG | (1u << 10), VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, sizeof(s));
	ASSERT_EQ(-1, ioctl(fd, VFIO_DEVICE_SET_IRQS, &s));
	ASSERT_EQ(EINVAL, errno);
	SET(EVTRIG, VFIO_PCI_MSIX_IRQ_INDEX, 0, 4, sizeof(s.set) + 12);
	ASSERT_EQ(-1, ioctl(fd, VFIO_DEVICE_SET_IRQS, &s));
	ASSERT_EQ(EINVAL, errno);
	SET(EVTRIG, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
	    offsetof(struct vfio_irq_set, count));
	ASSERT_EQ(-1, ioctl(fd, VFIO_DEVICE_SET_IRQS, &s));
	ASSERT_EQ(EINVAL, errno);
	/* Two data types at once. */
	SET(EVTRIG | VFIO_IRQ_SET_DATA_BOOL, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
	    sizeof(s));
	ASSERT_EQ(-1, ioctl(fd, VFIO_DEVICE_SET_IRQS, &s));
	ASSERT_EQ(EINVAL, errno);
	/* An eventfd MASK, and MASK on ERR and REQ. */
	SET(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_MASK,
	    VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, sizeof(s));
	s.fds[0] = efd;
	ASSERT_EQ(-1, ioctl(fd, VFIO_DEVICE_SET_IRQS, &s));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-ENOTTY, mdkvfio_irq_action(&self->v, VFIO_PCI_ERR_IRQ_INDEX,
					      0, 1, VFIO_IRQ_SET_ACTION_MASK));
	ASSERT_EQ(-ENOTTY, mdkvfio_irq_action(&self->v, VFIO_PCI_REQ_IRQ_INDEX,
					      0, 1, VFIO_IRQ_SET_ACTION_UNMASK));
	/* A bad fd among good ones: EBADF, and no vector was set. */
	{
		int fds[3] = { efd, 1000, efd };

		ASSERT_EQ(-EBADF, mdkvfio_set_eventfds(&self->v,
						       VFIO_PCI_MSIX_IRQ_INDEX,
						       0, 3, fds));
	}
	ASSERT_EQ(-ENOTCONN, vt_raise(&self->v, 0));
	ASSERT_EQ(0, vt_fired(efd, 50));
	close(efd);
#undef SET
#undef EVTRIG
}

/*
 * MASK and UNMASK with every data type and count 0, 1, 2 and past the
 * vectors, on every index, with the vectors of that index enabled and not:
 * a call without the data its header promises (count 0) or an eventfd
 * where only INTx UNMASK takes one is refused (vfio-pci: INTx takes
 * start 0, count 1 only), and nothing oopses. Before a fix, DATA_EVENTFD
 * with count 0 dereferenced the NULL data with the device's lock held.
 */
TEST_F(vt, set_irqs_mask_unmask_every_data_type_and_count)
{
	static const uint32_t types[] = { VFIO_IRQ_SET_DATA_EVENTFD,
		VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL };
	static const uint32_t actions[] = { VFIO_IRQ_SET_ACTION_MASK,
		VFIO_IRQ_SET_ACTION_UNMASK };
	static const unsigned int nvec[] = { 1, VT_NR_MSI, VT_NR_MSIX };
	struct {
		struct vfio_irq_set set;
		int32_t data[VT_NR_MSIX + 2];
	} s;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	unsigned int index, t, a, c, on;
	int fds[VT_NR_MSIX];

	ASSERT_GE(efd, 0);
	for (c = 0; c < VT_NR_MSIX; c++)
		fds[c] = efd;
	for (on = 0; on < 2; on++) {
		for (index = 0; index <= VFIO_PCI_MSIX_IRQ_INDEX; index++) {
			unsigned int counts[] = { 0, 1, 2, nvec[index],
						  nvec[index] + 1 };

			if (on)
				ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, index, 0,
								  nvec[index], fds));
			for (t = 0; t < 3; t++)
			for (a = 0; a < 2; a++)
			for (c = 0; c < 5; c++) {
				int ret, want_ok;

				memset(&s, 0, sizeof(s));
				s.set.argsz = sizeof(s);
				s.set.flags = types[t] | actions[a];
				s.set.index = index;
				s.set.count = counts[c];
				s.data[0] = -1;	/* an eventfd of "none" */
				ret = ioctl(self->v.device, VFIO_DEVICE_SET_IRQS,
					    &s) ? -errno : 0;
				TH_LOG("on %u index %u type %#x action %#x count %u: %d",
				       on, index, types[t], actions[a],
				       counts[c], ret);
				if (counts[c] > nvec[index]) {
					ASSERT_EQ(-EINVAL, ret);
					continue;
				}
				/* INTx: start 0, count 1, as vfio-pci. */
				want_ok = index != VFIO_PCI_INTX_IRQ_INDEX ||
					  counts[c] == 1;
				if (types[t] == VFIO_IRQ_SET_DATA_EVENTFD)
					want_ok = index == VFIO_PCI_INTX_IRQ_INDEX &&
						  actions[a] ==
						  VFIO_IRQ_SET_ACTION_UNMASK &&
						  counts[c] == 1;
				ASSERT_EQ(want_ok ? 0 : -EINVAL, ret);
			}
			if (on)
				ASSERT_EQ(0, mdkvfio_irq_disable(&self->v, index));
		}
	}
	/* The device still works: MSI-X delivers after all of that. */
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, VFIO_PCI_MSIX_IRQ_INDEX, 0,
					  1, &efd));
	ASSERT_EQ(0, vt_raise(&self->v, 0));
	ASSERT_EQ(1, vt_fired(efd, 1000));
	close(efd);
}

static uint32_t cfg32(struct __test_metadata *_metadata, struct mdkvfio *v,
		      unsigned int off)
{
	uint32_t val = 0;

	ASSERT_EQ(0, vt_cfg_read(v, off, &val, 4));
	return val;
}

TEST_F(vt, config_header_and_capability_walk)
{
	uint8_t cfg[4096];
	unsigned int pos, seen = 0, guard = 0;
	uint8_t want[] = { PCI_CAP_ID_EXP, PCI_CAP_ID_PM, PCI_CAP_ID_MSI,
			   PCI_CAP_ID_MSIX };
	uint16_t msix_ctrl;

	ASSERT_EQ(0, vt_cfg_read(&self->v, 0, cfg, sizeof(cfg)));
	ASSERT_EQ(0x1af4, cfg[0] | cfg[1] << 8);
	ASSERT_EQ(0x10f1, cfg[2] | cfg[3] << 8);
	ASSERT_EQ(0xff0000, cfg32(_metadata, &self->v, 8) >> 8);
	ASSERT_EQ(1, cfg[PCI_REVISION_ID]);
	ASSERT_EQ(0, cfg[PCI_HEADER_TYPE]);
	ASSERT_EQ(1, cfg[PCI_INTERRUPT_PIN]);
	ASSERT_TRUE(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST);
	/* Memory and I/O decode are on at open, as after pci_enable_device(). */
	ASSERT_EQ(PCI_COMMAND_MEMORY | PCI_COMMAND_IO,
		  cfg[PCI_COMMAND] & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
	for (pos = cfg[PCI_CAPABILITY_LIST]; pos; pos = cfg[pos + 1]) {
		ASSERT_LT(++guard, 48);
		ASSERT_GE(pos, 0x40);
		ASSERT_EQ(0, pos & 3);
		ASSERT_LT(seen, sizeof(want));
		ASSERT_EQ(want[seen], cfg[pos]);
		seen++;
		if (cfg[pos] == PCI_CAP_ID_MSIX) {
			msix_ctrl = cfg[pos + 2] | cfg[pos + 3] << 8;
			ASSERT_EQ(VT_NR_MSIX - 1, msix_ctrl & PCI_MSIX_FLAGS_QSIZE);
			ASSERT_EQ(VT_MSIX_TABLE, cfg32(_metadata, &self->v, pos + 4));
			ASSERT_EQ(VT_MSIX_PBA, cfg32(_metadata, &self->v, pos + 8));
		}
		if (cfg[pos] == PCI_CAP_ID_MSI)
			ASSERT_EQ(2 << 1 | PCI_MSI_FLAGS_64BIT,
				  (cfg[pos + 2] | cfg[pos + 3] << 8) & 0xff);
	}
	ASSERT_EQ(sizeof(want), seen);
	/* No extended capabilities: an empty header at 0x100. */
	ASSERT_EQ(0, cfg32(_metadata, &self->v, 0x100));
}

TEST_F(vt, config_write_masks_and_bar_sizing)
{
	static const struct {
		unsigned int off;
		uint32_t size_mask;
	} bars[] = {
		{ PCI_BASE_ADDRESS_0, 0xffff0000 | PCI_BASE_ADDRESS_MEM_TYPE_64 |
				      PCI_BASE_ADDRESS_MEM_PREFETCH },
		{ PCI_BASE_ADDRESS_1, 0xffffffff },
		{ PCI_BASE_ADDRESS_2, 0xffffe000 },
		{ PCI_BASE_ADDRESS_3, 0 },
		{ PCI_BASE_ADDRESS_4, 0xffffff00 | PCI_BASE_ADDRESS_SPACE_IO },
		{ PCI_BASE_ADDRESS_5, 0 },
	};
	uint32_t ones = 0xffffffff, id_before, val;
	unsigned int i;

	id_before = cfg32(_metadata, &self->v, 0);
	ASSERT_EQ(0, vt_cfg_write(&self->v, 0, &ones, 4));
	ASSERT_EQ(id_before, cfg32(_metadata, &self->v, 0));
	for (i = 0; i < 6; i++) {
		TH_LOG("BAR%u", i);
		ASSERT_EQ(0, vt_cfg_write(&self->v, bars[i].off, &ones, 4));
		ASSERT_EQ(bars[i].size_mask,
			  cfg32(_metadata, &self->v, bars[i].off));
	}
	val = 0xfe000000;
	ASSERT_EQ(0, vt_cfg_write(&self->v, PCI_BASE_ADDRESS_2, &val, 4));
	ASSERT_EQ(0xfe000000, cfg32(_metadata, &self->v, PCI_BASE_ADDRESS_2));
	/* A 1-byte write at an odd offset: Interrupt Line is writable. */
	val = 0x0b;
	ASSERT_EQ(0, vt_cfg_write(&self->v, PCI_INTERRUPT_LINE, &val, 1));
	ASSERT_EQ(0x0b, cfg32(_metadata, &self->v, 0x3c) & 0xff);
	ASSERT_EQ(1, (cfg32(_metadata, &self->v, 0x3c) >> 8) & 0xff);
	/* Beyond config space: -EFAULT, as vfio-pci. */
	ASSERT_EQ(-EFAULT, vt_cfg_write(&self->v, 4096, &val, 1));
	ASSERT_EQ(-EFAULT, vt_cfg_read(&self->v, 4094, &val, 4));
}

TEST_F(vt, command_decode_gates_bar_access)
{
	uint16_t cmd = 0;
	uint32_t val;

	ASSERT_EQ(0, mdkvfio_read32(&self->v, 2, VT_STATUS, &val));
	ASSERT_EQ(0, vt_cfg_write(&self->v, PCI_COMMAND, &cmd, 2));
	ASSERT_EQ(-EIO, mdkvfio_read32(&self->v, 2, VT_STATUS, &val));
	ASSERT_EQ(-EIO, mdkvfio_write32(&self->v, 0, 0, 1));
	cmd = PCI_COMMAND_MEMORY;
	ASSERT_EQ(0, vt_cfg_write(&self->v, PCI_COMMAND, &cmd, 2));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 2, VT_STATUS, &val));
	/* I/O decode still off: the I/O BAR is gated, memory is not. */
	ASSERT_EQ(-EIO, mdkvfio_read32(&self->v, 4, 0, &val));
}

/*
 * The access matrix: every size at every alignment around every kind of
 * boundary in BAR0, checked against a model (holes read zero; everything
 * else keeps what was written), through read() and through the mmap.
 */
static uint8_t model[0x8000];

static void check_window(struct __test_metadata *_metadata,
			 struct mdkvfio *v, const uint8_t *map1,
			 const uint8_t *map4, uint64_t lo, uint64_t hi)
{
	uint64_t a;
	uint8_t b;

	for (a = lo; a < hi; a++) {
		ASSERT_EQ(1, mdkvfio_pread(v, 0, &b, 1, a));
		if (b != model[a])
			TH_LOG("byte 0x%lx: read 0x%x, model 0x%x",
			       (unsigned long)a, b, model[a]);
		ASSERT_EQ(model[a], b);
		if (a >= 0x1000 && a < 0x3000)
			ASSERT_EQ(model[a], map1[a - 0x1000]);
		if (a >= 0x4000 && a < 0x6000)
			ASSERT_EQ(model[a], map4[a - 0x4000]);
	}
}

static int is_trapped(uint64_t a)
{
	return a < 0x1000 || (a >= 0x3000 && a < 0x4000);
}

TEST_F_TIMEOUT(vt, access_matrix, 300)
{
	static const uint64_t bounds[] = { 0x1000, 0x3000, 0x4000, 0x5000,
					   0x6000 };
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	uint8_t *map1, *map4, buf[8];
	unsigned int b, s, i, n = 0;
	int err = 0;

	map1 = mdkvfio_mmap(&self->v, 0, 0x1000, 0x2000, &err);
	ASSERT_NE(NULL, map1);
	map4 = mdkvfio_mmap(&self->v, 0, 0x4000, 0x2000, &err);
	ASSERT_NE(NULL, map4);
	memset(model, 0, sizeof(model));
	for (b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
		for (s = 0; s < 4; s++) {
			for (i = 0; i < 8 + sizes[s]; i++) {
				uint64_t at = bounds[b] - sizes[s] - 4 + i;
				uint32_t acc0 = vt_reg(&self->v, VT_ACCESSES);
				unsigned int k, trapped = 0, first = 0;

				for (k = 0; k < sizes[s]; k++) {
					buf[k] = 0x11 + ++n;
					if (!(at + k >= 0x6000))
						model[at + k] = buf[k];
					if (is_trapped(at + k) && !trapped++)
						first = k;
				}
				ASSERT_EQ(sizes[s], mdkvfio_pwrite(&self->v, 0, buf,
								   sizes[s], at));
				/* A trapped part is one callback of its size. */
				if (trapped) {
					ASSERT_EQ(acc0 + 1, vt_reg(&self->v, VT_ACCESSES));
					ASSERT_EQ(at + first, vt_reg(&self->v, VT_LAST_OFF));
					ASSERT_EQ(trapped, vt_reg(&self->v, VT_LAST_LEN));
				} else {
					ASSERT_EQ(acc0, vt_reg(&self->v, VT_ACCESSES));
				}
				memset(buf, 0, sizeof(buf));
				ASSERT_EQ(sizes[s], mdkvfio_pread(&self->v, 0, buf,
								  sizes[s], at));
				for (k = 0; k < sizes[s]; k++)
					ASSERT_EQ(model[at + k], buf[k]);
				check_window(_metadata, &self->v, map1, map4,
					     bounds[b] - 16, bounds[b] + 16);
			}
		}
	}
	/* A store through the mapping is what read() returns. */
	map4[0x1ff8] = 0x77;
	model[0x5ff8] = 0x77;
	check_window(_metadata, &self->v, map1, map4, 0x5ff0, 0x6000);
	/* Longer accesses are cut into aligned pieces: 4096 bytes at once. */
	{
		static uint8_t big[4096], back[4096];

		for (i = 0; i < sizeof(big); i++)
			big[i] = i * 7;
		ASSERT_EQ(4096, mdkvfio_pwrite(&self->v, 0, big, 4096, 0x0800));
		ASSERT_EQ(4096, mdkvfio_pread(&self->v, 0, back, 4096, 0x0800));
		ASSERT_EQ(0, memcmp(big, back, sizeof(big)));
		ASSERT_EQ(0, memcmp(big + 0x800, map1, 0x800));
		ASSERT_EQ(8, vt_reg(&self->v, VT_LAST_LEN));
	}
	/* The I/O BAR, odd sizes and offsets. */
	ASSERT_EQ(3, mdkvfio_pwrite(&self->v, 4, "abc", 3, 0xfd));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(3, mdkvfio_pread(&self->v, 4, buf, 3, 0xfd));
	ASSERT_EQ(0, memcmp("abc", buf, 3));
	munmap(map1, 0x2000);
	munmap(map4, 0x2000);
}

TEST_F(vt, out_of_range_changes_nothing)
{
	uint8_t buf[16] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[16];

	ASSERT_EQ(-EINVAL, mdkvfio_pwrite(&self->v, 0, buf, 1, VT_BAR0_SIZE));
	ASSERT_EQ(-EINVAL, mdkvfio_pread(&self->v, 0, buf, 8, ~0ULL >> 24));
	ASSERT_EQ(-EINVAL, mdkvfio_pread(&self->v, 1, buf, 4, 0));
	ASSERT_EQ(-EINVAL, mdkvfio_pread(&self->v, 3, buf, 4, 0));
	ASSERT_EQ(-EINVAL, mdkvfio_pread(&self->v, VFIO_PCI_ROM_REGION_INDEX,
					 buf, 4, 0));
	ASSERT_EQ(-EINVAL, mdkvfio_pwrite(&self->v, VFIO_PCI_ROM_REGION_INDEX,
					  buf, 4, 0));
	ASSERT_EQ(-EINVAL, mdkvfio_pread(&self->v, VFIO_PCI_VGA_REGION_INDEX,
					 buf, 4, 0));
	ASSERT_EQ(-EINVAL, mdkvfio_pread(&self->v, 9, buf, 4, 0));
	/* The last byte before the end was not touched by the refusals. */
	ASSERT_EQ(1, mdkvfio_pread(&self->v, 0, back, 1, VT_BAR0_SIZE - 1));
	ASSERT_EQ(0, back[0]);
	/* MSI-X table: only aligned dwords and qwords. */
	ASSERT_EQ(-EINVAL, mdkvfio_pwrite(&self->v, 0, buf, 2, VT_MSIX_TABLE));
	ASSERT_EQ(-EINVAL, mdkvfio_pread(&self->v, 0, buf, 4, VT_MSIX_TABLE + 2));
}

/*
 * The ends of regions as vfio-pci's (vfio_pci_bar_rw(), vfio_pci_config_rw()):
 * a BAR access that runs past the end is cut short there, one at or past
 * the end is -EINVAL; config space past its end is -EFAULT; 0 bytes is 0
 * (even with decoding off), except at or past a BAR's end.
 */
TEST_F(vt, region_ends_as_vfio_pci)
{
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8];

	/* A 2-byte write at the last byte writes that byte. */
	ASSERT_EQ(1, mdkvfio_pwrite(&self->v, 0, buf, 2, VT_BAR0_SIZE - 1));
	memset(back, 0, sizeof(back));
	ASSERT_EQ(4, mdkvfio_pread(&self->v, 0, back, 8, VT_BAR0_SIZE - 4));
	ASSERT_EQ(1, back[3]);
	ASSERT_EQ(0, back[4]);
	/* The I/O BAR the same. */
	ASSERT_EQ(4, mdkvfio_pwrite(&self->v, 4, buf, 8, VT_BAR4_SIZE - 4));
	ASSERT_EQ(4, mdkvfio_pread(&self->v, 4, back, 8, VT_BAR4_SIZE - 4));
	ASSERT_EQ(0, memcmp(buf, back, 4));
	ASSERT_EQ(-EINVAL, mdkvfio_pread(&self->v, 4, back, 1, VT_BAR4_SIZE));
	/* Nothing asked, nothing done. */
	ASSERT_EQ(0, mdkvfio_pread(&self->v, 0, back, 0, 0));
	ASSERT_EQ(0, mdkvfio_pwrite(&self->v, 2, buf, 0, VT_BAR2_SIZE - 1));
	ASSERT_EQ(-EINVAL, mdkvfio_pread(&self->v, 0, back, 0, VT_BAR0_SIZE));
	ASSERT_EQ(0, mdkvfio_pread(&self->v, VFIO_PCI_CONFIG_REGION_INDEX, back,
				   0, 0));
	ASSERT_EQ(0, mdkvfio_pwrite(&self->v, VFIO_PCI_CONFIG_REGION_INDEX, buf,
				    0, 8192));
	ASSERT_EQ(0, vt_command(&self->v, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, mdkvfio_pread(&self->v, 0, back, 0, 0));
	ASSERT_EQ(-EIO, mdkvfio_pread(&self->v, 0, back, 1, 0));
	ASSERT_EQ(0, vt_command(&self->v, PCI_COMMAND_MEMORY, 1));
	/* Config space: past the end is -EFAULT, not cut short. */
	ASSERT_EQ(-EFAULT, mdkvfio_pread(&self->v, VFIO_PCI_CONFIG_REGION_INDEX,
					 back, 8, 4092));
	ASSERT_EQ(-EFAULT, mdkvfio_pwrite(&self->v, VFIO_PCI_CONFIG_REGION_INDEX,
					  buf, 1, 4096));
}

/*
 * As vfio-pci: with memory decode off, the BARs' mappings are zapped and
 * an access gets SIGBUS; on again, the same pages fault back in.
 */
TEST_F(vt, mmap_sigbus_while_memory_decode_off)
{
	uint8_t one = 0x42, two = 0x43;
	volatile uint8_t *map, *m4;

	map = vt_mmap(self, 0, 0x1000, 0x2000);
	ASSERT_NE(NULL, map);
	ASSERT_EQ(0, vt_sigbus(map + 0x10, &one));
	ASSERT_EQ(0, vt_sigbus(map + 0x1010, &two));
	ASSERT_EQ(0, vt_command(&self->v, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(1, vt_sigbus(map + 0x10, NULL));
	ASSERT_EQ(1, vt_sigbus(map + 0x1010, &one));
	/* I/O decode or INTx Disable writes do not bring them back. */
	ASSERT_EQ(0, vt_command(&self->v, PCI_COMMAND_INTX_DISABLE, 1));
	ASSERT_EQ(1, vt_sigbus(map + 0x10, NULL));
	ASSERT_EQ(0, vt_command(&self->v, PCI_COMMAND_MEMORY, 1));
	ASSERT_EQ(0, vt_sigbus(map + 0x10, NULL));
	ASSERT_EQ(0x42, map[0x10]);
	ASSERT_EQ(0x43, map[0x1010]);
	/* A mapping made while decode is off faults too. */
	ASSERT_EQ(0, vt_command(&self->v, PCI_COMMAND_MEMORY, 0));
	m4 = vt_mmap(self, 0, 0x4000, 0x1000);
	ASSERT_NE(NULL, m4);
	ASSERT_EQ(1, vt_sigbus(m4, NULL));
	ASSERT_EQ(0, vt_command(&self->v, PCI_COMMAND_MEMORY, 1));
	ASSERT_EQ(0, vt_sigbus(m4, &one));
}

/*
 * As vfio-pci: a reset zaps the mappings too; the next access takes a
 * page fault and finds the same page.
 */
TEST_F(vt, mmap_refaults_after_reset)
{
	volatile uint8_t *map;
	uint8_t val = 0x5c;
	long before, after;

	map = vt_mmap(self, 0, 0x1000, 0x1000);
	ASSERT_NE(NULL, map);
	ASSERT_EQ(0, vt_sigbus(map, &val));
	before = vt_minflt();
	(void)map[1];
	after = vt_minflt();
	ASSERT_EQ(before, after);	/* mapped: no fault */
	ASSERT_EQ(0, mdkvfio_reset(&self->v));
	before = vt_minflt();
	(void)map[1];
	after = vt_minflt();
	if (after == before)
		TH_LOG("no page fault after the reset: the mapping survived it");
	ASSERT_LT(before, after);
	ASSERT_EQ(0x5c, map[0]);
}

TEST_F(vt, mmap_only_passthrough)
{
	static const struct {
		unsigned int index;
		uint64_t off, len;
		int ok;
	} cases[] = {
		{ 0, 0x1000, 0x2000, 1 },	/* area 1 */
		{ 0, 0x2000, 0x1000, 1 },	/* its second page */
		{ 0, 0x4000, 0x2000, 1 },	/* area 2: two ranges, one area */
		{ 0, 0x5000, 0x1000, 1 },
		{ 0, 0x0000, 0x1000, 0 },	/* trapped */
		{ 0, 0x1000, 0x3000, 0 },	/* runs into a trapped range */
		{ 0, 0x0000, 0x10000, 0 },	/* the whole BAR */
		{ 0, 0x6000, 0x1000, 0 },	/* hole */
		{ 0, 0x8000, 0x1000, 0 },	/* MSI-X table */
		{ 0, 0x10000, 0x1000, 0 },	/* beyond */
		{ 2, 0x0000, 0x1000, 0 },	/* trapped BAR */
		{ 4, 0x0000, 0x1000, 0 },	/* I/O BAR */
		{ VFIO_PCI_CONFIG_REGION_INDEX, 0, 0x1000, 0 },
	};
	unsigned int i;
	void *p;
	int err;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TH_LOG("case %u: region %u +0x%lx len 0x%lx", i, cases[i].index,
		       (unsigned long)cases[i].off, (unsigned long)cases[i].len);
		err = 0;
		p = mdkvfio_mmap(&self->v, cases[i].index, cases[i].off,
				 cases[i].len, &err);
		if (cases[i].ok) {
			ASSERT_NE(NULL, p);
			memset(p, 0x3c, cases[i].len);
			munmap(p, cases[i].len);
		} else {
			ASSERT_EQ(NULL, p);
			ASSERT_EQ(-EINVAL, err);
		}
	}
	/* A private mapping is refused. */
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, self->v.device, 0x1000);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(vt, msix_table_and_pba)
{
	uint32_t val, entry[4] = { 0xfee00000, 0, 0x4041, 0 };
	unsigned int v;

	for (v = 0; v < VT_NR_MSIX; v++) {
		ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, VT_MSIX_TABLE + v * 16 + 12,
					    &val));
		ASSERT_EQ(PCI_MSIX_ENTRY_CTRL_MASKBIT, val);
	}
	ASSERT_EQ(16, mdkvfio_pwrite(&self->v, 0, entry, 16, VT_MSIX_TABLE + 0x30));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, VT_MSIX_TABLE + 0x38, &val));
	ASSERT_EQ(0x4041, val);
	/* Reserved Vector Control bits stay zero; PBA writes are dropped. */
	ASSERT_EQ(0, mdkvfio_write32(&self->v, 0, VT_MSIX_TABLE + 0x3c, ~0u));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, VT_MSIX_TABLE + 0x3c, &val));
	ASSERT_EQ(1, val);
	ASSERT_EQ(0, mdkvfio_write32(&self->v, 0, VT_MSIX_PBA, ~0u));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, VT_MSIX_PBA, &val));
	ASSERT_EQ(0, val);
	/* The parent never saw these accesses. */
	ASSERT_EQ(0, vt_reg(&self->v, VT_ACCESSES));
}

TEST_HARNESS_MAIN
