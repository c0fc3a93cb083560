// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev DMA: a parent reads and writes the user's memory, or pins it,
 * through the user's IOMMU mappings (VFIO_IOMMU_MAP_DMA on a type1v2
 * container). When the user unmaps a range, the IOMMU driver calls
 * mdk_vdev_dma_unmap(), and the parent must drop its pins there.
 */

#include <linux/vfio.h>

#include "vfio_mdev_priv.h"

/**
 * mdk_vdev_dma_unmap() - vfio_device_ops.dma_unmap
 * @vfio: the device
 * @iova: start of the range the user unmapped
 * @length: its length
 *
 * Context: process; vfio_iommu_type1 retries the unmap after this returns
 * and gives up (BUG) if pages in the range stay pinned.
 */
void mdk_vdev_dma_unmap(struct vfio_device *vfio, u64 iova, u64 length)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);

	if (vdev->ops->dma_unmap)
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
 * &mdk_vdev_ops.close.
 *
 * Context: process.
 * Return: @npage, or -EINVAL (no dma_unmap callback, bad range, not
 * mapped), -E2BIG, -EACCES, or another error from vfio_pin_pages().
 */
int mdk_vdev_pin(struct mdk_vdev *vdev, u64 iova, int npage, int prot,
		 struct page **pages)
{
	if (!vdev->ops->dma_unmap)
		return -EINVAL;
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
	return vfio_dma_rw(&vdev->vfio, iova, data, len, write);
}
EXPORT_SYMBOL_GPL(mdk_vdev_dma_rw);
