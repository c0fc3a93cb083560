/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_mdev internals: the device object and the glue between its files
 * (vdev_main.c: lifecycle; vdev_ioctl.c: info ioctls; vdev_rdwr.c: region
 * access and mmap; vdev_intrs.c: interrupts; vdev_dma.c: DMA).
 */
#ifndef _VFIO_MDEV_PRIV_H
#define _VFIO_MDEV_PRIV_H

#include <linux/eventfd.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/vfio.h>
#include <mdevkit/vfio_mdev.h>

#include "vbar.h"
#include "vcfg.h"
#include "vmig.h"
#include "vmsix.h"

/* Region offsets: index << 40, as vfio-pci encodes them. */
#define MDK_VDEV_OFFSET_SHIFT	40
#define MDK_VDEV_OFFSET_MASK	((1ULL << MDK_VDEV_OFFSET_SHIFT) - 1)
#define MDK_VDEV_INDEX(off)	((off) >> MDK_VDEV_OFFSET_SHIFT)
#define MDK_VDEV_OFFSET(index)	((u64)(index) << MDK_VDEV_OFFSET_SHIFT)

/* Ranges per BAR a parent may declare. */
#define MDK_VDEV_MAX_RANGES	64

/**
 * struct mdk_vdev_bar_state - one BAR as vfio_mdev serves it
 * @layout: the pure layout (offsets, sizes, kinds) for vbar.c
 * @ranges: the parent's ranges (backing of passthrough ranges)
 * @vranges: storage of @layout.ranges
 * @decode: the command register bit that enables it (memory or I/O)
 * @hint: the range the last access went to (under the device's lock)
 */
struct mdk_vdev_bar_state {
	struct mdk_vbar_layout layout;
	const struct mdk_vdev_range *ranges;
	struct mdk_vbar_range *vranges;
	u16 decode;
	unsigned int hint;
};

/**
 * struct mdk_vdev_irqs - interrupt state
 * @type: the VFIO index delivering the device's vectors (INTx, MSI or
 *	MSI-X), or -1 when none is enabled
 * @intx_trigger: INTx eventfd
 * @intx_masked: INTx is masked (by the user, or automatically on delivery)
 * @intx_pending: INTx was raised while masked or disabled
 * @intx_disabled: the command register's INTx Disable, as last written
 * @intx_asserted: the emulated INTx line is asserted: raised, and not yet
 *	unmasked since (PCI_STATUS_INTERRUPT)
 * @intx_unmask: the virqfd unmasking INTx, if the user gave one
 * @msi_trigger: MSI eventfds (info.msi_vectors entries)
 * @msi_masked: per-vector mask set with VFIO_IRQ_SET_ACTION_MASK
 * @msi_pending: raised while masked
 * @msix_trigger: MSI-X eventfds (info.msix_vectors entries)
 * @msix: the MSI-X table and PBA state
 * @msix_table: storage of the table
 * @msix_pending: storage of the PBA
 * @msix_fire: scratch: vectors released by a control write
 * @err_trigger: ERR eventfd
 * @req_trigger: REQ eventfd
 */
struct mdk_vdev_irqs {
	int type;
	struct eventfd_ctx *intx_trigger;
	bool intx_masked;
	bool intx_pending;
	bool intx_disabled;
	bool intx_asserted;
	struct virqfd *intx_unmask;
	struct eventfd_ctx **msi_trigger;
	unsigned long msi_masked;
	unsigned long msi_pending;
	struct eventfd_ctx **msix_trigger;
	struct mdk_vmsix msix;
	u8 *msix_table;
	unsigned long *msix_pending;
	unsigned long *msix_fire;
	struct eventfd_ctx *err_trigger;
	struct eventfd_ctx *req_trigger;
};

struct mdk_vdev_mig_file;

/**
 * struct mdk_vdev_mig - migration state (vdev_mig.c), under the device's
 * lock
 * @state: the VFIO migration state (RUNNING unless the parent migrates)
 * @saving: the data fd of STOP_COPY, with a reference, or NULL
 * @resuming: the data fd of RESUMING, with a reference, or NULL
 * @desc: what this device's streams say they were saved from (constant)
 */
struct mdk_vdev_mig {
	enum vfio_device_mig_state state;
	struct mdk_vdev_mig_file *saving;
	struct mdk_vdev_mig_file *resuming;
	struct mdk_vmig_desc desc;
};

/**
 * struct mdk_vdev - one mdev's VFIO device
 * @vfio: the VFIO device (first: vfio_alloc_device() needs it there)
 * @mdev: the mdev
 * @ops: the parent's callbacks
 * @priv: the parent's data
 * @info: the parent's description
 * @lock: serialises config space, region access, ioctls, resets and the
 *	parent's callbacks
 * @cfg: the virtual config space (under @lock; its command register also
 *	under @memory_lock)
 * @cfg_init: its state at open
 * @memory_lock: the command register's memory decode bit as the mmap fault
 *	handler sees it: written with @lock and this held for writing (and
 *	the mappings zapped when it clears); the fault handler, which holds
 *	mmap_lock and so must not take @lock, reads it with this held for
 *	reading. Nothing that faults, pins or takes mmap_lock runs under it.
 * @mmap_file: the file every mapping of the device hangs on (vdev_mmap.c)
 * @bars: the BARs
 * @msi_cap: offset of the MSI capability, or 0
 * @msix_cap: offset of the MSI-X capability, or 0
 * @irq_lock: protects @irqs; taken with interrupts off (the parent raises
 *	vectors from any context)
 * @irqs: interrupt state
 * @req_warned: REQ was asked for without an eventfd (logged once per open)
 * @unmap_lock: protects @unmaps
 * @unmaps: ranges the user is unmapping, refused to mdk_vdev_pin()
 *	(vdev_dma.c)
 * @mm: the address space of the process that opened the device (mmgrab()ed
 *	from open to close), for mdk_vdev_dma_enter()
 * @mig: migration (under @lock)
 */
struct mdk_vdev {
	struct vfio_device vfio;
	struct mdev_device *mdev;
	const struct mdk_vdev_ops *ops;
	void *priv;
	struct mdk_vdev_info info;
	struct mutex lock;	/* see above */
	struct mdk_vcfg cfg;
	struct mdk_vcfg cfg_init;
	struct rw_semaphore memory_lock;	/* see above */
	struct file *mmap_file;
	struct mdk_vdev_bar_state bars[MDK_VCFG_NR_BARS];
	int msi_cap;
	int msix_cap;
	spinlock_t irq_lock;	/* see above */
	struct mdk_vdev_irqs irqs;
	bool req_warned;
	spinlock_t unmap_lock;	/* see above */
	struct list_head unmaps;
	struct mm_struct *mm;
	struct mdk_vdev_mig mig;
};

static inline struct mdk_vdev *mdk_vdev_of(struct vfio_device *vfio)
{
	return container_of(vfio, struct mdk_vdev, vfio);
}

/* vdev_ioctl.c */
long mdk_vdev_ioctl(struct vfio_device *vfio, unsigned int cmd,
		    unsigned long arg);
void mdk_vdev_reset_locked(struct mdk_vdev *vdev);
unsigned int mdk_vdev_region_size(const struct mdk_vdev *vdev,
				  unsigned int index, u64 *size);

/* vdev_rdwr.c */
ssize_t mdk_vdev_read(struct vfio_device *vfio, char __user *buf,
		      size_t count, loff_t *ppos);
ssize_t mdk_vdev_write(struct vfio_device *vfio, const char __user *buf,
		       size_t count, loff_t *ppos);
void mdk_vdev_enable_decode(struct mdk_vdev *vdev);

/* vdev_mmap.c */
int mdk_vdev_mmap_init(struct mdk_vdev *vdev);
void mdk_vdev_mmap_free(struct mdk_vdev *vdev);
int mdk_vdev_mmap(struct vfio_device *vfio, struct vm_area_struct *vma);
void mdk_vdev_zap(struct mdk_vdev *vdev);

/* vdev_intrs.c */
int mdk_vdev_irqs_init(struct mdk_vdev *vdev);
void mdk_vdev_irqs_free(struct mdk_vdev *vdev);
void mdk_vdev_irqs_disable(struct mdk_vdev *vdev);
void mdk_vdev_irqs_reset(struct mdk_vdev *vdev);
int mdk_vdev_irq_count(const struct mdk_vdev *vdev, unsigned int index);
int mdk_vdev_set_irqs(struct mdk_vdev *vdev, unsigned long arg);
void mdk_vdev_msix_control(struct mdk_vdev *vdev);
void mdk_vdev_intx_command(struct mdk_vdev *vdev);
bool mdk_vdev_intx_asserted(struct mdk_vdev *vdev);
int mdk_vdev_msix_access(struct mdk_vdev *vdev, u64 offset, void *buf,
			 unsigned int len, bool write);
void mdk_vdev_request(struct vfio_device *vfio, unsigned int count);

/**
 * mdk_vdev_msix_claims() - does an access start in the MSI-X table or PBA?
 * @vdev: the device
 * @bar: the BAR
 * @offset: in the BAR
 *
 * Return: true if vfio_mdev serves it rather than the parent.
 */
static inline bool mdk_vdev_msix_claims(const struct mdk_vdev *vdev,
					unsigned int bar, u64 offset)
{
	const struct mdk_vdev_info *info = &vdev->info;
	u64 table = info->msix_table, pba = info->msix_pba;

	if (!info->msix_vectors || bar != info->msix_bar)
		return false;
	return (offset >= table &&
		offset < table + (u64)info->msix_vectors * PCI_MSIX_ENTRY_SIZE) ||
	       (offset >= pba &&
		offset < pba + DIV_ROUND_UP(info->msix_vectors, 64) * 8);
}

/* vdev_mig.c */
int mdk_vdev_mig_init(struct mdk_vdev *vdev);
void mdk_vdev_mig_reset(struct mdk_vdev *vdev);

/* vdev_dma.c */
void mdk_vdev_dma_unmap(struct vfio_device *vfio, u64 iova, u64 length);
void mdk_vdev_unmaps_wait(struct mdk_vdev *vdev);

#endif /* _VFIO_MDEV_PRIV_H */
