// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev: VFIO migration v2 (docs/migration.md), for a parent that gives
 * struct mdk_vdev_mig_ops.
 *
 * States: RUNNING, RUNNING_P2P, STOP, STOP_COPY and RESUMING (the flags
 * STOP_COPY and P2P), and PRE_COPY and PRE_COPY_P2P where the kernel has
 * them; the VFIO core's vfio_mig_get_next_state() splits a request into the
 * arcs of mdk_vdev_mig_step(). The P2P states already quiesce the parent (a
 * device may do less than a state allows, not more): its DMA stops when it
 * leaves RUNNING or PRE_COPY.
 *
 * Saving: the data fd of STOP_COPY reads one record, the header and the
 * whole state, saved at once when the device enters STOP_COPY. The data fd
 * of PRE_COPY first reads a header alone (MDK_VMIG_F_PRECOPY), which the
 * target checks at once, before the source stops; then, once the device is
 * in STOP_COPY, the whole record. Resuming: the data fd takes records; each
 * header is checked as soon as it is complete (a stream of another device
 * fails there), and RESUMING -> STOP checks the whole record and loads it.
 *
 * The data fds never use the device: each owns its buffer, and the device
 * disables them (under the fd's lock) when it leaves their states, is reset
 * or is closed; they fail with -ENODEV from then on.
 */

#include <linux/anon_inodes.h>
#include <linux/crc32.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <mdevkit/compat.h>

#include "vfio_mdev_priv.h"

/**
 * struct mdk_vdev_mig_file - a migration data fd
 * @filp: its file
 * @vdev: its device, used only while the fd is not @disabled (the device
 *	disables it before it goes)
 * @lock: serialises the fd's operations with disabling it and with
 *	appending to it
 * @wait: poll()ers of a PRE_COPY fd at its temporary end
 * @disabled: the device left the states the fd belongs to
 * @precopy: a save fd still in PRE_COPY: its end is a temporary one
 * @err: a stream written to it was refused: every later write fails so
 * @hdr: the header of the record arriving (RESUMING)
 * @buf: saving: what the fd reads; resuming: the whole record, once its
 *	header announced its length
 * @len: saving: bytes in @buf; resuming: bytes of the record so far
 * @want: resuming: the record's length from its header, or 0
 * @max: resuming: the largest record the device takes
 * @pos: saving: the next byte to read
 */
struct mdk_vdev_mig_file {
	struct file *filp;
	struct mdk_vdev *vdev;
	struct mutex lock;	/* see above */
	wait_queue_head_t wait;
	bool disabled;
	bool precopy;
	int err;
	u8 hdr[MDK_VMIG_HDR_SIZE];
	u8 *buf;
	size_t len;
	size_t want;
	size_t max;
	size_t pos;
};

/* VFIO_MIG_GET_PRECOPY_INFO's argument (struct vfio_precopy_info, 6.2+) */
struct mdk_vdev_precopy_info {
	u32 argsz;
	u32 flags;
	u64 initial_bytes;
	u64 dirty_bytes;
};

/* vfio_mdev's own section: config space, INTx line, MSI-X table and PBA. */
#define MDK_VMIG_INTX_PENDING	BIT(0)
#define MDK_VMIG_INTX_ASSERTED	BIT(1)

static size_t mdk_vdev_pba_bytes(const struct mdk_vdev *vdev)
{
	return DIV_ROUND_UP(vdev->info.msix_vectors, 64) * 8;
}

static size_t mdk_vdev_fw_len(const struct mdk_vdev *vdev)
{
	return vdev->cfg.size + 4 +
	       (size_t)vdev->info.msix_vectors * PCI_MSIX_ENTRY_SIZE +
	       mdk_vdev_pba_bytes(vdev);
}

static void mdk_vdev_fw_save(struct mdk_vdev *vdev, u8 *p)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;
	size_t table = (size_t)vdev->info.msix_vectors * PCI_MSIX_ENTRY_SIZE;
	unsigned long flags;
	unsigned int v;
	u8 intx = 0;

	lockdep_assert_held(&vdev->lock);
	memcpy(p, vdev->cfg.data, vdev->cfg.size);
	p += vdev->cfg.size;
	spin_lock_irqsave(&vdev->irq_lock, flags);
	if (irqs->intx_pending)
		intx |= MDK_VMIG_INTX_PENDING;
	if (irqs->intx_asserted)
		intx |= MDK_VMIG_INTX_ASSERTED;
	put_unaligned_le32(intx, p);
	p += 4;
	if (table) {
		memcpy(p, irqs->msix_table, table);
		p += table;
		memset(p, 0, mdk_vdev_pba_bytes(vdev));
		for (v = 0; v < vdev->info.msix_vectors; v++)
			if (test_bit(v, irqs->msix_pending))
				p[v / 8] |= BIT(v % 8);
	}
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
}

/* Checks vfio_mdev's section (of the device's length) before a load. */
static int mdk_vdev_fw_check(struct mdk_vdev *vdev, const u8 *p)
{
	u32 intx = get_unaligned_le32(p + vdev->cfg.size);

	return intx & ~(MDK_VMIG_INTX_PENDING | MDK_VMIG_INTX_ASSERTED) ?
	       -EINVAL : 0;
}

/*
 * Loads vfio_mdev's section (checked). Config space: only the bits the user
 * may write (or clear) come from the stream, the rest is the device's own
 * (the layout CRC said both are the same device, but a forged stream could
 * change read-only bytes). The user's side of interrupts stays the
 * target's: which of INTx, MSI and MSI-X it enabled with
 * VFIO_DEVICE_SET_IRQS (their enable bits in config space follow it) and
 * its eventfds. The device's side comes from the stream: the MSI-X table
 * (its mask bits included), its pending bits and the INTx line. Pending
 * MSI-X vectors the stream unmasks are delivered here, as the device would
 * once running: a departure from STOP's "no interrupt" that QEMU never sees
 * (it sets MSI-X up after the load).
 */
static void mdk_vdev_fw_load(struct mdk_vdev *vdev, const u8 *p)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;
	unsigned int nr = vdev->info.msix_vectors, i, v;
	u16 msi = 0, msix = 0;
	unsigned long flags;
	u32 intx;
	u8 w, *c;

	lockdep_assert_held(&vdev->lock);
	if (vdev->msi_cap)
		msi = get_unaligned_le16(&vdev->cfg.data[vdev->msi_cap +
							 PCI_MSI_FLAGS]);
	if (vdev->msix_cap)
		msix = get_unaligned_le16(&vdev->cfg.data[vdev->msix_cap +
							  PCI_MSIX_FLAGS]);
	down_write(&vdev->memory_lock);
	for (i = 0; i < vdev->cfg.size; i++) {
		w = vdev->cfg.wmask[i] | vdev->cfg.w1c[i];
		vdev->cfg.data[i] = (vdev->cfg.data[i] & ~w) | (p[i] & w);
	}
	if (vdev->msi_cap)
		put_unaligned_le16(msi, &vdev->cfg.data[vdev->msi_cap +
							PCI_MSI_FLAGS]);
	if (vdev->msix_cap) {
		c = &vdev->cfg.data[vdev->msix_cap + PCI_MSIX_FLAGS];
		put_unaligned_le16((get_unaligned_le16(c) &
				    ~PCI_MSIX_FLAGS_ENABLE) |
				   (msix & PCI_MSIX_FLAGS_ENABLE), c);
	}
	/* The BARs may have moved or stopped decoding: fault in again. */
	mdk_vdev_zap(vdev);
	up_write(&vdev->memory_lock);
	p += vdev->cfg.size;
	intx = get_unaligned_le32(p);
	p += 4;
	spin_lock_irqsave(&vdev->irq_lock, flags);
	irqs->intx_pending = intx & MDK_VMIG_INTX_PENDING;
	irqs->intx_asserted = intx & MDK_VMIG_INTX_ASSERTED;
	if (nr) {
		memcpy(irqs->msix_table, p, (size_t)nr * PCI_MSIX_ENTRY_SIZE);
		/* Vector Control: only the mask bit is defined. */
		for (v = 0; v < nr; v++) {
			c = irqs->msix_table + v * PCI_MSIX_ENTRY_SIZE +
			    PCI_MSIX_ENTRY_VECTOR_CTRL;
			put_unaligned_le32(get_unaligned_le32(c) &
					   PCI_MSIX_ENTRY_CTRL_MASKBIT, c);
		}
		p += (size_t)nr * PCI_MSIX_ENTRY_SIZE;
		for (v = 0; v < nr; v++)
			assign_bit(v, irqs->msix_pending, p[v / 8] & BIT(v % 8));
	}
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
	mdk_vdev_intx_command(vdev);
	if (vdev->msix_cap)
		mdk_vdev_msix_control(vdev);
}

/* What a stream of this device must say it was saved from. */
static void mdk_vdev_mig_desc(struct mdk_vdev *vdev, struct mdk_vmig_desc *d)
{
	const struct mdk_vcfg_desc *pci = &vdev->info.pci;
	const char *type = vdev->mdev->type->sysfs_name;
	const char *drv = dev_driver_string(vdev->mdev->type->parent->dev);
	size_t n = strlen(drv);
	unsigned int i;

	memset(d, 0, sizeof(*d));
	strscpy(d->parent, drv, sizeof(d->parent));
	/* "mdk_card-1q" is type "1q" of parent driver "mdk_card" */
	if (!strncmp(type, drv, n) && type[n] == '-')
		type += n + 1;
	strscpy(d->type, type, sizeof(d->type));
	d->vendor = pci->vendor;
	d->device = pci->device;
	d->subsystem_vendor = pci->subsystem_vendor;
	d->subsystem_device = pci->subsystem_device;
	d->class = pci->class;
	for (i = 0; i < MDK_VCFG_NR_BARS; i++)
		d->bar_size[i] = pci->bars[i].size;
	d->msix_vectors = vdev->info.msix_vectors;
	d->msi_vectors = vdev->info.msi_vectors;
	d->cfg_size = vdev->cfg.size;
	/* What the user may write, and where the capabilities are. */
	d->layout_crc = ~crc32_le(crc32_le(~0U, vdev->cfg_init.data,
					    vdev->cfg.size),
				   vdev->cfg_init.wmask, vdev->cfg.size);
	d->parent_version = vdev->ops->mig->version;
}

static void mdk_vdev_mig_log(struct mdk_vdev *vdev, const char *what,
			     int err, const char *why)
{
	dev_info_ratelimited(mdk_vdev_dev(vdev), "migration: %s refused: %s (%d)\n",
			     what, why, err);
}

static void mdk_vdev_mig_file_free(struct mdk_vdev_mig_file *migf)
{
	kvfree(migf->buf);
	mutex_destroy(&migf->lock);
	kfree(migf);
}

static int mdk_vdev_mig_release(struct inode *inode, struct file *filp)
{
	mdk_vdev_mig_file_free(filp->private_data);
	return 0;
}

/*
 * Reads the record(s) saved; at their end, 0 in STOP_COPY, -ENOMSG in
 * PRE_COPY (a temporary end: the whole record comes in STOP_COPY).
 */
static ssize_t mdk_vdev_mig_read(struct file *filp, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct mdk_vdev_mig_file *migf = filp->private_data;
	ssize_t ret;
	size_t n;

	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	n = min(count, migf->len - migf->pos);
	if (!n && count && migf->precopy) {
		ret = -ENOMSG;
		goto out;
	}
	if (n && copy_to_user(ubuf, migf->buf + migf->pos, n)) {
		ret = -EFAULT;
		goto out;
	}
	migf->pos += n;
	ret = n;
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static __poll_t mdk_vdev_mig_poll(struct file *filp, poll_table *wait)
{
	struct mdk_vdev_mig_file *migf = filp->private_data;
	__poll_t mask = EPOLLIN | EPOLLRDNORM;

	poll_wait(filp, &migf->wait, wait);
	mutex_lock(&migf->lock);
	if (!migf->disabled && migf->precopy && migf->pos == migf->len)
		mask = 0;
	mutex_unlock(&migf->lock);
	return mask;
}

static long mdk_vdev_mig_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	struct mdk_vdev_mig_file *migf = filp->private_data;
	struct mdk_vdev_precopy_info info;
	unsigned long minsz = offsetofend(typeof(info), dirty_bytes);
	long ret = 0;

	if (cmd != MDK_MIG_GET_PRECOPY_INFO)
		return -ENOTTY;
	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	mutex_lock(&migf->lock);
	if (migf->disabled)
		ret = -ENODEV;
	else if (!migf->precopy)
		ret = -EINVAL;	/* valid in the PRE_COPY states only */
	info.initial_bytes = migf->len - migf->pos;
	info.dirty_bytes = 0;
	mutex_unlock(&migf->lock);
	if (ret)
		return ret;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * The stream's buffers: a failure is the caller's ENOMEM, which it may
 * retry, not a report for the kernel log (vmalloc's would dump a stack).
 */
#define MDK_MIG_GFP	(GFP_KERNEL_ACCOUNT | __GFP_NOWARN)

/* A record's header is complete: check it, then make room for the rest. */
static int mdk_vdev_mig_take_hdr(struct mdk_vdev_mig_file *migf)
{
	struct mdk_vdev *vdev = migf->vdev;
	struct mdk_vmig_hdr hdr;
	const char *why;
	size_t want;
	u8 *buf;
	int ret;

	ret = mdk_vmig_hdr_get(migf->hdr, sizeof(migf->hdr), &hdr, &why);
	if (!ret)
		ret = mdk_vmig_check(&hdr, &vdev->mig.desc, &why);
	if (!ret && MDK_VMIG_HDR_SIZE + (size_t)hdr.fw_len + hdr.parent_len >
		    migf->max) {
		ret = -EFBIG;
		why = "record larger than this device's state";
	}
	if (ret) {
		mdk_vdev_mig_log(vdev, "stream", ret, why);
		return ret;
	}
	if (hdr.flags & MDK_VMIG_F_PRECOPY) {
		migf->len = 0;	/* checked: the whole record follows */
		return 0;
	}
	/* Nothing changes unless it succeeds: the caller may retry. */
	want = MDK_VMIG_HDR_SIZE + (size_t)hdr.fw_len + hdr.parent_len;
	buf = kvzalloc(want, MDK_MIG_GFP);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, migf->hdr, sizeof(migf->hdr));
	migf->buf = buf;
	migf->want = want;
	return 0;
}

/*
 * Records arrive: a header alone (PRE_COPY's), checked and dropped, then a
 * whole one, whose header is checked once complete; a byte past the whole
 * record fails with -EFBIG. A refused stream makes every later write fail
 * the same way, until the device leaves RESUMING. Running out of memory
 * for a record is not the stream's fault: the header's last bytes are
 * given back (a short write, or -ENOMEM) and a retry may succeed.
 */
static ssize_t mdk_vdev_mig_write(struct file *filp, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct mdk_vdev_mig_file *migf = filp->private_data;
	size_t n, done = 0;
	ssize_t ret;

	mutex_lock(&migf->lock);
	ret = migf->disabled ? -ENODEV : migf->err;
	while (!ret && done < count) {
		if (migf->want) {		/* the rest of a whole record */
			n = count - done;
			if (n > migf->want - migf->len) {
				mdk_vdev_mig_log(migf->vdev, "stream", -EFBIG,
						 "bytes after the whole record");
				ret = -EFBIG;
				migf->err = ret;
				break;
			}
			if (copy_from_user(migf->buf + migf->len,
					   ubuf + done, n)) {
				ret = -EFAULT;
				break;
			}
			migf->len += n;
			done += n;
			break;
		}
		n = min(count - done, MDK_VMIG_HDR_SIZE - migf->len);
		if (copy_from_user(migf->hdr + migf->len, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		migf->len += n;
		done += n;
		if (migf->len == MDK_VMIG_HDR_SIZE) {
			ret = mdk_vdev_mig_take_hdr(migf);
			if (ret == -ENOMEM) {
				migf->len -= n;
				done -= n;
				if (done)
					ret = 0;
				break;
			}
			migf->err = ret;
		}
	}
	mutex_unlock(&migf->lock);
	return ret ? ret : done;
}

static const struct file_operations mdk_vdev_mig_save_fops = {
	.owner		= THIS_MODULE,
	.read		= mdk_vdev_mig_read,
	.poll		= mdk_vdev_mig_poll,
	.unlocked_ioctl	= mdk_vdev_mig_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= mdk_vdev_mig_release,
};

static const struct file_operations mdk_vdev_mig_load_fops = {
	.owner		= THIS_MODULE,
	.write		= mdk_vdev_mig_write,
	.release	= mdk_vdev_mig_release,
};

/* A new data fd; the device keeps a reference (@slot) besides the user's. */
static struct file *mdk_vdev_mig_file_new(struct mdk_vdev *vdev,
					  const struct file_operations *fops,
					  int flags, u8 *buf, size_t len,
					  struct mdk_vdev_mig_file **slot)
{
	struct mdk_vdev_mig_file *migf;
	struct file *filp;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL_ACCOUNT);
	if (!migf) {
		kvfree(buf);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&migf->lock);
	init_waitqueue_head(&migf->wait);
	migf->vdev = vdev;
	migf->buf = buf;
	migf->len = len;
	filp = anon_inode_getfile("mdk_vdev_mig", fops, migf, flags);
	if (IS_ERR(filp)) {
		mdk_vdev_mig_file_free(migf);
		return filp;
	}
	migf->filp = filp;
	stream_open(filp->f_inode, filp);
	*slot = migf;
	get_file(filp);
	return filp;
}

/* The fd of a session that ended fails from now on; the device's ref goes. */
static void mdk_vdev_mig_file_disable(struct mdk_vdev_mig_file **slot)
{
	struct mdk_vdev_mig_file *migf = *slot;

	if (!migf)
		return;
	mutex_lock(&migf->lock);
	migf->disabled = true;
	kvfree(migf->buf);
	migf->buf = NULL;
	migf->len = 0;
	migf->pos = 0;
	mutex_unlock(&migf->lock);
	wake_up_interruptible(&migf->wait);
	fput(migf->filp);
	*slot = NULL;
}

/* A whole record of the device's state now (quiesced), in a new buffer. */
static int mdk_vdev_mig_record(struct mdk_vdev *vdev, u8 **out, size_t *len)
{
	const struct mdk_vdev_mig_ops *mig = vdev->ops->mig;
	size_t fw = mdk_vdev_fw_len(vdev), max = mig->size(vdev);
	ssize_t n;
	u8 *buf;

	if (max > MDK_VMIG_MAX_SIZE - MDK_VMIG_HDR_SIZE - fw)
		return -EFBIG;
	buf = kvzalloc(MDK_VMIG_HDR_SIZE + fw + max, MDK_MIG_GFP);
	if (!buf)
		return -ENOMEM;
	mdk_vdev_fw_save(vdev, buf + MDK_VMIG_HDR_SIZE);
	n = mig->save(vdev, buf + MDK_VMIG_HDR_SIZE + fw, max);
	if (n < 0 || n > max) {
		kvfree(buf);
		return n < 0 ? n : -EIO;
	}
	*len = MDK_VMIG_HDR_SIZE + fw + n;
	mdk_vmig_hdr_put(buf, &vdev->mig.desc, 0, fw, n);
	mdk_vmig_seal(buf, *len);
	*out = buf;
	return 0;
}

/* STOP -> STOP_COPY: a new fd reading a whole record. */
static struct file *mdk_vdev_mig_stop_copy(struct mdk_vdev *vdev)
{
	size_t len;
	u8 *buf;
	int ret;

	ret = mdk_vdev_mig_record(vdev, &buf, &len);
	if (ret)
		return ERR_PTR(ret);
	return mdk_vdev_mig_file_new(vdev, &mdk_vdev_mig_save_fops, O_RDONLY,
				     buf, len, &vdev->mig.saving);
}

/* RUNNING -> PRE_COPY: a new fd reading the header alone, for now. */
static struct file *mdk_vdev_mig_pre_copy(struct mdk_vdev *vdev)
{
	struct file *filp;
	u8 *buf;

	buf = kvzalloc(MDK_VMIG_HDR_SIZE, MDK_MIG_GFP);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	mdk_vmig_hdr_put(buf, &vdev->mig.desc, MDK_VMIG_F_PRECOPY, 0, 0);
	mdk_vmig_seal(buf, MDK_VMIG_HDR_SIZE);
	filp = mdk_vdev_mig_file_new(vdev, &mdk_vdev_mig_save_fops, O_RDONLY,
				     buf, MDK_VMIG_HDR_SIZE, &vdev->mig.saving);
	if (!IS_ERR(filp))
		vdev->mig.saving->precopy = true;
	return filp;
}

/* PRE_COPY_P2P -> STOP_COPY: the whole record follows on the same fd. */
static int mdk_vdev_mig_append(struct mdk_vdev *vdev)
{
	struct mdk_vdev_mig_file *migf = vdev->mig.saving;
	size_t len, unread;
	u8 *rec, *buf;
	int ret;

	ret = mdk_vdev_mig_record(vdev, &rec, &len);
	if (ret)
		return ret;
	mutex_lock(&migf->lock);
	unread = migf->len - migf->pos;
	buf = kvzalloc(unread + len, MDK_MIG_GFP);
	if (!buf) {
		ret = -ENOMEM;
	} else {
		memcpy(buf, migf->buf + migf->pos, unread);
		memcpy(buf + unread, rec, len);
		kvfree(migf->buf);
		migf->buf = buf;
		migf->len = unread + len;
		migf->pos = 0;
		migf->precopy = false;
	}
	mutex_unlock(&migf->lock);
	kvfree(rec);
	wake_up_interruptible(&migf->wait);
	return ret;
}

/* STOP -> RESUMING: a new fd taking records up to this device's size. */
static struct file *mdk_vdev_mig_resuming(struct mdk_vdev *vdev)
{
	struct file *filp;

	filp = mdk_vdev_mig_file_new(vdev, &mdk_vdev_mig_load_fops, O_WRONLY,
				     NULL, 0, &vdev->mig.resuming);
	if (!IS_ERR(filp))
		vdev->mig.resuming->max = MDK_VMIG_HDR_SIZE +
					  mdk_vdev_fw_len(vdev) +
					  vdev->ops->mig->size(vdev);
	return filp;
}

/*
 * RESUMING -> STOP: the whole record there and intact, vfio_mdev's section
 * and the parent's load into a reset device. On a refusal the device stays
 * in RESUMING: unchanged when the stream was found bad before the load,
 * reset when the parent's load refused its section (it checks everything
 * before it changes anything).
 */
static int mdk_vdev_mig_load(struct mdk_vdev *vdev)
{
	const struct mdk_vdev_mig_ops *mig = vdev->ops->mig;
	struct mdk_vdev_mig_file *migf = vdev->mig.resuming;
	size_t fw = mdk_vdev_fw_len(vdev);
	struct mdk_vmig_hdr hdr;
	const char *why;
	int ret;

	mutex_lock(&migf->lock);
	ret = migf->err;
	if (ret)
		goto out;
	if (!migf->want) {
		ret = -EINVAL;
		why = migf->len ? "truncated header" : "no whole record written";
		goto log;
	}
	ret = mdk_vmig_verify(migf->buf, migf->len, &why);
	if (!ret)
		ret = mdk_vmig_hdr_get(migf->buf, migf->len, &hdr, &why);
	if (ret)
		goto log;
	if (hdr.fw_len != fw ||
	    mdk_vdev_fw_check(vdev, migf->buf + MDK_VMIG_HDR_SIZE)) {
		ret = -EINVAL;
		why = "malformed vfio_mdev section";
		goto log;
	}
	mdk_vdev_reset_locked(vdev);
	ret = mig->load(vdev, hdr.desc.parent_version,
			migf->buf + MDK_VMIG_HDR_SIZE + fw, hdr.parent_len);
	if (ret) {
		why = "the parent refused its section";
		mdk_vdev_reset_locked(vdev);
		goto log;
	}
	mdk_vdev_fw_load(vdev, migf->buf + MDK_VMIG_HDR_SIZE);
	goto out;
log:
	mdk_vdev_mig_log(vdev, "stream", ret, why);
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static int mdk_vdev_mig_quiesce(struct mdk_vdev *vdev)
{
	const struct mdk_vdev_mig_ops *mig = vdev->ops->mig;

	return mig->quiesce ? mig->quiesce(vdev) : 0;
}

static void mdk_vdev_mig_resume(struct mdk_vdev *vdev)
{
	const struct mdk_vdev_mig_ops *mig = vdev->ops->mig;

	if (mig->resume)
		mig->resume(vdev);
}

/* One arc of the state machine (vfio_mig_get_next_state()'s step). */
static struct file *mdk_vdev_mig_step(struct mdk_vdev *vdev,
				      enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = vdev->mig.state;
	int ret = 0;

	/* Into a P2P state: the parent's DMA and work stop. */
	if ((cur == VFIO_DEVICE_STATE_RUNNING &&
	     next == VFIO_DEVICE_STATE_RUNNING_P2P) ||
	    (cur == MDK_STATE_PRE_COPY && next == MDK_STATE_PRE_COPY_P2P))
		ret = mdk_vdev_mig_quiesce(vdev);
	/* And back. */
	else if ((cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
		  next == VFIO_DEVICE_STATE_RUNNING) ||
		 (cur == MDK_STATE_PRE_COPY_P2P && next == MDK_STATE_PRE_COPY))
		mdk_vdev_mig_resume(vdev);
	/* A saving session starts. */
	else if (cur == VFIO_DEVICE_STATE_STOP &&
		 next == VFIO_DEVICE_STATE_STOP_COPY)
		return mdk_vdev_mig_stop_copy(vdev);
	else if ((cur == VFIO_DEVICE_STATE_RUNNING &&
		  next == MDK_STATE_PRE_COPY) ||
		 (cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
		  next == MDK_STATE_PRE_COPY_P2P))
		return mdk_vdev_mig_pre_copy(vdev);
	else if (cur == MDK_STATE_PRE_COPY_P2P &&
		 next == VFIO_DEVICE_STATE_STOP_COPY)
		ret = mdk_vdev_mig_append(vdev);
	/* It ends. */
	else if ((cur == VFIO_DEVICE_STATE_STOP_COPY &&
		  next == VFIO_DEVICE_STATE_STOP) ||
		 (cur == MDK_STATE_PRE_COPY &&
		  next == VFIO_DEVICE_STATE_RUNNING) ||
		 (cur == MDK_STATE_PRE_COPY_P2P &&
		  next == VFIO_DEVICE_STATE_RUNNING_P2P))
		mdk_vdev_mig_file_disable(&vdev->mig.saving);
	/* Resuming starts, and ends with the load. */
	else if (cur == VFIO_DEVICE_STATE_STOP &&
		 next == VFIO_DEVICE_STATE_RESUMING)
		return mdk_vdev_mig_resuming(vdev);
	else if (cur == VFIO_DEVICE_STATE_RESUMING &&
		 next == VFIO_DEVICE_STATE_STOP) {
		ret = mdk_vdev_mig_load(vdev);
		if (!ret)
			mdk_vdev_mig_file_disable(&vdev->mig.resuming);
	}
	/* Between RUNNING_P2P and STOP nothing changes: both are quiesced. */
	else if (!((cur == VFIO_DEVICE_STATE_RUNNING_P2P &&
		    next == VFIO_DEVICE_STATE_STOP) ||
		   (cur == VFIO_DEVICE_STATE_STOP &&
		    next == VFIO_DEVICE_STATE_RUNNING_P2P)))
		ret = -EINVAL;	/* no other arc with our flags */
	return ret ? ERR_PTR(ret) : NULL;
}

static struct file *
mdk_vdev_mig_set_state(struct vfio_device *vfio,
		       enum vfio_device_mig_state new_state)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&vdev->lock);
	while (vdev->mig.state != new_state) {
		ret = vfio_mig_get_next_state(vfio, vdev->mig.state, new_state,
					      &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = mdk_vdev_mig_step(vdev, next);
		if (IS_ERR(res))
			break;
		vdev->mig.state = next;
		/* An arc that gives an fd is always the last one. */
		if (WARN_ON(res && new_state != next)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mutex_unlock(&vdev->lock);
	return res;
}

static int mdk_vdev_mig_get_state(struct vfio_device *vfio,
				  enum vfio_device_mig_state *state)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);

	mutex_lock(&vdev->lock);
	*state = vdev->mig.state;
	mutex_unlock(&vdev->lock);
	return 0;
}

/* VFIO_DEVICE_FEATURE_MIG_DATA_SIZE (6.2+): a whole record, at most. */
static int __maybe_unused
mdk_vdev_mig_get_data_size(struct vfio_device *vfio,
			   unsigned long *stop_copy_length)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);

	mutex_lock(&vdev->lock);
	*stop_copy_length = MDK_VMIG_HDR_SIZE + mdk_vdev_fw_len(vdev) +
			    vdev->ops->mig->size(vdev);
	mutex_unlock(&vdev->lock);
	return 0;
}

static const struct vfio_migration_ops mdk_vdev_mig_vfio_ops = {
	.migration_set_state	= mdk_vdev_mig_set_state,
	.migration_get_state	= mdk_vdev_mig_get_state,
	MDK_VFIO_MIG_DATA_SIZE_OP
};

/**
 * mdk_vdev_mig_init() - offer migration if the parent can
 * @vdev: the device, its config space built, before it is registered
 *
 * Return: 0, or -EINVAL for incomplete migration callbacks.
 */
int mdk_vdev_mig_init(struct mdk_vdev *vdev)
{
	const struct mdk_vdev_mig_ops *mig = vdev->ops->mig;

	vdev->mig.state = VFIO_DEVICE_STATE_RUNNING;
	if (!mig)
		return 0;
	if (!mig->size || !mig->save || !mig->load)
		return -EINVAL;
	mdk_vdev_mig_desc(vdev, &vdev->mig.desc);
	vdev->vfio.migration_flags = VFIO_MIGRATION_STOP_COPY |
				     VFIO_MIGRATION_P2P |
				     MDK_MIGRATION_PRE_COPY;
	vdev->vfio.mig_ops = &mdk_vdev_mig_vfio_ops;
	return 0;
}

/**
 * mdk_vdev_mig_reset() - back to RUNNING, the data fds disabled
 * @vdev: the device, its lock held
 *
 * VFIO_DEVICE_RESET and close do this, after the parent's reset or close,
 * so that a stopped device runs nothing before it: a quiesced parent then
 * resumes (idle, its queues reset).
 */
void mdk_vdev_mig_reset(struct mdk_vdev *vdev)
{
	enum vfio_device_mig_state st = vdev->mig.state;

	lockdep_assert_held(&vdev->lock);
	mdk_vdev_mig_file_disable(&vdev->mig.saving);
	mdk_vdev_mig_file_disable(&vdev->mig.resuming);
	vdev->mig.state = VFIO_DEVICE_STATE_RUNNING;
	if (vdev->ops->mig && st != VFIO_DEVICE_STATE_RUNNING &&
	    st != MDK_STATE_PRE_COPY)
		mdk_vdev_mig_resume(vdev);
}
