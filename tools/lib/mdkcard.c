// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmdkcard: a userspace driver for mdk_card VFs (see mdkcard.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/eventfd.h>
#include <sys/mman.h>

#include "mdkcard.h"

uint32_t mdkcard_reg(struct mdkcard_vf *vf, uint32_t off)
{
	uint32_t val = 0;

	mdkvfio_read32(&vf->v, VFIO_PCI_BAR2_REGION_INDEX, off, &val);
	return val;
}

int mdkcard_wreg(struct mdkcard_vf *vf, uint32_t off, uint32_t val)
{
	return mdkvfio_write32(&vf->v, VFIO_PCI_BAR2_REGION_INDEX, off, val);
}

/* A closed VF: mdkcard_close() on it does nothing. */
void mdkcard_init(struct mdkcard_vf *vf)
{
	unsigned int q;

	memset(vf, 0, sizeof(*vf));
	for (q = 0; q < MDK_CARD_MAX_QUEUES; q++)
		vf->q[q].efd = -1;
	vf->v.container = vf->v.group = vf->v.device = -1;
	vf->iova = MDKCARD_IOVA;
}

/* Opens the VF, maps its portals and a DMA area of @data_size + queues. */
int mdkcard_open(struct mdkcard_vf *vf, const char *uuid, size_t data_size)
{
	return mdkcard_open_in(vf, uuid, data_size, NULL);
}

/*
 * The same in @peer's container (NULL: a container of its own), with the
 * DMA area mapped 4 GiB above @peer's.
 */
int mdkcard_open_in(struct mdkcard_vf *vf, const char *uuid, size_t data_size,
		    const struct mdkcard_vf *peer)
{
	int ret, err = 0;

	mdkcard_init(vf);
	ret = mdkvfio_open_in(&vf->v, uuid, peer ? peer->v.container : -1);
	if (ret)
		return ret;
	if (peer)
		vf->iova = peer->iova + (4ULL << 30);
	if (mdkcard_reg(vf, MDK_CARD_ID) != MDK_CARD_ID_VALUE) {
		ret = -ENODEV;
		goto err;
	}
	vf->nq = mdkcard_reg(vf, MDK_CARD_NQUEUES);
	vf->portals = mdkvfio_mmap(&vf->v, VFIO_PCI_BAR0_REGION_INDEX, 0,
				   vf->nq * MDK_CARD_PORTAL_SIZE, &err);
	if (!vf->portals) {
		ret = err;
		goto err;
	}
	vf->mem_size = MDKCARD_DATA + data_size;
	vf->mem = mmap(NULL, vf->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vf->mem == MAP_FAILED) {
		vf->mem = NULL;
		ret = -ENOMEM;
		goto err;
	}
	memset(vf->mem, 0, vf->mem_size);
	ret = mdkvfio_map_dma(&vf->v, vf->mem, vf->iova, vf->mem_size);
	if (ret)
		goto err;
	return 0;
err:
	mdkcard_close(vf);
	return ret;
}

void mdkcard_close(struct mdkcard_vf *vf)
{
	unsigned int q;

	for (q = 0; q < MDK_CARD_MAX_QUEUES; q++)
		if (vf->q[q].efd >= 0)
			close(vf->q[q].efd);
	if (vf->portals)
		munmap((void *)vf->portals, vf->nq * MDK_CARD_PORTAL_SIZE);
	mdkvfio_close(&vf->v);
	if (vf->mem)
		munmap(vf->mem, vf->mem_size);
	mdkcard_init(vf);
}

uint8_t *mdkcard_data(struct mdkcard_vf *vf, size_t off)
{
	return vf->mem + MDKCARD_DATA + off;
}

uint64_t mdkcard_iova(struct mdkcard_vf *vf, const void *p)
{
	return vf->iova + ((const uint8_t *)p - vf->mem);
}

/* Queue @q: its ring and records in the DMA area, vector q, MSI-X on. */
int mdkcard_start(struct mdkcard_vf *vf, unsigned int q)
{
	struct mdkcard_queue *mq = &vf->q[q];
	uint64_t ring = vf->iova + q * MDKCARD_QAREA;
	uint64_t comp = ring + MDKCARD_RING * sizeof(struct mdk_card_desc);
	uint32_t base = MDK_CARD_Q(q);
	int ret;

	if (q >= vf->nq)
		return -EINVAL;
	mq->ring = (void *)(vf->mem + q * MDKCARD_QAREA);
	mq->comp = (void *)(vf->mem + (comp - vf->iova));
	mq->tail = 0;
	if (mq->efd < 0) {
		mq->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (mq->efd < 0)
			return -errno;
		ret = mdkvfio_set_eventfds(&vf->v, VFIO_PCI_MSIX_IRQ_INDEX, q,
					   1, &mq->efd);
		if (ret)
			return ret;
	}
	mdkcard_wreg(vf, base + MDK_CARD_Q_RING_LO, (uint32_t)ring);
	mdkcard_wreg(vf, base + MDK_CARD_Q_RING_HI, ring >> 32);
	mdkcard_wreg(vf, base + MDK_CARD_Q_COMP_LO, (uint32_t)comp);
	mdkcard_wreg(vf, base + MDK_CARD_Q_COMP_HI, comp >> 32);
	mdkcard_wreg(vf, base + MDK_CARD_Q_SIZE, MDKCARD_RING);
	mdkcard_wreg(vf, base + MDK_CARD_Q_VECTOR, q);
	mdkcard_wreg(vf, base + MDK_CARD_Q_ENABLE, 1);
	if (!mdkcard_reg(vf, base + MDK_CARD_Q_ENABLE))
		return -EIO;
	return 0;
}

/* Puts @d in the ring and rings the doorbell; the descriptor's index. */
uint32_t mdkcard_submit(struct mdkcard_vf *vf, unsigned int q,
			const struct mdk_card_desc *d)
{
	struct mdkcard_queue *mq = &vf->q[q];
	uint32_t idx = mq->tail;

	mq->ring[idx] = *d;
	memset((void *)&mq->comp[idx], 0, sizeof(mq->comp[idx]));
	mq->tail = (idx + 1) % MDKCARD_RING;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*(volatile uint32_t *)(vf->portals + q * MDK_CARD_PORTAL_SIZE +
			       MDK_CARD_PORTAL_TAIL) = mq->tail;
	return idx;
}

/* Waits for record @idx of queue @q; 0, or -ETIMEDOUT. */
int mdkcard_wait(struct mdkcard_vf *vf, unsigned int q, uint32_t idx,
		 int timeout_ms, struct mdk_card_comp *c)
{
	struct timespec ts, now;
	bool started = false;

	for (;;) {
		if (vf->q[q].comp[idx].status) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			memcpy(c, (void *)&vf->q[q].comp[idx], sizeof(*c));
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!started) {		/* not done at once: the clock starts */
			ts = now;
			started = true;
		}
		if ((now.tv_sec - ts.tv_sec) * 1000 +
		    (now.tv_nsec - ts.tv_nsec) / 1000000 > timeout_ms)
			return -ETIMEDOUT;
		usleep(20);
	}
}

/* Submits @d on @q and waits for it (10 s at most). */
int mdkcard_run(struct mdkcard_vf *vf, unsigned int q,
		const struct mdk_card_desc *d, struct mdk_card_comp *c)
{
	return mdkcard_wait(vf, q, mdkcard_submit(vf, q, d), 10000, c);
}

/* CRC-32C computed here, to check the card's (standard: init and final ~0). */
uint32_t mdkcard_crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = ~0U;
	int k;

	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
	}
	return ~crc;
}
