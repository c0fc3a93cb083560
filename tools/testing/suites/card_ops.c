// SPDX-License-Identifier: GPL-2.0-only
/*
 * card_ops - the mdk_card sample parent end to end, with the userspace
 * driver libmdkcard: a software card (modprobe mdk_card soft=1), VFs of 2
 * queues; every operation (copy, fill, compare, CRC32C) at sizes from 1 B
 * to 1 MiB and at several alignments, checked byte for byte against the
 * test's own computation, with their completion records and interrupts;
 * hostile descriptors each completing with an error while the queue keeps
 * working; a TAIL beyond the ring; VF reset; two VFs that cannot see each
 * other's portals; the card's sysfs accounting. Then the same on a PCI card
 * (the VM's ivshmem bound with driver_override): portal pages in its BAR.
 */
#include <dirent.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"
#include "mdkcard.h"
#include "mdk_sysfs.h"

#define SOFT	"/sys/devices/platform/mdk_card.0"
#define TYPE2Q	SOFT "/mdev_supported_types/mdk_card-2q"
#define DATA	(3 << 20)	/* room for 1 MiB src, dst and slack */

FIXTURE(card) {
	char uuid[2][40];
	struct mdkcard_vf vf;
	struct mdkcard_vf vf2;	/* a second VF, for the tests that need one */
};

FIXTURE_SETUP(card)
{
	ASSERT_EQ(0, mdk_sh("modprobe vfio_iommu_type1 && modprobe mdk_card soft=1"));
	mdk_make_uuid(self->uuid[0], 0xca4d, getpid() & 0xffff, 0);
	mdk_make_uuid(self->uuid[1], 0xca4d, getpid() & 0xffff, 1);
	mdkcard_init(&self->vf2);
	ASSERT_EQ(0, mdk_write_str(TYPE2Q "/create", self->uuid[0]));
	ASSERT_EQ(0, mdkcard_open(&self->vf, self->uuid[0], DATA));
	ASSERT_EQ(2, self->vf.nq);
	ASSERT_EQ(0, mdkcard_start(&self->vf, 0));
	ASSERT_EQ(0, mdkcard_start(&self->vf, 1));
}

FIXTURE_TEARDOWN(card)
{
	/* Close before removing: a remove waits for the VF's user. */
	mdkcard_close(&self->vf);
	mdkcard_close(&self->vf2);
	mdk_remove_mdev(self->uuid[0]);
	mdk_remove_mdev(self->uuid[1]);
}

TEST_F(card, sysfs_accounting)
{
	ASSERT_EQ(64, mdk_read_long(SOFT "/portals_total"));
	ASSERT_EQ(62, mdk_read_long(SOFT "/portals_free"));
	ASSERT_EQ(62, mdk_read_long(SOFT "/queues_free"));
	ASSERT_EQ(62, mdk_read_long(SOFT "/vectors_free"));
	/* 2q VFs are 2-aligned: 31 more fit; 8q: 7 (one 8-block is split). */
	ASSERT_EQ(31, mdk_read_long(TYPE2Q "/available_instances"));
	ASSERT_EQ(7, mdk_read_long(SOFT "/mdev_supported_types/mdk_card-8q/available_instances"));
}

static void fill_rand(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = seed >> 16;
	}
}

TEST_F_TIMEOUT(card, every_op_every_size_and_alignment, 300)
{
	static const uint32_t sizes[] = { 1, 63, 4096, 65541, 1 << 20 };
	static const uint32_t aligns[] = { 0, 1, 4095 };
	uint8_t *src = mdkcard_data(&self->vf, 0);
	uint8_t *dst = mdkcard_data(&self->vf, (1 << 20) + 8192);
	struct mdk_card_comp c;
	unsigned int s, a, q = 0;
	uint64_t cookie = 1;

	for (s = 0; s < 5; s++) {
		for (a = 0; a < 3; a++) {
			uint32_t n = sizes[s], al = aligns[a];
			uint8_t *sp = src + al, *dp = dst + (al * 7) % 4096;
			struct mdk_card_desc d = {
				.len = n, .src = mdkcard_iova(&self->vf, sp),
				.dst = mdkcard_iova(&self->vf, dp),
			};
			uint64_t pat = 0x0102030405060708ULL * (s + 1);
			uint32_t k;

			TH_LOG("size %u align %u", n, al);
			fill_rand(sp, n, s * 3 + a);
			memset(dp - 1, 0xee, n + 2);
			/* copy */
			d.opcode = MDK_CARD_OP_COPY;
			d.cookie = cookie++;
			ASSERT_EQ(0, mdkcard_run(&self->vf, q, &d, &c));
			ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
			ASSERT_EQ(d.cookie, c.cookie);
			ASSERT_EQ(n, c.bytes);
			ASSERT_EQ(0, memcmp(sp, dp, n));
			ASSERT_EQ(0xee, dp[-1]);
			ASSERT_EQ(0xee, dp[n]);
			/* compare: equal, then one byte differs */
			d.opcode = MDK_CARD_OP_COMPARE;
			ASSERT_EQ(0, mdkcard_run(&self->vf, q, &d, &c));
			ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
			ASSERT_EQ(0, c.result);
			dp[n / 2] ^= 0x40;
			ASSERT_EQ(0, mdkcard_run(&self->vf, q, &d, &c));
			ASSERT_EQ(1, c.result);
			/* crc32c */
			d.opcode = MDK_CARD_OP_CRC32C;
			ASSERT_EQ(0, mdkcard_run(&self->vf, q, &d, &c));
			ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
			ASSERT_EQ(mdkcard_crc32c(sp, n), c.result);
			/* fill */
			d.opcode = MDK_CARD_OP_FILL;
			d.pattern = pat;
			ASSERT_EQ(0, mdkcard_run(&self->vf, q, &d, &c));
			ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
			for (k = 0; k < n; k++)
				if (dp[k] != (uint8_t)(pat >> (8 * (k % 8))))
					break;
			ASSERT_EQ(n, k);
			ASSERT_EQ(0xee, dp[n]);
			q ^= 1;		/* both queues */
		}
	}
	/* The CRC32C check value. */
	memcpy(src, "123456789", 9);
	{
		struct mdk_card_desc d = {
			.opcode = MDK_CARD_OP_CRC32C, .len = 9,
			.src = mdkcard_iova(&self->vf, src),
		};

		ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
		ASSERT_EQ(0xe3069283, c.result);
	}
}

TEST_F(card, completion_interrupt)
{
	uint8_t *src = mdkcard_data(&self->vf, 0);
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_FILL, .flags = MDK_CARD_F_IRQ, .len = 64,
		.dst = mdkcard_iova(&self->vf, src), .pattern = 7,
	};
	struct mdk_card_comp c;
	struct pollfd p = { .fd = self->vf.q[1].efd, .events = POLLIN };
	uint64_t n;

	ASSERT_EQ(0, mdkcard_run(&self->vf, 1, &d, &c));
	ASSERT_EQ(1, poll(&p, 1, 2000));
	ASSERT_EQ(8, read(p.fd, &n, 8));
	/* Without the flag: no interrupt. */
	d.flags = 0;
	ASSERT_EQ(0, mdkcard_run(&self->vf, 1, &d, &c));
	ASSERT_EQ(0, poll(&p, 1, 200));
}

TEST_F(card, hostile_descriptors_complete_with_errors)
{
	uint8_t *buf = mdkcard_data(&self->vf, 0);
	uint64_t mapped_end = MDKCARD_IOVA + self->vf.mem_size;
	static const struct {
		uint32_t opcode, len;
		int src_off;		/* 0: inside; 1: unmapped; 2: runs off */
		uint32_t status;
	} cases[] = {
		{ 0, 64, 0, MDK_CARD_ST_BAD_OPCODE },
		{ 99, 64, 0, MDK_CARD_ST_BAD_OPCODE },
		{ MDK_CARD_OP_COPY, 0, 0, MDK_CARD_ST_BAD_LENGTH },
		{ MDK_CARD_OP_COPY, MDK_CARD_MAX_LEN + 1, 0, MDK_CARD_ST_BAD_LENGTH },
		{ MDK_CARD_OP_COPY, 64, 1, MDK_CARD_ST_BAD_ADDRESS },
		{ MDK_CARD_OP_COPY, 8192, 2, MDK_CARD_ST_BAD_ADDRESS },
		{ MDK_CARD_OP_CRC32C, 64, 1, MDK_CARD_ST_BAD_ADDRESS },
		{ MDK_CARD_OP_FILL, 64, 1, MDK_CARD_ST_BAD_ADDRESS },
	};
	struct mdk_card_comp c;
	unsigned int i;

	memset(buf, 0x5a, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mdk_card_desc d = {
			.opcode = cases[i].opcode, .len = cases[i].len,
			.cookie = 100 + i,
			.src = cases[i].src_off == 1 ? 0x7000000000ULL :
			       cases[i].src_off == 2 ? mapped_end - 4096 :
			       mdkcard_iova(&self->vf, buf),
			.dst = cases[i].opcode == MDK_CARD_OP_FILL &&
			       cases[i].src_off == 1 ? 0x7000000000ULL :
			       mdkcard_iova(&self->vf, buf + 4096),
		};

		TH_LOG("case %u", i);
		ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
		ASSERT_EQ(cases[i].status, c.status);
		ASSERT_EQ(100 + i, c.cookie);
		/* Nothing was written, and the queue keeps working. */
		ASSERT_EQ(0, buf[4096]);
		d = (struct mdk_card_desc){
			.opcode = MDK_CARD_OP_COPY, .len = 16,
			.src = mdkcard_iova(&self->vf, buf),
			.dst = mdkcard_iova(&self->vf, buf + 8192),
		};
		ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
		ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
		ASSERT_EQ(0x5a, buf[8192 + 15]);
		buf[8192 + 15] = 0;
	}
}

TEST_F(card, tail_beyond_the_ring_and_reset)
{
	volatile uint32_t *tail = (volatile uint32_t *)(self->vf.portals +
							MDK_CARD_PORTAL_TAIL);
	uint8_t *buf = mdkcard_data(&self->vf, 0);
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_FILL, .len = 8, .pattern = 1,
		.dst = mdkcard_iova(&self->vf, buf),
	};
	struct mdk_card_comp c;
	uint32_t err = 0;
	int i;

	*tail = MDKCARD_RING + 5;
	/* The engine polls: up to 1 ms idle, more on a loaded (TCG) VM. */
	for (i = 0; i < 200; i++) {
		err = mdkcard_reg(&self->vf, MDK_CARD_Q(0) + MDK_CARD_Q_ERROR);
		if (err == MDK_CARD_QERR_TAIL)
			break;
		usleep(10000);
	}
	ASSERT_EQ(MDK_CARD_QERR_TAIL, err);
	*tail = 0;
	ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
	/* Enabling with a bad configuration is refused with an error. */
	ASSERT_EQ(0, mdkcard_wreg(&self->vf, MDK_CARD_RESET, 1));
	ASSERT_EQ(0, mdkcard_reg(&self->vf, MDK_CARD_Q(0) + MDK_CARD_Q_ENABLE));
	ASSERT_EQ(0, mdkcard_wreg(&self->vf, MDK_CARD_Q(0) + MDK_CARD_Q_SIZE, 3));
	ASSERT_EQ(0, mdkcard_wreg(&self->vf, MDK_CARD_Q(0) + MDK_CARD_Q_ENABLE, 1));
	ASSERT_EQ(0, mdkcard_reg(&self->vf, MDK_CARD_Q(0) + MDK_CARD_Q_ENABLE));
	ASSERT_EQ(MDK_CARD_QERR_CONFIG, mdkcard_reg(&self->vf, MDK_CARD_Q(0) + MDK_CARD_Q_ERROR));
	/* After the reset the driver starts again, and it works. */
	ASSERT_EQ(0, mdkcard_start(&self->vf, 0));
	ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
}

TEST_F(card, two_vfs_do_not_share_portals)
{
	struct mdkcard_vf *b = &self->vf2;
	uint8_t *buf = mdkcard_data(&self->vf, 0);
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_FILL, .len = 8, .pattern = 3,
		.dst = mdkcard_iova(&self->vf, buf),
	};
	struct mdk_card_comp c;

	ASSERT_EQ(0, mdk_write_str(TYPE2Q "/create", self->uuid[1]));
	ASSERT_EQ(0, mdkcard_open(b, self->uuid[1], 4096));
	ASSERT_EQ(0, mdkcard_start(b, 0));
	ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
	ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
	/* A's HEAD moved to 2; B's portal is its own, still 0. */
	ASSERT_EQ(2, *(volatile uint32_t *)(self->vf.portals + MDK_CARD_PORTAL_HEAD));
	ASSERT_EQ(0, *(volatile uint32_t *)(b->portals + MDK_CARD_PORTAL_HEAD));
	/* B's DMA space is B's: A's buffer address is not mapped there... */
	d.dst = MDKCARD_IOVA + b->mem_size + 4096;
	ASSERT_EQ(0, mdkcard_run(b, 0, &d, &c));
	ASSERT_EQ(MDK_CARD_ST_BAD_ADDRESS, c.status);
	mdkcard_close(b);
}

#define PORTAL_IOVA	(MDKCARD_IOVA + 0x40000000ULL)

/* Opens VF B (uuid[1]) with queue 0 and maps A's portals into its IOVAs. */
static void open_b_with_a_portals(struct __test_metadata *_metadata,
				  struct __fixture_type_card *self)
{
	struct mdkcard_vf *b = &self->vf2;

	ASSERT_EQ(0, mdk_write_str(TYPE2Q "/create", self->uuid[1]));
	ASSERT_EQ(0, mdkcard_open(b, self->uuid[1], 4096));
	ASSERT_EQ(0, mdkcard_start(b, 0));
	/* An emulated IOMMU pins nothing at map time: this is accepted. */
	ASSERT_EQ(0, mdkvfio_map_dma(&b->v, (void *)self->vf.portals,
				     PORTAL_IOVA,
				     self->vf.nq * MDK_CARD_PORTAL_SIZE));
}

/* B's engine may neither read nor write what is mapped at PORTAL_IOVA. */
static void b_cannot_touch_portal_iova(struct __test_metadata *_metadata,
				       struct mdkcard_vf *b)
{
	uint8_t *dst = mdkcard_data(b, 0);
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .len = 8, .src = PORTAL_IOVA,
		.dst = mdkcard_iova(b, dst),
	};
	struct mdk_card_comp c;

	memset(dst, 0xee, 16);
	ASSERT_EQ(0, mdkcard_run(b, 0, &d, &c));
	if (c.status == MDK_CARD_ST_SUCCESS)
		TH_LOG("B's engine pinned and read another VF's portal page");
	ASSERT_EQ(MDK_CARD_ST_BAD_ADDRESS, c.status);
	ASSERT_EQ(0xee, dst[0]);
	d = (struct mdk_card_desc){
		.opcode = MDK_CARD_OP_FILL, .len = 4, .pattern = 0x77,
		.dst = PORTAL_IOVA + MDK_CARD_PORTAL_HEAD,
	};
	ASSERT_EQ(0, mdkcard_run(b, 0, &d, &c));
	ASSERT_EQ(MDK_CARD_ST_BAD_ADDRESS, c.status);
}

/*
 * Portal pages are vfio_mdev passthrough memory, mapped VM_PFNMAP: a user
 * may map VF A's portal mmap as DMA memory of VF B, but B's engine cannot
 * pin it (vfio_iommu_type1 refuses a PFN-mapped page of ordinary memory).
 */
TEST_F(card, another_vfs_portal_is_not_dma_memory)
{
	volatile uint32_t *a_head = (volatile uint32_t *)(self->vf.portals +
							  MDK_CARD_PORTAL_HEAD);
	uint8_t *buf = mdkcard_data(&self->vf, 0);
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_FILL, .len = 8, .pattern = 3,
		.dst = mdkcard_iova(&self->vf, buf),
	};
	struct mdk_card_comp c;

	open_b_with_a_portals(_metadata, self);
	b_cannot_touch_portal_iova(_metadata, &self->vf2);
	/* A's queue is untouched and works. */
	ASSERT_EQ(0, *a_head);
	ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
	ASSERT_EQ(1, *a_head);
	ASSERT_EQ(0, mdkvfio_unmap_dma(&self->vf2.v, PORTAL_IOVA,
				       self->vf.nq * MDK_CARD_PORTAL_SIZE));
}

/*
 * The whole attack: B's container keeps A's portal mapped while A is
 * unmapped, closed and removed and C is created (mdev_core may give C the
 * same portal pages): B's descriptors still cannot touch C's portal.
 */
TEST_F(card, stale_portal_mapping_cannot_reach_the_next_vf)
{
	struct mdkcard_vf *c_vf = &self->vf;
	volatile uint32_t *c_portal;
	uint8_t *buf;
	struct mdk_card_desc d = { .opcode = MDK_CARD_OP_FILL, .len = 8 };
	struct mdk_card_comp c;

	open_b_with_a_portals(_metadata, self);
	b_cannot_touch_portal_iova(_metadata, &self->vf2);
	mdkcard_close(&self->vf);
	ASSERT_EQ(0, mdk_remove_mdev(self->uuid[0]));
	/* C, in A's place (the fixture's VF, so teardown removes it). */
	ASSERT_EQ(0, mdk_write_str(TYPE2Q "/create", self->uuid[0]));
	ASSERT_EQ(0, mdkcard_open(c_vf, self->uuid[0], DATA));
	ASSERT_EQ(0, mdkcard_start(c_vf, 0));
	c_portal = (volatile uint32_t *)c_vf->portals;
	ASSERT_EQ(0, c_portal[MDK_CARD_PORTAL_HEAD / 4]);
	b_cannot_touch_portal_iova(_metadata, &self->vf2);
	ASSERT_EQ(0, c_portal[MDK_CARD_PORTAL_HEAD / 4]);
	ASSERT_EQ(0, c_portal[MDK_CARD_PORTAL_TAIL / 4]);
	/* C works as a fresh VF. */
	buf = mdkcard_data(c_vf, 0);
	d.dst = mdkcard_iova(c_vf, buf);
	ASSERT_EQ(0, mdkcard_run(c_vf, 0, &d, &c));
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
	ASSERT_EQ(1, c_portal[MDK_CARD_PORTAL_HEAD / 4]);
}

/*
 * Last: on the debug kernel, unpinning from dma_unmap trips the known lock
 * order report of vfio_iommu_type1 (docs/testbed.md), after which lockdep
 * is off for the rest of the boot.
 */
TEST_F(card, unmap_drops_cached_pins)
{
	size_t len = 256 * 1024;
	uint64_t iova = MDKCARD_IOVA + 0x40000000ULL;
	uint8_t *mem, *dst = mdkcard_data(&self->vf, 0);
	struct mdk_card_comp c;
	struct mdk_card_desc d = {
		.opcode = MDK_CARD_OP_COPY, .len = 4096, .src = iova,
		.dst = mdkcard_iova(&self->vf, dst),
	};

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0x77, len);
	ASSERT_EQ(0, mdkvfio_map_dma(&self->vf.v, mem, iova, len));
	ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
	ASSERT_EQ(0x77, dst[4095]);
	/* The card keeps that page pinned; the unmap still goes through. */
	ASSERT_EQ(0, mdkvfio_unmap_dma(&self->vf.v, iova, len));
	ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
	ASSERT_EQ(MDK_CARD_ST_BAD_ADDRESS, c.status);
	/* Mapped again, with other contents: the card sees the new pages. */
	memset(mem, 0x33, len);
	ASSERT_EQ(0, mdkvfio_map_dma(&self->vf.v, mem, iova, len));
	ASSERT_EQ(0, mdkcard_run(&self->vf, 0, &d, &c));
	ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
	ASSERT_EQ(0x33, dst[4095]);
	munmap(mem, len);
}

TEST_HARNESS_MAIN
