/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_mdev: the generic VFIO PCI personality of an mdev.
 *
 * A parent describes a virtual PCI function (struct mdk_vdev_info) and the
 * few callbacks specific to its device (struct mdk_vdev_ops); vfio_mdev does
 * the rest: VFIO registration, the ioctls, config space, region access and
 * mmap, MSI-X table and PBA, INTx/MSI/MSI-X/ERR/REQ eventfds, reset, and DMA
 * through the user's IOMMU mappings. See docs/vfio-mdev.md.
 */
#ifndef _MDEVKIT_VFIO_MDEV_H
#define _MDEVKIT_VFIO_MDEV_H

#include <linux/mdev.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <mdevkit/vdev_types.h>

struct mdk_vdev;
struct page;

/**
 * struct mdk_vdev_range - one range of a BAR
 * @offset: from the start of the BAR
 * @size: in bytes; a passthrough range is whole 4 KiB pages at a 4 KiB
 *	offset
 * @kind: %MDK_VBAR_TRAP (the parent's read/write callbacks see every
 *	access with the size and offset the user made) or
 *	%MDK_VBAR_PASSTHROUGH (mmap-able pages)
 * @mem: passthrough backed by memory the parent owns: vmalloc()ed
 *	(vmalloc_user(), vzalloc()), page aligned, @size bytes
 * @phys: passthrough backed by MMIO (a slice of the parent's BAR): its
 *	physical address, page aligned; mapped uncached
 * @io: the kernel's mapping of @phys, used for read() and write() on the
 *	region
 *
 * A passthrough range gives exactly one of @mem or @phys (with @io).
 * Bytes of a BAR that no range covers read as zero and ignore writes.
 */
struct mdk_vdev_range {
	u64 offset;
	u64 size;
	enum mdk_vbar_kind kind;
	void *mem;
	phys_addr_t phys;
	void __iomem *io;
};

/**
 * struct mdk_vdev_bar - the ranges of one BAR, in offset order
 * @nr_ranges: entries in @ranges
 * @ranges: the ranges; must outlive the mdk_vdev
 */
struct mdk_vdev_bar {
	unsigned int nr_ranges;
	const struct mdk_vdev_range *ranges;
};

/**
 * struct mdk_vdev_vendor_cap - a vendor-specific capability (ID 0x09)
 * @len: its length in bytes, header included (3 to 255); the byte at
 *	offset 2 is @len, as the PCI specification wants
 * @body: the @len - 3 bytes after the length byte; read-only to the user
 *
 * What a virtio device describes its structures with, for instance.
 */
struct mdk_vdev_vendor_cap {
	u8 len;
	const void *body;
};

/**
 * struct mdk_vdev_info - a virtual PCI function
 * @pci: IDs, class, interrupt pin, PCIe-ness and BAR sizes and flags
 * @bars: each used BAR's layout (the size is @pci.bars[i].size)
 * @pm: add a power-management capability
 * @msi_vectors: MSI vectors (power of two, up to 32), 0 for no MSI
 * @msi_64bit: the MSI capability has a 64-bit address
 * @msix_vectors: MSI-X vectors (up to 2048), 0 for no MSI-X
 * @msix_bar: the BAR holding the MSI-X table and PBA
 * @msix_table: offset of the table in @msix_bar (inside a trapped range)
 * @msix_pba: offset of the PBA in @msix_bar (inside a trapped range)
 * @nr_vendor_caps: entries in @vendor_caps
 * @vendor_caps: vendor-specific capabilities, chained in this order after
 *	the standard ones; the array may be freed once mdk_vdev_create()
 *	returns
 *
 * INTx exists when @pci.irq_pin is 1; ERR when @pci.express is set; REQ
 * always. vfio_mdev emulates the MSI-X table and PBA itself: the parent's
 * callbacks never see accesses to them.
 */
struct mdk_vdev_info {
	struct mdk_vcfg_desc pci;
	struct mdk_vdev_bar bars[MDK_VCFG_NR_BARS];
	bool pm;
	unsigned int msi_vectors;
	bool msi_64bit;
	unsigned int msix_vectors;
	unsigned int msix_bar;
	u32 msix_table;
	u32 msix_pba;
	unsigned int nr_vendor_caps;
	const struct mdk_vdev_vendor_cap *vendor_caps;
};

/**
 * struct mdk_vdev_mig_ops - what a parent implements to migrate
 * @version: the format version of the parent's section of the stream;
 *	raise it when the section changes (docs/migration.md)
 * @quiesce: stop the device's work and DMA: nothing changes the device's
 *	state or the user's memory until @resume. Called when the device
 *	leaves RUNNING (for RUNNING_P2P or STOP) and before @load. 0 or
 *	-errno (the state change then fails)
 * @resume: let it run again (back to RUNNING; also after @reset or @close
 *	of a device that was quiesced)
 * @size: the most bytes @save writes, for this device now
 * @save: write the device's state into @buf (@len bytes, at least @size);
 *	the device is quiesced. Return the bytes written or -errno
 * @load: restore a state @save wrote, of format @version (at most the
 *	parent's), from @buf (@len bytes); the device is quiesced and reset.
 *	Check every field before changing anything: 0, or -EINVAL and the
 *	device unchanged
 *
 * Context: every callback runs under the device's lock, like the others of
 * struct mdk_vdev_ops; they may sleep.
 */
struct mdk_vdev_mig_ops {
	u32 version;
	int (*quiesce)(struct mdk_vdev *vdev);
	void (*resume)(struct mdk_vdev *vdev);
	size_t (*size)(struct mdk_vdev *vdev);
	ssize_t (*save)(struct mdk_vdev *vdev, void *buf, size_t len);
	int (*load)(struct mdk_vdev *vdev, u32 version, const void *buf,
		    size_t len);
};

/**
 * struct mdk_vdev_ops - what a parent implements (all optional)
 * @open: the user opened the device (first open of the VFIO device fd)
 * @close: the user closed it; drop every pin taken with mdk_vdev_pin()
 * @read: a read of a trapped range: @len (1, 2, 4 or 8) bytes at @offset
 *	of BAR @bar, into @buf (little endian; it arrives zeroed); 0 or
 *	-errno
 * @write: a write of a trapped range, likewise
 * @reset: VFIO_DEVICE_RESET, and before @open
 * @dma_unmap: the user unmapped [@iova, @iova + @length): unpin every
 *	page pinned in it before returning. Required to pin pages.
 * @mig: VFIO migration (v2): with these, vfio_mdev offers the states
 *	STOP_COPY and RUNNING_P2P, the data fds and the stream's header
 *	(docs/migration.md)
 *
 * Context: @read, @write, @reset, @open and @close are serialised per
 * device (vfio_mdev holds its state mutex); they may sleep.
 */
struct mdk_vdev_ops {
	int (*open)(struct mdk_vdev *vdev);
	void (*close)(struct mdk_vdev *vdev);
	int (*read)(struct mdk_vdev *vdev, unsigned int bar, u64 offset,
		    void *buf, unsigned int len);
	int (*write)(struct mdk_vdev *vdev, unsigned int bar, u64 offset,
		     const void *buf, unsigned int len);
	void (*reset)(struct mdk_vdev *vdev);
	void (*dma_unmap)(struct mdk_vdev *vdev, u64 iova, u64 length);
	const struct mdk_vdev_mig_ops *mig;
};

struct mdk_vdev *mdk_vdev_create(struct mdev_device *mdev,
				 const struct mdk_vdev_info *info,
				 const struct mdk_vdev_ops *ops, void *priv);
void mdk_vdev_destroy(struct mdk_vdev *vdev);
void *mdk_vdev_priv(const struct mdk_vdev *vdev);
struct device *mdk_vdev_dev(const struct mdk_vdev *vdev);

int mdk_vdev_raise(struct mdk_vdev *vdev, unsigned int vector);
int mdk_vdev_raise_err(struct mdk_vdev *vdev);

int mdk_vdev_pin(struct mdk_vdev *vdev, u64 iova, int npage, int prot,
		 struct page **pages);
void mdk_vdev_unpin(struct mdk_vdev *vdev, u64 iova, int npage);
int mdk_vdev_dma_rw(struct mdk_vdev *vdev, u64 iova, void *data, size_t len,
		    bool write);
bool mdk_vdev_dma_enter(struct mdk_vdev *vdev);
void mdk_vdev_dma_exit(struct mdk_vdev *vdev, bool entered);

#endif /* _MDEVKIT_VFIO_MDEV_H */
