// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev mmap of passthrough ranges, as vfio-pci maps BARs
 * (drivers/vfio/pci/vfio_pci_core.c): a VM_IO | VM_PFNMAP mapping that
 * mdk_vdev_mmap() leaves empty and mdk_vdev_mmap_fault() fills a page at a
 * time with vmf_insert_pfn(). While the command register's memory decode is
 * off an access gets SIGBUS; clearing it, and a reset, zap every mapping of
 * the device (mdk_vdev_zap()), and the pages fault back in afterwards.
 *
 * A PFN mapping also keeps parent memory (.mem, vmalloc pages) out of
 * get_user_pages(): GUP refuses VM_IO | VM_PFNMAP, and vfio_iommu_type1
 * refuses a PFN of such a mapping that is ordinary RAM, so a user cannot
 * make another device pin a portal page and keep it after the mdev is gone.
 *
 * Zapping needs every mapping of the device in one address_space. The
 * device fd cannot give one on 6.1 (an anon inode shared by every VFIO
 * device; 6.10+ gives each vfio_device its own inode), so on every kernel
 * vfio_mdev has its own: each mdk_vdev owns a file on an inode of a pseudo
 * filesystem, and mmap swaps it into the VMA (vma_set_file(), as dma-buf
 * does). The VMA then keeps the device fd itself open through
 * vm_private_data, as the device fd in vm_file did: the device cannot be
 * closed, and so not removed, while it is mapped.
 *
 * Locking: vdev->memory_lock, an rwsem, covers the memory decode bit for
 * the fault handler, which runs with mmap_lock held and so must not take
 * vdev->lock (user copies under vdev->lock take mmap_lock: vdev->lock ->
 * mmap_lock -> memory_lock). Writers hold vdev->lock, then memory_lock for
 * writing around the change and the zap; nothing that may fault, pin or
 * take mmap_lock runs under memory_lock.
 */

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/vmalloc.h>
#include <mdevkit/compat.h>

#include "vfio_mdev_priv.h"

#define MDK_VDEV_FS_MAGIC	0x6d646b76	/* "mdkv" */

/* The pseudo filesystem, mounted while a device exists (simple_pin_fs()). */
static struct vfsmount *mdk_vdev_mnt;
static int mdk_vdev_mnt_count;

static int mdk_vdev_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MDK_VDEV_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type mdk_vdev_fs_type = {
	.name			= "vfio_mdev",
	.owner			= THIS_MODULE,
	.init_fs_context	= mdk_vdev_fs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

static const struct file_operations mdk_vdev_mmap_fops = {
	.owner	= THIS_MODULE,
};

/**
 * mdk_vdev_mmap_init() - give a device the file its mappings hang on
 * @vdev: the device being built
 *
 * Context: process.
 * Return: 0 or -errno.
 */
int mdk_vdev_mmap_init(struct mdk_vdev *vdev)
{
	struct inode *inode;
	struct file *file;
	int ret;

	ret = simple_pin_fs(&mdk_vdev_fs_type, &mdk_vdev_mnt,
			    &mdk_vdev_mnt_count);
	if (ret)
		return ret;
	inode = alloc_anon_inode(mdk_vdev_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		ret = PTR_ERR(inode);
		goto err_release_fs;
	}
	/*
	 * The file holds the inode from here on, and a reference to this
	 * module, which its last fput() drops (as anon_inode_getfile()).
	 */
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, mdk_vdev_mnt, "vfio_mdev", O_RDWR,
				 &mdk_vdev_mmap_fops);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_module_put;
	}
	file->private_data = vdev;
	vdev->mmap_file = file;
	return 0;

err_module_put:
	module_put(THIS_MODULE);
	iput(inode);
err_release_fs:
	simple_release_fs(&mdk_vdev_mnt, &mdk_vdev_mnt_count);
	return ret;
}

/**
 * mdk_vdev_mmap_free() - drop the file of mdk_vdev_mmap_init()
 * @vdev: the device; no mapping of it is left (each holds the device fd)
 *
 * Context: process; also for a partly built device.
 */
void mdk_vdev_mmap_free(struct mdk_vdev *vdev)
{
	if (!vdev->mmap_file)
		return;
	fput(vdev->mmap_file);
	vdev->mmap_file = NULL;
	simple_release_fs(&mdk_vdev_mnt, &mdk_vdev_mnt_count);
}

/**
 * mdk_vdev_zap() - unmap every page mapped from the device's BARs
 * @vdev: the device; the caller holds memory_lock for writing, or knows
 *	that no fault may map what it zaps back too early
 *
 * The next access faults again (mdk_vdev_mmap_fault()).
 *
 * Context: process.
 */
void mdk_vdev_zap(struct mdk_vdev *vdev)
{
	unmap_mapping_range(vdev->mmap_file->f_mapping, 0,
			    MDK_VDEV_OFFSET(VFIO_PCI_ROM_REGION_INDEX), true);
}

static bool mdk_vdev_mem_enabled(struct mdk_vdev *vdev)
{
	lockdep_assert_held(&vdev->memory_lock);
	return get_unaligned_le16(&vdev->cfg.data[PCI_COMMAND]) &
	       PCI_COMMAND_MEMORY;
}

/* The PFN of @off in @bar; false when no passthrough range holds it. */
static bool mdk_vdev_pfn(struct mdk_vdev *vdev, unsigned int bar, u64 off,
			 unsigned long *pfn)
{
	const struct mdk_vdev_bar_state *st = &vdev->bars[bar];
	const struct mdk_vdev_range *r;
	int i;

	if (!st->layout.size)
		return false;
	i = mdk_vbar_find(&st->layout, off);
	if (i < 0 || st->vranges[i].kind != MDK_VBAR_PASSTHROUGH)
		return false;
	r = &st->ranges[i];
	off -= r->offset;
	if (r->phys)
		*pfn = PHYS_PFN(r->phys + off);
	else
		*pfn = vmalloc_to_pfn(r->mem + off);
	return true;
}

static vm_fault_t mdk_vdev_mmap_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mdk_vdev *vdev = vma->vm_file->private_data;
	u64 pos = (u64)vmf->pgoff << PAGE_SHIFT;
	unsigned int bar = MDK_VDEV_INDEX(pos);
	unsigned long pfn;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	if (bar > VFIO_PCI_BAR5_REGION_INDEX ||
	    !mdk_vdev_pfn(vdev, bar, pos & MDK_VDEV_OFFSET_MASK, &pfn))
		return VM_FAULT_SIGBUS;
	down_read(&vdev->memory_lock);
	if (mdk_vdev_mem_enabled(vdev))
		ret = vmf_insert_pfn(vma, vmf->address, pfn);
	up_read(&vdev->memory_lock);
	return ret;
}

/* A copy of the VMA (split, fork, mremap) holds the device fd too. */
static void mdk_vdev_mmap_open(struct vm_area_struct *vma)
{
	get_file(vma->vm_private_data);
}

static void mdk_vdev_mmap_close(struct vm_area_struct *vma)
{
	fput(vma->vm_private_data);	/* pairs with mmap and _open */
}

static const struct vm_operations_struct mdk_vdev_mmap_ops = {
	.open	= mdk_vdev_mmap_open,
	.close	= mdk_vdev_mmap_close,
	.fault	= mdk_vdev_mmap_fault,
};

/* Checks a mapping: one run of passthrough ranges with one backing. */
static int mdk_vdev_mmap_check(const struct mdk_vdev_bar_state *st, u64 off,
			       u64 len, bool *mmio)
{
	int first, i;
	u64 pos;

	if (!st->layout.size)
		return -EINVAL;
	first = mdk_vbar_mmap_range(&st->layout, off, len);
	if (first < 0)
		return first;
	for (i = first, pos = off; pos < off + len; i++) {
		const struct mdk_vdev_range *r = &st->ranges[i];

		if (!r->phys != !st->ranges[first].phys)
			return -EINVAL;
		pos = r->offset + r->size;
	}
	*mmio = st->ranges[first].phys;
	return 0;
}

/**
 * mdk_vdev_mmap() - vfio_device_ops.mmap
 * @vfio: the device
 * @vma: a shared mapping of passthrough ranges of one BAR
 *
 * The mapping must start and end on page boundaries inside one run of
 * adjacent passthrough ranges with one kind of backing (memory or MMIO,
 * the latter uncached). Nothing is mapped yet: pages fault in.
 *
 * Context: process, mmap lock held for write.
 * Return: 0, or -EINVAL for anything else.
 */
int mdk_vdev_mmap(struct vfio_device *vfio, struct vm_area_struct *vma)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);
	unsigned int index = vma->vm_pgoff >>
			     (MDK_VDEV_OFFSET_SHIFT - PAGE_SHIFT);
	u64 off = ((u64)vma->vm_pgoff << PAGE_SHIFT) & MDK_VDEV_OFFSET_MASK;
	bool mmio;
	int ret;

	if (index > VFIO_PCI_BAR5_REGION_INDEX || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	ret = mdk_vdev_mmap_check(&vdev->bars[index], off,
				  vma->vm_end - vma->vm_start, &mmio);
	if (ret)
		return ret;
	if (mmio)
		vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	mdk_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
			 VM_DONTDUMP);
	vma->vm_ops = &mdk_vdev_mmap_ops;
	/* The device fd stays open while mapped; pairs with _close. */
	vma->vm_private_data = get_file(vma->vm_file);
	vma_set_file(vma, vdev->mmap_file);
	return 0;
}
