// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_minimal - the parent-guide's complete minimal parent
 * (parents/minimal/mdk_minimal.c) works as the guide says: its register,
 * its doorbell raising MSI-X vector 0, its shared page through mmap, and
 * reset.
 */
#include <string.h>
#include <sys/mman.h>

#include "harness.h"
#define MDK_VT_NO_FIXTURE
#include "mdk_vfiotest.h"

#define MIN_TYPE "/sys/devices/platform/mdk_minimal/mdev_supported_types/mdk_minimal-1"

FIXTURE(min) {
	char uuid[40];
	struct mdkvfio v;
};

FIXTURE_SETUP(min)
{
	ASSERT_EQ(0, mdk_sh("modprobe vfio_iommu_type1 && modprobe mdk_minimal"));
	mdk_make_uuid(self->uuid, 0xf11, getpid() & 0xffff, 1);
	ASSERT_EQ(0, mdk_write_str(MIN_TYPE "/create", self->uuid));
	ASSERT_EQ(0, mdkvfio_open(&self->v, self->uuid));
}

FIXTURE_TEARDOWN(min)
{
	mdkvfio_close(&self->v);
	vt_remove(self->uuid);
}

TEST_F(min, type_attributes)
{
	char buf[64];

	ASSERT_EQ(0, mdk_read_str(MIN_TYPE "/device_api", buf, sizeof(buf)));
	ASSERT_STREQ("vfio-pci", buf);
	ASSERT_EQ(0, mdk_read_str(MIN_TYPE "/name", buf, sizeof(buf)));
	ASSERT_STREQ("minimal vfio_mdev device", buf);
	ASSERT_EQ(15, mdk_read_long(MIN_TYPE "/available_instances"));
}

TEST_F(min, register_doorbell_and_reset)
{
	uint32_t val;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_GE(efd, 0);
	ASSERT_EQ(0, mdkvfio_write32(&self->v, 0, 0, 0xc0ffee));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, 0, &val));
	ASSERT_EQ(0xc0ffee, val);
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, VFIO_PCI_MSIX_IRQ_INDEX, 0,
					  1, &efd));
	ASSERT_EQ(0, mdkvfio_write32(&self->v, 0, 4, 1));
	ASSERT_EQ(1, vt_fired(efd, 1000));
	ASSERT_EQ(0, mdkvfio_reset(&self->v));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, 0, &val));
	ASSERT_EQ(0, val);
	close(efd);
}

TEST_F(min, shared_page)
{
	struct mdkvfio_region r;
	uint8_t *p, b;
	int err = 0;

	ASSERT_EQ(0, mdkvfio_region(&self->v, 0, &r));
	ASSERT_EQ(0x2000, r.size);
	ASSERT_EQ(1, r.nr_areas);
	ASSERT_EQ(0x1000, r.areas[0].offset);
	p = mdkvfio_mmap(&self->v, 0, 0x1000, 0x1000, &err);
	ASSERT_NE(NULL, p);
	p[123] = 0x5a;
	ASSERT_EQ(1, mdkvfio_pread(&self->v, 0, &b, 1, 0x1000 + 123));
	ASSERT_EQ(0x5a, b);
	ASSERT_EQ(NULL, mdkvfio_mmap(&self->v, 0, 0, 0x1000, &err));
	ASSERT_EQ(-EINVAL, err);
	munmap(p, 0x1000);
}

/*
 * A conventional PCI function (no PCI Express) has no ERR interrupt. As
 * vfio-pci: GET_IRQ_INFO refuses the index (-EINVAL; vfio-pci's
 * vfio_pci_ioctl_get_irq_info() does so unless pci_is_pcie()), and
 * SET_IRQS on it is -EINVAL, its count being 0. No pin: INTx has count 0.
 */
TEST_F(min, no_err_irq_on_conventional_pci)
{
	struct vfio_irq_info info;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_GE(efd, 0);
	ASSERT_EQ(-EINVAL, mdkvfio_irq(&self->v, VFIO_PCI_ERR_IRQ_INDEX, &info));
	ASSERT_EQ(-EINVAL, mdkvfio_set_eventfds(&self->v, VFIO_PCI_ERR_IRQ_INDEX,
						0, 1, &efd));
	ASSERT_EQ(-EINVAL, mdkvfio_irq_disable(&self->v, VFIO_PCI_ERR_IRQ_INDEX));
	ASSERT_EQ(0, mdkvfio_irq(&self->v, VFIO_PCI_INTX_IRQ_INDEX, &info));
	ASSERT_EQ(0, info.count);
	ASSERT_EQ(0, mdkvfio_irq(&self->v, VFIO_PCI_REQ_IRQ_INDEX, &info));
	ASSERT_EQ(1, info.count);
	close(efd);
}

TEST_HARNESS_MAIN
