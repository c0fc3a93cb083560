/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmdkvnet: a userspace virtio-net driver (virtio 1.2, modern PCI
 * transport, split virtqueues) over libmdkvfio, the way DPDK's virtio PMD
 * drives a VFIO device. It finds the common, notify, ISR and device
 * configuration structures by walking the PCI capability list, negotiates
 * features, sets up queue pairs (and the control queue with MQ) whose rings
 * and buffers live in one area of the process's memory mapped for DMA at
 * MDKVNET_IOVA, gives every queue an MSI-X vector with an eventfd (vector 0
 * the configuration, 1 + q queue q), transmits and receives frames, and
 * sends control commands. The raw accessors let a test write anything into
 * the rings and registers. Functions return 0 (or a count) or -errno.
 */
#ifndef MDKVNET_H
#define MDKVNET_H

#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "mdkvfio.h"

#define MDKVNET_IOVA		0x20000000ULL
#define MDKVNET_MAX_PAIRS	4
#define MDKVNET_MAX_VQS		(2 * MDKVNET_MAX_PAIRS + 1)
#define MDKVNET_QSIZE		256	/* largest queue this driver sets up */
#define MDKVNET_BUF		2048	/* bytes of one buffer slot */
#define MDKVNET_RINGS		0x3000	/* desc, avail, used: a page each */
/* A queue's area: its rings, then one buffer slot per descriptor. */
#define MDKVNET_QAREA		(MDKVNET_RINGS + MDKVNET_QSIZE * MDKVNET_BUF)
/* Free for the caller after the queues' areas (mdkvnet_scratch()). */
#define MDKVNET_SCRATCH		(1 << 20)
#define MDKVNET_HDR		sizeof(struct virtio_net_hdr_v1)

/* A structure a virtio capability points at. */
struct mdkvnet_cap {
	uint8_t bar;		/* 0xff: not found */
	uint8_t cap;		/* its offset in config space */
	uint32_t off;
	uint32_t len;
};

struct mdkvnet_vq {
	uint16_t size;		/* 0: not set up */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint8_t *bufs;		/* MDKVNET_BUF bytes per descriptor */
	uint16_t avail_idx;	/* the driver's next avail index */
	uint16_t last_used;	/* used entries consumed */
	uint16_t nfree;		/* descriptors in @free */
	uint16_t free[MDKVNET_QSIZE];
	uint32_t buflen;	/* receive: the length posted */
	uint64_t notify;	/* notify register's offset in its BAR */
	int efd;		/* eventfd of its vector, 1 + q */
};

struct mdkvnet {
	struct mdkvfio v;
	struct mdkvnet_cap common, notify, isr, device;
	uint32_t notify_mul;
	uint16_t num_queues;	/* the device's */
	uint16_t nvec;		/* its MSI-X vectors */
	uint64_t offered;	/* device features */
	uint64_t features;	/* negotiated */
	unsigned int pairs;	/* queue pairs set up */
	unsigned int nvqs;	/* virtqueues set up, the control one too */
	int cfg_efd;		/* vector 0 */
	uint8_t *mem;		/* the DMA area, at MDKVNET_IOVA */
	size_t mem_size;
	struct mdkvnet_vq vq[MDKVNET_MAX_VQS];
};

void mdkvnet_init(struct mdkvnet *n);
int mdkvnet_open(struct mdkvnet *n, const char *uuid);
void mdkvnet_close(struct mdkvnet *n);

/* Registers: the common configuration, device status, ISR, notify. */
uint64_t mdkvnet_rd(struct mdkvnet *n, unsigned int off, unsigned int len);
int mdkvnet_wr(struct mdkvnet *n, unsigned int off, unsigned int len,
	       uint64_t val);
uint8_t mdkvnet_status(struct mdkvnet *n);
int mdkvnet_set_status(struct mdkvnet *n, uint8_t status);
uint8_t mdkvnet_isr(struct mdkvnet *n);
int mdkvnet_kick(struct mdkvnet *n, unsigned int q);
int mdkvnet_kick_raw(struct mdkvnet *n, uint64_t bar_off, uint16_t val);
int mdkvnet_config(struct mdkvnet *n, struct virtio_net_config *c);

/* Bring-up, step by step or all at once. */
int mdkvnet_reset(struct mdkvnet *n);
uint64_t mdkvnet_device_features(struct mdkvnet *n);
int mdkvnet_negotiate(struct mdkvnet *n, uint64_t want);
int mdkvnet_negotiate_exact(struct mdkvnet *n, uint64_t features);
int mdkvnet_irqs(struct mdkvnet *n);
int mdkvnet_setup_vq(struct mdkvnet *n, unsigned int q, uint16_t size);
int mdkvnet_setup(struct mdkvnet *n, unsigned int pairs, uint16_t size);
int mdkvnet_driver_ok(struct mdkvnet *n);
int mdkvnet_start(struct mdkvnet *n, uint64_t want, unsigned int pairs);

/* Traffic. */
int mdkvnet_post_rx(struct mdkvnet *n, unsigned int pair, unsigned int count,
		    uint32_t buflen);
int mdkvnet_tx(struct mdkvnet *n, unsigned int pair, const void *frame,
	       size_t len);
int mdkvnet_tx_done(struct mdkvnet *n, unsigned int pair, int timeout_ms);
ssize_t mdkvnet_rx(struct mdkvnet *n, unsigned int pair, void *frame,
		   size_t len, int timeout_ms, unsigned int *nbufs);
int mdkvnet_ctrl(struct mdkvnet *n, uint8_t class, uint8_t cmd,
		 const void *data, size_t len);
int mdkvnet_wait_efd(int efd, int timeout_ms);

/* Raw access for hostile tests: no checks, nothing kept in step. */
uint64_t mdkvnet_iova(struct mdkvnet *n, const void *p);
uint8_t *mdkvnet_scratch(struct mdkvnet *n);
void mdkvnet_raw_desc(struct mdkvnet *n, unsigned int q, uint16_t i,
		      uint64_t addr, uint32_t len, uint16_t flags,
		      uint16_t next);
void mdkvnet_raw_avail(struct mdkvnet *n, unsigned int q, uint16_t slot,
		       uint16_t head);
void mdkvnet_raw_avail_idx(struct mdkvnet *n, unsigned int q, uint16_t idx);
uint16_t mdkvnet_used_idx(struct mdkvnet *n, unsigned int q);

static inline unsigned int mdkvnet_rxq(unsigned int pair)
{
	return 2 * pair;
}

static inline unsigned int mdkvnet_txq(unsigned int pair)
{
	return 2 * pair + 1;
}

#endif /* MDKVNET_H */
