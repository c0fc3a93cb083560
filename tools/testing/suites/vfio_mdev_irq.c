// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_irq - interrupts, reset and removal end to end: the
 * mdk_vfiotest parent raises vectors (a register write makes it call
 * mdk_vdev_raise()), and the user's eventfds must fire or not as masks,
 * pending bits and the enabled kind say; reset and reopen start clean;
 * removing an open mdev asks the user through REQ (DMA: vfio_mdev_dma).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>

#include "harness.h"
#include "mdk_vfiotest.h"

#define MSIX	VFIO_PCI_MSIX_IRQ_INDEX
#define MSI	VFIO_PCI_MSI_IRQ_INDEX
#define INTX	VFIO_PCI_INTX_IRQ_INDEX

static void make_efds(struct __test_metadata *_metadata, int *fds,
		      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_GE(fds[i], 0);
	}
}

/*
 * Which of @n eventfds fired within @ms (bit per fd), consuming them. The
 * parent raises synchronously, so what fires is there before the register
 * write returns; the wait only bounds the negative case.
 */
static unsigned int fired_set(int *fds, unsigned int n, int ms)
{
	struct pollfd p[32];
	unsigned int i, set = 0;

	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	if (poll(p, n, ms) <= 0)
		return 0;
	for (i = 0; i < n; i++)
		if (vt_fired(fds[i], 0) == 1)
			set |= 1u << i;
	return set;
}

static int cap_off(struct __test_metadata *_metadata, struct mdkvfio *v,
		   uint8_t id)
{
	uint8_t cfg[256];
	unsigned int pos;

	ASSERT_EQ(0, vt_cfg_read(v, 0, cfg, sizeof(cfg)));
	for (pos = cfg[PCI_CAPABILITY_LIST]; pos; pos = cfg[pos + 1])
		if (cfg[pos] == id)
			return pos;
	ASSERT_TRUE(0);
	return 0;
}

static int msix_ctrl_off(struct __test_metadata *_metadata, struct mdkvfio *v)
{
	return cap_off(_metadata, v, PCI_CAP_ID_MSIX) + PCI_MSIX_FLAGS;
}

static uint16_t cfg16(struct __test_metadata *_metadata, struct mdkvfio *v,
		      unsigned int off)
{
	uint16_t val = 0;

	ASSERT_EQ(0, vt_cfg_read(v, off, &val, 2));
	return val;
}

TEST_F(vt, msix_end_to_end_and_masking)
{
	int fds[VT_NR_MSIX];
	uint32_t pba, ctrl;
	uint16_t flags;
	unsigned int v;
	int off;

	make_efds(_metadata, fds, VT_NR_MSIX);
	/* Nothing enabled: the raise is dropped. */
	ASSERT_EQ(-ENOTCONN, vt_raise(&self->v, 3));
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, MSIX, 0, VT_NR_MSIX, fds));
	/* Enabling set MSI-X Enable and unmasked the vectors. */
	off = msix_ctrl_off(_metadata, &self->v);
	ASSERT_EQ(0, vt_cfg_read(&self->v, off, &flags, 2));
	ASSERT_TRUE(flags & PCI_MSIX_FLAGS_ENABLE);
	for (v = 0; v < VT_NR_MSIX; v++) {
		ASSERT_EQ(0, vt_raise(&self->v, v));
		ASSERT_EQ(1u << v, fired_set(fds, VT_NR_MSIX, 1000));
	}
	ASSERT_EQ(-EINVAL, vt_raise(&self->v, VT_NR_MSIX));

	/* Masked in the table: held in the PBA, delivered on unmask. */
	ASSERT_EQ(0, mdkvfio_write32(&self->v, 0, VT_MSIX_TABLE + 2 * 16 + 12, 1));
	ASSERT_EQ(0, vt_raise(&self->v, 2));
	ASSERT_EQ(0, fired_set(fds, VT_NR_MSIX, 200));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, VT_MSIX_PBA, &pba));
	ASSERT_EQ(1u << 2, pba);
	ASSERT_EQ(0, mdkvfio_write32(&self->v, 0, VT_MSIX_TABLE + 2 * 16 + 12, 0));
	ASSERT_EQ(1u << 2, fired_set(fds, VT_NR_MSIX, 1000));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, VT_MSIX_PBA, &pba));
	ASSERT_EQ(0, pba);

	/* Masked with the ioctl, the same. */
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, MSIX, 5, 1,
					VFIO_IRQ_SET_ACTION_MASK));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, VT_MSIX_TABLE + 5 * 16 + 12,
				    &ctrl));
	ASSERT_EQ(1, ctrl);
	ASSERT_EQ(0, vt_raise(&self->v, 5));
	ASSERT_EQ(0, fired_set(fds, VT_NR_MSIX, 200));
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, MSIX, 5, 1,
					VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(1u << 5, fired_set(fds, VT_NR_MSIX, 1000));

	/* Function Mask in config space holds every vector. */
	flags |= PCI_MSIX_FLAGS_MASKALL;
	ASSERT_EQ(0, vt_cfg_write(&self->v, off, &flags, 2));
	ASSERT_EQ(0, vt_raise(&self->v, 1));
	ASSERT_EQ(0, vt_raise(&self->v, 6));
	ASSERT_EQ(0, fired_set(fds, VT_NR_MSIX, 200));
	flags &= ~PCI_MSIX_FLAGS_MASKALL;
	ASSERT_EQ(0, vt_cfg_write(&self->v, off, &flags, 2));
	ASSERT_EQ((1u << 1) | (1u << 6), fired_set(fds, VT_NR_MSIX, 1000) |
					 fired_set(fds, VT_NR_MSIX, 200));

	/* Loopback triggers go through the same delivery. */
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, MSIX, 4, 1,
					VFIO_IRQ_SET_ACTION_TRIGGER));
	ASSERT_EQ(1u << 4, fired_set(fds, VT_NR_MSIX, 1000));

	/* One vector's eventfd removed: that vector alone goes quiet. */
	{
		int none = -1;

		ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, MSIX, 7, 1, &none));
		ASSERT_EQ(0, vt_raise(&self->v, 7));
		ASSERT_EQ(0, fired_set(fds, VT_NR_MSIX, 200));
		ASSERT_EQ(0, vt_raise(&self->v, 0));
		ASSERT_EQ(1u, fired_set(fds, VT_NR_MSIX, 1000));
	}

	/* Disabled: MSI-X Enable clears, raises are dropped. */
	ASSERT_EQ(0, mdkvfio_irq_disable(&self->v, MSIX));
	ASSERT_EQ(0, vt_cfg_read(&self->v, off, &flags, 2));
	ASSERT_FALSE(flags & PCI_MSIX_FLAGS_ENABLE);
	ASSERT_EQ(-ENOTCONN, vt_raise(&self->v, 0));
	ASSERT_EQ(0, fired_set(fds, VT_NR_MSIX, 200));
}

TEST_F(vt, msi_and_one_kind_at_a_time)
{
	int fds[VT_NR_MSI], xfd;
	uint8_t on[VT_NR_MSI] = { 0, 1, 0, 1 };

	make_efds(_metadata, fds, VT_NR_MSI);
	make_efds(_metadata, &xfd, 1);
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, MSI, 0, VT_NR_MSI, fds));
	/* MSI is on: neither MSI-X nor INTx may be enabled. */
	ASSERT_EQ(-EINVAL, mdkvfio_set_eventfds(&self->v, MSIX, 0, 1, &xfd));
	ASSERT_EQ(-EINVAL, mdkvfio_set_eventfds(&self->v, INTX, 0, 1, &xfd));
	ASSERT_EQ(0, vt_raise(&self->v, 1));
	ASSERT_EQ(1u << 1, fired_set(fds, VT_NR_MSI, 1000));
	ASSERT_EQ(-EINVAL, vt_raise(&self->v, VT_NR_MSI));
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, MSI, 0, VT_NR_MSI,
					VFIO_IRQ_SET_ACTION_MASK));
	ASSERT_EQ(0, vt_raise(&self->v, 3));
	ASSERT_EQ(0, fired_set(fds, VT_NR_MSI, 200));
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, MSI, 3, 1,
					VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(1u << 3, fired_set(fds, VT_NR_MSI, 1000));
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, MSI, 0, VT_NR_MSI,
					VFIO_IRQ_SET_ACTION_UNMASK));
	/* DATA_BOOL trigger: only the vectors whose byte is set. */
	{
		struct {
			struct vfio_irq_set set;
			uint8_t data[VT_NR_MSI];
		} s = {
			.set = {
				.argsz = sizeof(s),
				.flags = VFIO_IRQ_SET_DATA_BOOL |
					 VFIO_IRQ_SET_ACTION_TRIGGER,
				.index = MSI, .start = 0, .count = VT_NR_MSI,
			},
		};

		memcpy(s.data, on, sizeof(on));
		ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_SET_IRQS, &s));
		ASSERT_EQ((1u << 1) | (1u << 3),
			  fired_set(fds, VT_NR_MSI, 1000) |
			  fired_set(fds, VT_NR_MSI, 200));
	}
	/* Disabled, then MSI-X may come on. */
	ASSERT_EQ(0, mdkvfio_irq_disable(&self->v, MSI));
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, MSIX, 0, 1, &xfd));
	ASSERT_EQ(0, vt_raise(&self->v, 0));
	ASSERT_EQ(1, vt_fired(xfd, 1000));
}

/*
 * As the host kernel programs a real function for vfio-pci: enabling MSI
 * sets MSI Enable and Multiple Message Enable (log2 of the vectors,
 * rounded up); disabling clears both.
 */
TEST_F(vt, msi_enable_kept_in_config_space)
{
	int fds[VT_NR_MSI], off;
	uint16_t flags;

	make_efds(_metadata, fds, VT_NR_MSI);
	off = cap_off(_metadata, &self->v, PCI_CAP_ID_MSI) + PCI_MSI_FLAGS;
	flags = cfg16(_metadata, &self->v, off);
	ASSERT_EQ(0, flags & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE));
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, MSI, 0, VT_NR_MSI, fds));
	flags = cfg16(_metadata, &self->v, off);
	ASSERT_TRUE(flags & PCI_MSI_FLAGS_ENABLE);
	ASSERT_EQ(2 << 4, flags & PCI_MSI_FLAGS_QSIZE);
	ASSERT_EQ(2 << 1, flags & PCI_MSI_FLAGS_QMASK);	/* capable: 4 */
	ASSERT_EQ(0, mdkvfio_irq_disable(&self->v, MSI));
	flags = cfg16(_metadata, &self->v, off);
	ASSERT_EQ(0, flags & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE));
	/* Three vectors: room for four, as pci_alloc_irq_vectors() gives. */
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, MSI, 0, 3, fds));
	flags = cfg16(_metadata, &self->v, off);
	ASSERT_EQ(PCI_MSI_FLAGS_ENABLE | 2 << 4,
		  flags & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE));
	ASSERT_EQ(0, mdkvfio_irq_disable(&self->v, MSI));
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, MSI, 0, 1, fds));
	flags = cfg16(_metadata, &self->v, off);
	ASSERT_EQ(PCI_MSI_FLAGS_ENABLE,
		  flags & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE));
	/* Closing the device disables it too. */
	mdkvfio_close(&self->v);
	ASSERT_EQ(0, mdkvfio_open(&self->v, self->uuid));
	flags = cfg16(_metadata, &self->v, off);
	ASSERT_EQ(0, flags & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE));
}

/*
 * As vfio-pci's virtualised INTx Disable: while the command register's
 * INTx Disable is set, a raised INTx is held pending, and it is delivered
 * when the bit clears. PCI_STATUS_INTERRUPT reads the emulated line:
 * asserted from the raise until the user unmasks it (its EOI).
 */
TEST_F(vt, intx_disable_holds_and_status_shows_the_line)
{
	int trig;

	make_efds(_metadata, &trig, 1);
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, INTX, 0, 1, &trig));
	ASSERT_FALSE(cfg16(_metadata, &self->v, PCI_STATUS) &
		     PCI_STATUS_INTERRUPT);
	ASSERT_EQ(0, vt_command(&self->v, PCI_COMMAND_INTX_DISABLE, 1));
	ASSERT_EQ(0, vt_raise(&self->v, 0));
	ASSERT_EQ(0, vt_fired(trig, 200));
	ASSERT_TRUE(cfg16(_metadata, &self->v, PCI_STATUS) &
		    PCI_STATUS_INTERRUPT);
	/* An unmask while disabled delivers nothing. */
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, INTX, 0, 1,
					VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(0, vt_fired(trig, 200));
	ASSERT_EQ(0, vt_command(&self->v, PCI_COMMAND_INTX_DISABLE, 0));
	ASSERT_EQ(1, vt_fired(trig, 1000));
	/* Delivered and automasked: still asserted until the unmask. */
	ASSERT_TRUE(cfg16(_metadata, &self->v, PCI_STATUS) &
		    PCI_STATUS_INTERRUPT);
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, INTX, 0, 1,
					VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_FALSE(cfg16(_metadata, &self->v, PCI_STATUS) &
		     PCI_STATUS_INTERRUPT);
	/* Enabled again: a raise is delivered at once. */
	ASSERT_EQ(0, vt_raise(&self->v, 0));
	ASSERT_EQ(1, vt_fired(trig, 1000));
	ASSERT_EQ(0, mdkvfio_irq_disable(&self->v, INTX));
	ASSERT_FALSE(cfg16(_metadata, &self->v, PCI_STATUS) &
		     PCI_STATUS_INTERRUPT);
}

TEST_F(vt, intx_automask_and_unmask)
{
	int trig, unmask;

	make_efds(_metadata, &trig, 1);
	make_efds(_metadata, &unmask, 1);
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, INTX, 0, 1, &trig));
	ASSERT_EQ(0, vt_raise(&self->v, 0));
	ASSERT_EQ(1, vt_fired(trig, 1000));
	/* Automasked: the next one waits for an unmask. */
	ASSERT_EQ(0, vt_raise(&self->v, 0));
	ASSERT_EQ(0, vt_fired(trig, 200));
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, INTX, 0, 1,
					VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(1, vt_fired(trig, 1000));
	/* Unmask through an eventfd, as QEMU and KVM's resamplefd do. */
	{
		struct {
			struct vfio_irq_set set;
			int32_t fd;
		} s = {
			.set = {
				.argsz = sizeof(s),
				.flags = VFIO_IRQ_SET_DATA_EVENTFD |
					 VFIO_IRQ_SET_ACTION_UNMASK,
				.index = INTX, .start = 0, .count = 1,
			},
			.fd = unmask,
		};
		uint64_t one = 1;

		ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_SET_IRQS, &s));
		ASSERT_EQ(0, vt_raise(&self->v, 0));	/* pending */
		ASSERT_EQ(0, vt_fired(trig, 200));
		ASSERT_EQ(8, write(unmask, &one, 8));
		ASSERT_EQ(1, vt_fired(trig, 2000));
	}
	/* Masked by the user: held until unmasked. */
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, INTX, 0, 1,
					VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, INTX, 0, 1,
					VFIO_IRQ_SET_ACTION_MASK));
	ASSERT_EQ(0, vt_raise(&self->v, 0));
	ASSERT_EQ(0, vt_fired(trig, 200));
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, INTX, 0, 1,
					VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(1, vt_fired(trig, 1000));
	ASSERT_EQ(-EINVAL, vt_raise(&self->v, 1));
	ASSERT_EQ(0, mdkvfio_irq_disable(&self->v, INTX));
	ASSERT_EQ(-ENOTCONN, vt_raise(&self->v, 0));
}

TEST_F(vt, err_and_req_triggers)
{
	int err, req;

	make_efds(_metadata, &err, 1);
	make_efds(_metadata, &req, 1);
	ASSERT_EQ(-ENOTCONN, vt_cmd(&self->v, 0, 0, VT_CMD_ERR));
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, VFIO_PCI_ERR_IRQ_INDEX, 0, 1,
					  &err));
	ASSERT_EQ(0, vt_cmd(&self->v, 0, 0, VT_CMD_ERR));
	ASSERT_EQ(1, vt_fired(err, 1000));
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
					  &req));
	ASSERT_EQ(0, mdkvfio_irq_action(&self->v, VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
					VFIO_IRQ_SET_ACTION_TRIGGER));
	ASSERT_EQ(1, vt_fired(req, 1000));
	ASSERT_EQ(0, mdkvfio_irq_disable(&self->v, VFIO_PCI_ERR_IRQ_INDEX));
	ASSERT_EQ(-ENOTCONN, vt_cmd(&self->v, 0, 0, VT_CMD_ERR));
}

TEST_F(vt, reset_and_reopen)
{
	int fds[VT_NR_MSIX];
	uint32_t resets, pba;

	make_efds(_metadata, fds, VT_NR_MSIX);
	ASSERT_EQ(1, vt_reg(&self->v, VT_OPENS));
	resets = vt_reg(&self->v, VT_RESETS);
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, MSIX, 0, VT_NR_MSIX, fds));
	ASSERT_EQ(0, mdkvfio_write32(&self->v, 0, VT_MSIX_TABLE + 12, 1));
	ASSERT_EQ(0, vt_raise(&self->v, 0));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, VT_MSIX_PBA, &pba));
	ASSERT_EQ(1, pba);
	/* Reset: the parent's hook runs, pending is dropped, MSI-X works. */
	ASSERT_EQ(0, mdkvfio_reset(&self->v));
	ASSERT_EQ(resets + 1, vt_reg(&self->v, VT_RESETS));
	ASSERT_EQ(0, mdkvfio_read32(&self->v, 0, VT_MSIX_PBA, &pba));
	ASSERT_EQ(0, pba);
	ASSERT_EQ(0, fired_set(fds, VT_NR_MSIX, 200));
	ASSERT_EQ(0, vt_raise(&self->v, 0));
	ASSERT_EQ(1u, fired_set(fds, VT_NR_MSIX, 1000));
	/* Close and reopen: close ran, everything is off again. */
	mdkvfio_close(&self->v);
	ASSERT_EQ(0, mdkvfio_open(&self->v, self->uuid));
	ASSERT_EQ(2, vt_reg(&self->v, VT_OPENS));
	ASSERT_EQ(1, vt_reg(&self->v, VT_CLOSES));
	ASSERT_EQ(-ENOTCONN, vt_raise(&self->v, 0));
	ASSERT_EQ(0, fired_set(fds, VT_NR_MSIX, 200));
}

struct remover {
	const char *uuid;
	int ret;
	volatile int done;
};

static void *remove_thread(void *arg)
{
	struct remover *r = arg;

	r->ret = vt_remove(r->uuid);
	r->done = 1;
	return NULL;
}

/* The remover is blocked while the device is open; closing releases it. */
static void close_releases_remover(struct __test_metadata *_metadata,
				   struct mdkvfio *v, const char *uuid,
				   struct remover *r, pthread_t th)
{
	char path[128];

	ASSERT_EQ(0, r->done);
	snprintf(path, sizeof(path), VT_MDEVS "/%s", uuid);
	ASSERT_TRUE(mdk_exists(path));
	mdkvfio_close(v);
	pthread_join(th, NULL);
	ASSERT_EQ(0, r->ret);
	ASSERT_FALSE(mdk_exists(path));
}

TEST_F_TIMEOUT(vt, remove_while_open_signals_req, 90)
{
	struct remover r = { .uuid = self->uuid };
	pthread_t th;
	int req;

	make_efds(_metadata, &req, 1);
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->v, VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
					  &req));
	ASSERT_EQ(0, pthread_create(&th, NULL, remove_thread, &r));
	/* The VFIO core asks at once, then every 10 s. */
	ASSERT_EQ(1, vt_fired(req, 10000));
	/* The user lets go: the removal completes. */
	close_releases_remover(_metadata, &self->v, self->uuid, &r, th);
}

TEST_F_TIMEOUT(vt, remove_while_open_without_req_waits, 90)
{
	struct remover r = { .uuid = self->uuid };
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, remove_thread, &r));
	sleep(2);
	/* No REQ eventfd: the remover blocks until the user closes. */
	close_releases_remover(_metadata, &self->v, self->uuid, &r, th);
}

TEST_HARNESS_MAIN
