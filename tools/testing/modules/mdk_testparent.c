// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_testparent - a test-only mdev parent with configurable pools and types.
 * Never installed; loaded only inside the test VM.
 *
 * Each parent is a platform device "mdk_testparent.<id>" bound to the
 * platform driver "mdk_testparent", so a test can unbind and rebind it like
 * real hardware. Control, netdevsim-style, through module parameters:
 *
 *   echo "ID SPEC" > /sys/module/mdk_testparent/parameters/new_device
 *   echo ID > /sys/module/mdk_testparent/parameters/del_device
 *   modprobe mdk_testparent new_device="ID SPEC"   (one device at load)
 *
 * SPEC is a list of space-separated words:
 *   max=N        upstream counting: mdev_driver.max_instances = N
 *   avail=N      upstream counting with get_available: N instances in all,
 *                taken in probe (-ENOSPC when none are left)
 *   KIND=N       a pool of N units (KIND: bar0..bar5 in 4 KiB pages, queue,
 *                vector, opaque0..opaque3); any pool opts into the resource
 *                model (mdk_register_parent_res())
 *   res          opt into the resource model even without pools
 *   nodesc       no show_description (the type has no description file)
 *   type=NAME[/PRETTY][:KIND=COUNT[@ALIGN][,KIND=COUNT[@ALIGN]...]]
 *                a type and what one instance takes; without any type=,
 *                one type "a" that takes nothing
 *
 * Knobs of a bound parent, in /sys/bus/platform/devices/mdk_testparent.ID/:
 *   fail_probe        the next N mdev probes fail with -EIO
 *   probe_delay_ms    every mdev probe sleeps this long first
 *   remove_delay_ms   every mdev remove sleeps this long first (a slow user)
 *   nr_mdevs          mdevs probed and not removed
 *   grants            one line per mdev: "UUID TYPE KIND=START+COUNT ..."
 *   grant_errors      grants seen at probe that were missing, of the wrong
 *                     size, misaligned, outside a pool or overlapping another
 */

#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <mdevkit/mdev_core.h>

#define MDK_TP_NAME		"mdk_testparent"
#define MDK_TP_MAX_ID		999
#define MDK_TP_MAX_TYPES	8
#define MDK_TP_NAME_LEN		16
#define MDK_TP_PRETTY_LEN	32

struct mdk_tp_type_cfg {
	char name[MDK_TP_NAME_LEN];
	char pretty[MDK_TP_PRETTY_LEN];
	struct mdk_res_demand demand;
};

/* A parent's configuration: the platform data of its device. */
struct mdk_tp_cfg {
	unsigned int max;
	bool avail_mode;
	unsigned int avail;
	bool res;
	bool nodesc;
	struct mdk_res_pools pools;
	unsigned int nr_types;
	struct mdk_tp_type_cfg types[MDK_TP_MAX_TYPES];
	int probe_err;		/* of the last probe, for new_device */
};

/* A bound parent. */
struct mdk_tp {
	struct device *dev;
	struct mdk_tp_cfg *cfg;
	struct mdev_parent parent;
	struct mdev_driver mdrv;
	struct mdev_type types[MDK_TP_MAX_TYPES];
	struct mdev_type *type_ptrs[MDK_TP_MAX_TYPES];
	atomic_t fail_probe;
	unsigned int probe_delay_ms;
	unsigned int remove_delay_ms;
	struct mutex lock;	/* mdevs, nr_mdevs, avail, grant_errors */
	struct list_head mdevs;
	unsigned int nr_mdevs;
	unsigned int avail;
	unsigned int grant_errors;
};

/* One probed mdev. */
struct mdk_tp_mdev {
	struct list_head node;	/* in mdk_tp.mdevs */
	struct mdev_device *mdev;
	struct mdk_res_grant grant;
};

/* ---- SPEC parsing --------------------------------------------------- */

static int mdk_tp_kind(const char *name, size_t len)
{
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		if (strlen(mdk_res_kind_name(kind)) == len &&
		    !strncmp(mdk_res_kind_name(kind), name, len))
			return kind;
	return -EINVAL;
}

/* "KIND=VALUE" -> kind and the text of VALUE. */
static int mdk_tp_kind_value(char *word, char **value)
{
	char *eq = strchr(word, '=');

	if (!eq)
		return -EINVAL;
	*value = eq + 1;
	return mdk_tp_kind(word, eq - word);
}

/* "KIND=COUNT[@ALIGN]" */
static int mdk_tp_parse_need(char *word, struct mdk_res_demand *demand)
{
	char *value, *at;
	int kind, ret;

	kind = mdk_tp_kind_value(word, &value);
	if (kind < 0)
		return kind;
	at = strchr(value, '@');
	if (at) {
		*at = '\0';
		ret = kstrtou32(at + 1, 0, &demand->need[kind].align);
		if (ret)
			return ret;
	}
	return kstrtou32(value, 0, &demand->need[kind].count);
}

static int mdk_tp_parse_name(const char *name, char *buf, size_t size)
{
	const char *c;

	if (!*name || strlen(name) >= size)
		return -EINVAL;
	for (c = name; *c; c++)
		if (!isalnum(*c) && *c != '_' && *c != '-')
			return -EINVAL;
	strscpy(buf, name, size);
	return 0;
}

/* "NAME[/PRETTY][:NEED[,NEED...]]" */
static int mdk_tp_parse_type(char *spec, struct mdk_tp_cfg *cfg)
{
	struct mdk_tp_type_cfg *type;
	char *needs, *pretty, *need;
	int ret;

	if (cfg->nr_types == MDK_TP_MAX_TYPES)
		return -E2BIG;
	type = &cfg->types[cfg->nr_types];
	needs = strchr(spec, ':');
	if (needs)
		*needs++ = '\0';
	pretty = strchr(spec, '/');
	if (pretty) {
		*pretty++ = '\0';
		ret = mdk_tp_parse_name(pretty, type->pretty, sizeof(type->pretty));
		if (ret)
			return ret;
	}
	ret = mdk_tp_parse_name(spec, type->name, sizeof(type->name));
	while (!ret && needs && (need = strsep(&needs, ",")))
		ret = mdk_tp_parse_need(need, &type->demand);
	if (!ret)
		cfg->nr_types++;
	return ret;
}

static int mdk_tp_parse_word(char *word, struct mdk_tp_cfg *cfg)
{
	char *value;
	int kind;

	if (!strcmp(word, "res")) {
		cfg->res = true;
		return 0;
	}
	if (!strcmp(word, "nodesc")) {
		cfg->nodesc = true;
		return 0;
	}
	if (!strncmp(word, "max=", 4))
		return kstrtouint(word + 4, 0, &cfg->max);
	if (!strncmp(word, "avail=", 6)) {
		cfg->avail_mode = true;
		return kstrtouint(word + 6, 0, &cfg->avail);
	}
	if (!strncmp(word, "type=", 5))
		return mdk_tp_parse_type(word + 5, cfg);
	kind = mdk_tp_kind_value(word, &value);
	if (kind < 0)
		return kind;
	cfg->res = true;
	return kstrtou32(value, 0, &cfg->pools.size[kind]);
}

/* "ID SPEC" -> id and cfg. */
static int mdk_tp_parse(const char *text, unsigned int *id,
			struct mdk_tp_cfg *cfg)
{
	char *buf, *cur, *word;
	bool first = true;
	int ret = -EINVAL;

	buf = kstrdup(text, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cur = strim(buf);
	while ((word = strsep(&cur, " \t\n"))) {
		if (!*word)
			continue;
		if (first)
			ret = kstrtouint(word, 10, id);
		else
			ret = mdk_tp_parse_word(word, cfg);
		first = false;
		if (ret)
			break;
	}
	kfree(buf);
	if (!ret && *id > MDK_TP_MAX_ID)
		ret = -ERANGE;
	if (!ret && !cfg->nr_types)
		strscpy(cfg->types[cfg->nr_types++].name, "a", MDK_TP_NAME_LEN);
	return ret;
}

/* ---- the mdev driver ------------------------------------------------- */

static struct mdk_tp *mdk_tp_of_type(struct mdev_type *mtype)
{
	return container_of(mtype->parent, struct mdk_tp, parent);
}

static const struct mdk_res_demand *mdk_tp_demand(struct mdk_tp *tp,
						  struct mdev_type *mtype)
{
	return &tp->cfg->types[mtype - tp->types].demand;
}

static bool mdk_tp_overlap(u32 s1, u32 c1, u32 s2, u32 c2)
{
	return c1 && c2 && s1 < s2 + c2 && s2 < s1 + c1;
}

/* Whether a grant is what mdev_core promised. Caller holds tp->lock. */
static bool mdk_tp_grant_ok(struct mdk_tp *tp, const struct mdk_res_grant *g,
			    const struct mdk_res_demand *demand)
{
	const struct mdk_res_pools *pools = &tp->cfg->pools;
	struct mdk_tp_mdev *other;
	u32 align;
	int kind;

	for (kind = 0; kind < MDK_RES_NR; kind++) {
		align = max_t(u32, demand->need[kind].align, 1);
		if (g->count[kind] != demand->need[kind].count ||
		    g->start[kind] % align ||
		    (u64)g->start[kind] + g->count[kind] > pools->size[kind])
			return false;
		if (mdk_res_kind_is_opaque(kind))
			continue;
		list_for_each_entry(other, &tp->mdevs, node)
			if (mdk_tp_overlap(g->start[kind], g->count[kind],
					   other->grant.start[kind],
					   other->grant.count[kind]))
				return false;
	}
	return true;
}

static void mdk_tp_check_grant(struct mdk_tp *tp, struct mdk_tp_mdev *tm)
{
	const struct mdk_res_grant *grant = mdk_mdev_grant(tm->mdev);

	if (!tp->cfg->res)
		return;
	if (grant)
		tm->grant = *grant;
	if (!grant || !mdk_tp_grant_ok(tp, grant,
				       mdk_tp_demand(tp, tm->mdev->type))) {
		tp->grant_errors++;
		dev_err(tp->dev, "%pUl: bad grant\n", &tm->mdev->uuid);
	}
}

static int mdk_tp_mdev_probe(struct mdev_device *mdev)
{
	struct mdk_tp *tp = mdk_tp_of_type(mdev->type);
	struct mdk_tp_mdev *tm;

	msleep(READ_ONCE(tp->probe_delay_ms));
	if (atomic_add_unless(&tp->fail_probe, -1, 0))
		return -EIO;
	tm = kzalloc(sizeof(*tm), GFP_KERNEL);
	if (!tm)
		return -ENOMEM;
	tm->mdev = mdev;

	mutex_lock(&tp->lock);
	if (tp->cfg->avail_mode && !tp->avail) {
		mutex_unlock(&tp->lock);
		kfree(tm);
		return -ENOSPC;
	}
	if (tp->cfg->avail_mode)
		tp->avail--;
	mdk_tp_check_grant(tp, tm);
	list_add_tail(&tm->node, &tp->mdevs);
	tp->nr_mdevs++;
	mutex_unlock(&tp->lock);

	dev_set_drvdata(&mdev->dev, tm);
	return 0;
}

static void mdk_tp_mdev_remove(struct mdev_device *mdev)
{
	struct mdk_tp *tp = mdk_tp_of_type(mdev->type);
	struct mdk_tp_mdev *tm = dev_get_drvdata(&mdev->dev);

	msleep(READ_ONCE(tp->remove_delay_ms));
	mutex_lock(&tp->lock);
	list_del(&tm->node);
	tp->nr_mdevs--;
	if (tp->cfg->avail_mode)
		tp->avail++;
	mutex_unlock(&tp->lock);
	kfree(tm);
}

static unsigned int mdk_tp_get_available(struct mdev_type *mtype)
{
	return READ_ONCE(mdk_tp_of_type(mtype)->avail);
}

static ssize_t mdk_tp_show_description(struct mdev_type *mtype, char *buf)
{
	struct mdk_tp *tp = mdk_tp_of_type(mtype);
	const struct mdk_res_demand *demand = mdk_tp_demand(tp, mtype);
	int kind, len = 0;

	for (kind = 0; kind < MDK_RES_NR; kind++)
		if (demand->need[kind].count)
			len += sysfs_emit_at(buf, len, "%s=%u@%u ",
					     mdk_res_kind_name(kind),
					     demand->need[kind].count,
					     max_t(u32, demand->need[kind].align, 1));
	return len + sysfs_emit_at(buf, len, "test type %s\n", mtype->sysfs_name);
}

/* ---- knobs of a bound parent ------------------------------------------ */

static ssize_t fail_probe_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct mdk_tp *tp = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&tp->fail_probe));
}

static ssize_t fail_probe_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct mdk_tp *tp = dev_get_drvdata(dev);
	unsigned int val;
	int ret;

	ret = kstrtouint(buf, 0, &val);
	if (ret)
		return ret;
	atomic_set(&tp->fail_probe, val);
	return count;
}
static DEVICE_ATTR_RW(fail_probe);

static ssize_t mdk_tp_ms_show(unsigned int *ms, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(*ms));
}

static ssize_t mdk_tp_ms_store(unsigned int *ms, const char *buf, size_t count)
{
	unsigned int val;
	int ret;

	ret = kstrtouint(buf, 0, &val);
	if (ret)
		return ret;
	if (val > 60000)
		return -ERANGE;
	WRITE_ONCE(*ms, val);
	return count;
}

static ssize_t probe_delay_ms_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct mdk_tp *tp = dev_get_drvdata(dev);

	return mdk_tp_ms_show(&tp->probe_delay_ms, buf);
}

static ssize_t probe_delay_ms_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	struct mdk_tp *tp = dev_get_drvdata(dev);

	return mdk_tp_ms_store(&tp->probe_delay_ms, buf, count);
}
static DEVICE_ATTR_RW(probe_delay_ms);

static ssize_t remove_delay_ms_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct mdk_tp *tp = dev_get_drvdata(dev);

	return mdk_tp_ms_show(&tp->remove_delay_ms, buf);
}

static ssize_t remove_delay_ms_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct mdk_tp *tp = dev_get_drvdata(dev);

	return mdk_tp_ms_store(&tp->remove_delay_ms, buf, count);
}
static DEVICE_ATTR_RW(remove_delay_ms);

static ssize_t nr_mdevs_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct mdk_tp *tp = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(tp->nr_mdevs));
}
static DEVICE_ATTR_RO(nr_mdevs);

static ssize_t grant_errors_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct mdk_tp *tp = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(tp->grant_errors));
}
static DEVICE_ATTR_RO(grant_errors);

static int mdk_tp_emit_grant(char *buf, int len, struct mdk_tp_mdev *tm)
{
	int kind;

	len += sysfs_emit_at(buf, len, "%pUl %s", &tm->mdev->uuid,
			     tm->mdev->type->sysfs_name);
	for (kind = 0; kind < MDK_RES_NR; kind++)
		if (tm->grant.count[kind])
			len += sysfs_emit_at(buf, len, " %s=%u+%u",
					     mdk_res_kind_name(kind),
					     tm->grant.start[kind],
					     tm->grant.count[kind]);
	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t grants_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct mdk_tp *tp = dev_get_drvdata(dev);
	struct mdk_tp_mdev *tm;
	int len = 0;

	mutex_lock(&tp->lock);
	list_for_each_entry(tm, &tp->mdevs, node)
		len = mdk_tp_emit_grant(buf, len, tm);
	mutex_unlock(&tp->lock);
	return len;
}
static DEVICE_ATTR_RO(grants);

static struct attribute *mdk_tp_attrs[] = {
	&dev_attr_fail_probe.attr,
	&dev_attr_probe_delay_ms.attr,
	&dev_attr_remove_delay_ms.attr,
	&dev_attr_nr_mdevs.attr,
	&dev_attr_grant_errors.attr,
	&dev_attr_grants.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mdk_tp);

/* ---- the platform driver --------------------------------------------- */

static void mdk_tp_init_types(struct mdk_tp *tp)
{
	struct mdk_tp_cfg *cfg = tp->cfg;
	unsigned int i;

	for (i = 0; i < cfg->nr_types; i++) {
		tp->types[i].sysfs_name = cfg->types[i].name;
		if (cfg->types[i].pretty[0])
			tp->types[i].pretty_name = cfg->types[i].pretty;
		tp->types[i].demand = &cfg->types[i].demand;
		tp->type_ptrs[i] = &tp->types[i];
	}
}

static void mdk_tp_init_mdrv(struct mdk_tp *tp)
{
	struct mdev_driver *mdrv = &tp->mdrv;

	mdrv->device_api = "vfio-pci";
	mdrv->max_instances = tp->cfg->max;
	mdrv->probe = mdk_tp_mdev_probe;
	mdrv->remove = mdk_tp_mdev_remove;
	if (tp->cfg->avail_mode)
		mdrv->get_available = mdk_tp_get_available;
	if (!tp->cfg->nodesc)
		mdrv->show_description = mdk_tp_show_description;
	mdrv->driver.name = dev_name(tp->dev);
	mdrv->driver.owner = THIS_MODULE;
	mdrv->driver.mod_name = KBUILD_MODNAME;
}

static int mdk_tp_register_parent(struct mdk_tp *tp)
{
	struct mdk_tp_cfg *cfg = tp->cfg;

	if (cfg->res)
		return mdk_register_parent_res(&tp->parent, tp->dev, &tp->mdrv,
					       tp->type_ptrs, cfg->nr_types,
					       &cfg->pools);
	return mdev_register_parent(&tp->parent, tp->dev, &tp->mdrv,
				    tp->type_ptrs, cfg->nr_types);
}

static int mdk_tp_probe(struct platform_device *pdev)
{
	struct mdk_tp_cfg *cfg = dev_get_platdata(&pdev->dev);
	struct mdk_tp *tp;
	int ret;

	tp = devm_kzalloc(&pdev->dev, sizeof(*tp), GFP_KERNEL);
	if (!tp) {
		ret = -ENOMEM;
		goto out;
	}
	tp->dev = &pdev->dev;
	tp->cfg = cfg;
	tp->avail = cfg->avail;
	mutex_init(&tp->lock);
	INIT_LIST_HEAD(&tp->mdevs);
	mdk_tp_init_types(tp);
	mdk_tp_init_mdrv(tp);
	platform_set_drvdata(pdev, tp);

	ret = mdev_register_driver(&tp->mdrv);
	if (ret)
		goto out;
	ret = mdk_tp_register_parent(tp);
	if (ret)
		goto err_unregister_driver;
	goto out;

err_unregister_driver:
	mdev_unregister_driver(&tp->mdrv);
out:
	cfg->probe_err = ret;
	return ret;
}

static void mdk_tp_remove(struct platform_device *pdev)
{
	struct mdk_tp *tp = platform_get_drvdata(pdev);

	mdev_unregister_parent(&tp->parent);
	mdev_unregister_driver(&tp->mdrv);
	WARN_ON(tp->nr_mdevs);
	mutex_destroy(&tp->lock);
}

static struct platform_driver mdk_tp_driver = {
	.probe = mdk_tp_probe,
	/* .remove returns int in 6.1; .remove_new is void in 6.1 and 6.12 */
	.remove_new = mdk_tp_remove,
	.driver = {
		.name = MDK_TP_NAME,
		.dev_groups = mdk_tp_groups,
	},
};

/* ---- control: new_device, del_device ---------------------------------- */

struct mdk_tp_entry {
	struct list_head node;	/* in mdk_tp_devices */
	unsigned int id;
	struct platform_device *pdev;
};

static DEFINE_MUTEX(mdk_tp_lock);	/* the three below */
static LIST_HEAD(mdk_tp_devices);	/* of mdk_tp_entry */
static bool mdk_tp_ready;		/* the driver is registered */
static char *mdk_tp_pending;		/* new_device given at load */

static struct mdk_tp_entry *mdk_tp_find(unsigned int id)
{
	struct mdk_tp_entry *e;

	lockdep_assert_held(&mdk_tp_lock);
	list_for_each_entry(e, &mdk_tp_devices, node)
		if (e->id == id)
			return e;
	return NULL;
}

static int mdk_tp_register_device(unsigned int id, struct mdk_tp_cfg *cfg)
{
	struct platform_device *pdev;
	struct mdk_tp_entry *e;
	int ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	cfg->probe_err = -ENODEV;
	pdev = platform_device_register_data(NULL, MDK_TP_NAME, id, cfg,
					     sizeof(*cfg));
	if (IS_ERR(pdev)) {
		kfree(e);
		return PTR_ERR(pdev);
	}
	/* The device is bound synchronously; it keeps its own copy of cfg. */
	ret = ((struct mdk_tp_cfg *)dev_get_platdata(&pdev->dev))->probe_err;
	if (ret) {
		platform_device_unregister(pdev);
		kfree(e);
		return ret;
	}
	e->id = id;
	e->pdev = pdev;
	list_add_tail(&e->node, &mdk_tp_devices);
	return 0;
}

static int __mdk_tp_new_device(const char *text)
{
	struct mdk_tp_cfg *cfg;
	unsigned int id = 0;
	int ret;

	lockdep_assert_held(&mdk_tp_lock);
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	ret = mdk_tp_parse(text, &id, cfg);
	if (!ret && mdk_tp_find(id))
		ret = -EEXIST;
	if (!ret)
		ret = mdk_tp_register_device(id, cfg);
	kfree(cfg);
	return ret;
}

static void __mdk_tp_del_device(struct mdk_tp_entry *e)
{
	lockdep_assert_held(&mdk_tp_lock);
	list_del(&e->node);
	platform_device_unregister(e->pdev);
	kfree(e);
}

static int mdk_tp_new_device_set(const char *val, const struct kernel_param *kp)
{
	int ret = 0;

	mutex_lock(&mdk_tp_lock);
	if (mdk_tp_ready) {
		ret = __mdk_tp_new_device(val);
	} else if (mdk_tp_pending) {
		ret = -EBUSY;
	} else {
		/* Given at load: created once the driver is registered. */
		mdk_tp_pending = kstrdup(val, GFP_KERNEL);
		if (!mdk_tp_pending)
			ret = -ENOMEM;
	}
	mutex_unlock(&mdk_tp_lock);
	return ret;
}

static int mdk_tp_del_device_set(const char *val, const struct kernel_param *kp)
{
	struct mdk_tp_entry *e;
	unsigned int id;
	int ret;

	ret = kstrtouint(val, 10, &id);
	if (ret)
		return ret;
	mutex_lock(&mdk_tp_lock);
	e = mdk_tp_ready ? mdk_tp_find(id) : NULL;
	if (e)
		__mdk_tp_del_device(e);
	mutex_unlock(&mdk_tp_lock);
	return e ? 0 : -ENOENT;
}

static const struct kernel_param_ops mdk_tp_new_device_ops = {
	.set = mdk_tp_new_device_set,
};

static const struct kernel_param_ops mdk_tp_del_device_ops = {
	.set = mdk_tp_del_device_set,
};

module_param_cb(new_device, &mdk_tp_new_device_ops, NULL, 0200);
MODULE_PARM_DESC(new_device, "Create a parent: \"ID SPEC\" (see the source)");
module_param_cb(del_device, &mdk_tp_del_device_ops, NULL, 0200);
MODULE_PARM_DESC(del_device, "Delete the parent with this ID");

static void mdk_tp_del_all(void)
{
	struct mdk_tp_entry *e, *tmp;

	mutex_lock(&mdk_tp_lock);
	mdk_tp_ready = false;
	list_for_each_entry_safe(e, tmp, &mdk_tp_devices, node)
		__mdk_tp_del_device(e);
	kfree(mdk_tp_pending);
	mdk_tp_pending = NULL;
	mutex_unlock(&mdk_tp_lock);
}

static int __init mdk_tp_init(void)
{
	int ret;

	ret = platform_driver_register(&mdk_tp_driver);
	if (ret)
		return ret;
	mutex_lock(&mdk_tp_lock);
	mdk_tp_ready = true;
	if (mdk_tp_pending)
		ret = __mdk_tp_new_device(mdk_tp_pending);
	mutex_unlock(&mdk_tp_lock);
	if (ret) {
		mdk_tp_del_all();
		platform_driver_unregister(&mdk_tp_driver);
	}
	return ret;
}
module_init(mdk_tp_init);

static void __exit mdk_tp_exit(void)
{
	mdk_tp_del_all();
	platform_driver_unregister(&mdk_tp_driver);
}
module_exit(mdk_tp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdevkit test-only mdev parent with configurable pools and types");
MODULE_AUTHOR("mdevkit");
