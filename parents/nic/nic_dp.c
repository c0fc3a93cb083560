// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NIC's datapath: one work item per mdev moves frames between the
 * guest's virtqueues and the representor, with one copy each way (guest
 * buffer to socket buffer, socket buffer to guest buffer, through
 * vfio_mdev's DMA access), and answers the control queue.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <net/dst.h>
#include <linux/skbuff.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>

#include "nic_priv.h"

#define HDR_LEN		sizeof(struct virtio_net_hdr_v1)

/* Pairs the driver may use: more than one only with MQ (5.1.2). */
static unsigned int mdk_nic_max_pairs(const struct mdk_nic_vf *vf)
{
	return vf->features & BIT_ULL(VIRTIO_NET_F_MQ) ? vf->pairs : 1;
}

/* The control queue: after every pair with MQ, else queue 2 (5.1.2). */
static unsigned int mdk_nic_ctrl_vq(const struct mdk_nic_vf *vf)
{
	return 2 * mdk_nic_max_pairs(vf);
}

static int mdk_nic_mem_rw(void *ctx, u64 addr, void *buf, size_t len,
			  bool write)
{
	struct mdk_nic_vf *vf = ctx;

	if (!len)
		return 0;
	return mdk_vdev_dma_rw(vf->vdev, addr, buf, len, write);
}

/**
 * mdk_nic_dp_raise() - interrupt the driver for a queue
 * @vf: the function
 * @qi: the virtqueue
 *
 * Context: any.
 */
void mdk_nic_dp_raise(struct mdk_nic_vf *vf, unsigned int qi)
{
	u16 vec = READ_ONCE(vf->q[qi].vector);

	atomic_or(MDK_NIC_ISR_QUEUE, &vf->isr);
	if (vec != VIRTIO_MSI_NO_VECTOR)
		mdk_vdev_raise(vf->vdev, vec);
}

static void mdk_nic_stat(struct mdk_nic_vf *vf, u64_stats_t *pkts,
			 u64_stats_t *bytes, unsigned int len)
{
	u64_stats_update_begin(&vf->stats.syncp);
	u64_stats_inc(pkts);
	if (bytes)
		u64_stats_add(bytes, len);
	u64_stats_update_end(&vf->stats.syncp);
}

/* Returns chains to the driver and interrupts it if it wants. */
static int mdk_nic_finish(struct mdk_nic_vf *vf, const struct mdk_nic_mem *m,
			  unsigned int qi)
{
	struct mdk_nic_vq *vq = &vf->q[qi].vq;
	int ret = mdk_nic_vq_publish(vq, m);

	if (ret)
		return ret;
	ret = mdk_nic_vq_wants_irq(vq, m);
	if (ret > 0)
		mdk_nic_dp_raise(vf, qi);
	return ret < 0 ? ret : 0;
}

/*
 * The guest transmits: each chain is one frame for the representor. The
 * pass ends after %MDK_NIC_BUDGET chains, or at @until (ktime ns) once it
 * has taken one: the rest waits for the function's next turn.
 */
static int mdk_nic_tx(struct mdk_nic_vf *vf, const struct mdk_nic_mem *m,
		      unsigned int qi, u64 until, bool *more, u64 *bytes,
		      u64 *frames)
{
	struct mdk_nic_q *q = &vf->q[qi];
	struct mdk_nic_chain *c = vf->chain;
	unsigned int i, n, max = ETH_HLEN + VLAN_HLEN + vf->mtu;
	struct net_device *rep = vf->rep;
	struct sk_buff *skb;
	bool qmore;
	u16 pending;
	u64 len;
	int ret;

	/* Pairs with the release in mdk_nic_enable_queue(): the setup. */
	if (!smp_load_acquire(&q->enabled))
		return 0;
	ret = mdk_nic_vq_avail(&q->vq, m, &pending);
	if (ret || !pending)
		return ret;
	/* Busy with the queue: the driver need not notify (2.7.10). */
	ret = mdk_nic_vq_no_notify(&q->vq, m, true);
	if (ret)
		return ret;
	n = min_t(unsigned int, pending, MDK_NIC_BUDGET);
	/* This queue's own: another queue's leftovers must not keep its flag. */
	qmore = pending > n;
	if (qmore)
		*more = true;
	for (i = 0; i < n; i++) {
		if (i && ktime_get_ns() > until) {
			n = i;
			qmore = true;
			*more = true;
			break;
		}
		ret = mdk_nic_vq_peek(&q->vq, m, q->vq.last_avail, c);
		if (ret)
			return ret;
		/* A transmit chain is device-readable only (5.1.6.2). */
		if (c->writable)
			return -EPROTO;
		len = c->readable - min_t(u64, c->readable, HDR_LEN);
		if (c->readable < HDR_LEN + ETH_HLEN || len > max ||
		    !netif_running(rep)) {
			atomic_long_inc(&vf->rx_dropped);
			goto done;
		}
		skb = netdev_alloc_skb_ip_align(rep, len);
		if (!skb) {
			atomic_long_inc(&vf->rx_dropped);
			goto done;
		}
		ret = mdk_nic_chain_rw(m, c, HDR_LEN, skb_put(skb, len), len,
				       false);
		if (ret) {
			kfree_skb(skb);
			return ret;
		}
		skb->protocol = eth_type_trans(skb, rep);
		mdk_nic_stat(vf, &vf->stats.rx_packets, &vf->stats.rx_bytes,
			     len);
		netif_rx(skb);
done:
		/* Dropped or not, the chain took the engine: it is charged. */
		*bytes += c->readable;
		(*frames)++;
		q->vq.last_avail++;
		ret = mdk_nic_vq_push(&q->vq, m, c->head, 0);
		if (ret)
			return ret;
	}
	ret = n ? mdk_nic_finish(vf, m, qi) : 0;
	if (ret || qmore)
		return ret;
	/* Drained: notifications again, and what came in meanwhile. */
	ret = mdk_nic_vq_no_notify(&q->vq, m, false);
	if (!ret)
		ret = mdk_nic_vq_avail(&q->vq, m, &pending);
	if (!ret && pending)
		*more = true;
	return ret;
}

/*
 * One frame into the receive queue: the header and the frame across one
 * chain, or with MRG_RXBUF as many as it takes. Returns 1 when the chains
 * are not there yet (the frame waits), 0 when it was delivered or dropped.
 */
static int mdk_nic_rx_one(struct mdk_nic_vf *vf, const struct mdk_nic_mem *m,
			  struct mdk_nic_q *q, struct sk_buff *skb,
			  u16 pending)
{
	bool mrg = vf->features & BIT_ULL(VIRTIO_NET_F_MRG_RXBUF);
	struct virtio_net_hdr_v1 hdr = {};
	struct mdk_nic_chain *first = vf->chain2, *c = first;
	unsigned int k = 0, off = 0, skip = HDR_LEN, n;
	int ret;

	while (off < skb->len) {
		if (k >= pending)
			return 1;
		ret = mdk_nic_vq_peek(&q->vq, m, q->vq.last_avail + k, c);
		if (ret)
			return ret;
		/* A receive chain is device-writable only (5.1.6.3). */
		if (c->readable)
			return -EPROTO;
		if (!mrg && c->writable < HDR_LEN + skb->len) {
			/* Too small without merging: the frame is lost. */
			atomic_long_inc(&vf->tx_dropped);
			return 0;
		}
		if (c->writable < skip) {
			atomic_long_inc(&vf->tx_dropped);
			return 0;
		}
		n = min_t(u64, c->writable - skip, skb->len - off);
		ret = mdk_nic_chain_rw(m, c, skip, skb->data + off, n, true);
		if (ret)
			return ret;
		vf->mrg_head[k] = c->head;
		vf->mrg_len[k] = skip + n;
		off += n;
		skip = 0;
		k++;
		c = vf->chain;
	}
	hdr.num_buffers = cpu_to_le16(k);
	ret = mdk_nic_chain_rw(m, first, 0, &hdr, HDR_LEN, true);
	if (ret)
		return ret;
	for (n = 0; n < k; n++) {
		ret = mdk_nic_vq_push(&q->vq, m, vf->mrg_head[n],
				      vf->mrg_len[n]);
		if (ret)
			return ret;
	}
	q->vq.last_avail += k;
	mdk_nic_stat(vf, &vf->stats.tx_packets, &vf->stats.tx_bytes,
		     skb->len);
	return 0;
}

/* Frames from the representor into a pair's receive queue. */
static int mdk_nic_rx(struct mdk_nic_vf *vf, const struct mdk_nic_mem *m,
		      unsigned int pair, bool *more)
{
	struct mdk_nic_q *q = &vf->q[2 * pair];
	struct sk_buff_head *rxq = &vf->rxq[pair];
	unsigned int done = 0;
	struct sk_buff *skb;
	u16 pending, left;
	int ret = 0;

	/* Pairs with the release in mdk_nic_enable_queue(): the setup. */
	if (!smp_load_acquire(&q->enabled) || skb_queue_empty_lockless(rxq))
		return 0;
	ret = mdk_nic_vq_avail(&q->vq, m, &pending);
	if (ret)
		return ret;
	while (done < MDK_NIC_BUDGET) {
		spin_lock_bh(&vf->rx_lock);
		skb = __skb_dequeue(rxq);
		spin_unlock_bh(&vf->rx_lock);
		if (!skb)
			break;
		/* The chains counted at the start of the pass, less those taken. */
		left = pending - (u16)(q->vq.last_avail - q->vq.heads_from);
		ret = mdk_nic_rx_one(vf, m, q, skb, left);
		if (ret == 1) {
			/* Short: count again once, the driver may have added. */
			ret = mdk_nic_vq_avail(&q->vq, m, &pending);
			if (!ret)
				ret = mdk_nic_rx_one(vf, m, q, skb, pending);
		}
		if (ret == 1) {
			/* No buffers: wait for the driver's notification. */
			spin_lock_bh(&vf->rx_lock);
			__skb_queue_head(rxq, skb);
			spin_unlock_bh(&vf->rx_lock);
			ret = 0;
			break;
		}
		consume_skb(skb);
		if (ret)
			break;
		done++;
	}
	if (done >= MDK_NIC_BUDGET)
		*more = true;
	if (ret)
		return ret;
	return done ? mdk_nic_finish(vf, m, 2 * pair) : 0;
}

/* Fewer pairs: frames waiting for the others are dropped. */
static void mdk_nic_set_pairs(struct mdk_nic_vf *vf, unsigned int pairs)
{
	unsigned int p, n = 0;

	spin_lock_bh(&vf->rx_lock);
	WRITE_ONCE(vf->active_pairs, pairs);
	for (p = pairs; p < MDK_NIC_MAX_PAIRS; p++) {
		n += skb_queue_len(&vf->rxq[p]);
		__skb_queue_purge(&vf->rxq[p]);
	}
	spin_unlock_bh(&vf->rx_lock);
	atomic_long_add(n, &vf->tx_dropped);
}

/* The control queue: VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, the only class. */
static int mdk_nic_ctrl(struct mdk_nic_vf *vf, const struct mdk_nic_mem *m)
{
	unsigned int qi = mdk_nic_ctrl_vq(vf), i, n;
	struct mdk_nic_q *q = &vf->q[qi];
	struct mdk_nic_chain *c = vf->chain;
	struct virtio_net_ctrl_hdr hdr;
	struct virtio_net_ctrl_mq mq;
	u8 ack;
	u16 pending, pairs;
	int ret;

	/* Pairs with the release in mdk_nic_enable_queue(): the setup. */
	if (!smp_load_acquire(&q->enabled))
		return 0;
	ret = mdk_nic_vq_avail(&q->vq, m, &pending);
	if (ret)
		return ret;
	n = pending;
	for (i = 0; i < n; i++) {
		ret = mdk_nic_vq_peek(&q->vq, m, q->vq.last_avail, c);
		if (ret)
			return ret;
		/* No room for the ack: the driver's error (5.1.6.5). */
		if (!c->writable)
			return -EPROTO;
		ack = VIRTIO_NET_ERR;
		if (c->readable == sizeof(hdr) + sizeof(mq)) {
			ret = mdk_nic_chain_rw(m, c, 0, &hdr, sizeof(hdr), false);
			if (!ret)
				ret = mdk_nic_chain_rw(m, c, sizeof(hdr), &mq,
						       sizeof(mq), false);
			if (ret)
				return ret;
			pairs = le16_to_cpu(mq.virtqueue_pairs);
			if (hdr.class == VIRTIO_NET_CTRL_MQ &&
			    hdr.cmd == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET &&
			    pairs >= VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN &&
			    pairs <= vf->pairs) {
				mdk_nic_set_pairs(vf, pairs);
				ack = VIRTIO_NET_OK;
			}
		}
		ret = mdk_nic_chain_rw(m, c, 0, &ack, sizeof(ack), true);
		if (ret)
			return ret;
		q->vq.last_avail++;
		ret = mdk_nic_vq_push(&q->vq, m, c->head, sizeof(ack));
		if (ret)
			return ret;
	}
	return n ? mdk_nic_finish(vf, m, qi) : 0;
}

/*
 * Has a transmit queue (of any pair) frames the driver made available, or
 * a ring mdk_nic_tx() must find broken?
 */
static bool mdk_nic_tx_pending(struct mdk_nic_vf *vf,
			       const struct mdk_nic_mem *m)
{
	unsigned int p;
	u16 pending;

	for (p = 0; p < mdk_nic_max_pairs(vf); p++) {
		struct mdk_nic_q *q = &vf->q[2 * p + 1];

		/* Pairs with the release in mdk_nic_enable_queue(). */
		if (smp_load_acquire(&q->enabled) &&
		    (mdk_nic_vq_avail(&q->vq, m, &pending) || pending))
			return true;
	}
	return false;
}

/**
 * mdk_nic_tx_granted() - the transmit engine is a function's: run its work
 * @u: the function's place at the engine
 *
 * Context: under the engine's lock, BHs off.
 */
void mdk_nic_tx_granted(struct mdk_engine_user *u)
{
	mdk_nic_dp_kick(container_of(u, struct mdk_nic_vf, txu));
}

/**
 * mdk_nic_dp_work() - the datapath of one function
 * @work: its work item
 *
 * Runs while the driver is running; a driver error (a malformed chain, an
 * address outside its DMA mappings) stops it with DEVICE_NEEDS_RESET.
 *
 * Context: process (mdk_nic_wq); takes no lock across guest memory.
 */
void mdk_nic_dp_work(struct work_struct *work)
{
	struct mdk_nic_vf *vf = container_of(to_delayed_work(work),
					     struct mdk_nic_vf, work);
	struct mdk_nic_mem m = { .rw = mdk_nic_mem_rw, .ctx = vf };
	bool more = false, txmore = false, tx, entered;
	unsigned int p, pairs, i;
	u32 before = 0, after = 0;
	u64 bytes = 0, frames = 0, until;
	int ret = 0;

	if (!READ_ONCE(vf->running))
		return;
	until = ktime_get_ns() + MDK_NIC_TX_SLICE_NS;
	entered = mdk_vdev_dma_enter(vf->vdev);
	for (i = 0; i < vf->nvqs; i++)
		before += vf->q[i].vq.last_avail;
	if (vf->features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ))
		ret = mdk_nic_ctrl(vf, &m);
	/* Transmitting takes the NIC's transmit engine, in turns. */
	tx = mdk_nic_tx_pending(vf, &m) && mdk_engine_request(&vf->txu);
	pairs = READ_ONCE(vf->active_pairs);
	for (p = 0; p < mdk_nic_max_pairs(vf) && !ret; p++) {
		/* Transmit queues of inactive pairs still drain. */
		if (tx)
			ret = mdk_nic_tx(vf, &m, 2 * p + 1, until, &txmore,
					 &bytes, &frames);
		if (!ret && p < pairs)
			ret = mdk_nic_rx(vf, &m, p, &more);
	}
	mdk_vdev_dma_exit(vf->vdev, entered);
	/* Its turn over, the engine kicks this work when the next comes. */
	if (tx && mdk_engine_charge(&vf->txu, bytes, frames, txmore && !ret))
		more |= txmore;
	if (ret) {
		mdk_nic_vf_needs_reset(vf);
		return;
	}
	if (more) {
		mdk_nic_dp_kick(vf);
		return;
	}
	if (!vf->notify_mem)
		return;
	/*
	 * Passthrough notify pages: nothing traps the driver's notifications,
	 * so the worker looks again, soon after work, less often when idle.
	 */
	for (i = 0; i < vf->nvqs; i++)
		after += vf->q[i].vq.last_avail;
	vf->poll = after != before ? 0 : min(2 * vf->poll + 1, MDK_NIC_POLL_MAX);
	queue_delayed_work(mdk_nic_wq, &vf->work, vf->poll);
}

/**
 * mdk_nic_dp_kick() - run the datapath now
 * @vf: the function
 *
 * Context: any.
 */
void mdk_nic_dp_kick(struct mdk_nic_vf *vf)
{
	mod_delayed_work(mdk_nic_wq, &vf->work, 0);
}

/**
 * mdk_nic_dp_to_guest() - the representor transmits a frame to the guest
 * @vf: the function
 * @skb: the frame, from its Ethernet header
 *
 * Context: the representor's ndo_start_xmit (softirq or process, BHs off).
 * Return: NETDEV_TX_OK; the frame is queued or dropped and counted.
 */
netdev_tx_t mdk_nic_dp_to_guest(struct mdk_nic_vf *vf, struct sk_buff *skb)
{
	unsigned int pair = 0, pairs;
	bool queued = false;

	/* Nothing a guest may receive (5.1.6.3 with MTU), or cannot hold. */
	if (skb->len < ETH_HLEN || skb->len > ETH_HLEN + VLAN_HLEN + vf->mtu ||
	    skb_linearize(skb))
		goto drop;
	/*
	 * It may wait long for the guest's buffers: it must not hold its
	 * sender's socket memory, route or connection tracking meanwhile.
	 */
	skb_orphan(skb);
	nf_reset_ct(skb);
	skb_dst_drop(skb);
	spin_lock(&vf->rx_lock);
	pairs = READ_ONCE(vf->active_pairs);
	if (vf->running) {
		if (pairs > 1)
			pair = skb_get_hash(skb) % pairs;
		if (skb_queue_len(&vf->rxq[pair]) < MDK_NIC_RXQ_MAX) {
			__skb_queue_tail(&vf->rxq[pair], skb);
			queued = true;
		}
	}
	spin_unlock(&vf->rx_lock);
	if (queued) {
		mdk_nic_dp_kick(vf);
		return NETDEV_TX_OK;
	}
drop:
	atomic_long_inc(&vf->tx_dropped);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}
