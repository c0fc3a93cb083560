// SPDX-License-Identifier: GPL-2.0-only
/*
 * The representor of a NIC mdev: a host network interface whose receive
 * side is what the guest transmits and whose transmit side feeds the
 * guest's receive queues (docs/nic.md, "The representor").
 */

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "nic_priv.h"

/**
 * struct mdk_nic_rep - the representor's private data
 * @vf: its function
 */
struct mdk_nic_rep {
	struct mdk_nic_vf *vf;
};

static struct mdk_nic_vf *mdk_nic_rep_vf(struct net_device *ndev)
{
	return ((struct mdk_nic_rep *)netdev_priv(ndev))->vf;
}

/**
 * mdk_nic_rep_carrier() - carrier follows the guest driver
 * @vf: the function
 *
 * Up while the driver runs (DRIVER_OK, no error) with its first receive
 * queue enabled.
 *
 * Context: process or softirq.
 */
void mdk_nic_rep_carrier(struct mdk_nic_vf *vf)
{
	if (!vf->rep)
		return;
	if (READ_ONCE(vf->running) && READ_ONCE(vf->q[0].enabled))
		netif_carrier_on(vf->rep);
	else
		netif_carrier_off(vf->rep);
}

static int mdk_nic_rep_open(struct net_device *ndev)
{
	struct mdk_nic_vf *vf = mdk_nic_rep_vf(ndev);

	mdk_nic_rep_carrier(vf);
	netif_start_queue(ndev);
	mdk_nic_vf_config_changed(vf);	/* the guest's link goes up */
	return 0;
}

static int mdk_nic_rep_stop(struct net_device *ndev)
{
	struct mdk_nic_vf *vf = mdk_nic_rep_vf(ndev);

	netif_stop_queue(ndev);
	mdk_nic_vf_config_changed(vf);	/* ... and down */
	return 0;
}

static netdev_tx_t mdk_nic_rep_xmit(struct sk_buff *skb,
				    struct net_device *ndev)
{
	return mdk_nic_dp_to_guest(mdk_nic_rep_vf(ndev), skb);
}

static void mdk_nic_rep_stats(struct net_device *ndev,
			      struct rtnl_link_stats64 *st)
{
	struct mdk_nic_stats *s = &mdk_nic_rep_vf(ndev)->stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		st->rx_packets = u64_stats_read(&s->rx_packets);
		st->rx_bytes = u64_stats_read(&s->rx_bytes);

		st->tx_packets = u64_stats_read(&s->tx_packets);
		st->tx_bytes = u64_stats_read(&s->tx_bytes);
	} while (u64_stats_fetch_retry(&s->syncp, start));
	st->rx_dropped = atomic_long_read(&mdk_nic_rep_vf(ndev)->rx_dropped);
	st->tx_dropped = atomic_long_read(&mdk_nic_rep_vf(ndev)->tx_dropped);
}

static int mdk_nic_rep_port_name(struct net_device *ndev, char *buf,
				 size_t len)
{
	int n = snprintf(buf, len, "vf%d", mdk_nic_rep_vf(ndev)->index);

	return n >= len ? -EOPNOTSUPP : 0;
}

static const struct net_device_ops mdk_nic_rep_ops = {
	.ndo_open		= mdk_nic_rep_open,
	.ndo_stop		= mdk_nic_rep_stop,
	.ndo_start_xmit		= mdk_nic_rep_xmit,
	.ndo_get_stats64	= mdk_nic_rep_stats,
	.ndo_get_phys_port_name	= mdk_nic_rep_port_name,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static void mdk_nic_rep_drvinfo(struct net_device *ndev,
				struct ethtool_drvinfo *info)
{
	struct mdk_nic_vf *vf = mdk_nic_rep_vf(ndev);

	strscpy(info->driver, MDK_NIC_NAME, sizeof(info->driver));
	/* A UUID is longer than bus-info: the NIC and the index. */
	snprintf(info->bus_info, sizeof(info->bus_info), "%s/vf%d",
		 dev_name(vf->nic->dev), vf->index);
}

static const char mdk_nic_rep_stat_names[][ETH_GSTRING_LEN] = {
	"rx_packets", "rx_bytes", "rx_dropped",
	"tx_packets", "tx_bytes", "tx_dropped",
	"guest_running", "guest_needs_reset", "queue_pairs_active",
};

static int mdk_nic_rep_sset_count(struct net_device *ndev, int sset)
{
	return sset == ETH_SS_STATS ? ARRAY_SIZE(mdk_nic_rep_stat_names) :
				      -EOPNOTSUPP;
}

static void mdk_nic_rep_strings(struct net_device *ndev, u32 sset, u8 *buf)
{
	if (sset == ETH_SS_STATS)
		memcpy(buf, mdk_nic_rep_stat_names,
		       sizeof(mdk_nic_rep_stat_names));
}

static void mdk_nic_rep_ethtool_stats(struct net_device *ndev,
				      struct ethtool_stats *es, u64 *data)
{
	struct mdk_nic_vf *vf = mdk_nic_rep_vf(ndev);
	struct rtnl_link_stats64 st = {};

	mdk_nic_rep_stats(ndev, &st);
	data[0] = st.rx_packets;
	data[1] = st.rx_bytes;
	data[2] = st.rx_dropped;
	data[3] = st.tx_packets;
	data[4] = st.tx_bytes;
	data[5] = st.tx_dropped;
	data[6] = READ_ONCE(vf->running);
	data[7] = READ_ONCE(vf->broken);
	data[8] = READ_ONCE(vf->active_pairs);
}

static const struct ethtool_ops mdk_nic_rep_ethtool = {
	.get_drvinfo		= mdk_nic_rep_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= mdk_nic_rep_sset_count,
	.get_strings		= mdk_nic_rep_strings,
	.get_ethtool_stats	= mdk_nic_rep_ethtool_stats,
};

/**
 * mdk_nic_rep_create() - register a function's representor
 * @vf: the function, with its NIC and index
 *
 * Named mdknic<NIC>v<index>, its parent device the mdev.
 *
 * Context: process; takes RTNL.
 * Return: the net device, or an ERR_PTR().
 */
struct net_device *mdk_nic_rep_create(struct mdk_nic_vf *vf)
{
	struct net_device *ndev;
	int ret;

	ndev = alloc_etherdev(sizeof(struct mdk_nic_rep));
	if (!ndev)
		return ERR_PTR(-ENOMEM);
	((struct mdk_nic_rep *)netdev_priv(ndev))->vf = vf;
	snprintf(ndev->name, IFNAMSIZ, "mdknic%dv%d", vf->nic->id, vf->index);
	SET_NETDEV_DEV(ndev, &vf->mdev->dev);
	ndev->netdev_ops = &mdk_nic_rep_ops;
	ndev->ethtool_ops = &mdk_nic_rep_ethtool;
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = MDK_NIC_MAX_MTU;
	eth_hw_addr_random(ndev);
	/* Its transmit path takes a BH lock: not from netpoll's hard IRQ. */
	ndev->priv_flags |= IFF_DISABLE_NETPOLL;
	netif_carrier_off(ndev);
	ret = register_netdev(ndev);
	if (ret) {
		free_netdev(ndev);
		return ERR_PTR(ret);
	}
	return ndev;
}

/**
 * mdk_nic_rep_destroy() - unregister it; its transmit path is then idle
 * @vf: the function
 *
 * Context: process; takes RTNL.
 */
void mdk_nic_rep_destroy(struct mdk_nic_vf *vf)
{
	struct net_device *ndev = vf->rep;

	if (!ndev)
		return;
	unregister_netdev(ndev);
	vf->rep = NULL;
	free_netdev(ndev);
}
