/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdk_card internals (docs/card.md): the card (card_main.c), its virtual
 * functions (card_vf.c), the workers that execute their queues
 * (card_engine.c) at the card's engine (an mdev_core shared engine), the
 * pin cache (card_pins.c) and the pure descriptor logic (card_desc.c).
 */
#ifndef _MDK_CARD_PRIV_H
#define _MDK_CARD_PRIV_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <mdevkit/card_regs.h>
#include <mdevkit/mdev_core.h>
#include <mdevkit/engine.h>
#include <mdevkit/vfio_mdev.h>

#include "card_desc.h"

#define MDK_CARD_NR_TYPES	4	/* 1, 2, 4 and 8 queues per VF */
/* Pages a VF keeps pinned at most (64 MiB); the cache is flushed then. */
#define MDK_CARD_MAX_PINS	16384
/*
 * A worker runs at most this many descriptors of a queue at a time (one
 * fetch, one HEAD update, one interrupt), and stops a batch once it has
 * moved this many bytes. The descriptors of a batch fit a page.
 */
#define MDK_CARD_BATCH		32
/* Entries of a VF's pin lookup cache (card_pins.c) */
#define MDK_CARD_TLB		64
#define MDK_CARD_BATCH_BYTES	(64 << 10)

/* Pages a descriptor's buffer may span: 1 MiB, unaligned. */
#define MDK_CARD_MAX_PAGES	((MDK_CARD_MAX_LEN >> PAGE_SHIFT) + 1)

struct mdk_card;

/**
 * struct mdk_card_queue - one queue of a VF
 * @ring: ring IOVA
 * @comp: completion records' IOVA
 * @size: ring entries
 * @vector: MSI-X vector, or MDK_CARD_NO_VECTOR
 * @enabled: the engine serves it
 * @head: next descriptor to execute
 * @error: MDK_CARD_QERR_*
 * @done: descriptors completed
 */
struct mdk_card_queue {
	u64 ring;
	u64 comp;
	u32 size;
	u32 vector;
	bool enabled;
	u32 head;
	u32 error;
	u32 done;
};

/**
 * struct mdk_card_vf - one virtual function (an mdev)
 * @card: its card
 * @vdev: its VFIO device
 * @node: in the card's list of VFs
 * @nq: queues
 * @ranges: BAR0 (the portal pages), BAR2 (control) layouts
 * @portal: kernel address of the first portal page (soft card), or NULL
 * @portal_io: its MMIO mapping (PCI card), or NULL
 * @exec: held by the VF's worker while it executes the VF's queues, and by
 *	anything that changes the queues' configuration
 * @frozen: the worker runs no descriptor (migration: the VF left RUNNING);
 *	written under @exec
 * @q: the queues (under @exec)
 * @next_q: the queue the worker serves next (under @exec)
 * @worker: the VF's worker thread (card_engine.c)
 * @wake: the worker sleeps here while no queue of the VF is enabled
 * @nr_enabled: enabled queues of the VF
 * @grant: the worker waits here for the card's engine
 * @eu: the VF's place at the card's engine
 * @inflight: the engine is using this VF's pinned pages (card_pins.c)
 * @unmapping: the user is unmapping memory (card_pins.c)
 * @dropping: pins are being dropped (card_pins.c)
 * @idle: woken when @inflight, @unmapping or @dropping drops to 0
 * @pins: the pin cache: IOVA page number to its pinned page
 * @nr_pins: pages in @pins
 * @src_pages: the worker's scratch for pinned source pages
 * @dst_pages: and destination pages
 * @tlb: the worker's last lookups in @pins, by page number modulo
 *	%MDK_CARD_TLB (card_pins.c)
 * @batch: the descriptors of the batch the worker runs (under @exec)
 * @comps: and their completion records (under @exec)
 */
struct mdk_card_vf {
	struct mdk_card *card;
	struct mdk_vdev *vdev;
	struct list_head node;
	unsigned int nq;
	struct mdk_vdev_range ranges[2];
	void *portal;
	void __iomem *portal_io;
	struct mutex exec;	/* see above */
	bool frozen;
	struct mdk_card_queue q[MDK_CARD_MAX_QUEUES];
	unsigned int next_q;
	struct task_struct *worker;
	wait_queue_head_t wake;
	atomic_t nr_enabled;
	wait_queue_head_t grant;
	struct mdk_engine_user eu;
	atomic_t inflight;
	atomic_t unmapping;
	atomic_t dropping;
	wait_queue_head_t idle;
	struct xarray pins;
	atomic_long_t nr_pins;
	struct page *src_pages[MDK_CARD_MAX_PAGES];
	struct page *dst_pages[MDK_CARD_MAX_PAGES];
	struct {
		unsigned long pfn;
		struct page *page;
	} tlb[MDK_CARD_TLB];
	struct mdk_card_desc batch[MDK_CARD_BATCH];
	struct mdk_card_comp comps[MDK_CARD_BATCH];
};

/**
 * struct mdk_card - one card: a PCI device's BAR2, or host memory
 * @dev: the parent device
 * @parent: its mdev parent
 * @types: the VF profiles
 * @typeps: pointers to them
 * @demands: what one VF of each profile takes
 * @pools: portal pages, queues and vectors
 * @portal_phys: physical address of the portal space (PCI card), or 0
 * @portal_io: its kernel mapping (PCI card)
 * @portal_mem: the portal space (soft card), vmalloc()ed
 * @lock: guards @vfs and @used; never held across a VF's DMA
 * @vfs: the VFs
 * @used: units handed out, per pool
 * @engine: the card's engine, which the VFs' workers take turns at
 */
struct mdk_card {
	struct device *dev;
	struct mdev_parent parent;
	struct mdev_type types[MDK_CARD_NR_TYPES];
	struct mdev_type *typeps[MDK_CARD_NR_TYPES];
	struct mdk_res_demand demands[MDK_CARD_NR_TYPES];
	struct mdk_res_pools pools;
	phys_addr_t portal_phys;
	void __iomem *portal_io;
	void *portal_mem;
	struct mutex lock;	/* see above */
	struct list_head vfs;
	u32 used[MDK_RES_NR];
	struct mdk_engine engine;
};

/* card_main.c */
extern struct mdev_driver mdk_card_driver;

/* card_vf.c */
int mdk_card_vf_probe(struct mdev_device *mdev);
void mdk_card_vf_remove(struct mdev_device *mdev);

/* card_engine.c */
int mdk_card_worker_start(struct mdk_card_vf *vf, const char *name);
void mdk_card_worker_stop(struct mdk_card_vf *vf);
void mdk_card_granted(struct mdk_engine_user *u);
u32 mdk_card_portal_read(struct mdk_card_vf *vf, unsigned int q,
			 unsigned int reg);
void mdk_card_portal_write(struct mdk_card_vf *vf, unsigned int q,
			   unsigned int reg, u32 val);

/* card_mig.c */
extern const struct mdk_vdev_mig_ops mdk_card_mig_ops;

/* card_pins.c */
int mdk_card_pins_get(struct mdk_card_vf *vf, u64 iova, u32 len,
		      struct page **pages);
void mdk_card_pins_init(struct mdk_card_vf *vf);
void mdk_card_pins_flush(struct mdk_card_vf *vf);
void mdk_card_pins_unmap(struct mdk_card_vf *vf, u64 iova, u64 len);
void mdk_card_pins_enter(struct mdk_card_vf *vf);
void mdk_card_pins_leave(struct mdk_card_vf *vf);

#endif /* _MDK_CARD_PRIV_H */
