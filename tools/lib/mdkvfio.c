// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmdkvfio: an mdev through the VFIO group/container API (see mdkvfio.h).
 *
 * The mdev is found with libudev (subsystem "mdev", the UUID as sysname);
 * its IOMMU group is the iommu_group link vfio_register_emulated_iommu_dev()
 * made; the container takes the type1v2 IOMMU model, as QEMU's does.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libudev.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "mdkvfio.h"

static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

/* The IOMMU group number of an mdev, or -errno (-ENODEV: no such mdev). */
int mdkvfio_group_of(const char *uuid)
{
	char link[PATH_MAX], target[PATH_MAX];
	struct udev_device *dev;
	struct udev *udev;
	int ret = -ENODEV;
	ssize_t n;

	udev = udev_new();
	if (!udev)
		return -ENOMEM;
	dev = udev_device_new_from_subsystem_sysname(udev, "mdev", uuid);
	if (dev) {
		snprintf(link, sizeof(link), "%s/iommu_group",
			 udev_device_get_syspath(dev));
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0) {
			ret = -ENOENT;	/* an mdev no VFIO driver has bound */
		} else {
			target[n] = 0;
			ret = atoi(basename(target));
		}
		udev_device_unref(dev);
	}
	udev_unref(udev);
	return ret;
}

/* Opens the mdev @uuid: container, group, device, in @v. */
int mdkvfio_open(struct mdkvfio *v, const char *uuid)
{
	return mdkvfio_open_in(v, uuid, -1);
}

/*
 * Opens @uuid's group and device in the container @container (another
 * mdkvfio's, which keeps its own fd), or in a new type1v2 container (-1).
 */
int mdkvfio_open_in(struct mdkvfio *v, const char *uuid, int container)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int ret;

	memset(v, 0, sizeof(*v));
	v->container = v->group = v->device = -1;
	snprintf(v->uuid, sizeof(v->uuid), "%s", uuid);
	v->group_id = mdkvfio_group_of(uuid);
	if (v->group_id < 0)
		return v->group_id;
	if (container >= 0)
		v->container = fcntl(container, F_DUPFD_CLOEXEC, 0);
	else
		v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0)
		goto err;
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		errno = EINVAL;
		goto err;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", v->group_id);
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->group < 0)
		goto err;
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &status))
		goto err;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		goto err;
	}
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		goto err;
	if (container < 0 &&
	    ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		goto err;
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, v->uuid);
	if (v->device < 0)
		goto err;
	v->info.argsz = sizeof(v->info);
	if (ioctl(v->device, VFIO_DEVICE_GET_INFO, &v->info))
		goto err;
	return 0;
err:
	ret = neg_errno();
	mdkvfio_close(v);
	return ret;
}

void mdkvfio_close(struct mdkvfio *v)
{
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	v->container = v->group = v->device = -1;
}

/* Region @index with its sparse mmap areas (nr_areas 0 without the cap). */
int mdkvfio_region(struct mdkvfio *v, unsigned int index,
		   struct mdkvfio_region *r)
{
	struct vfio_region_info *info;
	struct vfio_info_cap_header *hdr;
	size_t sz = sizeof(*info);
	uint32_t off;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	/* Once with room for the info only; again with the argsz asked for. */
	for (;;) {
		info = calloc(1, sz);
		if (!info)
			return -ENOMEM;
		info->argsz = sz;
		info->index = index;
		if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, info))
			goto err;
		if (info->argsz <= sz)
			break;
		sz = info->argsz;
		free(info);
	}
	r->index = index;
	r->flags = info->flags;
	r->size = info->size;
	r->offset = info->offset;
	for (off = (info->flags & VFIO_REGION_INFO_FLAG_CAPS) ?
		   info->cap_offset : 0;
	     off && off + sizeof(*hdr) <= sz; off = hdr->next) {
		hdr = (void *)((char *)info + off);
		if (hdr->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			struct vfio_region_info_cap_sparse_mmap *s = (void *)hdr;
			unsigned int i;

			for (i = 0; i < s->nr_areas && i < MDKVFIO_MAX_AREAS;
			     i++) {
				r->areas[i].offset = s->areas[i].offset;
				r->areas[i].size = s->areas[i].size;
			}
			r->nr_areas = i;
		}
	}
	free(info);
	return 0;
err:
	ret = neg_errno();
	free(info);
	return ret;
}

int mdkvfio_irq(struct mdkvfio *v, unsigned int index,
		struct vfio_irq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(v->device, VFIO_DEVICE_GET_IRQ_INFO, info) ?
	       neg_errno() : 0;
}

static uint64_t region_offset(unsigned int index)
{
	return (uint64_t)index << 40;
}

ssize_t mdkvfio_pread(struct mdkvfio *v, unsigned int index, void *buf,
		      size_t len, uint64_t off)
{
	ssize_t n = pread(v->device, buf, len, region_offset(index) + off);

	return n < 0 ? neg_errno() : n;
}

ssize_t mdkvfio_pwrite(struct mdkvfio *v, unsigned int index,
		       const void *buf, size_t len, uint64_t off)
{
	ssize_t n = pwrite(v->device, buf, len, region_offset(index) + off);

	return n < 0 ? neg_errno() : n;
}

int mdkvfio_read32(struct mdkvfio *v, unsigned int index, uint64_t off,
		   uint32_t *val)
{
	ssize_t n = mdkvfio_pread(v, index, val, 4, off);

	return n < 0 ? (int)n : n == 4 ? 0 : -EIO;
}

int mdkvfio_write32(struct mdkvfio *v, unsigned int index, uint64_t off,
		    uint32_t val)
{
	ssize_t n = mdkvfio_pwrite(v, index, &val, 4, off);

	return n < 0 ? (int)n : n == 4 ? 0 : -EIO;
}

/* Maps [@off, @off + @len) of region @index shared; NULL and *@err on error. */
void *mdkvfio_mmap(struct mdkvfio *v, unsigned int index, uint64_t off,
		   size_t len, int *err)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       v->device, region_offset(index) + off);

	if (p == MAP_FAILED) {
		if (err)
			*err = neg_errno();
		return NULL;
	}
	return p;
}

static int set_irqs(struct mdkvfio *v, uint32_t flags, unsigned int index,
		    unsigned int start, unsigned int count, const void *data,
		    size_t data_len)
{
	struct vfio_irq_set *set;
	size_t sz = sizeof(*set) + data_len;
	int ret;

	set = calloc(1, sz);
	if (!set)
		return -ENOMEM;
	set->argsz = sz;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (data_len)
		memcpy(set->data, data, data_len);
	ret = ioctl(v->device, VFIO_DEVICE_SET_IRQS, set) ? neg_errno() : 0;
	free(set);
	return ret;
}

/* Trigger eventfds for vectors [@start, @start + @count) (-1: none). */
int mdkvfio_set_eventfds(struct mdkvfio *v, unsigned int index,
			 unsigned int start, unsigned int count,
			 const int *fds)
{
	return set_irqs(v, VFIO_IRQ_SET_DATA_EVENTFD |
			VFIO_IRQ_SET_ACTION_TRIGGER, index, start, count, fds,
			count * sizeof(int32_t));
}

/* @action (VFIO_IRQ_SET_ACTION_*) on vectors, with DATA_NONE. */
int mdkvfio_irq_action(struct mdkvfio *v, unsigned int index,
		       unsigned int start, unsigned int count,
		       uint32_t action)
{
	return set_irqs(v, VFIO_IRQ_SET_DATA_NONE | action, index, start,
			count, NULL, 0);
}

int mdkvfio_irq_disable(struct mdkvfio *v, unsigned int index)
{
	return mdkvfio_irq_action(v, index, 0, 0,
				  VFIO_IRQ_SET_ACTION_TRIGGER);
}

int mdkvfio_reset(struct mdkvfio *v)
{
	return ioctl(v->device, VFIO_DEVICE_RESET) ? neg_errno() : 0;
}

/*
 * VFIO_DEVICE_FEATURE @flags (feature and GET/SET/PROBE) with @len bytes
 * of @data after the header, copied back on success.
 */
int mdkvfio_feature(struct mdkvfio *v, uint32_t flags, void *data,
		    size_t len)
{
	struct vfio_device_feature *f;
	int ret;

	f = calloc(1, sizeof(*f) + len);
	if (!f)
		return -ENOMEM;
	f->argsz = sizeof(*f) + len;
	f->flags = flags;
	if (len)
		memcpy(f->data, data, len);
	ret = ioctl(v->device, VFIO_DEVICE_FEATURE, f) < 0 ? neg_errno() : 0;
	if (!ret && len)
		memcpy(data, f->data, len);
	free(f);
	return ret;
}

/* VFIO_DEVICE_FEATURE_MIGRATION: the device's VFIO_MIGRATION_* flags. */
int mdkvfio_mig_flags(struct mdkvfio *v, uint64_t *flags)
{
	struct vfio_device_feature_migration m = { 0 };
	int ret = mdkvfio_feature(v, VFIO_DEVICE_FEATURE_GET |
				  VFIO_DEVICE_FEATURE_MIGRATION, &m, sizeof(m));

	*flags = ret ? 0 : m.flags;
	return ret;
}

/* The device's migration state (enum vfio_device_mig_state). */
int mdkvfio_mig_state(struct mdkvfio *v, uint32_t *state)
{
	struct vfio_device_feature_mig_state m = { 0 };
	int ret = mdkvfio_feature(v, VFIO_DEVICE_FEATURE_GET |
				  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
				  &m, sizeof(m));

	*state = ret ? VFIO_DEVICE_STATE_ERROR : m.device_state;
	return ret;
}

/*
 * Moves the device to @state; *@data_fd receives the data fd the change
 * gave, or -1 (@data_fd may be NULL when none is expected).
 */
int mdkvfio_mig_set(struct mdkvfio *v, uint32_t state, int *data_fd)
{
	struct vfio_device_feature_mig_state m = { .device_state = state };
	int ret = mdkvfio_feature(v, VFIO_DEVICE_FEATURE_SET |
				  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
				  &m, sizeof(m));

	if (!ret && !data_fd && m.data_fd >= 0)
		close(m.data_fd);
	if (data_fd)
		*data_fd = ret ? -1 : m.data_fd;
	return ret;
}

/* VFIO_DEVICE_FEATURE_MIG_DATA_SIZE (6.2+): STOP_COPY's bytes at most. */
int mdkvfio_mig_data_size(struct mdkvfio *v, uint64_t *len)
{
	struct vfio_device_feature_mig_data_size d = { 0 };
	int ret = mdkvfio_feature(v, VFIO_DEVICE_FEATURE_GET |
				  VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
				  &d, sizeof(d));

	*len = ret ? 0 : d.stop_copy_length;
	return ret;
}

const char *mdkvfio_mig_state_name(uint32_t state)
{
	static const char *const names[] = {
		"ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING",
		"RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

int mdkvfio_map_dma(struct mdkvfio *v, void *vaddr, uint64_t iova,
		    uint64_t size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map) ? neg_errno() : 0;
}

int mdkvfio_unmap_dma(struct mdkvfio *v, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	return ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &unmap) ?
	       neg_errno() : 0;
}

const char *mdkvfio_region_name(unsigned int index)
{
	static const char * const names[] = {
		"BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM",
		"CONFIG", "VGA",
	};

	return index < sizeof(names) / sizeof(names[0]) ? names[index] : "?";
}

const char *mdkvfio_irq_name(unsigned int index)
{
	static const char * const names[] = {
		"INTX", "MSI", "MSIX", "ERR", "REQ",
	};

	return index < sizeof(names) / sizeof(names[0]) ? names[index] : "?";
}
