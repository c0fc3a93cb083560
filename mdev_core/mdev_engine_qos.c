// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_core shared engines in sysfs: <mdev>/qos/ of each user of an engine
 * (docs/sched.md). weight, max_bytes_per_s and max_ops_per_s can be changed
 * at any time; bytes, ops and throttled_ns show what the user consumed
 * since its mdev was created. A write that is not a decimal number fails
 * with EINVAL, one out of range with ERANGE; either changes nothing.
 */
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/ktime.h>
#include <mdevkit/engine.h>

#include "mdev_core_priv.h"

/* The directory; the user outlives it (mdk_engine_qos_del()). */
struct mdk_engine_qos {
	struct kobject kobj;
	struct mdk_engine_user *user;
};

enum mdk_engine_qos_field {
	MDK_QOS_WEIGHT,
	MDK_QOS_BYTES_PER_S,
	MDK_QOS_OPS_PER_S,
	MDK_QOS_BYTES,
	MDK_QOS_OPS,
	MDK_QOS_THROTTLED_NS,
};

struct mdk_engine_qos_attr {
	struct kobj_attribute attr;
	enum mdk_engine_qos_field field;
};

static struct mdk_engine_user *mdk_engine_qos_user(struct kobject *kobj)
{
	return container_of(kobj, struct mdk_engine_qos, kobj)->user;
}

static enum mdk_engine_qos_field mdk_engine_qos_field(struct kobj_attribute *a)
{
	return container_of(a, struct mdk_engine_qos_attr, attr)->field;
}

static ssize_t mdk_engine_qos_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	struct mdk_engine_user *u = mdk_engine_qos_user(kobj);
	struct mdk_sched_stats st;
	struct mdk_sched_qos qos;
	u64 v = 0;

	spin_lock_bh(&u->engine->lock);
	qos = u->ent.qos;
	mdk_sched_ent_stats(&u->ent, ktime_get_ns(), &st);
	spin_unlock_bh(&u->engine->lock);
	switch (mdk_engine_qos_field(attr)) {
	case MDK_QOS_WEIGHT:
		v = qos.weight;
		break;
	case MDK_QOS_BYTES_PER_S:
		v = qos.max_bytes_per_s;
		break;
	case MDK_QOS_OPS_PER_S:
		v = qos.max_ops_per_s;
		break;
	case MDK_QOS_BYTES:
		v = st.bytes;
		break;
	case MDK_QOS_OPS:
		v = st.ops;
		break;
	case MDK_QOS_THROTTLED_NS:
		v = st.throttled_ns;
		break;
	}
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t mdk_engine_qos_store(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t count)
{
	struct mdk_engine_user *u = mdk_engine_qos_user(kobj);
	struct mdk_sched_qos qos;
	u64 val;
	int ret;

	ret = kstrtou64(buf, 10, &val);
	if (ret)
		return ret;
	spin_lock_bh(&u->engine->lock);
	qos = u->ent.qos;
	switch (mdk_engine_qos_field(attr)) {
	case MDK_QOS_WEIGHT:
		qos.weight = val > U32_MAX ? 0 : val;	/* 0: out of range */
		break;
	case MDK_QOS_BYTES_PER_S:
		qos.max_bytes_per_s = val;
		break;
	default:
		qos.max_ops_per_s = val;
		break;
	}
	ret = mdk_sched_ent_set(&u->ent, &qos, ktime_get_ns());
	spin_unlock_bh(&u->engine->lock);
	return ret ? ret : count;
}

#define MDK_QOS_ATTR(_name, _mode, _field)				\
static struct mdk_engine_qos_attr mdk_engine_qos_##_name = {		\
	.attr = __ATTR(_name, _mode, mdk_engine_qos_show,		\
		       mdk_engine_qos_store),				\
	.field = _field,						\
}

MDK_QOS_ATTR(weight, 0644, MDK_QOS_WEIGHT);
MDK_QOS_ATTR(max_bytes_per_s, 0644, MDK_QOS_BYTES_PER_S);
MDK_QOS_ATTR(max_ops_per_s, 0644, MDK_QOS_OPS_PER_S);
MDK_QOS_ATTR(bytes, 0444, MDK_QOS_BYTES);
MDK_QOS_ATTR(ops, 0444, MDK_QOS_OPS);
MDK_QOS_ATTR(throttled_ns, 0444, MDK_QOS_THROTTLED_NS);

static struct attribute *mdk_engine_qos_attrs[] = {
	&mdk_engine_qos_weight.attr.attr,
	&mdk_engine_qos_max_bytes_per_s.attr.attr,
	&mdk_engine_qos_max_ops_per_s.attr.attr,
	&mdk_engine_qos_bytes.attr.attr,
	&mdk_engine_qos_ops.attr.attr,
	&mdk_engine_qos_throttled_ns.attr.attr,
	NULL
};
ATTRIBUTE_GROUPS(mdk_engine_qos);

static void mdk_engine_qos_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct mdk_engine_qos, kobj));
}

static const struct kobj_type mdk_engine_qos_ktype = {
	.release	= mdk_engine_qos_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= mdk_engine_qos_groups,
};

/**
 * mdk_engine_qos_add() - the qos/ directory of a user
 * @u: the user
 * @dev: its mdev's device
 *
 * Return: 0, -ENOMEM, or the error of adding the directory.
 */
int mdk_engine_qos_add(struct mdk_engine_user *u, struct device *dev)
{
	struct mdk_engine_qos *q = kzalloc(sizeof(*q), GFP_KERNEL);
	int ret;

	if (!q)
		return -ENOMEM;
	q->user = u;
	ret = kobject_init_and_add(&q->kobj, &mdk_engine_qos_ktype, &dev->kobj,
				   "qos");
	if (ret) {
		kobject_put(&q->kobj);
		return ret;
	}
	u->qos = &q->kobj;
	return 0;
}

/**
 * mdk_engine_qos_del() - remove it
 * @u: the user
 *
 * When this returns, no show or store of it runs any more.
 */
void mdk_engine_qos_del(struct mdk_engine_user *u)
{
	if (!u->qos)
		return;
	kobject_del(u->qos);
	kobject_put(u->qos);
	u->qos = NULL;
}
