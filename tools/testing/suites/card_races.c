// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdevkit-alone: long
 * card_races - the card's pin cache against unmaps, resets and a second
 * device in the same container, in stress loops long enough to have shown
 * each race before its fix (docs/card.md, "Pins"):
 * - a VFIO_DEVICE_RESET or the RESET register racing a VFIO_IOMMU_UNMAP_DMA
 *   of pinned pages: both emptied the cache and unpinned pages twice
 *   (type1 WARNs; the runner fails the run on it);
 * - an unmap while two cards' engines keep pinning the range for their VFs
 *   in one container: each engine pinned the range again between type1's
 *   rounds, and after ten rounds type1 BUGs. Pins of a range being unmapped
 *   now fail (BAD_ADDRESS) until the unmap is over, and work again once the
 *   range is mapped again.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "harness.h"
#include "mdkcard.h"
#include "mdk_sysfs.h"

#define TYPE(card)	"/sys/devices/platform/mdk_card." card "/mdev_supported_types/mdk_card-2q/create"
#define DATA		(2 << 20)
#define R_SIZE		(1 << 20)
#define R_IOVA		(MDKCARD_IOVA + (2ULL << 30))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* VF a on card 0; VF b on card 1, in a's container. R: 1 MiB of pattern. */
FIXTURE(races) {
	char uuid[2][40];
	struct mdkcard_vf a;
	struct mdkcard_vf b;
	uint8_t *r;
};

FIXTURE_SETUP(races)
{
	unsigned int i;

	mdkcard_init(&self->a);
	mdkcard_init(&self->b);
	ASSERT_EQ(0, mdk_sh("modprobe vfio_iommu_type1 && modprobe mdk_card soft=2"));
	mdk_make_uuid(self->uuid[0], 0xace, getpid() & 0xffff, 0);
	mdk_make_uuid(self->uuid[1], 0xace, getpid() & 0xffff, 1);
	ASSERT_EQ(0, mdk_write_str(TYPE("0"), self->uuid[0]));
	ASSERT_EQ(0, mdk_write_str(TYPE("1"), self->uuid[1]));
	ASSERT_EQ(0, mdkcard_open(&self->a, self->uuid[0], DATA));
	self->r = mmap(NULL, R_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->r);
	for (i = 0; i < R_SIZE; i++)
		self->r[i] = i * 7 + (i >> 12);
}

FIXTURE_TEARDOWN(races)
{
	mdkcard_close(&self->b);
	mdkcard_close(&self->a);
	mdk_remove_mdev(self->uuid[0]);
	mdk_remove_mdev(self->uuid[1]);
	munmap(self->r, R_SIZE);
}

/* A COPY of @len bytes of R into @vf's data area; its completion status. */
static int copy_from_r(struct mdkcard_vf *vf, uint32_t len)
{
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .len = len, .src = R_IOVA,
		.dst = mdkcard_iova(vf, mdkcard_data(vf, 0)), .cookie = 1,
	};
	struct mdk_card_comp c;

	if (mdkcard_run(vf, 0, &d, &c))
		return -1;
	return c.status;
}

struct unmapper {
	struct mdkcard_vf *vf;
	pthread_barrier_t *go;
	int ret;
};

static void *unmap_r(void *arg)
{
	struct unmapper *u = arg;

	pthread_barrier_wait(u->go);
	u->ret = mdkvfio_unmap_dma(&u->vf->v, R_IOVA, R_SIZE);
	return NULL;
}

TEST_F_TIMEOUT(races, reset_racing_unmap_unpins_each_page_once, 400)
{
	pthread_barrier_t go;
	unsigned int i;
	double end = now() + 30;

	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 2));
	for (i = 0; now() < end; i++) {
		struct unmapper u = { .vf = &self->a, .go = &go };
		pthread_t t;

		ASSERT_EQ(0, mdkvfio_map_dma(&self->a.v, self->r, R_IOVA,
					     R_SIZE));
		ASSERT_EQ(0, mdkcard_start(&self->a, 0));
		/* 64 KiB of R: sixteen pages in the pin cache. */
		ASSERT_EQ(MDK_CARD_ST_SUCCESS, copy_from_r(&self->a, 65536));
		ASSERT_EQ(0, pthread_create(&t, NULL, unmap_r, &u));
		pthread_barrier_wait(&go);
		if (i & 1)
			ASSERT_EQ(0, mdkvfio_reset(&self->a.v));
		else
			ASSERT_EQ(0, mdkcard_wreg(&self->a, MDK_CARD_RESET, 1));
		pthread_join(t, NULL);
		ASSERT_EQ(0, u.ret);
	}
	TH_LOG("%u rounds", i);
	/* The VF and the range still work. */
	ASSERT_EQ(0, mdkvfio_map_dma(&self->a.v, self->r, R_IOVA, R_SIZE));
	ASSERT_EQ(0, mdkcard_start(&self->a, 0));
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, copy_from_r(&self->a, R_SIZE));
	ASSERT_EQ(0, memcmp(self->r, mdkcard_data(&self->a, 0), R_SIZE));
	pthread_barrier_destroy(&go);
}

/* Keeps a VF's queue 0 busy with 1 MiB copies from R until told to stop. */
struct pinner {
	struct mdkcard_vf *vf;
	volatile int stop;
	unsigned long ok, bad, other;
};

static void *pin_r(void *arg)
{
	struct pinner *p = arg;
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .len = R_SIZE, .src = R_IOVA,
		.dst = mdkcard_iova(p->vf, mdkcard_data(p->vf, 0)),
	};
	uint32_t idx[4];
	unsigned int n = 0, k;

	for (k = 0; k < 4; k++)
		idx[k] = mdkcard_submit(p->vf, 0, &d);
	while (!p->stop) {
		struct mdk_card_comp c;

		if (mdkcard_wait(p->vf, 0, idx[n % 4], 10000, &c)) {
			p->other++;
			return NULL;
		}
		if (c.status == MDK_CARD_ST_SUCCESS)
			p->ok++;
		else if (c.status == MDK_CARD_ST_BAD_ADDRESS)
			p->bad++;
		else
			p->other++;
		idx[n++ % 4] = mdkcard_submit(p->vf, 0, &d);
	}
	return NULL;
}

TEST_F_TIMEOUT(races, unmap_while_two_cards_pin_the_range, 400)
{
	struct pinner pa = { .vf = &self->a }, pb = { .vf = &self->b };
	pthread_t ta, tb;
	unsigned int i;
	double end = now() + 30;

	ASSERT_EQ(0, mdkcard_open_in(&self->b, self->uuid[1], DATA, &self->a));
	ASSERT_EQ(0, mdkvfio_map_dma(&self->a.v, self->r, R_IOVA, R_SIZE));
	ASSERT_EQ(0, mdkcard_start(&self->a, 0));
	ASSERT_EQ(0, mdkcard_start(&self->b, 0));
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, copy_from_r(&self->b, 4096));
	ASSERT_EQ(0, pthread_create(&ta, NULL, pin_r, &pa));
	ASSERT_EQ(0, pthread_create(&tb, NULL, pin_r, &pb));
	for (i = 0; now() < end; i++) {
		usleep(20000);
		ASSERT_EQ(0, mdkvfio_unmap_dma(&self->a.v, R_IOVA, R_SIZE));
		usleep(2000);
		ASSERT_EQ(0, mdkvfio_map_dma(&self->a.v, self->r, R_IOVA,
					     R_SIZE));
	}
	pa.stop = pb.stop = 1;
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	TH_LOG("%u unmaps; a: %lu ok %lu bad address; b: %lu ok %lu bad address",
	       i, pa.ok, pa.bad, pb.ok, pb.bad);
	EXPECT_EQ(0, pa.other);
	EXPECT_EQ(0, pb.other);
	EXPECT_LT(0, pa.ok);
	EXPECT_LT(0, pb.ok);
	/* Mapped again, the range pins again: copies succeed, data intact. */
	memset(mdkcard_data(&self->a, 0), 0, R_SIZE);
	memset(mdkcard_data(&self->b, 0), 0, R_SIZE);
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, copy_from_r(&self->a, R_SIZE));
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, copy_from_r(&self->b, R_SIZE));
	ASSERT_EQ(0, memcmp(self->r, mdkcard_data(&self->a, 0), R_SIZE));
	ASSERT_EQ(0, memcmp(self->r, mdkcard_data(&self->b, 0), R_SIZE));
}

TEST_HARNESS_MAIN
