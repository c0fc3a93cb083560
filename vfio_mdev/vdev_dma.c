// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev DMA: a parent reads and writes the user's memory, or pins it,
 * through the user's IOMMU mappings (VFIO_IOMMU_MAP_DMA on a type1v2
 * container). When the user unmaps a range, the IOMMU driver calls
 * mdk_vdev_dma_unmap(), and the parent must drop its pins there.
 *
 * vfio_iommu_type1 calls dma_unmap with its own lock dropped, then looks
 * again and calls again while pages of the range are still pinned; after
 * ten such rounds it BUGs. A parent whose engine pins on its own (the card)
 * could pin the range again between the rounds. So from the first call
 * until the unmapping task returns to user space, that is until its
 * VFIO_IOMMU_UNMAP_DMA is over, mdk_vdev_pin() refuses the range: the
 * range is recorded here, and a task_work of the unmapping task lifts it.
 */

#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/vfio.h>
#include <linux/wait_bit.h>

#include "vfio_mdev_priv.h"

/**
 * struct mdk_vdev_unmap - a range the user is unmapping
 * @work: the unmapping task's task_work that lifts it
 * @vdev: the device
 * @node: in &mdk_vdev.unmaps
 * @iova: start of the range
 * @length: its length
 */
struct mdk_vdev_unmap {
	struct callback_head work;
	struct mdk_vdev *vdev;
	struct list_head node;
	u64 iova;
	u64 length;
};

static void mdk_vdev_unmap_lift(struct mdk_vdev_unmap *u)
{
	struct mdk_vdev *vdev = u->vdev;

	spin_lock(&vdev->unmap_lock);
	list_del(&u->node);
	spin_unlock(&vdev->unmap_lock);
	kfree(u);
	/* A hashed wait queue: nothing of @vdev is touched after the del. */
	wake_up_var(&vdev->unmaps);
}

static void mdk_vdev_unmap_done(struct callback_head *work)
{
	mdk_vdev_unmap_lift(container_of(work, struct mdk_vdev_unmap, work));
}

/* Records [@iova, @iova + @length) until current returns to user space. */
static void mdk_vdev_unmap_begin(struct mdk_vdev *vdev, u64 iova, u64 length)
{
	struct mdk_vdev_unmap *u;

	if ((current->flags & PF_KTHREAD) || !length)
		return;
	/* Small, and the callback cannot fail: without it, type1 may BUG. */
	u = kmalloc(sizeof(*u), GFP_KERNEL | __GFP_NOFAIL);
	*u = (struct mdk_vdev_unmap){ .vdev = vdev, .iova = iova,
				      .length = length };
	init_task_work(&u->work, mdk_vdev_unmap_done);
	spin_lock(&vdev->unmap_lock);
	list_add(&u->node, &vdev->unmaps);
	spin_unlock(&vdev->unmap_lock);
	if (task_work_add(current, &u->work, TWA_RESUME))
		mdk_vdev_unmap_lift(u);	/* exiting: nothing to protect */
}

static bool mdk_vdev_unmapping(struct mdk_vdev *vdev, u64 iova, u64 length)
{
	struct mdk_vdev_unmap *u;
	bool hit = false;

	spin_lock(&vdev->unmap_lock);
	list_for_each_entry(u, &vdev->unmaps, node) {
		/* Inclusive ends: a range may end at 2^64. */
		if (iova <= u->iova + (u->length - 1) &&
		    u->iova <= iova + (length - 1)) {
			hit = true;
			break;
		}
	}
	spin_unlock(&vdev->unmap_lock);
	return hit;
}

static bool mdk_vdev_unmaps_over(struct mdk_vdev *vdev)
{
	bool over;

	spin_lock(&vdev->unmap_lock);
	over = list_empty(&vdev->unmaps);
	spin_unlock(&vdev->unmap_lock);
	return over;
}

/**
 * mdk_vdev_unmaps_wait() - wait for the unmaps in progress to end
 * @vdev: the device, unregistered (no new unmap can start)
 *
 * Their tasks are returning to user space; their task_works use @vdev.
 *
 * Context: process.
 */
void mdk_vdev_unmaps_wait(struct mdk_vdev *vdev)
{
	wait_var_event(&vdev->unmaps, mdk_vdev_unmaps_over(vdev));
}

/**
 * mdk_vdev_dma_unmap() - vfio_device_ops.dma_unmap
 * @vfio: the device
 * @iova: start of the range the user unmapped
 * @length: its length
 *
 * Context: process, the unmapping task; vfio_iommu_type1 retries the unmap
 * after this returns and gives up (BUG) if pages in the range stay pinned.
 */
void mdk_vdev_dma_unmap(struct vfio_device *vfio, u64 iova, u64 length)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);

	if (!vdev->ops->dma_unmap)
		return;
	mdk_vdev_unmap_begin(vdev, iova, length);
	vdev->ops->dma_unmap(vdev, iova, length);
}

/**
 * mdk_vdev_pin() - pin pages of the user's DMA space
 * @vdev: the device, open
 * @iova: page-aligned I/O virtual address
 * @npage: pages, 1 to 512
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @pages: receives the pages
 *
 * The parent must provide &mdk_vdev_ops.dma_unmap and unpin there, and in
 * &mdk_vdev_ops.close. Pages of a range the user is unmapping are refused
 * from the parent's first dma_unmap call for it until the unmap is over;
 * once the user maps the range again, they can be pinned again.
 *
 * Context: process.
 * Return: @npage, or -EINVAL (no dma_unmap callback, bad range, not
 * mapped), -EBUSY (being unmapped), -E2BIG, -EACCES, or another error from
 * vfio_pin_pages().
 */
int mdk_vdev_pin(struct mdk_vdev *vdev, u64 iova, int npage, int prot,
		 struct page **pages)
{
	if (!vdev->ops->dma_unmap || npage <= 0)
		return -EINVAL;
	if (mdk_vdev_unmapping(vdev, iova, (u64)npage << PAGE_SHIFT))
		return -EBUSY;
	return vfio_pin_pages(&vdev->vfio, iova, npage, prot, pages);
}
EXPORT_SYMBOL_GPL(mdk_vdev_pin);

/**
 * mdk_vdev_unpin() - unpin pages pinned with mdk_vdev_pin()
 * @vdev: the device
 * @iova: as pinned
 * @npage: as pinned
 *
 * Context: process.
 */
void mdk_vdev_unpin(struct mdk_vdev *vdev, u64 iova, int npage)
{
	vfio_unpin_pages(&vdev->vfio, iova, npage);
}
EXPORT_SYMBOL_GPL(mdk_vdev_unpin);

/**
 * mdk_vdev_dma_rw() - copy to or from the user's DMA space
 * @vdev: the device, open
 * @iova: I/O virtual address
 * @data: kernel buffer
 * @len: bytes
 * @write: true to write the user's memory, false to read it
 *
 * Context: process.
 * Return: 0, or -EINVAL / -EFAULT when [@iova, @iova + @len) is not all
 * mapped with the permission needed.
 */
int mdk_vdev_dma_rw(struct mdk_vdev *vdev, u64 iova, void *data, size_t len,
		    bool write)
{
	struct mm_struct *mm = current->mm;
	int ret = vfio_dma_rw(&vdev->vfio, iova, data, len, write);

	/*
	 * Inside mdk_vdev_dma_enter(), a mapping another process made is
	 * reached the way a kernel thread reaches it: out of our borrowed
	 * address space for the one access.
	 */
	if (ret && mm && (current->flags & PF_KTHREAD)) {
		kthread_unuse_mm(mm);
		ret = vfio_dma_rw(&vdev->vfio, iova, data, len, write);
		kthread_use_mm(mm);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(mdk_vdev_dma_rw);

/**
 * mdk_vdev_dma_enter() - begin a run of DMA accesses from a kernel thread
 * @vdev: the device, open
 *
 * vfio_dma_rw() from a kernel thread adopts the user's address space for
 * every access (kthread_use_mm(): a TLB flush each time). A worker that
 * makes many accesses in a row brackets them with this and
 * mdk_vdev_dma_exit(): the address space of the process that opened the
 * device is adopted once, and each mdk_vdev_dma_rw() is then a plain copy
 * from or to user memory (a mapping made by another process still works,
 * the slow way). The caller must not run past the parent's close.
 *
 * Context: a kernel thread (a workqueue worker) with no address space.
 * Return: true if entered: pass it to mdk_vdev_dma_exit().
 */
bool mdk_vdev_dma_enter(struct mdk_vdev *vdev)
{
	struct mm_struct *mm = vdev->mm;

	if (!(current->flags & PF_KTHREAD) || current->mm || !mm ||
	    !mmget_not_zero(mm))
		return false;
	kthread_use_mm(mm);
	return true;
}
EXPORT_SYMBOL_GPL(mdk_vdev_dma_enter);

/**
 * mdk_vdev_dma_exit() - end a run begun with mdk_vdev_dma_enter()
 * @vdev: the device
 * @entered: what mdk_vdev_dma_enter() returned
 *
 * Context: the kernel thread that entered.
 */
void mdk_vdev_dma_exit(struct mdk_vdev *vdev, bool entered)
{
	struct mm_struct *mm = current->mm;

	if (!entered)
		return;
	kthread_unuse_mm(mm);
	mmput(mm);
}
EXPORT_SYMBOL_GPL(mdk_vdev_dma_exit);
