// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev BAR layouts (see vbar.h).
 */

#include <linux/errno.h>
#include <linux/minmax.h>

#include "vbar.h"

static bool mdk_vbar_page_aligned(u64 x)
{
	return !(x & (MDK_VBAR_PAGE - 1));
}

/**
 * mdk_vbar_validate() - check a layout a parent declared
 * @layout: the layout
 *
 * Context: any.
 * Return: 0, or -EINVAL if the BAR is empty, a range is empty, overlaps the
 * one before it, is out of order or beyond the BAR, or is a passthrough range
 * whose offset or size is not a multiple of %MDK_VBAR_PAGE.
 */
int mdk_vbar_validate(const struct mdk_vbar_layout *layout)
{
	u64 end = 0;
	unsigned int i;

	if (!layout->size || (layout->nr_ranges && !layout->ranges))
		return -EINVAL;
	for (i = 0; i < layout->nr_ranges; i++) {
		const struct mdk_vbar_range *r = &layout->ranges[i];

		if (!r->size || r->offset < end || r->offset > layout->size ||
		    r->size > layout->size - r->offset)
			return -EINVAL;
		if (r->kind == MDK_VBAR_PASSTHROUGH &&
		    (!mdk_vbar_page_aligned(r->offset) ||
		     !mdk_vbar_page_aligned(r->size)))
			return -EINVAL;
		if (r->kind != MDK_VBAR_PASSTHROUGH && r->kind != MDK_VBAR_TRAP)
			return -EINVAL;
		end = r->offset + r->size;
	}
	return 0;
}

/*
 * The range holding @offset (a binary search), or -1 for a hole; *next is
 * then where the next range starts (the BAR's end if none).
 */
static int mdk_vbar_lookup(const struct mdk_vbar_layout *layout, u64 offset,
			   u64 *next)
{
	unsigned int lo = 0, hi = layout->nr_ranges;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct mdk_vbar_range *r = &layout->ranges[mid];

		if (offset < r->offset)
			hi = mid;
		else if (offset - r->offset >= r->size)
			lo = mid + 1;
		else
			return mid;
	}
	*next = lo < layout->nr_ranges ? layout->ranges[lo].offset : layout->size;
	return -1;
}

/**
 * mdk_vbar_find() - the range an offset falls in
 * @layout: a valid layout
 * @offset: from the start of the BAR
 *
 * Context: any.
 * Return: the range's index, -ENOENT for a hole, -EINVAL beyond the BAR.
 */
int mdk_vbar_find(const struct mdk_vbar_layout *layout, u64 offset)
{
	u64 next;
	int i;

	if (offset >= layout->size)
		return -EINVAL;
	i = mdk_vbar_lookup(layout, offset, &next);
	return i < 0 ? -ENOENT : i;
}

/**
 * mdk_vbar_split() - cut an access at the boundaries of ranges and holes
 * @layout: a valid layout
 * @offset: of the access, from the start of the BAR; any alignment
 * @len: 1, 2, 4 or 8
 * @pieces: receives up to %MDK_VBAR_MAX_PIECES pieces, in address order
 *
 * A piece inside one range keeps the offset and size the user gave, so a
 * trapped range's callback sees the access the guest made; only an access
 * across a boundary is cut.
 *
 * Context: any.
 * Return: the number of pieces, or -EINVAL for another length or an access
 * that does not fit in the BAR.
 */
int mdk_vbar_split(const struct mdk_vbar_layout *layout, u64 offset,
		   unsigned int len, struct mdk_vbar_piece *pieces)
{
	unsigned int n = 0, done = 0;

	if ((len != 1 && len != 2 && len != 4 && len != 8) ||
	    offset >= layout->size || len > layout->size - offset)
		return -EINVAL;
	while (done < len) {
		u64 pos = offset + done, next;
		int i = mdk_vbar_lookup(layout, pos, &next);
		struct mdk_vbar_piece *p = &pieces[n++];

		p->range = i;
		p->skip = done;
		if (i >= 0) {
			const struct mdk_vbar_range *r = &layout->ranges[i];

			p->offset = pos - r->offset;
			p->len = min_t(u64, len - done, r->size - p->offset);
		} else {
			p->offset = pos;
			p->len = min_t(u64, len - done, next - pos);
		}
		done += p->len;
	}
	return n;
}

/**
 * mdk_vbar_mmap_range() - check an mmap request against the layout
 * @layout: a valid layout
 * @offset: from the start of the BAR
 * @len: bytes to map
 *
 * A request may span adjacent passthrough ranges, as the sparse-mmap area
 * that reports them as one invites (QEMU maps each area in one call).
 *
 * Context: any.
 * Return: the index of the first passthrough range of the request, or
 * -EINVAL if it is empty, not page-aligned, or not covered entirely by
 * adjacent passthrough ranges.
 */
int mdk_vbar_mmap_range(const struct mdk_vbar_layout *layout, u64 offset,
			u64 len)
{
	u64 pos = offset;
	int first, i;

	if (!len || !mdk_vbar_page_aligned(offset) ||
	    !mdk_vbar_page_aligned(len) || offset >= layout->size ||
	    len > layout->size - offset)
		return -EINVAL;
	first = mdk_vbar_find(layout, offset);
	if (first < 0)
		return -EINVAL;
	for (i = first; pos < offset + len; i++) {
		const struct mdk_vbar_range *r = &layout->ranges[i];

		if ((unsigned int)i >= layout->nr_ranges ||
		    r->kind != MDK_VBAR_PASSTHROUGH ||
		    (i > first && r->offset != pos))
			return -EINVAL;
		pos = r->offset + r->size;
	}
	return first;
}

/**
 * mdk_vbar_sparse_areas() - the mmap-able areas, as VFIO reports them
 * @layout: a valid layout
 * @areas: receives up to @max areas (may be NULL when @max is 0)
 * @max: room in @areas
 *
 * Adjacent passthrough ranges make one area.
 *
 * Context: any.
 * Return: the number of areas (which may exceed @max: call again with room).
 */
int mdk_vbar_sparse_areas(const struct mdk_vbar_layout *layout,
			  struct mdk_vbar_area *areas, unsigned int max)
{
	unsigned int i, n = 0;
	u64 end = 0;

	for (i = 0; i < layout->nr_ranges; i++) {
		const struct mdk_vbar_range *r = &layout->ranges[i];

		if (r->kind != MDK_VBAR_PASSTHROUGH)
			continue;
		if (n && r->offset == end) {
			if (n <= max)
				areas[n - 1].size += r->size;
		} else {
			if (n < max) {
				areas[n].offset = r->offset;
				areas[n].size = r->size;
			}
			n++;
		}
		end = r->offset + r->size;
	}
	return n;
}
