// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_card pin cache: the pages of the user's DMA space a VF's descriptors
 * touched stay pinned (read and write) until the user unmaps them, the VF
 * is reset or closed, or the cache holds %MDK_CARD_MAX_PINS pages. Pinning
 * is one get_user_pages per page in vfio_iommu_type1: done per descriptor,
 * it would cost more than the copy itself. In front of the cache's xarray,
 * a small direct-mapped table keeps the worker's last lookups (an xa_load()
 * per page of every descriptor and completion record was a third of a
 * small descriptor's cost); any drop empties it.
 *
 * Who touches the cache, and how they are kept apart (no lock is held across
 * vfio_pin_pages() or vfio_unpin_pages(): the IOMMU driver calls dma_unmap
 * with its own locks held, and lockdep would see a cycle through ours):
 * - the engine looks pages up and adds pins while it counts itself in
 *   @inflight, and empties a full cache between descriptors;
 * - an unmap (dma_unmap) first raises @unmapping, which makes new
 *   descriptors wait, then waits for @inflight to drop, then drops the
 *   range's pins;
 * - a reset or close empties the cache under @exec, which the engine holds
 *   while it runs the VF's queues.
 * So pins are only added with no dropper running. Droppers can run at once
 * (an unmap with a reset, or with a full cache): each entry is unpinned by
 * the one whose xa_erase() took it, never twice, and @nr_pins is atomic;
 * droppers count themselves in @dropping, and an unmap returns only once
 * none is left, so no pin of its range is still on its way out.
 * vfio_mdev refuses to pin a range being unmapped until the unmap is over,
 * so the engine cannot pin it again between the IOMMU driver's rounds.
 */

#include <linux/iommu.h>
#include <linux/xarray.h>

#include "card_priv.h"

/*
 * Forgets the lookup cache. The worker is not using it: a dropper either
 * holds @exec, or is the worker, or waited for @inflight to drop with
 * @unmapping raised. Two droppers may clear it at once.
 */
static void mdk_card_tlb_clear(struct mdk_card_vf *vf)
{
	unsigned int i;

	for (i = 0; i < MDK_CARD_TLB; i++)
		WRITE_ONCE(vf->tlb[i].pfn, ULONG_MAX);	/* no IOVA's page */
}

/* The pinned page of IOVA page @pfn, or NULL: the cache, then @pins. */
static struct page *mdk_card_pins_lookup(struct mdk_card_vf *vf,
					 unsigned long pfn)
{
	unsigned int i = pfn % MDK_CARD_TLB;
	struct page *page;

	if (READ_ONCE(vf->tlb[i].pfn) == pfn)
		return vf->tlb[i].page;
	page = xa_load(&vf->pins, pfn);
	if (page) {
		vf->tlb[i].page = page;
		WRITE_ONCE(vf->tlb[i].pfn, pfn);
	}
	return page;
}

/**
 * mdk_card_pins_init() - an empty pin cache
 * @vf: the VF
 */
void mdk_card_pins_init(struct mdk_card_vf *vf)
{
	xa_init(&vf->pins);
	mdk_card_tlb_clear(vf);
}

static void mdk_card_pins_drop(struct mdk_card_vf *vf, unsigned long first,
			       unsigned long last)
{
	struct page *page;
	unsigned long pfn;

	atomic_inc(&vf->dropping);
	mdk_card_tlb_clear(vf);
	xa_for_each_range(&vf->pins, pfn, page, first, last) {
		if (!xa_erase(&vf->pins, pfn))
			continue;	/* another dropper took it */
		mdk_vdev_unpin(vf->vdev, (u64)pfn << PAGE_SHIFT, 1);
		atomic_long_dec(&vf->nr_pins);
	}
	if (atomic_dec_and_test(&vf->dropping))
		wake_up_all(&vf->idle);
}

/**
 * mdk_card_pins_get() - the pinned pages of a buffer
 * @vf: the VF, the caller counted in @vf->inflight
 * @iova: the buffer's IOVA
 * @len: its length, at least 1
 * @pages: receives its pages
 *
 * Return: the number of pages, or a negative error (the buffer is not all
 * inside the user's mappings, or is not writable there, or -ENOMEM).
 */
int mdk_card_pins_get(struct mdk_card_vf *vf, u64 iova, u32 len,
		      struct page **pages)
{
	unsigned long first = iova >> PAGE_SHIFT;
	unsigned long last = (iova + len - 1) >> PAGE_SHIFT;
	unsigned long pfn, run;
	int ret;

	if (iova + len - 1 < iova)	/* @len >= 1; may end at 2^64 */
		return -EINVAL;
	for (pfn = first; pfn <= last; pfn++) {
		pages[pfn - first] = mdk_card_pins_lookup(vf, pfn);
		if (pages[pfn - first])
			continue;
		/* Pin the run of missing pages in one call. */
		for (run = 1; pfn + run <= last && run < 512 &&
		     !xa_load(&vf->pins, pfn + run); run++)
			;
		ret = mdk_vdev_pin(vf->vdev, (u64)pfn << PAGE_SHIFT, run,
				   IOMMU_READ | IOMMU_WRITE,
				   &pages[pfn - first]);
		if (ret != run)
			return ret < 0 ? ret : -EFAULT;
		for (; run; run--, pfn++) {
			ret = xa_err(xa_store(&vf->pins, pfn,
					      pages[pfn - first], GFP_KERNEL));
			if (ret) {
				mdk_vdev_unpin(vf->vdev, (u64)pfn << PAGE_SHIFT,
					       run);
				return ret;
			}
			atomic_long_inc(&vf->nr_pins);
		}
		pfn--;
	}
	return last - first + 1;
}

/**
 * mdk_card_pins_flush() - unpin everything
 * @vf: the VF, with nothing in flight (the engine between descriptors, or
 *	@vf->exec held); an unmap may be dropping pins at the same time
 */
void mdk_card_pins_flush(struct mdk_card_vf *vf)
{
	mdk_card_pins_drop(vf, 0, ULONG_MAX);
}

/**
 * mdk_card_pins_unmap() - the user unmapped [@iova, @iova + @len)
 * @vf: the VF
 * @iova: start
 * @len: length
 *
 * Context: the VF's dma_unmap callback.
 */
void mdk_card_pins_unmap(struct mdk_card_vf *vf, u64 iova, u64 len)
{
	atomic_inc(&vf->unmapping);
	smp_mb__after_atomic();	/* pairs with mdk_card_pins_enter() */
	wait_event(vf->idle, !atomic_read(&vf->inflight));
	mdk_card_pins_drop(vf, iova >> PAGE_SHIFT,
			   (iova + len - 1) >> PAGE_SHIFT);
	/*
	 * A reset or a full cache may have taken pins of the range from the
	 * cache and not unpinned them yet: the IOMMU driver looks again as
	 * soon as this returns, and gives up after ten rounds.
	 */
	wait_event(vf->idle, !atomic_read(&vf->dropping));
	if (atomic_dec_and_test(&vf->unmapping))
		wake_up_all(&vf->idle);
}

/**
 * mdk_card_pins_enter() - the engine starts using a VF's pages
 * @vf: the VF
 *
 * Waits while an unmap is in progress. Pair with mdk_card_pins_leave().
 */
void mdk_card_pins_enter(struct mdk_card_vf *vf)
{
	for (;;) {
		atomic_inc(&vf->inflight);
		smp_mb__after_atomic();	/* pairs with mdk_card_pins_unmap() */
		if (!atomic_read(&vf->unmapping))
			return;
		mdk_card_pins_leave(vf);
		wait_event(vf->idle, !atomic_read(&vf->unmapping));
	}
}

/**
 * mdk_card_pins_leave() - the engine is done with them
 * @vf: the VF
 */
void mdk_card_pins_leave(struct mdk_card_vf *vf)
{
	if (atomic_dec_and_test(&vf->inflight))
		wake_up_all(&vf->idle);
}
