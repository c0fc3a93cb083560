/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmdkcard: a userspace driver for mdk_card VFs (parents/card/,
 * docs/card.md) over libmdkvfio. It maps the VF's portal pages, maps a
 * DMA area of the process's memory at MDKCARD_IOVA, starts queues with
 * their rings and completion records in that area, submits descriptors by
 * writing TAIL into the portal (no system call) and waits for completions.
 * Functions return 0 or -errno.
 */
#ifndef MDKCARD_H
#define MDKCARD_H

#include <stddef.h>
#include <stdint.h>
#include <mdevkit/card_regs.h>

#include "mdkvfio.h"

#define MDKCARD_IOVA		0x10000000ULL
#define MDKCARD_RING		256	/* entries per queue */
#define MDKCARD_QAREA		(32 * 1024)	/* ring + completions */
/* Data buffers start after the queues' areas. */
#define MDKCARD_DATA		(MDK_CARD_MAX_QUEUES * MDKCARD_QAREA)

struct mdkcard_queue {
	struct mdk_card_desc *ring;
	volatile struct mdk_card_comp *comp;
	uint32_t tail;
	int efd;		/* the queue's MSI-X vector's eventfd */
};

struct mdkcard_vf {
	struct mdkvfio v;
	unsigned int nq;
	volatile uint8_t *portals;
	uint8_t *mem;		/* the DMA area, at @iova */
	uint64_t iova;		/* MDKCARD_IOVA, or above a peer's */
	size_t mem_size;
	struct mdkcard_queue q[MDK_CARD_MAX_QUEUES];
};

void mdkcard_init(struct mdkcard_vf *vf);
int mdkcard_open(struct mdkcard_vf *vf, const char *uuid, size_t data_size);
int mdkcard_open_in(struct mdkcard_vf *vf, const char *uuid, size_t data_size,
		    const struct mdkcard_vf *peer);
void mdkcard_close(struct mdkcard_vf *vf);
int mdkcard_start(struct mdkcard_vf *vf, unsigned int q);
uint32_t mdkcard_reg(struct mdkcard_vf *vf, uint32_t off);
int mdkcard_wreg(struct mdkcard_vf *vf, uint32_t off, uint32_t val);
uint8_t *mdkcard_data(struct mdkcard_vf *vf, size_t off);
uint64_t mdkcard_iova(struct mdkcard_vf *vf, const void *p);
uint32_t mdkcard_submit(struct mdkcard_vf *vf, unsigned int q,
			const struct mdk_card_desc *d);
int mdkcard_wait(struct mdkcard_vf *vf, unsigned int q, uint32_t idx,
		 int timeout_ms, struct mdk_card_comp *c);
int mdkcard_run(struct mdkcard_vf *vf, unsigned int q,
		const struct mdk_card_desc *d, struct mdk_card_comp *c);
uint32_t mdkcard_crc32c(const uint8_t *p, size_t n);

#endif /* MDKCARD_H */
