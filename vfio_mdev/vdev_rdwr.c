// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev region access: read() and write() on config space and BARs
 * (mmap: vdev_mmap.c).
 *
 * An access of 1, 2, 4 or 8 bytes is one access, at whatever alignment the
 * user made it: it is split only where it crosses a range boundary, and a
 * trapped range's callback sees the size and offset of its part. Longer
 * accesses are cut into naturally aligned pieces of up to 8 bytes. Config
 * space takes pieces of up to 4 bytes. The ends of regions are vfio-pci's:
 * a BAR access running past the end is cut short, config space's is
 * -EFAULT, and 0 bytes is 0.
 */

#include <linux/io.h>
#include <linux/uaccess.h>
#include <mdevkit/compat.h>

#include "vfio_mdev_priv.h"

/* The largest piece at @pos of @left bytes: naturally aligned, <= @max. */
static unsigned int mdk_vdev_chunk(u64 pos, size_t left, unsigned int max)
{
	unsigned int n;

	for (n = max; n > 1; n /= 2)
		if (left >= n && !(pos & (n - 1)))
			break;
	return n;
}

/*
 * User copies of one piece (1, 2, 4 or 8 bytes, little endian in @val):
 * with constant sizes, as hardened usercopy checks a variable-size copy of
 * a stack object on every call, which costs a trapped access a third of its
 * rate (measured with make bench).
 */
static int mdk_vdev_copy_in(u64 *val, const char __user *ubuf, unsigned int n)
{
	switch (n) {
	case 8:
		return copy_from_user(val, ubuf, 8) ? -EFAULT : 0;
	case 4:
		return copy_from_user(val, ubuf, 4) ? -EFAULT : 0;
	case 2:
		return copy_from_user(val, ubuf, 2) ? -EFAULT : 0;
	default:
		return copy_from_user(val, ubuf, 1) ? -EFAULT : 0;
	}
}

static int mdk_vdev_copy_out(char __user *ubuf, const u64 *val, unsigned int n)
{
	switch (n) {
	case 8:
		return copy_to_user(ubuf, val, 8) ? -EFAULT : 0;
	case 4:
		return copy_to_user(ubuf, val, 4) ? -EFAULT : 0;
	case 2:
		return copy_to_user(ubuf, val, 2) ? -EFAULT : 0;
	default:
		return copy_to_user(ubuf, val, 1) ? -EFAULT : 0;
	}
}

/*
 * After a config write: the MSI-X control word may have changed (enable or
 * function mask), which may release pending vectors.
 */
static void mdk_vdev_cfg_written(struct mdk_vdev *vdev, unsigned int off,
				 unsigned int len)
{
	unsigned int ctrl = vdev->msix_cap + PCI_MSIX_FLAGS;

	if (vdev->msix_cap && off < ctrl + 2 && off + len > ctrl)
		mdk_vdev_msix_control(vdev);
	if (off < PCI_COMMAND + 2 && off + len > PCI_COMMAND)
		mdk_vdev_intx_command(vdev);
}

/* After a config read: PCI_STATUS_INTERRUPT is the INTx line's state. */
static void mdk_vdev_cfg_read_status(struct mdk_vdev *vdev, unsigned int off,
				     u64 *val, unsigned int len)
{
	u8 *status;

	if (off > PCI_STATUS || off + len <= PCI_STATUS)
		return;
	status = (u8 *)val + (PCI_STATUS - off);
	if (mdk_vdev_intx_asserted(vdev))
		*status |= PCI_STATUS_INTERRUPT;
	else
		*status &= ~PCI_STATUS_INTERRUPT;
}

/*
 * A piece of a config write. One that touches the command register holds
 * memory_lock for writing, and zaps the mappings when it leaves memory
 * decode off, as vfio-pci does: they fault back in once it is on again.
 */
static int mdk_vdev_cfg_write(struct mdk_vdev *vdev, unsigned int off,
			      const u64 *val, unsigned int n)
{
	int ret;

	if (off >= PCI_COMMAND + 2 || off + n <= PCI_COMMAND)
		return mdk_vcfg_write(&vdev->cfg, off, val, n);
	down_write(&vdev->memory_lock);
	ret = mdk_vcfg_write(&vdev->cfg, off, val, n);
	if (!ret && !(get_unaligned_le16(&vdev->cfg.data[PCI_COMMAND]) &
		      PCI_COMMAND_MEMORY))
		mdk_vdev_zap(vdev);
	up_write(&vdev->memory_lock);
	return ret;
}

static ssize_t mdk_vdev_cfg_rw(struct mdk_vdev *vdev, char __user *ubuf,
			       size_t count, u64 pos, bool write)
{
	size_t done = 0;
	u64 val = 0;
	int ret;

	/* As vfio-pci: nothing to do is 0 anywhere; beyond the end -EFAULT. */
	if (!count)
		return 0;
	if (pos >= vdev->cfg.size || count > vdev->cfg.size - pos)
		return -EFAULT;
	while (done < count) {
		unsigned int n = mdk_vdev_chunk(pos + done, count - done, 4);

		if (count <= 4 && (count == 1 || count == 2 || count == 4))
			n = count;
		if (write) {
			ret = mdk_vdev_copy_in(&val, ubuf + done, n);
			if (!ret)
				ret = mdk_vdev_cfg_write(vdev, pos + done, &val,
							 n);
			if (ret)
				return ret;
			mdk_vdev_cfg_written(vdev, pos + done, n);
		} else {
			ret = mdk_vcfg_read(&vdev->cfg, pos + done, &val, n);
			if (!ret) {
				mdk_vdev_cfg_read_status(vdev, pos + done,
							 &val, n);
				ret = mdk_vdev_copy_out(ubuf + done, &val, n);
			}
			if (ret)
				return ret;
		}
		done += n;
	}
	return count;
}

/* Passthrough bytes through read()/write(): memory, or MMIO by size. */
static void mdk_vdev_pt_rw(const struct mdk_vdev_range *r, u64 off, u8 *buf,
			   unsigned int len, bool write)
{
	void __iomem *io;

	if (r->mem) {
		if (write)
			memcpy(r->mem + off, buf, len);
		else
			memcpy(buf, r->mem + off, len);
		return;
	}
	io = r->io + off;
	switch (len) {
	case 8:
		if (write)
			writeq(get_unaligned_le64(buf), io);
		else
			put_unaligned_le64(readq(io), buf);
		return;
	case 4:
		if (write)
			writel(get_unaligned_le32(buf), io);
		else
			put_unaligned_le32(readl(io), buf);
		return;
	case 2:
		if (write)
			writew(get_unaligned_le16(buf), io);
		else
			put_unaligned_le16(readw(io), buf);
		return;
	default:
		if (write)
			memcpy_toio(io, buf, len);
		else
			memcpy_fromio(buf, io, len);
	}
}

/* A part of an access inside one trapped range: MSI-X, or the parent's. */
static int mdk_vdev_trap(struct mdk_vdev *vdev, unsigned int bar, u64 at,
			 u8 *buf, unsigned int len, bool write)
{
	if (mdk_vdev_msix_claims(vdev, bar, at))
		return mdk_vdev_msix_access(vdev, at, buf, len, write);
	if (write)
		return vdev->ops->write ?
		       vdev->ops->write(vdev, bar, at, buf, len) : 0;
	return vdev->ops->read ? vdev->ops->read(vdev, bar, at, buf, len) : 0;
}

/*
 * One access of 1, 2, 4 or 8 bytes to a BAR, split at range boundaries.
 * @buf holds zeroes on a read: parts nobody fills read as zero.
 */
static int mdk_vdev_bar_access(struct mdk_vdev *vdev, unsigned int bar,
			       u64 pos, u8 *buf, unsigned int len, bool write)
{
	struct mdk_vdev_bar_state *st = &vdev->bars[bar];
	struct mdk_vbar_piece pieces[MDK_VBAR_MAX_PIECES];
	const struct mdk_vbar_range *r;
	int nr, i, ret;

	/*
	 * The common case: all of it in the trapped range the last access of
	 * this BAR went to (a driver polls or rings the same registers), or in
	 * another single trapped range. Each call saved counts: a trapped
	 * access is a few thousand instructions in all.
	 */
	r = &st->vranges[st->hint];
	if (pos - r->offset >= r->size) {
		i = mdk_vbar_find(&st->layout, pos);
		if (i < 0)
			goto split;
		st->hint = i;
		r = &st->vranges[i];
	}
	if (r->kind == MDK_VBAR_TRAP && pos + len <= r->offset + r->size)
		return mdk_vdev_trap(vdev, bar, pos, buf, len, write);
split:
	nr = mdk_vbar_split(&st->layout, pos, len, pieces);
	if (nr < 0)
		return nr;
	for (i = 0; i < nr; i++) {
		const struct mdk_vbar_piece *p = &pieces[i];
		u8 *b = buf + p->skip;

		if (p->range < 0)	/* a hole: zeroes, writes ignored */
			continue;
		if (st->vranges[p->range].kind == MDK_VBAR_PASSTHROUGH) {
			mdk_vdev_pt_rw(&st->ranges[p->range], p->offset, b,
				       p->len, write);
			continue;
		}
		ret = mdk_vdev_trap(vdev, bar, pos + p->skip, b, p->len,
				    write);
		if (ret)
			return ret;
	}
	return 0;
}

static ssize_t mdk_vdev_bar_rw(struct mdk_vdev *vdev, unsigned int bar,
			       char __user *ubuf, size_t count, u64 pos,
			       bool write)
{
	u64 size = vdev->bars[bar].layout.size;
	size_t done = 0;
	int ret;

	/*
	 * As vfio-pci: at or past the end -EINVAL; one that runs past it is
	 * cut short there; 0 bytes is 0.
	 */
	if (!size || pos >= size)
		return -EINVAL;
	count = min_t(u64, count, size - pos);
	if (!count)
		return 0;
	/* As vfio-pci: no access while the command register disables it. */
	if (!(get_unaligned_le16(&vdev->cfg.data[PCI_COMMAND]) &
	      vdev->bars[bar].decode))
		return -EIO;
	while (done < count) {
		u64 val = 0;
		unsigned int n;

		if (count == 1 || count == 2 || count == 4 || count == 8)
			n = count;
		else
			n = mdk_vdev_chunk(pos + done, count - done, 8);
		ret = write ? mdk_vdev_copy_in(&val, ubuf + done, n) : 0;
		if (!ret)
			ret = mdk_vdev_bar_access(vdev, bar, pos + done,
						  (u8 *)&val, n, write);
		if (!ret && !write)
			ret = mdk_vdev_copy_out(ubuf + done, &val, n);
		if (ret)
			return ret;
		done += n;
	}
	return count;
}

static ssize_t mdk_vdev_rw(struct mdk_vdev *vdev, char __user *ubuf,
			   size_t count, loff_t *ppos, bool write)
{
	unsigned int index = MDK_VDEV_INDEX((u64)*ppos);
	u64 pos = *ppos & MDK_VDEV_OFFSET_MASK;
	ssize_t ret;

	if (*ppos < 0)
		return -EINVAL;
	mutex_lock(&vdev->lock);
	if (index <= VFIO_PCI_BAR5_REGION_INDEX)
		ret = mdk_vdev_bar_rw(vdev, index, ubuf, count, pos, write);
	else if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		ret = mdk_vdev_cfg_rw(vdev, ubuf, count, pos, write);
	else
		ret = -EINVAL;
	mutex_unlock(&vdev->lock);
	if (ret > 0)
		*ppos += ret;
	return ret;
}

/**
 * mdk_vdev_read() - vfio_device_ops.read
 * @vfio: the device
 * @buf: the user's buffer
 * @count: bytes
 * @ppos: region offset (index << 40 | offset)
 *
 * Context: process.
 * As vfio-pci: an access that runs past the end of a BAR is cut short
 * there; one of 0 bytes is 0.
 *
 * Return: the bytes done (@count, or fewer at a BAR's end), or -EINVAL (no
 * such region, at or past a BAR's end, bad MSI-X table access), -EFAULT
 * (beyond config space, or a bad buffer), -EIO (the BAR's decoding is off)
 * or the parent's error.
 */
ssize_t mdk_vdev_read(struct vfio_device *vfio, char __user *buf,
		      size_t count, loff_t *ppos)
{
	return mdk_vdev_rw(mdk_vdev_of(vfio), buf, count, ppos, false);
}

/**
 * mdk_vdev_write() - vfio_device_ops.write
 * @vfio: the device
 * @buf: the user's buffer
 * @count: bytes
 * @ppos: region offset (index << 40 | offset)
 *
 * Context: process.
 * Return: as mdk_vdev_read().
 */
ssize_t mdk_vdev_write(struct vfio_device *vfio, const char __user *buf,
		       size_t count, loff_t *ppos)
{
	return mdk_vdev_rw(mdk_vdev_of(vfio), (char __user *)buf, count, ppos,
			   true);
}

/**
 * mdk_vdev_enable_decode() - set memory and I/O decoding for the BARs
 * @vdev: the device, its lock held
 *
 * What pci_enable_device() does before vfio-pci hands a device over.
 */
void mdk_vdev_enable_decode(struct mdk_vdev *vdev)
{
	u16 cmd = get_unaligned_le16(&vdev->cfg.data[PCI_COMMAND]);
	unsigned int i;

	for (i = 0; i < MDK_VCFG_NR_BARS; i++) {
		if (!vdev->info.pci.bars[i].size)
			continue;
		if (vdev->info.pci.bars[i].flags & MDK_VCFG_BAR_IO)
			cmd |= PCI_COMMAND_IO;
		else
			cmd |= PCI_COMMAND_MEMORY;
	}
	put_unaligned_le16(cmd, &vdev->cfg.data[PCI_COMMAND]);
}
