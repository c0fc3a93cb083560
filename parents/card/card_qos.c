// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_card per-VF quality of service in sysfs, <mdev>/qos/ (docs/sched.md):
 * weight, max_bytes_per_s and max_ops_per_s, which can be changed while the
 * VF runs, and what the VF consumed: bytes, ops and throttled_ns since it
 * was created. A write that is not a number fails with EINVAL, one out of
 * range with ERANGE; either changes nothing.
 */

#include <linux/kernel.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#include "card_priv.h"

enum mdk_card_qos_field {
	MDK_CARD_QOS_WEIGHT,
	MDK_CARD_QOS_BYTES_PER_S,
	MDK_CARD_QOS_OPS_PER_S,
	MDK_CARD_QOS_BYTES,
	MDK_CARD_QOS_OPS,
	MDK_CARD_QOS_THROTTLED_NS,
};

struct mdk_card_qos_attr {
	struct device_attribute attr;
	enum mdk_card_qos_field field;
};

/* The VF of an mdev: the files exist only while it is probed. */
static struct mdk_card_vf *mdk_card_qos_vf(struct device *dev)
{
	return mdk_vdev_priv(dev_get_drvdata(dev));
}

static ssize_t mdk_card_qos_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct mdk_card_vf *vf = mdk_card_qos_vf(dev);
	struct mdk_sched_stats st;
	struct mdk_sched_qos qos;
	u64 v = 0;

	spin_lock(&vf->card->slock);
	qos = vf->sent.qos;
	mdk_sched_ent_stats(&vf->sent, ktime_get_ns(), &st);
	spin_unlock(&vf->card->slock);
	switch (container_of(attr, struct mdk_card_qos_attr, attr)->field) {
	case MDK_CARD_QOS_WEIGHT:
		v = qos.weight;
		break;
	case MDK_CARD_QOS_BYTES_PER_S:
		v = qos.max_bytes_per_s;
		break;
	case MDK_CARD_QOS_OPS_PER_S:
		v = qos.max_ops_per_s;
		break;
	case MDK_CARD_QOS_BYTES:
		v = st.bytes;
		break;
	case MDK_CARD_QOS_OPS:
		v = st.ops;
		break;
	case MDK_CARD_QOS_THROTTLED_NS:
		v = st.throttled_ns;
		break;
	}
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t mdk_card_qos_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct mdk_card_vf *vf = mdk_card_qos_vf(dev);
	struct mdk_sched_qos qos;
	u64 val;
	int ret;

	ret = kstrtou64(buf, 10, &val);
	if (ret)
		return ret;
	spin_lock(&vf->card->slock);
	qos = vf->sent.qos;
	switch (container_of(attr, struct mdk_card_qos_attr, attr)->field) {
	case MDK_CARD_QOS_WEIGHT:
		qos.weight = val > U32_MAX ? 0 : val;	/* 0: out of range */
		break;
	case MDK_CARD_QOS_BYTES_PER_S:
		qos.max_bytes_per_s = val;
		break;
	default:
		qos.max_ops_per_s = val;
		break;
	}
	ret = mdk_sched_ent_set(&vf->sent, &qos, ktime_get_ns());
	spin_unlock(&vf->card->slock);
	return ret ? ret : count;
}

#define MDK_CARD_QOS_ATTR(_name, _mode, _field)				\
static struct mdk_card_qos_attr mdk_card_qos_##_name = {		\
	.attr = __ATTR(_name, _mode, mdk_card_qos_show,			\
		       mdk_card_qos_store),				\
	.field = _field,						\
}

MDK_CARD_QOS_ATTR(weight, 0644, MDK_CARD_QOS_WEIGHT);
MDK_CARD_QOS_ATTR(max_bytes_per_s, 0644, MDK_CARD_QOS_BYTES_PER_S);
MDK_CARD_QOS_ATTR(max_ops_per_s, 0644, MDK_CARD_QOS_OPS_PER_S);
MDK_CARD_QOS_ATTR(bytes, 0444, MDK_CARD_QOS_BYTES);
MDK_CARD_QOS_ATTR(ops, 0444, MDK_CARD_QOS_OPS);
MDK_CARD_QOS_ATTR(throttled_ns, 0444, MDK_CARD_QOS_THROTTLED_NS);

static struct attribute *mdk_card_qos_attrs[] = {
	&mdk_card_qos_weight.attr.attr,
	&mdk_card_qos_max_bytes_per_s.attr.attr,
	&mdk_card_qos_max_ops_per_s.attr.attr,
	&mdk_card_qos_bytes.attr.attr,
	&mdk_card_qos_ops.attr.attr,
	&mdk_card_qos_throttled_ns.attr.attr,
	NULL
};

const struct attribute_group mdk_card_qos_group = {
	.name = "qos",
	.attrs = mdk_card_qos_attrs,
};
