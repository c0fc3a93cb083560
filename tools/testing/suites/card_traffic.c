// SPDX-License-Identifier: GPL-2.0-only
/*
 * card_traffic - disruptions while a VF of mdk_card is busy: a process keeps
 * 16 copies in flight on a software card's VF while the VF is reset, while
 * its mdev is removed (the user is asked through REQ, lets go, and the
 * removal completes), while the card itself is unbound from its driver, and
 * while the software card is deleted (del_device).
 * Nothing may crash, WARN or leak (the runner checks the console), and the
 * card must be whole afterwards.
 */
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>

#include "harness.h"
#include "mdkcard.h"
#include "mdk_sysfs.h"

#define CARD	"/sys/devices/platform/mdk_card.0"
#define TYPE1Q	CARD "/mdev_supported_types/mdk_card-1q"
#define MDEVS	"/sys/bus/mdev/devices"
#define DRIVER	"/sys/bus/platform/drivers/mdk_card"

struct traffic {
	struct mdkcard_vf *vf;
	volatile int stop;
	long done;		/* completed descriptors */
	long errors;		/* records with another status, or timeouts */
};

/* Keeps 16 64 KiB copies in flight until told to stop, or the VF is gone. */
static void *traffic_thread(void *arg)
{
	struct traffic *t = arg;
	struct mdkcard_vf *vf = t->vf;
	uint8_t *src = mdkcard_data(vf, 0), *dst = mdkcard_data(vf, 65536);
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .len = 65536,
		.src = mdkcard_iova(vf, src), .dst = mdkcard_iova(vf, dst),
	};
	struct mdk_card_comp c;
	uint32_t idx[16];
	int i;

	for (i = 0; i < 16; i++)
		idx[i] = mdkcard_submit(vf, 0, &d);
	while (!t->stop) {
		for (i = 0; i < 16 && !t->stop; i++) {
			if (mdkcard_wait(vf, 0, idx[i], 200, &c) ||
			    c.status != MDK_CARD_ST_SUCCESS)
				t->errors++;
			else
				t->done++;
			idx[i] = mdkcard_submit(vf, 0, &d);
		}
	}
	return NULL;
}

FIXTURE(traffic) {
	char uuid[40];
	struct mdkcard_vf vf;
	struct traffic t;
	pthread_t th;
	int running;
};

FIXTURE_SETUP(traffic)
{
	ASSERT_EQ(0, mdk_sh("modprobe vfio_iommu_type1 && modprobe mdk_card soft=1"));
	mdk_make_uuid(self->uuid, 0xca4f, getpid() & 0xffff, 0);
	ASSERT_EQ(0, mdk_write_str(TYPE1Q "/create", self->uuid));
	ASSERT_EQ(0, mdkcard_open(&self->vf, self->uuid, 2 * 65536));
	ASSERT_EQ(0, mdkcard_start(&self->vf, 0));
	self->t.vf = &self->vf;
	ASSERT_EQ(0, pthread_create(&self->th, NULL, traffic_thread, &self->t));
	self->running = 1;
	/* Under way. */
	while (self->t.done < 50)
		usleep(1000);
}

static void stop_traffic(struct __fixture_type_traffic *self)
{
	if (self->running) {
		self->t.stop = 1;
		pthread_join(self->th, NULL);
		self->running = 0;
	}
}

FIXTURE_TEARDOWN(traffic)
{
	char path[128];

	stop_traffic(self);
	mdkcard_close(&self->vf);
	snprintf(path, sizeof(path), MDEVS "/%s/remove", self->uuid);
	mdk_write_str(path, "1");
	mdk_sh("rmmod mdk_card");
}

TEST_F(traffic, vf_reset_under_traffic)
{
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_FILL, .len = 64, .pattern = 9,
		.dst = mdkcard_iova(&self->vf, mdkcard_data(&self->vf, 0)),
	};
	struct mdk_card_comp c;
	long before;

	ASSERT_EQ(0, mdkcard_wreg(&self->vf, MDK_CARD_RESET, 1));
	/* The queue stopped: nothing completes any more. */
	ASSERT_EQ(0, mdkcard_reg(&self->vf, MDK_CARD_Q(0) + MDK_CARD_Q_ENABLE));
	before = self->t.done;
	usleep(300000);
	ASSERT_LE(self->t.done - before, 16);
	stop_traffic(self);
	/* Started again, it works. */
	ASSERT_EQ(0, mdkcard_start(&self->vf, 0));
	ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
}

/* A writer that blocks until the user lets go, asked through REQ. */
static void disrupt_and_let_go(struct __test_metadata *_metadata,
			       struct __fixture_type_traffic *self,
			       const char *path, const char *val)
{
	struct mdk_writer w = { .path = path, .val = val };
	struct pollfd p;
	pthread_t th;
	int req = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_LE(0, req);
	ASSERT_EQ(0, mdkvfio_set_eventfds(&self->vf.v, VFIO_PCI_REQ_IRQ_INDEX,
					  0, 1, &req));
	ASSERT_EQ(0, pthread_create(&th, NULL, mdk_write_thread, &w));
	p = (struct pollfd){ .fd = req, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 15000));
	ASSERT_EQ(0, w.done);
	/* The user (this process) stops and closes the VF, as QEMU would. */
	stop_traffic(self);
	mdkcard_close(&self->vf);
	pthread_join(th, NULL);
	ASSERT_EQ(0, w.ret);
	close(req);
}

TEST_F_TIMEOUT(traffic, remove_under_traffic, 120)
{
	char path[128];

	snprintf(path, sizeof(path), MDEVS "/%s/remove", self->uuid);
	disrupt_and_let_go(_metadata, self, path, "1");
	snprintf(path, sizeof(path), MDEVS "/%s", self->uuid);
	ASSERT_FALSE(mdk_exists(path));
	ASSERT_EQ(64, mdk_read_long(CARD "/portals_free"));
}

TEST_F_TIMEOUT(traffic, card_unbind_under_traffic, 120)
{
	char path[128];

	disrupt_and_let_go(_metadata, self, DRIVER "/unbind", "mdk_card.0");
	snprintf(path, sizeof(path), MDEVS "/%s", self->uuid);
	ASSERT_FALSE(mdk_exists(path));
	ASSERT_FALSE(mdk_exists(CARD "/driver"));
	/* Bound again, the card is whole. */
	ASSERT_EQ(0, mdk_write_str(DRIVER "/bind", "mdk_card.0"));
	ASSERT_EQ(64, mdk_read_long(CARD "/portals_free"));
	ASSERT_EQ(64, mdk_read_long(TYPE1Q "/available_instances"));
}

/* A software card deleted at run time: its mdev's user is asked first. */
TEST_F_TIMEOUT(traffic, card_del_device_under_traffic, 120)
{
	char path[128];

	disrupt_and_let_go(_metadata, self, DRIVER "/del_device", "0");
	snprintf(path, sizeof(path), MDEVS "/%s", self->uuid);
	ASSERT_FALSE(mdk_exists(path));
	ASSERT_FALSE(mdk_exists(CARD));
	/* Made again under the same name, the card is whole. */
	ASSERT_EQ(0, mdk_write_str(DRIVER "/new_device", "0"));
	ASSERT_EQ(64, mdk_read_long(CARD "/portals_free"));
	ASSERT_EQ(64, mdk_read_long(TYPE1Q "/available_instances"));
}

TEST_HARNESS_MAIN
