// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_dma - DMA through the user's IOMMU mappings: the mdk_vfiotest
 * parent reads and writes memory the user mapped with VFIO_IOMMU_MAP_DMA
 * (mdk_vdev_dma_rw()), pins it (mdk_vdev_pin()), and is told to drop its
 * pins when the user unmaps them (dma_unmap), all through the real type1
 * IOMMU driver.
 *
 * On the debug kernel the unmap-while-pinned test trips a lock-order bug of
 * vfio_iommu_type1 itself (docs/testbed.md, "Known kernel bugs"), after
 * which lockdep is off; so this suite is apart from the others, and that
 * test runs last.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"
#include "mdk_vfiotest.h"

#define IOVA	0x100000ULL
#define DMA_LEN	(64 * 1024)

TEST_F(vt, dma_read_write_and_unmapped)
{
	uint8_t *mem, buf[256], back[256];
	unsigned int i;

	mem = mmap(NULL, DMA_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	for (i = 0; i < DMA_LEN; i++)
		mem[i] = i * 13;
	ASSERT_EQ(0, mdkvfio_map_dma(&self->v, mem, IOVA, DMA_LEN));
	/* The parent reads user memory into its buffer... */
	ASSERT_EQ(0, vt_cmd(&self->v, IOVA + 0x800, 256, VT_CMD_DMA_READ));
	ASSERT_EQ(256, mdkvfio_pread(&self->v, 2, back, 256, VT_DMA_BUF));
	ASSERT_EQ(0, memcmp(mem + 0x800, back, 256));
	/* ...and writes its buffer to user memory, across a page boundary. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 0xa0 ^ i;
	ASSERT_EQ(256, mdkvfio_pwrite(&self->v, 2, buf, 256, VT_DMA_BUF));
	ASSERT_EQ(0, vt_cmd(&self->v, IOVA + 0x2f80, 256, VT_CMD_DMA_WRITE));
	ASSERT_EQ(0, memcmp(mem + 0x2f80, buf, 256));
	ASSERT_EQ((uint8_t)(0x2f7f * 13), mem[0x2f7f]);
	ASSERT_EQ((uint8_t)(0x3080 * 13), mem[0x3080]);
	/* Outside the mapping, or running off its end: an error, no write. */
	ASSERT_GT(0, vt_cmd(&self->v, IOVA + DMA_LEN, 16, VT_CMD_DMA_WRITE));
	ASSERT_GT(0, vt_cmd(&self->v, 0, 16, VT_CMD_DMA_READ));
	ASSERT_GT(0, vt_cmd(&self->v, IOVA + DMA_LEN - 8, 16, VT_CMD_DMA_READ));
	ASSERT_EQ(0, mdkvfio_unmap_dma(&self->v, IOVA, DMA_LEN));
	ASSERT_GT(0, vt_cmd(&self->v, IOVA, 16, VT_CMD_DMA_READ));
	munmap(mem, DMA_LEN);
}

/*
 * The passthrough pages are the parent's, mapped VM_PFNMAP: a user may map
 * them for DMA and the parent's vfio_dma_rw() copies reach them through
 * that mapping, but they cannot be pinned (type1 refuses a PFN-mapped page
 * that is ordinary memory), so no pin outlives the mdev that owns them.
 */
TEST_F(vt, passthrough_pages_dma_rw_but_no_pin)
{
	uint8_t *pt, buf[64];
	int err;

	pt = vt_mmap(self, 0, 0x1000, 0x2000);
	ASSERT_NE(NULL, pt);
	memset(pt, 0x6b, 0x2000);
	ASSERT_EQ(0, mdkvfio_map_dma(&self->v, pt, IOVA, 0x2000));
	ASSERT_EQ(0, vt_cmd(&self->v, IOVA + 0x1000, 64, VT_CMD_DMA_READ));
	ASSERT_EQ(64, mdkvfio_pread(&self->v, 2, buf, 64, VT_DMA_BUF));
	ASSERT_EQ(0x6b, buf[0]);
	ASSERT_EQ(0x6b, buf[63]);
	memset(buf, 0x2e, sizeof(buf));
	ASSERT_EQ(64, mdkvfio_pwrite(&self->v, 2, buf, 64, VT_DMA_BUF));
	ASSERT_EQ(0, vt_cmd(&self->v, IOVA + 0x40, 64, VT_CMD_DMA_WRITE));
	ASSERT_EQ(0x2e, pt[0x40]);
	ASSERT_EQ(0x6b, pt[0x80]);
	/* A pin is refused and nothing stays pinned. */
	err = vt_cmd(&self->v, IOVA, 1, VT_CMD_PIN);
	if (!err)
		TH_LOG("the parent pinned a passthrough page of its own BAR");
	ASSERT_EQ(-EFAULT, err);
	ASSERT_EQ(0, vt_reg(&self->v, VT_NR_PINNED));
	ASSERT_EQ(0, mdkvfio_unmap_dma(&self->v, IOVA, 0x2000));
}

TEST_F(vt, unmap_while_pinned_drops_the_pins)
{
	uint8_t *mem;

	mem = mmap(NULL, DMA_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 1, DMA_LEN);
	ASSERT_EQ(0, mdkvfio_map_dma(&self->v, mem, IOVA, DMA_LEN));
	ASSERT_EQ(0, vt_cmd(&self->v, IOVA + 0x4000, 4, VT_CMD_PIN));
	ASSERT_EQ(4, vt_reg(&self->v, VT_NR_PINNED));
	/* Pinning beyond the mapping fails and pins nothing. */
	ASSERT_GT(0, vt_cmd(&self->v, IOVA + DMA_LEN - 0x1000, 2, VT_CMD_PIN));
	ASSERT_EQ(0, vt_reg(&self->v, VT_NR_PINNED));
	ASSERT_EQ(0, vt_cmd(&self->v, IOVA + 0x4000, 4, VT_CMD_PIN));
	/* Unmapping the pinned range: the parent is told and unpins. */
	ASSERT_EQ(0, mdkvfio_unmap_dma(&self->v, IOVA, DMA_LEN));
	ASSERT_EQ(1, vt_reg(&self->v, VT_UNMAPS));
	ASSERT_EQ(0, vt_reg(&self->v, VT_NR_PINNED));
	/* Pinning with nothing mapped fails. */
	ASSERT_GT(0, vt_cmd(&self->v, IOVA, 1, VT_CMD_PIN));
	/* Pins still held at close are dropped by the parent's close. */
	ASSERT_EQ(0, mdkvfio_map_dma(&self->v, mem, IOVA, DMA_LEN));
	ASSERT_EQ(0, vt_cmd(&self->v, IOVA, 2, VT_CMD_PIN));
	munmap(mem, DMA_LEN);
}

TEST_HARNESS_MAIN
