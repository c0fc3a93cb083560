/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio_mdev BAR layouts: a BAR as ranges that are passed through (mmap-able
 * pages) or trapped (a parent's read/write callbacks), the lookup of the
 * range an offset falls in, the splitting of an access at range boundaries,
 * the check of an mmap request, and the sparse-mmap areas VFIO reports.
 *
 * Pure logic (STYLE.md rule 3): no locks, no user copies, no PCI or VFIO
 * calls, no allocation. A layout is immutable once validated.
 */
#ifndef _VFIO_MDEV_VBAR_H
#define _VFIO_MDEV_VBAR_H

#include <linux/types.h>
#include <mdevkit/vdev_types.h>

/* Passthrough ranges are mapped by whole pages of this size. */
#define MDK_VBAR_PAGE		4096ULL
/* An access (at most 8 bytes) touches at most 8 ranges or holes. */
#define MDK_VBAR_MAX_PIECES	8

/**
 * struct mdk_vbar_range - one range of a BAR
 * @offset: from the start of the BAR
 * @size: in bytes
 * @kind: trapped or passed through
 */
struct mdk_vbar_range {
	u64 offset;
	u64 size;
	enum mdk_vbar_kind kind;
};

/**
 * struct mdk_vbar_layout - a BAR as ranges
 * @size: the BAR's size
 * @nr_ranges: entries in @ranges
 * @ranges: sorted by offset, not overlapping; bytes in no range (holes)
 *	read as zero and ignore writes
 */
struct mdk_vbar_layout {
	u64 size;
	unsigned int nr_ranges;
	const struct mdk_vbar_range *ranges;
};

/**
 * struct mdk_vbar_piece - the part of an access that falls in one range
 * @range: index in the layout's ranges, or -1 for a hole
 * @offset: from the start of that range (of the BAR for a hole)
 * @len: bytes
 * @skip: bytes of the access before this piece
 */
struct mdk_vbar_piece {
	int range;
	u64 offset;
	unsigned int len;
	unsigned int skip;
};

/**
 * struct mdk_vbar_area - a sparse-mmap area (VFIO_REGION_INFO_CAP_SPARSE_MMAP)
 * @offset: from the start of the BAR
 * @size: in bytes
 */
struct mdk_vbar_area {
	u64 offset;
	u64 size;
};

int mdk_vbar_validate(const struct mdk_vbar_layout *layout);
int mdk_vbar_find(const struct mdk_vbar_layout *layout, u64 offset);
int mdk_vbar_split(const struct mdk_vbar_layout *layout, u64 offset,
		   unsigned int len, struct mdk_vbar_piece *pieces);
int mdk_vbar_mmap_range(const struct mdk_vbar_layout *layout, u64 offset,
			u64 len);
int mdk_vbar_sparse_areas(const struct mdk_vbar_layout *layout,
			  struct mdk_vbar_area *areas, unsigned int max);

#endif /* _VFIO_MDEV_VBAR_H */
