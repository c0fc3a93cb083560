/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmdkvfio: open an mdev through the VFIO group/container API and use
 * it as QEMU would: regions and their sparse mmap areas, IRQs and their
 * eventfds, config space, DMA mappings. Every function returns 0 (or a
 * count) on success and -errno on failure.
 */
#ifndef MDKVFIO_H
#define MDKVFIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>

#define MDKVFIO_MAX_AREAS	64

/* Migration uAPI of 6.2+, for headers of 6.1 (Debian 12's linux-libc-dev) */
#ifndef VFIO_MIGRATION_PRE_COPY
#define VFIO_MIGRATION_PRE_COPY		(1 << 2)
#define VFIO_DEVICE_STATE_PRE_COPY	6
#define VFIO_DEVICE_STATE_PRE_COPY_P2P	7
#define VFIO_MIG_GET_PRECOPY_INFO	_IO(VFIO_TYPE, VFIO_BASE + 21)
struct vfio_precopy_info {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 initial_bytes;
	__aligned_u64 dirty_bytes;
};
#endif
#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE	9
struct vfio_device_feature_mig_data_size {
	__aligned_u64 stop_copy_length;
};
#endif

struct mdkvfio {
	int container;
	int group;
	int device;
	int group_id;
	char uuid[40];
	struct vfio_device_info info;
};

struct mdkvfio_area {
	uint64_t offset;
	uint64_t size;
};

struct mdkvfio_region {
	uint32_t index;
	uint32_t flags;
	uint64_t size;
	uint64_t offset;
	unsigned int nr_areas;		/* sparse mmap areas */
	struct mdkvfio_area areas[MDKVFIO_MAX_AREAS];
};

int mdkvfio_group_of(const char *uuid);
int mdkvfio_open(struct mdkvfio *v, const char *uuid);
int mdkvfio_open_in(struct mdkvfio *v, const char *uuid, int container);
void mdkvfio_close(struct mdkvfio *v);

int mdkvfio_region(struct mdkvfio *v, unsigned int index,
		   struct mdkvfio_region *r);
int mdkvfio_irq(struct mdkvfio *v, unsigned int index,
		struct vfio_irq_info *info);

ssize_t mdkvfio_pread(struct mdkvfio *v, unsigned int index, void *buf,
		      size_t len, uint64_t off);
ssize_t mdkvfio_pwrite(struct mdkvfio *v, unsigned int index,
		       const void *buf, size_t len, uint64_t off);
int mdkvfio_read32(struct mdkvfio *v, unsigned int index, uint64_t off,
		   uint32_t *val);
int mdkvfio_write32(struct mdkvfio *v, unsigned int index, uint64_t off,
		    uint32_t val);
void *mdkvfio_mmap(struct mdkvfio *v, unsigned int index, uint64_t off,
		   size_t len, int *err);

int mdkvfio_set_eventfds(struct mdkvfio *v, unsigned int index,
			 unsigned int start, unsigned int count,
			 const int *fds);
int mdkvfio_irq_action(struct mdkvfio *v, unsigned int index,
		       unsigned int start, unsigned int count,
		       uint32_t action);
int mdkvfio_irq_disable(struct mdkvfio *v, unsigned int index);
int mdkvfio_reset(struct mdkvfio *v);

int mdkvfio_feature(struct mdkvfio *v, uint32_t flags, void *data,
		    size_t len);
int mdkvfio_mig_flags(struct mdkvfio *v, uint64_t *flags);
int mdkvfio_mig_state(struct mdkvfio *v, uint32_t *state);
int mdkvfio_mig_set(struct mdkvfio *v, uint32_t state, int *data_fd);
int mdkvfio_mig_data_size(struct mdkvfio *v, uint64_t *len);
const char *mdkvfio_mig_state_name(uint32_t state);

int mdkvfio_map_dma(struct mdkvfio *v, void *vaddr, uint64_t iova,
		    uint64_t size);
int mdkvfio_unmap_dma(struct mdkvfio *v, uint64_t iova, uint64_t size);

const char *mdkvfio_region_name(unsigned int index);
const char *mdkvfio_irq_name(unsigned int index);

#endif /* MDKVFIO_H */
