// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev interrupts: VFIO_DEVICE_SET_IRQS for INTx, MSI, MSI-X, ERR and
 * REQ, delivery of the vectors a parent raises, and the MSI-X table and PBA.
 *
 * The model is vfio-pci's (drivers/vfio/pci/vfio_pci_intrs.c): the user
 * enables one of INTx, MSI or MSI-X by giving trigger eventfds, and must
 * disable it (DATA_NONE, count 0) before enabling another. INTx is level
 * emulated with automask: a delivery masks it until the user unmasks it
 * (ioctl or unmask eventfd); one raised while masked is delivered then.
 *
 * What vfio-pci leaves to the host kernel, vfio_mdev does to its virtual
 * function: enabling MSI-X sets MSI-X Enable in config space and unmasks
 * each vector given an eventfd in the virtual table; enabling MSI sets MSI
 * Enable and Multiple Message Enable; disabling reverses it. The command
 * register's INTx Disable masks INTx as in vfio-pci, and PCI_STATUS_INTERRUPT
 * reads whether the emulated line is asserted. A vector masked in the
 * table (by a write to the table, by Function Mask, or by
 * VFIO_IRQ_SET_ACTION_MASK) is held in the PBA and delivered when
 * unmasked. MSI vectors are masked with the ioctl only. DATA_NONE and
 * DATA_BOOL triggers go through the same delivery as a parent's raise, so
 * they honour masks. ERR and REQ take triggers only, as in vfio-pci.
 *
 * Locking: the caller of SET_IRQS holds vdev->lock (config space);
 * vdev->irq_lock, a spinlock taken with interrupts off, guards the state a
 * parent's raise touches. Eventfds are looked up and released outside it.
 */

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/eventfd.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <mdevkit/compat.h>

#include "vfio_mdev_priv.h"

static void mdk_vdev_signal(struct eventfd_ctx *ctx)
{
	if (ctx)
		mdk_eventfd_signal(ctx);
}

/**
 * mdk_vdev_irqs_init() - allocate interrupt state
 * @vdev: the device being built
 *
 * Context: process.
 * Return: 0 or -ENOMEM.
 */
int mdk_vdev_irqs_init(struct mdk_vdev *vdev)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;
	unsigned int n = vdev->info.msix_vectors;

	irqs->type = -1;
	if (vdev->info.msi_vectors) {
		irqs->msi_trigger = kcalloc(vdev->info.msi_vectors,
					    sizeof(*irqs->msi_trigger),
					    GFP_KERNEL);
		if (!irqs->msi_trigger)
			return -ENOMEM;
	}
	if (!n)
		return 0;
	irqs->msix_trigger = kcalloc(n, sizeof(*irqs->msix_trigger),
				     GFP_KERNEL);
	irqs->msix_table = kcalloc(n, PCI_MSIX_ENTRY_SIZE, GFP_KERNEL);
	irqs->msix_pending = bitmap_zalloc(n, GFP_KERNEL);
	irqs->msix_fire = bitmap_zalloc(n, GFP_KERNEL);
	if (!irqs->msix_trigger || !irqs->msix_table || !irqs->msix_pending ||
	    !irqs->msix_fire)
		return -ENOMEM;
	return mdk_vmsix_init(&irqs->msix, n, irqs->msix_table,
			      irqs->msix_pending);
}

/**
 * mdk_vdev_irqs_free() - free interrupt state
 * @vdev: the device, closed (every eventfd released)
 *
 * Context: process; also for a partly built device.
 */
void mdk_vdev_irqs_free(struct mdk_vdev *vdev)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;

	kfree(irqs->msi_trigger);
	kfree(irqs->msix_trigger);
	kfree(irqs->msix_table);
	bitmap_free(irqs->msix_pending);
	bitmap_free(irqs->msix_fire);
}

/**
 * mdk_vdev_irq_count() - vectors of a VFIO IRQ index
 * @vdev: the device
 * @index: VFIO_PCI_*_IRQ_INDEX
 *
 * Context: any.
 * Return: the count (0 for INTx without a pin), or -EINVAL for ERR on a
 * conventional PCI function or an unknown index.
 */
int mdk_vdev_irq_count(const struct mdk_vdev *vdev, unsigned int index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return vdev->info.pci.irq_pin ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		return vdev->info.msi_vectors;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return vdev->info.msix_vectors;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return vdev->info.pci.express ? 1 : -EINVAL;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return -EINVAL;
	}
}

/*
 * Delivery, irq_lock held. INTx is a level: raised, it stays asserted
 * until the user unmasks it (its EOI); held pending while masked or while
 * the command register's INTx Disable is set.
 */
static void mdk_vdev_intx_raise_locked(struct mdk_vdev *vdev)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;

	lockdep_assert_held(&vdev->irq_lock);
	irqs->intx_asserted = true;
	if (irqs->intx_masked || irqs->intx_disabled) {
		irqs->intx_pending = true;
		return;
	}
	irqs->intx_masked = true;
	mdk_vdev_signal(irqs->intx_trigger);
}

static void mdk_vdev_intx_unmask_locked(struct mdk_vdev *vdev)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;

	lockdep_assert_held(&vdev->irq_lock);
	irqs->intx_masked = false;
	irqs->intx_asserted = irqs->intx_pending;
	if (irqs->intx_pending && !irqs->intx_disabled) {
		irqs->intx_pending = false;
		mdk_vdev_intx_raise_locked(vdev);
	}
}

/**
 * mdk_vdev_intx_command() - the command register may have changed
 * @vdev: the device, its lock held
 *
 * As vfio-pci's virtualised INTx Disable: setting it masks INTx (a raise is
 * held pending); clearing it unmasks INTx, delivering what is pending.
 */
void mdk_vdev_intx_command(struct mdk_vdev *vdev)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;
	bool off = get_unaligned_le16(&vdev->cfg.data[PCI_COMMAND]) &
		   PCI_COMMAND_INTX_DISABLE;
	unsigned long flags;

	lockdep_assert_held(&vdev->lock);
	spin_lock_irqsave(&vdev->irq_lock, flags);
	if (off != irqs->intx_disabled) {
		irqs->intx_disabled = off;
		if (!off && irqs->type == VFIO_PCI_INTX_IRQ_INDEX)
			mdk_vdev_intx_unmask_locked(vdev);
	}
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
}

/**
 * mdk_vdev_intx_asserted() - is the INTx line asserted?
 * @vdev: the device
 *
 * Context: any.
 * Return: what PCI_STATUS_INTERRUPT reads.
 */
bool mdk_vdev_intx_asserted(struct mdk_vdev *vdev)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&vdev->irq_lock, flags);
	ret = vdev->irqs.intx_asserted;
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
	return ret;
}

static void mdk_vdev_msi_raise_locked(struct mdk_vdev *vdev, unsigned int v)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;

	if (irqs->msi_masked & BIT(v))
		irqs->msi_pending |= BIT(v);
	else
		mdk_vdev_signal(irqs->msi_trigger[v]);
}

static void mdk_vdev_msix_deliver_locked(struct mdk_vdev *vdev,
					 unsigned int v)
{
	if (vdev->irqs.type == VFIO_PCI_MSIX_IRQ_INDEX)
		mdk_vdev_signal(vdev->irqs.msix_trigger[v]);
}

/* Returns 0 (delivered or pending), -ENOTCONN (dropped) or -EINVAL. */
static int mdk_vdev_raise_locked(struct mdk_vdev *vdev, unsigned int v)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;

	lockdep_assert_held(&vdev->irq_lock);
	switch (irqs->type) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (v)
			return -EINVAL;
		mdk_vdev_intx_raise_locked(vdev);
		return 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		if (v >= vdev->info.msi_vectors)
			return -EINVAL;
		mdk_vdev_msi_raise_locked(vdev, v);
		return 0;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (v >= vdev->info.msix_vectors)
			return -EINVAL;
		if (mdk_vmsix_raise(&irqs->msix, v)) {
			mdk_vdev_msix_deliver_locked(vdev, v);
			return 0;
		}
		return test_bit(v, irqs->msix_pending) ? 0 : -ENOTCONN;
	default:
		return -ENOTCONN;
	}
}

/**
 * mdk_vdev_raise() - the device raises an interrupt
 * @vdev: the device
 * @vector: the vector of whichever of INTx (0), MSI or MSI-X the user
 *	enabled
 *
 * Signals the vector's eventfd, or holds it pending while it is masked.
 *
 * Context: any, including hard interrupt.
 * Return: 0 if delivered or held pending; -ENOTCONN if the user enabled no
 * interrupt (or MSI-X is disabled in config space), so it was dropped;
 * -EINVAL for a vector the enabled kind does not have.
 */
int mdk_vdev_raise(struct mdk_vdev *vdev, unsigned int vector)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&vdev->irq_lock, flags);
	ret = mdk_vdev_raise_locked(vdev, vector);
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(mdk_vdev_raise);

/**
 * mdk_vdev_raise_err() - report an error through the ERR interrupt
 * @vdev: a PCI Express device
 *
 * Context: any.
 * Return: 0, or -ENOTCONN when the user gave no ERR eventfd.
 */
int mdk_vdev_raise_err(struct mdk_vdev *vdev)
{
	unsigned long flags;
	int ret = -ENOTCONN;

	spin_lock_irqsave(&vdev->irq_lock, flags);
	if (vdev->irqs.err_trigger) {
		mdk_vdev_signal(vdev->irqs.err_trigger);
		ret = 0;
	}
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(mdk_vdev_raise_err);

/**
 * mdk_vdev_request() - vfio_device_ops.request: ask the user to let go
 * @vfio: the device, being unregistered while open
 * @count: how many times the VFIO core asked before (every 10 s)
 *
 * Signals the REQ eventfd (QEMU then unplugs the device from its guest).
 * Without one, logs once per open and the remover waits for the user.
 *
 * Context: process.
 */
void mdk_vdev_request(struct vfio_device *vfio, unsigned int count)
{
	struct mdk_vdev *vdev = mdk_vdev_of(vfio);
	bool warn = false;
	unsigned long flags;

	spin_lock_irqsave(&vdev->irq_lock, flags);
	if (vdev->irqs.req_trigger) {
		mdk_vdev_signal(vdev->irqs.req_trigger);
	} else if (!vdev->req_warned) {
		vdev->req_warned = true;
		warn = true;
	}
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
	if (warn)
		dev_notice(mdk_vdev_dev(vdev),
			   "removal waits for the user to close the device (no REQ eventfd)\n");
}

/* MSI-X Enable and Function Mask from config space into the MSI-X state. */
static void mdk_vdev_msix_sync_locked(struct mdk_vdev *vdev)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;
	u16 ctrl = get_unaligned_le16(&vdev->cfg.data[vdev->msix_cap +
						      PCI_MSIX_FLAGS]);
	unsigned int v;

	lockdep_assert_held(&vdev->irq_lock);
	if (!mdk_vmsix_set_control(&irqs->msix, ctrl & PCI_MSIX_FLAGS_ENABLE,
				   ctrl & PCI_MSIX_FLAGS_MASKALL,
				   irqs->msix_fire))
		return;
	for_each_set_bit(v, irqs->msix_fire, vdev->info.msix_vectors)
		mdk_vdev_msix_deliver_locked(vdev, v);
}

/**
 * mdk_vdev_msix_control() - config space's MSI-X control word changed
 * @vdev: the device, its lock held
 */
void mdk_vdev_msix_control(struct mdk_vdev *vdev)
{
	unsigned long flags;

	spin_lock_irqsave(&vdev->irq_lock, flags);
	mdk_vdev_msix_sync_locked(vdev);
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
}

/*
 * Sets MSI Enable and Multiple Message Enable for @nvec vectors in config
 * space, as the host kernel's pci_alloc_irq_vectors() would program a real
 * function; 0 clears both (vdev->lock held).
 */
static void mdk_vdev_msi_cfg_enable(struct mdk_vdev *vdev, unsigned int nvec)
{
	u8 *p = &vdev->cfg.data[vdev->msi_cap + PCI_MSI_FLAGS];
	u16 flags = get_unaligned_le16(p);

	flags &= ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	if (nvec)
		flags |= PCI_MSI_FLAGS_ENABLE |
			 FIELD_PREP(PCI_MSI_FLAGS_QSIZE, order_base_2(nvec));
	put_unaligned_le16(flags, p);
}

/* Sets MSI-X Enable in config space (vdev->lock held). */
static void mdk_vdev_msix_cfg_enable(struct mdk_vdev *vdev, bool on)
{
	u8 *p = &vdev->cfg.data[vdev->msix_cap + PCI_MSIX_FLAGS];
	u16 ctrl = get_unaligned_le16(p);

	if (on)
		ctrl |= PCI_MSIX_FLAGS_ENABLE;
	else
		ctrl &= ~PCI_MSIX_FLAGS_ENABLE;
	put_unaligned_le16(ctrl, p);
}

/**
 * mdk_vdev_msix_access() - a read or write of the MSI-X table or PBA
 * @vdev: the device, its lock held
 * @offset: in the MSI-X BAR, claimed by mdk_vdev_msix_claims()
 * @buf: the bytes
 * @len: 4 or 8, aligned to itself
 * @write: the direction
 *
 * Writes to the PBA are ignored.
 *
 * Return: 0, or -EINVAL for another size or alignment.
 */
int mdk_vdev_msix_access(struct mdk_vdev *vdev, u64 offset, void *buf,
			 unsigned int len, bool write)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;
	u64 table = vdev->info.msix_table;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&vdev->irq_lock, flags);
	if (offset >= table &&
	    offset < table + (u64)vdev->info.msix_vectors *
			     PCI_MSIX_ENTRY_SIZE) {
		if (!write) {
			ret = mdk_vmsix_table_read(&irqs->msix, offset - table,
						   buf, len);
		} else {
			ret = mdk_vmsix_table_write(&irqs->msix,
						    offset - table, buf, len);
			if (ret >= 0)
				mdk_vdev_msix_deliver_locked(vdev, ret);
			ret = ret == -ENODATA ? 0 : min(ret, 0);
		}
	} else {
		u64 scratch;

		/* The PBA is read-only: a write is checked, then dropped. */
		ret = mdk_vmsix_pba_read(&irqs->msix,
					 offset - vdev->info.msix_pba,
					 write ? (void *)&scratch : buf, len);
	}
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
	return ret;
}

/*
 * Looks up @count eventfds (-1: none) into @ctx. On error, releases those
 * taken and returns it: nothing changes.
 */
static int mdk_vdev_get_eventfds(const s32 *fds, unsigned int count,
				 struct eventfd_ctx **ctx)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		ctx[i] = NULL;
		if (fds[i] < 0)
			continue;
		ctx[i] = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(ctx[i])) {
			int ret = PTR_ERR(ctx[i]);

			while (i--)
				if (ctx[i])
					eventfd_ctx_put(ctx[i]);
			return ret;
		}
	}
	return 0;
}

static void mdk_vdev_put_eventfds(struct eventfd_ctx **ctx, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ctx[i])
			eventfd_ctx_put(ctx[i]);
}

/* The trigger array of an index, and its length. */
static struct eventfd_ctx **mdk_vdev_triggers(struct mdk_vdev *vdev,
					      unsigned int index,
					      unsigned int *n)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;

	*n = 1;
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return &irqs->intx_trigger;
	case VFIO_PCI_MSI_IRQ_INDEX:
		*n = vdev->info.msi_vectors;
		return irqs->msi_trigger;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		*n = vdev->info.msix_vectors;
		return irqs->msix_trigger;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return &irqs->err_trigger;
	default:
		return &irqs->req_trigger;
	}
}

static bool mdk_vdev_is_vectors(unsigned int index)
{
	return index == VFIO_PCI_INTX_IRQ_INDEX ||
	       index == VFIO_PCI_MSI_IRQ_INDEX ||
	       index == VFIO_PCI_MSIX_IRQ_INDEX;
}

/* Releases every trigger of @index; ends INTx/MSI/MSI-X delivery. */
static void mdk_vdev_disable_index(struct mdk_vdev *vdev, unsigned int index)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;
	struct eventfd_ctx **trig, **old;
	unsigned long flags;
	unsigned int n, v;

	if (index == VFIO_PCI_INTX_IRQ_INDEX)
		vfio_virqfd_disable(&irqs->intx_unmask);
	trig = mdk_vdev_triggers(vdev, index, &n);
	old = kcalloc(n, sizeof(*old), GFP_KERNEL | __GFP_NOFAIL);
	spin_lock_irqsave(&vdev->irq_lock, flags);
	memcpy(old, trig, n * sizeof(*old));
	memset(trig, 0, n * sizeof(*trig));
	if (irqs->type == index) {
		irqs->type = -1;
		irqs->intx_masked = false;
		irqs->intx_pending = false;
		irqs->intx_asserted = false;
		irqs->msi_masked = 0;
		irqs->msi_pending = 0;
		if (index == VFIO_PCI_MSI_IRQ_INDEX)
			mdk_vdev_msi_cfg_enable(vdev, 0);
		if (index == VFIO_PCI_MSIX_IRQ_INDEX) {
			for (v = 0; v < n; v++)
				mdk_vmsix_set_masked(&irqs->msix, v, true);
			mdk_vdev_msix_cfg_enable(vdev, false);
			mdk_vdev_msix_sync_locked(vdev);
		}
	}
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
	mdk_vdev_put_eventfds(old, n);
	kfree(old);
}

static int mdk_vdev_set_triggers(struct mdk_vdev *vdev, unsigned int index,
				 unsigned int start, unsigned int count,
				 const s32 *fds)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;
	struct eventfd_ctx **trig, **ctx;
	unsigned long flags;
	unsigned int n, i;
	int ret;

	if (!count)
		return 0;
	if (mdk_vdev_is_vectors(index) && irqs->type >= 0 &&
	    irqs->type != index)
		return -EINVAL;
	ctx = kcalloc(count, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ret = mdk_vdev_get_eventfds(fds, count, ctx);
	if (ret)
		goto out;
	trig = mdk_vdev_triggers(vdev, index, &n);
	spin_lock_irqsave(&vdev->irq_lock, flags);
	for (i = 0; i < count; i++)
		swap(trig[start + i], ctx[i]);
	if (mdk_vdev_is_vectors(index) && irqs->type < 0) {
		irqs->type = index;
		if (index == VFIO_PCI_MSI_IRQ_INDEX)
			mdk_vdev_msi_cfg_enable(vdev, start + count);
		if (index == VFIO_PCI_MSIX_IRQ_INDEX) {
			mdk_vdev_msix_cfg_enable(vdev, true);
			mdk_vdev_msix_sync_locked(vdev);
		}
	}
	/* As the host kernel would: a vector given an eventfd is unmasked. */
	if (index == VFIO_PCI_MSIX_IRQ_INDEX) {
		for (i = start; i < start + count; i++)
			if (trig[i] &&
			    mdk_vmsix_set_masked(&irqs->msix, i, false) == 1)
				mdk_vdev_msix_deliver_locked(vdev, i);
	}
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
	mdk_vdev_put_eventfds(ctx, count);
out:
	kfree(ctx);
	return ret;
}

/* Loopback (DATA_NONE/DATA_BOOL triggers) and masking, irq_lock held. */
static void mdk_vdev_loopback_locked(struct mdk_vdev *vdev,
				     unsigned int index, unsigned int v)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;

	if (index == VFIO_PCI_ERR_IRQ_INDEX)
		mdk_vdev_signal(irqs->err_trigger);
	else if (index == VFIO_PCI_REQ_IRQ_INDEX)
		mdk_vdev_signal(irqs->req_trigger);
	else if (irqs->type == index)
		mdk_vdev_raise_locked(vdev, v);
}

static void mdk_vdev_mask_locked(struct mdk_vdev *vdev, unsigned int index,
				 unsigned int v, bool mask)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;

	lockdep_assert_held(&vdev->irq_lock);
	if (irqs->type != index)
		return;
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (mask)
			irqs->intx_masked = true;
		else
			mdk_vdev_intx_unmask_locked(vdev);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
		if (mask) {
			irqs->msi_masked |= BIT(v);
		} else {
			irqs->msi_masked &= ~BIT(v);
			if (irqs->msi_pending & BIT(v)) {
				irqs->msi_pending &= ~BIT(v);
				mdk_vdev_signal(irqs->msi_trigger[v]);
			}
		}
		break;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (mdk_vmsix_set_masked(&irqs->msix, v, mask) == 1)
			mdk_vdev_msix_deliver_locked(vdev, v);
		break;
	}
}

static void mdk_vdev_intx_unmask_thread(void *opaque, void *data)
{
	struct mdk_vdev *vdev = opaque;
	unsigned long flags;

	spin_lock_irqsave(&vdev->irq_lock, flags);
	if (vdev->irqs.type == VFIO_PCI_INTX_IRQ_INDEX)
		mdk_vdev_intx_unmask_locked(vdev);
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
}

/*
 * An eventfd that unmasks INTx when signalled (-1: none). Only INTx UNMASK
 * takes one, for exactly one vector: @data holds @count eventfds, and is
 * read only once that is known to be one.
 */
static int mdk_vdev_intx_unmask_fd(struct mdk_vdev *vdev, unsigned int index,
				   u32 action, unsigned int count,
				   const void *data)
{
	s32 fd;

	if (index != VFIO_PCI_INTX_IRQ_INDEX ||
	    action != VFIO_IRQ_SET_ACTION_UNMASK || count != 1)
		return -EINVAL;
	fd = *(const s32 *)data;
	if (fd < 0) {
		vfio_virqfd_disable(&vdev->irqs.intx_unmask);
		return 0;
	}
	if (vdev->irqs.type != VFIO_PCI_INTX_IRQ_INDEX)
		return -EINVAL;
	return vfio_virqfd_enable(vdev, NULL, mdk_vdev_intx_unmask_thread,
				  NULL, &vdev->irqs.intx_unmask, fd);
}

static int mdk_vdev_set_irqs_locked(struct mdk_vdev *vdev, u32 flags,
				    unsigned int index, unsigned int start,
				    unsigned int count, const void *data)
{
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	const u8 *bools = data;
	unsigned long irqflags;
	unsigned int i;

	/*
	 * @data holds @count entries of @type, validated against the index's
	 * vector count by vfio_set_irqs_validate_and_prepare(); with @count 0
	 * it is NULL, so nothing below reads it without a count.
	 */
	lockdep_assert_held(&vdev->lock);
	switch (action) {
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		if (type == VFIO_IRQ_SET_DATA_EVENTFD)
			return mdk_vdev_set_triggers(vdev, index, start, count,
						     data);
		if (type == VFIO_IRQ_SET_DATA_NONE && !count) {
			mdk_vdev_disable_index(vdev, index);
			return 0;
		}
		spin_lock_irqsave(&vdev->irq_lock, irqflags);
		for (i = 0; i < count; i++)
			if (type == VFIO_IRQ_SET_DATA_NONE || bools[i])
				mdk_vdev_loopback_locked(vdev, index,
							 start + i);
		spin_unlock_irqrestore(&vdev->irq_lock, irqflags);
		return 0;
	case VFIO_IRQ_SET_ACTION_MASK:
	case VFIO_IRQ_SET_ACTION_UNMASK:
		if (!mdk_vdev_is_vectors(index))
			return -ENOTTY;
		/* INTx takes vector 0 only, as vfio-pci: start 0, count 1. */
		if (index == VFIO_PCI_INTX_IRQ_INDEX && count != 1)
			return -EINVAL;
		if (type == VFIO_IRQ_SET_DATA_EVENTFD)
			return mdk_vdev_intx_unmask_fd(vdev, index, action, count,
						       data);
		spin_lock_irqsave(&vdev->irq_lock, irqflags);
		for (i = 0; i < count; i++)
			if (type == VFIO_IRQ_SET_DATA_NONE || bools[i])
				mdk_vdev_mask_locked(vdev, index, start + i,
						     action ==
						     VFIO_IRQ_SET_ACTION_MASK);
		spin_unlock_irqrestore(&vdev->irq_lock, irqflags);
		return 0;
	default:
		return -ENOTTY;
	}
}

/**
 * mdk_vdev_set_irqs() - VFIO_DEVICE_SET_IRQS
 * @vdev: the device
 * @arg: the user's struct vfio_irq_set
 *
 * Context: process.
 * Return: 0; -EINVAL for a header vfio_set_irqs_validate_and_prepare()
 * refuses, an eventfd anywhere but INTx UNMASK, an INTx MASK or UNMASK of
 * other than start 0 count 1, or enabling one kind of vector while another
 * is on; -ENOTTY for an action the index does not take; -EBADF for a bad
 * eventfd. A failed call changes nothing.
 */
int mdk_vdev_set_irqs(struct mdk_vdev *vdev, unsigned long arg)
{
	struct vfio_irq_set __user *uarg = (void __user *)arg;
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	void *data = NULL;
	int max, ret;

	if (copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;
	max = mdk_vdev_irq_count(vdev, hdr.index);
	ret = vfio_set_irqs_validate_and_prepare(&hdr, max < 0 ? 0 : max,
						 VFIO_PCI_NUM_IRQS,
						 &data_size);
	if (ret)
		return ret;
	if (data_size) {
		data = memdup_user(&uarg->data, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}
	mutex_lock(&vdev->lock);
	ret = mdk_vdev_set_irqs_locked(vdev, hdr.flags, hdr.index, hdr.start,
				       hdr.count, data);
	mutex_unlock(&vdev->lock);
	kfree(data);
	return ret;
}

/**
 * mdk_vdev_irqs_disable() - release every eventfd (close)
 * @vdev: the device
 *
 * Context: process.
 */
void mdk_vdev_irqs_disable(struct mdk_vdev *vdev)
{
	unsigned int index;

	mutex_lock(&vdev->lock);
	for (index = 0; index < VFIO_PCI_NUM_IRQS; index++)
		if (mdk_vdev_irq_count(vdev, index) > 0)
			mdk_vdev_disable_index(vdev, index);
	mutex_unlock(&vdev->lock);
}

/**
 * mdk_vdev_irqs_reset() - a function reset of interrupt state
 * @vdev: the device, its lock held
 *
 * Pending interrupts are dropped and the MSI-X table is reset; what the
 * user enabled stays enabled, as vfio-pci restores it after a reset.
 */
void mdk_vdev_irqs_reset(struct mdk_vdev *vdev)
{
	struct mdk_vdev_irqs *irqs = &vdev->irqs;
	unsigned long flags;
	unsigned int v;

	spin_lock_irqsave(&vdev->irq_lock, flags);
	irqs->intx_masked = false;
	irqs->intx_pending = false;
	irqs->intx_asserted = false;
	irqs->intx_disabled = get_unaligned_le16(&vdev->cfg.data[PCI_COMMAND]) &
			      PCI_COMMAND_INTX_DISABLE;
	irqs->msi_masked = 0;
	irqs->msi_pending = 0;
	if (vdev->info.msix_vectors) {
		mdk_vmsix_init(&irqs->msix, vdev->info.msix_vectors,
			       irqs->msix_table, irqs->msix_pending);
		mdk_vdev_msix_sync_locked(vdev);
		for (v = 0; v < vdev->info.msix_vectors; v++)
			if (irqs->type == VFIO_PCI_MSIX_IRQ_INDEX &&
			    irqs->msix_trigger[v])
				mdk_vmsix_set_masked(&irqs->msix, v, false);
	}
	spin_unlock_irqrestore(&vdev->irq_lock, flags);
}
