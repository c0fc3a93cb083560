// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev ioctls: device, region and IRQ info, and reset.
 *
 * The argsz contract is vfio-pci's (drivers/vfio/pci/vfio_pci_core.c): an
 * argsz below the structure's mandatory fields is -EINVAL; bytes past them
 * are neither read nor checked; what is written back is at most argsz
 * bytes; capabilities that do not fit make the kernel report the argsz they
 * need with cap_offset 0.
 */

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_mdev_priv.h"

/**
 * mdk_vdev_region_size() - a region's size and flags
 * @vdev: the device
 * @index: a VFIO PCI region index
 * @size: receives its size (0 for an absent region)
 *
 * Context: any; reads immutable state.
 * Return: VFIO_REGION_INFO_FLAG_* (0 for an absent region).
 */
unsigned int mdk_vdev_region_size(const struct mdk_vdev *vdev,
				  unsigned int index, u64 *size)
{
	unsigned int flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;

	*size = 0;
	if (index <= VFIO_PCI_BAR5_REGION_INDEX) {
		const struct mdk_vbar_layout *l = &vdev->bars[index].layout;

		*size = l->size;
		if (!*size)
			return 0;
		if (mdk_vbar_sparse_areas(l, NULL, 0) > 0)
			flags |= VFIO_REGION_INFO_FLAG_MMAP;
		return flags;
	}
	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		*size = vdev->cfg_init.size;
		return flags;
	}
	return 0;
}

/* Lists a BAR's passthrough ranges in a sparse-mmap capability. */
static int mdk_vdev_sparse_cap(const struct mdk_vdev *vdev, unsigned int bar,
			       struct vfio_info_cap *caps)
{
	const struct mdk_vbar_layout *l = &vdev->bars[bar].layout;
	struct vfio_region_info_cap_sparse_mmap *sparse;
	struct mdk_vbar_area *areas;
	int nr, i, ret;
	size_t size;

	nr = mdk_vbar_sparse_areas(l, NULL, 0);
	areas = kcalloc(nr, sizeof(*areas), GFP_KERNEL);
	size = struct_size(sparse, areas, nr);
	sparse = kzalloc(size, GFP_KERNEL);
	if (!areas || !sparse) {
		ret = -ENOMEM;
		goto out;
	}
	mdk_vbar_sparse_areas(l, areas, nr);
	sparse->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	sparse->header.version = 1;
	sparse->nr_areas = nr;
	for (i = 0; i < nr; i++) {
		sparse->areas[i].offset = areas[i].offset;
		sparse->areas[i].size = areas[i].size;
	}
	ret = vfio_info_add_capability(caps, &sparse->header, size);
out:
	kfree(sparse);
	kfree(areas);
	return ret;
}

static int mdk_vdev_get_info(struct mdk_vdev *vdev,
			     struct vfio_device_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static int mdk_vdev_get_region_info(struct mdk_vdev *vdev,
				    struct vfio_region_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_region_info info;
	int ret = 0;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	/* As vfio-pci: no VGA region without VGA (a ROM is size 0). */
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS ||
	    info.index == VFIO_PCI_VGA_REGION_INDEX)
		return -EINVAL;
	info.offset = MDK_VDEV_OFFSET(info.index);
	info.flags = mdk_vdev_region_size(vdev, info.index, &info.size);
	info.cap_offset = 0;
	if (info.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		ret = mdk_vdev_sparse_cap(vdev, info.index, &caps);
		if (ret)
			return ret;
	}
	if (caps.size) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + caps.size) {
			info.argsz = sizeof(info) + caps.size;
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			if (copy_to_user(arg + 1, caps.buf, caps.size))
				ret = -EFAULT;
			info.cap_offset = sizeof(info);
		}
		kfree(caps.buf);
		if (ret)
			return ret;
	}
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static int mdk_vdev_get_irq_info(struct mdk_vdev *vdev,
				 struct vfio_irq_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;
	int count;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	count = mdk_vdev_irq_count(vdev, info.index);
	if (count < 0)
		return count;
	info.count = count;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	switch (info.index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		info.flags |= VFIO_IRQ_INFO_MASKABLE |
			      VFIO_IRQ_INFO_AUTOMASKED;
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_NORESIZE;
		break;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		/* Vectors come and go one by one: no NORESIZE. */
		info.flags |= VFIO_IRQ_INFO_MASKABLE;
		break;
	default:
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
		break;
	}
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/**
 * mdk_vdev_reset_locked() - a function reset
 * @vdev: the device, its lock held
 *
 * With its config space saved and restored around it, as vfio-pci's: BARs
 * and command survive; the device's own state, the MSI-X table and pending
 * interrupts do not. As vfio-pci, the BARs' mappings are zapped and fault
 * back in afterwards.
 */
void mdk_vdev_reset_locked(struct mdk_vdev *vdev)
{
	lockdep_assert_held(&vdev->lock);
	down_write(&vdev->memory_lock);
	mdk_vdev_zap(vdev);
	up_write(&vdev->memory_lock);
	mdk_vdev_irqs_reset(vdev);
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
}

static int mdk_vdev_reset(struct mdk_vdev *vdev)
{
	mutex_lock(&vdev->lock);
	mdk_vdev_reset_locked(vdev);
	/* As the uAPI wants: RUNNING again, the data fds disabled. */
	mdk_vdev_mig_reset(vdev);
	mutex_unlock(&vdev->lock);
	return 0;
}

/**
 * mdk_vdev_ioctl() - vfio_device_ops.ioctl
 * @vfio: the device
 * @cmd: the ioctl
 * @arg: its argument
 *
 * Context: process, the device open.
 * Return: 0 or -errno; -ENOTTY for an ioctl vfio_mdev does not implement.
 */
long mdk_vdev_ioctl(struct vfio_device *vfio, unsigned int cmd,
		    unsigned long arg)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return mdk_vdev_get_info(vdev, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return mdk_vdev_get_region_info(vdev, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return mdk_vdev_get_irq_info(vdev, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return mdk_vdev_set_irqs(vdev, arg);
	case VFIO_DEVICE_RESET:
		return mdk_vdev_reset(vdev);
	default:
		return -ENOTTY;
	}
}
