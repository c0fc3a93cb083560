// SPDX-License-Identifier: GPL-2.0-only
/*
 * One NIC mdev as a virtio-net PCI function: its BAR0 (common
 * configuration, ISR, device configuration, notify pages; docs/nic.md),
 * device status and feature negotiation, queue setup and reset, and its
 * sysfs attributes (nic/mac, nic/mtu, nic/notify, nic/representor).
 */

#include <linux/crc32.h>
#include <linux/etherdevice.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>
#include <mdevkit/compat.h>

#include "nic_priv.h"

static u16 mdk_nic_nvectors(const struct mdk_nic_vf *vf)
{
	return 1 + vf->nvqs;
}

/* Drops (and counts) every frame waiting for the guest. */
static void mdk_nic_vf_purge(struct mdk_nic_vf *vf)
{
	unsigned int p, n = 0;

	spin_lock_bh(&vf->rx_lock);
	for (p = 0; p < MDK_NIC_MAX_PAIRS; p++) {
		n += skb_queue_len(&vf->rxq[p]);
		__skb_queue_purge(&vf->rxq[p]);
	}
	spin_unlock_bh(&vf->rx_lock);
	atomic_long_add(n, &vf->tx_dropped);
}

/**
 * mdk_nic_vf_stop() - stop the datapath
 * @vf: the function
 *
 * Afterwards the datapath neither runs nor has frames queued; the virtio
 * state (status, features, queues) is left as it is.
 *
 * Context: process; the device's callbacks (vfio_mdev's lock) or remove.
 */
void mdk_nic_vf_stop(struct mdk_nic_vf *vf)
{
	spin_lock_bh(&vf->rx_lock);
	vf->running = false;
	spin_unlock_bh(&vf->rx_lock);
	cancel_delayed_work_sync(&vf->work);
	/*
	 * Out of the transmit engine's queue, then once more without the work
	 * its grant may have queued in between (which found it stopped).
	 */
	mdk_engine_release(&vf->txu);
	cancel_delayed_work_sync(&vf->work);
	/* After the worker: it may have put a frame back. */
	mdk_nic_vf_purge(vf);
	mdk_nic_rep_carrier(vf);
}

/* The reset state (virtio 1.2, 2.4): what a driver finds at first. */
static void mdk_nic_vf_reset_state(struct mdk_nic_vf *vf)
{
	unsigned int i;

	mdk_nic_vf_stop(vf);
	vf->dev_features_sel = 0;
	vf->drv_features_sel = 0;
	vf->features = 0;
	vf->status = 0;
	vf->frozen_running = false;
	WRITE_ONCE(vf->broken, false);
	atomic_set(&vf->isr, 0);
	vf->msix_config = VIRTIO_MSI_NO_VECTOR;
	vf->queue_sel = 0;
	WRITE_ONCE(vf->active_pairs, 1);
	for (i = 0; i < MDK_NIC_MAX_VQS; i++) {
		memset(&vf->q[i], 0, sizeof(vf->q[i]));
		vf->q[i].vq.size = MDK_NIC_VQ_MAX_SIZE;
		vf->q[i].vector = VIRTIO_MSI_NO_VECTOR;
	}
}

static void mdk_nic_vf_config_irq(struct mdk_nic_vf *vf)
{
	u16 vec = READ_ONCE(vf->msix_config);

	atomic_or(VIRTIO_PCI_ISR_CONFIG, &vf->isr);
	if (vec != VIRTIO_MSI_NO_VECTOR)
		mdk_vdev_raise(vf->vdev, vec);
}

/**
 * mdk_nic_vf_needs_reset() - the driver made an error: stop and tell it
 * @vf: the function
 *
 * Sets DEVICE_NEEDS_RESET and raises the configuration interrupt (virtio
 * 1.2, 2.1.2); the datapath stays stopped until the driver resets.
 *
 * Context: the datapath (process).
 */
void mdk_nic_vf_needs_reset(struct mdk_nic_vf *vf)
{
	spin_lock_bh(&vf->rx_lock);
	vf->running = false;
	WRITE_ONCE(vf->broken, true);
	spin_unlock_bh(&vf->rx_lock);
	mdk_nic_vf_purge(vf);
	mdk_nic_rep_carrier(vf);
	dev_dbg(mdk_vdev_dev(vf->vdev), "driver error: DEVICE_NEEDS_RESET\n");
	mdk_nic_vf_config_irq(vf);
}

/**
 * mdk_nic_vf_link_up() - the link status the device reports
 * @vf: the function
 *
 * Return: true while the representor is up: the link follows the host side.
 */
bool mdk_nic_vf_link_up(struct mdk_nic_vf *vf)
{
	return vf->rep && netif_running(vf->rep);
}

/**
 * mdk_nic_vf_config_changed() - the device configuration changed
 * @vf: the function
 *
 * Context: process (the representor's open and stop, under RTNL).
 */
void mdk_nic_vf_config_changed(struct mdk_nic_vf *vf)
{
	WRITE_ONCE(vf->generation, vf->generation + 1);
	/*
	 * Under rx_lock: a close clears running under it before the device
	 * (and its vectors) can go, so the raise never outlives the device.
	 */
	spin_lock_bh(&vf->rx_lock);
	if (vf->running)
		mdk_nic_vf_config_irq(vf);
	spin_unlock_bh(&vf->rx_lock);
}

/* ---- common configuration (virtio 1.2, 4.1.4.3) ------------------------ */

static void mdk_nic_common_image(struct mdk_nic_vf *vf, u8 *img)
{
	u32 sel = vf->dev_features_sel;
	u64 dev = mdk_nic_features(vf->pairs);
	struct mdk_nic_q *q;

	memset(img, 0, MDK_NIC_COMMON_LEN);
	put_unaligned_le32(sel, img + VIRTIO_PCI_COMMON_DFSELECT);
	put_unaligned_le32(sel < 2 ? (u32)(dev >> (32 * sel)) : 0,
			   img + VIRTIO_PCI_COMMON_DF);
	sel = vf->drv_features_sel;
	put_unaligned_le32(sel, img + VIRTIO_PCI_COMMON_GFSELECT);
	put_unaligned_le32(sel < 2 ? (u32)(vf->features >> (32 * sel)) : 0,
			   img + VIRTIO_PCI_COMMON_GF);
	put_unaligned_le16(vf->msix_config, img + VIRTIO_PCI_COMMON_MSIX);
	put_unaligned_le16(vf->nvqs, img + VIRTIO_PCI_COMMON_NUMQ);
	img[VIRTIO_PCI_COMMON_STATUS] = vf->status |
		(READ_ONCE(vf->broken) ? VIRTIO_CONFIG_S_NEEDS_RESET : 0);
	img[VIRTIO_PCI_COMMON_CFGGENERATION] = READ_ONCE(vf->generation);
	put_unaligned_le16(vf->queue_sel, img + VIRTIO_PCI_COMMON_Q_SELECT);
	if (vf->queue_sel >= vf->nvqs)
		return;		/* queue_size 0: no such queue */
	q = &vf->q[vf->queue_sel];
	put_unaligned_le16(q->vq.size, img + VIRTIO_PCI_COMMON_Q_SIZE);
	put_unaligned_le16(q->vector, img + VIRTIO_PCI_COMMON_Q_MSIX);
	put_unaligned_le16(q->enabled, img + VIRTIO_PCI_COMMON_Q_ENABLE);
	put_unaligned_le16(vf->queue_sel, img + VIRTIO_PCI_COMMON_Q_NOFF);
	put_unaligned_le64(q->vq.desc, img + VIRTIO_PCI_COMMON_Q_DESCLO);
	put_unaligned_le64(q->vq.avail, img + VIRTIO_PCI_COMMON_Q_AVAILLO);
	put_unaligned_le64(q->vq.used, img + VIRTIO_PCI_COMMON_Q_USEDLO);
}

/* The driver sets a status bit (a write of 0 is a reset). */
static void mdk_nic_write_status(struct mdk_nic_vf *vf, u8 val)
{
	u8 old = vf->status;

	if (!val) {
		mdk_nic_vf_reset_state(vf);
		return;
	}
	/*
	 * A driver must not clear a bit (virtio 1.2, 2.1.2); only 0 resets.
	 * Kept set, FEATURES_OK keeps the features fixed under a running
	 * datapath, and every state a driver reaches can be migrated.
	 */
	val |= old;
	/* FEATURES_OK stays clear for features the device refuses (3.1.1). */
	if ((val & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !mdk_nic_features_ok(mdk_nic_features(vf->pairs), vf->features))
		val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	val &= ~VIRTIO_CONFIG_S_NEEDS_RESET;
	WRITE_ONCE(vf->status, val);
	if ((val & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(old & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    (val & VIRTIO_CONFIG_S_FEATURES_OK)) {
		spin_lock_bh(&vf->rx_lock);
		/* Quiesced for migration: it runs once it resumes. */
		if (vf->frozen)
			vf->frozen_running = !vf->broken;
		else
			vf->running = !vf->broken;
		spin_unlock_bh(&vf->rx_lock);
		mdk_nic_rep_carrier(vf);
		mdk_nic_dp_kick(vf);
	}
}

static void mdk_nic_enable_queue(struct mdk_nic_vf *vf, struct mdk_nic_q *q)
{
	if (mdk_nic_vq_check(&q->vq) ||
	    !(vf->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		/* A setup the device cannot use is the driver's error. */
		mdk_nic_vf_stop(vf);
		WRITE_ONCE(vf->broken, true);
		mdk_nic_vf_config_irq(vf);
		return;
	}
	q->vq.last_avail = 0;
	q->vq.used_idx = 0;
	/* The worker reads the setup only once it sees the queue enabled. */
	smp_store_release(&q->enabled, true);
	if (READ_ONCE(vf->running)) {
		mdk_nic_rep_carrier(vf);
		mdk_nic_dp_kick(vf);
	}
}

/* 64-bit fields take a 64-bit write or two 32-bit halves. */
static void mdk_nic_write64(u64 *field, u64 base, u64 off, u32 len, u64 val)
{
	if (off == base && len == 8)
		*field = val;
	else if (off == base && len == 4)
		*field = (*field & GENMASK_ULL(63, 32)) | val;
	else if (off == base + 4 && len == 4)
		*field = (*field & GENMASK_ULL(31, 0)) | (val << 32);
}

static void mdk_nic_common_write(struct mdk_nic_vf *vf, u64 off,
				 unsigned int len, u64 val)
{
	struct mdk_nic_q *q = vf->queue_sel < vf->nvqs ?
			      &vf->q[vf->queue_sel] : NULL;
	u32 sel = vf->drv_features_sel;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		if (len == 4)
			vf->dev_features_sel = val;
		return;
	case VIRTIO_PCI_COMMON_GFSELECT:
		if (len == 4)
			vf->drv_features_sel = val;
		return;
	case VIRTIO_PCI_COMMON_GF:
		if (len != 4 || sel > 1 ||
		    (vf->status & VIRTIO_CONFIG_S_FEATURES_OK))
			return;
		vf->features &= ~((u64)U32_MAX << (32 * sel));
		vf->features |= val << (32 * sel);
		return;
	case VIRTIO_PCI_COMMON_MSIX:
		if (len == 2)
			WRITE_ONCE(vf->msix_config, val < mdk_nic_nvectors(vf) ?
				   val : VIRTIO_MSI_NO_VECTOR);
		return;
	case VIRTIO_PCI_COMMON_STATUS:
		if (len == 1)
			mdk_nic_write_status(vf, val);
		return;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		if (len == 2)
			vf->queue_sel = val;
		return;
	}
	if (!q)
		return;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		if (len == 2 && !q->enabled)
			q->vq.size = val;
		return;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		if (len == 2)
			WRITE_ONCE(q->vector, val < mdk_nic_nvectors(vf) ?
				   val : VIRTIO_MSI_NO_VECTOR);
		return;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		/* Only 1 is meaningful: disabling takes a reset (2.6.1). */
		if (len == 2 && val == 1 && !q->enabled)
			mdk_nic_enable_queue(vf, q);
		return;
	}
	if (q->enabled)
		return;
	if (off >= VIRTIO_PCI_COMMON_Q_DESCLO && off < VIRTIO_PCI_COMMON_Q_DESCLO + 8)
		mdk_nic_write64(&q->vq.desc, VIRTIO_PCI_COMMON_Q_DESCLO, off, len, val);
	else if (off >= VIRTIO_PCI_COMMON_Q_AVAILLO && off < VIRTIO_PCI_COMMON_Q_AVAILLO + 8)
		mdk_nic_write64(&q->vq.avail, VIRTIO_PCI_COMMON_Q_AVAILLO, off, len, val);
	else if (off >= VIRTIO_PCI_COMMON_Q_USEDLO && off < VIRTIO_PCI_COMMON_Q_USEDLO + 8)
		mdk_nic_write64(&q->vq.used, VIRTIO_PCI_COMMON_Q_USEDLO, off, len, val);
}

/* ---- the register callbacks ---------------------------------------------- */

static int mdk_nic_vf_read(struct mdk_vdev *vdev, unsigned int bar, u64 off,
			   void *buf, unsigned int len)
{
	struct mdk_nic_vf *vf = mdk_vdev_priv(vdev);
	u8 img[MDK_NIC_DEVCFG_LEN];
	u8 common[MDK_NIC_COMMON_LEN];

	if (bar)
		return 0;
	if (off + len <= MDK_NIC_COMMON + MDK_NIC_COMMON_LEN) {
		mdk_nic_common_image(vf, common);
		memcpy(buf, common + off, len);
	} else if (off == MDK_NIC_ISR) {
		/* Reading clears it (4.1.4.5). */
		*(u8 *)buf = atomic_xchg(&vf->isr, 0);
	} else if (off >= MDK_NIC_DEVCFG &&
		   off + len <= MDK_NIC_DEVCFG + MDK_NIC_DEVCFG_LEN) {
		memset(img, 0, sizeof(img));
		memcpy(img, vf->mac, ETH_ALEN);
		put_unaligned_le16(mdk_nic_vf_link_up(vf) ? VIRTIO_NET_S_LINK_UP : 0,
				   img + offsetof(struct virtio_net_config, status));
		put_unaligned_le16(vf->pairs, img +
				   offsetof(struct virtio_net_config, max_virtqueue_pairs));
		put_unaligned_le16(vf->mtu, img + offsetof(struct virtio_net_config, mtu));
		memcpy(buf, img + off - MDK_NIC_DEVCFG, len);
	}
	return 0;
}

static int mdk_nic_vf_write(struct mdk_vdev *vdev, unsigned int bar, u64 off,
			    const void *buf, unsigned int len)
{
	struct mdk_nic_vf *vf = mdk_vdev_priv(vdev);
	u64 val = 0;
	unsigned int qi;

	if (bar)
		return 0;
	memcpy(&val, buf, len);
	val = le64_to_cpu(val);
	if (off + len <= MDK_NIC_COMMON + MDK_NIC_COMMON_LEN) {
		mdk_nic_common_write(vf, off, len, val);
	} else if (off >= MDK_NIC_NOTIFY) {
		/* The page says which queue; a queue that is not there: ignored. */
		qi = (off - MDK_NIC_NOTIFY) / MDK_NIC_NOTIFY_MUL;
		if (qi < vf->nvqs && READ_ONCE(vf->running))
			mdk_nic_dp_kick(vf);
	}
	return 0;
}

static void mdk_nic_vf_reset(struct mdk_vdev *vdev)
{
	mdk_nic_vf_reset_state(mdk_vdev_priv(vdev));
}

static int mdk_nic_vf_open(struct mdk_vdev *vdev)
{
	struct mdk_nic_vf *vf = mdk_vdev_priv(vdev);

	mutex_lock(&vf->nic->lock);
	vf->opened = true;
	mutex_unlock(&vf->nic->lock);
	return 0;
}

static void mdk_nic_vf_close(struct mdk_vdev *vdev)
{
	struct mdk_nic_vf *vf = mdk_vdev_priv(vdev);

	mdk_nic_vf_reset_state(vf);
	mutex_lock(&vf->nic->lock);
	vf->opened = false;
	/* A migrated function's source values were for that session only. */
	ether_addr_copy(vf->mac, vf->cfg_mac);
	vf->mtu = vf->cfg_mtu;
	mutex_unlock(&vf->nic->lock);
}

static const struct mdk_vdev_ops mdk_nic_vf_ops = {
	.open	= mdk_nic_vf_open,
	.close	= mdk_nic_vf_close,
	.read	= mdk_nic_vf_read,
	.write	= mdk_nic_vf_write,
	.reset	= mdk_nic_vf_reset,
	.mig	= &mdk_nic_mig_ops,
};

/* ---- nic/ attributes of the mdev --------------------------------------- */

static struct mdk_nic_vf *mdk_nic_vf_of(struct device *dev)
{
	struct mdk_vdev *vdev = dev_get_drvdata(dev);

	return vdev ? mdk_vdev_priv(vdev) : NULL;
}

/*
 * Sets what the device reports (@field) and the administrator's value
 * (@cfg), unless the device is open: -EBUSY then.
 */
static int mdk_nic_vf_set_closed(struct mdk_nic_vf *vf, void *field,
				 void *cfg, const void *val, size_t len)
{
	int ret = 0;

	mutex_lock(&vf->nic->lock);
	if (vf->opened) {
		ret = -EBUSY;
	} else {
		memcpy(field, val, len);
		memcpy(cfg, val, len);
	}
	mutex_unlock(&vf->nic->lock);
	return ret;
}

static ssize_t mac_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct mdk_nic_vf *vf = mdk_nic_vf_of(dev);

	return vf ? sysfs_emit(buf, "%pM\n", vf->mac) : -ENODEV;
}

static ssize_t mac_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	struct mdk_nic_vf *vf = mdk_nic_vf_of(dev);
	u8 mac[ETH_ALEN];
	char s[18];
	int ret;

	if (!vf)
		return -ENODEV;
	if (count > sizeof(s) || sscanf(buf, "%17s", s) != 1 ||
	    strlen(s) != 17 || !mac_pton(s, mac) || !is_valid_ether_addr(mac))
		return -EINVAL;
	ret = mdk_nic_vf_set_closed(vf, vf->mac, vf->cfg_mac, mac, ETH_ALEN);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(mac);

static ssize_t mtu_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct mdk_nic_vf *vf = mdk_nic_vf_of(dev);

	return vf ? sysfs_emit(buf, "%u\n", vf->mtu) : -ENODEV;
}

static ssize_t mtu_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	struct mdk_nic_vf *vf = mdk_nic_vf_of(dev);
	int ret;
	u16 mtu;

	if (!vf)
		return -ENODEV;
	ret = kstrtou16(buf, 0, &mtu);
	if (ret)
		return ret;
	if (mtu < ETH_MIN_MTU || mtu > MDK_NIC_MAX_MTU)
		return -EINVAL;
	ret = mdk_nic_vf_set_closed(vf, &vf->mtu, &vf->cfg_mtu, &mtu,
				    sizeof(mtu));
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(mtu);

static ssize_t notify_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct mdk_nic_vf *vf = mdk_nic_vf_of(dev);

	if (!vf)
		return -ENODEV;
	return sysfs_emit(buf, "%s\n", vf->notify_mem ? "passthrough" : "trap");
}
static DEVICE_ATTR_RO(notify);

static ssize_t representor_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct mdk_nic_vf *vf = mdk_nic_vf_of(dev);

	return vf ? sysfs_emit(buf, "%s\n", netdev_name(vf->rep)) : -ENODEV;
}
static DEVICE_ATTR_RO(representor);

static struct attribute *mdk_nic_vf_attrs[] = {
	&dev_attr_mac.attr,
	&dev_attr_mtu.attr,
	&dev_attr_notify.attr,
	&dev_attr_representor.attr,
	NULL
};

static const struct attribute_group mdk_nic_vf_group = {
	.name = "nic",
	.attrs = mdk_nic_vf_attrs,
};

/* ---- probe and remove ----------------------------------------------------- */

/* Locally administered, stable for a UUID. */
static void mdk_nic_uuid_mac(const guid_t *uuid, u8 *mac)
{
	u32 h = crc32_le(~0, uuid->b, sizeof(uuid->b));

	mac[0] = 0x02;
	mac[1] = uuid->b[15] ^ uuid->b[0];
	put_unaligned_be32(h, &mac[2]);
}

static void mdk_nic_vcap(struct mdk_nic_vf *vf, unsigned int i, u8 type,
			 u32 off, u32 len)
{
	u8 *b = vf->vcap_body[i];

	/* struct virtio_pci_cap from cfg_type on (its 4th byte) */
	b[0] = type;
	b[1] = 0;		/* bar */
	b[2] = 0;		/* id */
	put_unaligned_le32(off, &b[5]);
	put_unaligned_le32(len, &b[9]);
	vf->vcaps[i].len = sizeof(struct virtio_pci_cap);
	vf->vcaps[i].body = b;
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
		put_unaligned_le32(MDK_NIC_NOTIFY_MUL, &b[13]);
		vf->vcaps[i].len = sizeof(struct virtio_pci_notify_cap);
	}
}

static void mdk_nic_vf_free(struct mdk_nic_vf *vf)
{
	vfree(vf->notify_mem);
	kfree(vf->chain);
	kfree(vf->chain2);
	kvfree(vf);
}

/**
 * mdk_nic_vf_probe() - an mdev of a NIC becomes a virtio-net function
 * @mdev: the mdev, with its grant
 *
 * Return: 0, or -ENOMEM, the representor's or vfio_mdev's error.
 */
int mdk_nic_vf_probe(struct mdev_device *mdev)
{
	struct mdk_nic *nic = container_of(mdev->type->parent, struct mdk_nic,
					   parent);
	const struct mdk_res_grant *g = mdk_mdev_grant(mdev);
	struct mdk_vdev_info info = {};
	struct mdk_nic_vf *vf;
	unsigned int p;
	u64 bar;
	int ret;

	vf = kvzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	vf->chain = kmalloc(sizeof(*vf->chain), GFP_KERNEL);
	vf->chain2 = kmalloc(sizeof(*vf->chain2), GFP_KERNEL);
	if (!vf->chain || !vf->chain2) {
		ret = -ENOMEM;
		goto err_free;
	}
	vf->nic = nic;
	vf->mdev = mdev;
	vf->nvqs = g->count[MDK_RES_QUEUE];
	vf->pairs = vf->nvqs / 2;
	vf->mtu = ETH_DATA_LEN;
	vf->cfg_mtu = ETH_DATA_LEN;
	mdk_nic_uuid_mac(&mdev->uuid, vf->mac);
	ether_addr_copy(vf->cfg_mac, vf->mac);
	INIT_DELAYED_WORK(&vf->work, mdk_nic_dp_work);
	spin_lock_init(&vf->rx_lock);
	for (p = 0; p < MDK_NIC_MAX_PAIRS; p++)
		skb_queue_head_init(&vf->rxq[p]);
	u64_stats_init(&vf->stats.syncp);
	vf->index = ida_alloc_max(&nic->indices, 999, GFP_KERNEL);
	if (vf->index < 0) {
		ret = vf->index;
		goto err_free;
	}

	bar = roundup_pow_of_two(MDK_NIC_NOTIFY + vf->nvqs * MDK_NIC_NOTIFY_MUL);
	vf->ranges[0] = (struct mdk_vdev_range){ MDK_NIC_COMMON, SZ_4K };
	vf->ranges[1] = (struct mdk_vdev_range){ MDK_NIC_ISR, SZ_4K };
	vf->ranges[2] = (struct mdk_vdev_range){ MDK_NIC_DEVCFG, SZ_4K };
	vf->ranges[3] = (struct mdk_vdev_range){ MDK_NIC_MSIX_TABLE, SZ_4K };
	vf->ranges[4] = (struct mdk_vdev_range){
		MDK_NIC_NOTIFY, vf->nvqs * MDK_NIC_NOTIFY_MUL,
	};
	if (nic->notify_pt) {
		/* Memory the driver writes and the worker polls. */
		vf->notify_mem = vmalloc_user(vf->nvqs * MDK_NIC_NOTIFY_MUL);
		if (!vf->notify_mem) {
			ret = -ENOMEM;
			goto err_index;
		}
		vf->ranges[4].kind = MDK_VBAR_PASSTHROUGH;
		vf->ranges[4].mem = vf->notify_mem;
	}
	mdk_nic_vcap(vf, 0, VIRTIO_PCI_CAP_COMMON_CFG, MDK_NIC_COMMON,
		     MDK_NIC_COMMON_LEN);
	mdk_nic_vcap(vf, 1, VIRTIO_PCI_CAP_NOTIFY_CFG, MDK_NIC_NOTIFY,
		     vf->nvqs * MDK_NIC_NOTIFY_MUL);
	mdk_nic_vcap(vf, 2, VIRTIO_PCI_CAP_ISR_CFG, MDK_NIC_ISR,
		     MDK_NIC_ISR_LEN);
	mdk_nic_vcap(vf, 3, VIRTIO_PCI_CAP_DEVICE_CFG, MDK_NIC_DEVCFG,
		     MDK_NIC_DEVCFG_LEN);
	info.pci = (struct mdk_vcfg_desc){
		.vendor = PCI_VENDOR_ID_REDHAT_QUMRANET,
		.device = 0x1040 + VIRTIO_ID_NET,
		.subsystem_vendor = PCI_VENDOR_ID_REDHAT_QUMRANET,
		.subsystem_device = 0x1100,
		.class = PCI_CLASS_NETWORK_ETHERNET << 8,
		.revision = 1, .express = true,
		.bars = { [0] = { bar, MDK_VCFG_BAR_64 } },
	};
	info.bars[0] = (struct mdk_vdev_bar){ ARRAY_SIZE(vf->ranges), vf->ranges };
	info.msix_vectors = mdk_nic_nvectors(vf);
	info.msix_bar = 0;
	info.msix_table = MDK_NIC_MSIX_TABLE;
	info.msix_pba = MDK_NIC_MSIX_PBA;
	info.nr_vendor_caps = ARRAY_SIZE(vf->vcaps);
	info.vendor_caps = vf->vcaps;
	/* A function's share of transmit grows with its pairs (docs/sched.md). */
	ret = mdk_engine_user_add(&nic->tx, &vf->txu,
				  MDK_SCHED_WEIGHT_DEFAULT * vf->pairs,
				  mdk_nic_tx_granted, &mdev->dev);
	if (ret)
		goto err_index;
	mdk_nic_vf_reset_state(vf);

	/* The representor first: the device's datapath needs it. */
	vf->rep = mdk_nic_rep_create(vf);
	if (IS_ERR(vf->rep)) {
		ret = PTR_ERR(vf->rep);
		vf->rep = NULL;
		goto err_user;
	}
	vf->vdev = mdk_vdev_create(mdev, &info, &mdk_nic_vf_ops, vf);
	if (IS_ERR(vf->vdev)) {
		ret = PTR_ERR(vf->vdev);
		goto err_rep;
	}
	ret = device_add_group(&mdev->dev, &mdk_nic_vf_group);
	if (ret)
		goto err_vdev;
	mutex_lock(&nic->lock);
	nic->used[MDK_RES_QUEUE] += vf->nvqs;
	nic->used[MDK_RES_VECTOR] += mdk_nic_nvectors(vf);
	nic->used[MDK_RES_BAR2] += vf->nvqs;
	mutex_unlock(&nic->lock);
	return 0;

err_vdev:
	mdk_vdev_destroy(vf->vdev);
err_rep:
	mdk_nic_rep_destroy(vf);
err_user:
	mdk_engine_user_del(&vf->txu);
err_index:
	ida_free(&nic->indices, vf->index);
err_free:
	mdk_nic_vf_free(vf);
	return ret;
}

/**
 * mdk_nic_vf_remove() - the mdev goes
 * @mdev: the mdev
 *
 * Waits until its user has closed it (vfio_mdev asks through REQ), which
 * stops the datapath; then the representor goes.
 */
void mdk_nic_vf_remove(struct mdev_device *mdev)
{
	struct mdk_vdev *vdev = dev_get_drvdata(&mdev->dev);
	struct mdk_nic_vf *vf = mdk_vdev_priv(vdev);
	struct mdk_nic *nic = vf->nic;

	device_remove_group(&mdev->dev, &mdk_nic_vf_group);
	mdk_vdev_destroy(vdev);
	mdk_nic_rep_destroy(vf);
	mdk_nic_vf_stop(vf);
	mdk_engine_user_del(&vf->txu);
	mutex_lock(&nic->lock);
	nic->used[MDK_RES_QUEUE] -= vf->nvqs;
	nic->used[MDK_RES_VECTOR] -= mdk_nic_nvectors(vf);
	nic->used[MDK_RES_BAR2] -= vf->nvqs;
	mutex_unlock(&nic->lock);
	ida_free(&nic->indices, vf->index);
	mdk_nic_vf_free(vf);
}
