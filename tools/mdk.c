// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk - mdev parents, types and mdevs as mdevkit sees them (man mdk,
 * docs/operations.md).
 *
 *   mdk [--json] list
 *   mdk [--json] show UUID
 *   mdk [--json] monitor [--kernel] [--count N]
 *   mdk vfio info [--json] UUID	(what mdk-vfio does)
 *   mdk card run UUID			(what mdk-card does)
 *   mdk vnet ...			(what mdk-vnet does)
 *
 * Reads sysfs through libudev and never writes it. The JSON of list, show
 * and monitor is schema 1 of docs/operations.md: members may be added,
 * none is renamed or changes type within schema 1.
 *
 * Exit status: 0; 1 when what was asked for does not exist or cannot be
 * read (the message names it); 2 for a usage error.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libudev.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdkcli.h"

#define MDK_SCHEMA	1
#define MDEV_BUS_CLASS	"/sys/class/mdev_bus"


static bool json;
static struct udev *udev;

/* ---- output: text, or JSON with a separator state ---------------------- */

static const char *sep = "";	/* JSON: what goes before the next item */

static void jitem(const char *key)
{
	fputs(sep, stdout);
	sep = ",";
	if (key)
		printf("\"%s\":", key);
}

static void jopen(const char *key, char bracket)
{
	jitem(key);
	putchar(bracket);
	sep = "";
}

static void jclose(char bracket)
{
	putchar(bracket);
	sep = ",";
}

/* A JSON string, escaped (RFC 8259); NULL is null. */
static void jstr(const char *key, const char *v)
{
	const unsigned char *p;

	jitem(key);
	if (!v) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void jnum(const char *key, long long v)
{
	jitem(key);
	printf("%lld", v);
}

/* A number, or null when @v is negative (not there). */
static void jnum_or_null(const char *key, long long v)
{
	if (v < 0)
		jstr(key, NULL);
	else
		jnum(key, v);
}

/* ---- sysfs ------------------------------------------------------------- */

/*
 * snprintf() for paths and names from sysfs: a result that does not fit is
 * cut, and then names nothing that exists, which every caller handles.
 */
static void pathf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* The first line of a sysfs file into @buf, or NULL. */
static char *read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	char *ret = NULL;

	if (!f)
		return NULL;
	if (fgets(buf, size, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = buf;
	}
	fclose(f);
	return ret;
}

static long long read_num(const char *path)
{
	char buf[64], *end;
	long long v;

	if (!read_line(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	v = strtoll(buf, &end, 0);
	return errno || end == buf ? -1 : v;
}

/* The last component of the target of the link @dir/@name, or NULL. */
static char *link_name(const char *dir, const char *name, char *buf,
		       size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	char *slash;

	pathf(path, sizeof(path), "%s/%s", dir, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = '\0';
	slash = strrchr(target, '/');
	pathf(buf, size, "%s", slash ? slash + 1 : target);
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names in @dir (no dot files), sorted, NULL-terminated; NULL if @dir
 * cannot be read. Free with free_names().
 */
static char **list_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, **grown;
	size_t n = 0;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		grown = realloc(names, (n + 2) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (!names)
		names = calloc(1, sizeof(*names));
	if (!names)
		return NULL;
	names[n] = NULL;
	qsort(names, n, sizeof(*names), cmp_str);
	return names;
}

static void free_names(char **names)
{
	for (char **p = names; p && *p; p++)
		free(*p);
	free(names);
}

/* Is @s a UUID in the 8-4-4-4-12 form, any case? */
static bool is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return s[36] == '\0';
}

/* ---- mdevs ------------------------------------------------------------- */

/**
 * struct mdk_mdev_view - what sysfs and /proc say of one mdev
 * @uuid: its name
 * @syspath: /sys/devices/.../UUID
 * @parent: the parent device's name
 * @type: its type directory's name, as mdevctl and libvirt spell it
 * @type_name: the type's name attribute
 * @driver: the bound driver, "" for none
 * @group: its VFIO (IOMMU) group number, -1 for none
 * @nr_open: processes that have /dev/vfio/@group open
 * @state: created (no driver), bound (driver, nobody has it open), open
 */
struct mdk_mdev_view {
	char uuid[37];
	char syspath[PATH_MAX];
	char parent[NAME_MAX + 1];
	char type[NAME_MAX + 1];
	char type_name[256];
	char driver[NAME_MAX + 1];
	long group;
	int nr_open;
	const char *state;
};

/*
 * For each process that has @node open, call @fn (when not NULL) with its
 * pid; return how many. Processes we may not look into are not counted.
 */
static int openers(const char *node, void (*fn)(long pid))
{
	char **pids = list_dir("/proc"), **fds, path[PATH_MAX], target[PATH_MAX];
	int count = 0;
	ssize_t n;

	for (char **p = pids; p && *p; p++) {
		if (!isdigit((unsigned char)**p))
			continue;
		pathf(path, sizeof(path), "/proc/%s/fd", *p);
		fds = list_dir(path);
		for (char **f = fds; f && *f; f++) {
			pathf(path, sizeof(path), "/proc/%s/fd/%s", *p, *f);
			n = readlink(path, target, sizeof(target) - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			if (strcmp(target, node))
				continue;
			count++;
			if (fn)
				fn(atol(*p));
			break;
		}
		free_names(fds);
	}
	free_names(pids);
	return count;
}

static int mdev_view(struct udev_device *d, struct mdk_mdev_view *v)
{
	char path[PATH_MAX], buf[NAME_MAX + 1];
	const char *syspath = udev_device_get_syspath(d);
	struct udev_device *parent = udev_device_get_parent(d);
	const char *driver = udev_device_get_driver(d);

	memset(v, 0, sizeof(*v));
	pathf(v->uuid, sizeof(v->uuid), "%s", udev_device_get_sysname(d));
	pathf(v->syspath, sizeof(v->syspath), "%s", syspath);
	pathf(v->parent, sizeof(v->parent), "%s",
	      parent ? udev_device_get_sysname(parent) : "");
	if (!link_name(syspath, "mdev_type", v->type, sizeof(v->type)))
		return -1;	/* not a whole mdev (being removed) */
	pathf(path, sizeof(path), "%s/mdev_type/name", syspath);
	if (!read_line(path, v->type_name, sizeof(v->type_name)))
		v->type_name[0] = '\0';
	pathf(v->driver, sizeof(v->driver), "%s", driver ? driver : "");
	v->group = -1;
	if (link_name(syspath, "iommu_group", buf, sizeof(buf)))
		v->group = atol(buf);
	if (v->group >= 0) {
		pathf(path, sizeof(path), "/dev/vfio/%ld", v->group);
		v->nr_open = openers(path, NULL);
	}
	v->state = !v->driver[0] ? "created" : v->nr_open ? "open" : "bound";
	return 0;
}

/* ---- list -------------------------------------------------------------- */

static void list_pools(const char *pdir)
{
	char path[PATH_MAX], line[256], kind[32];
	unsigned long size, free_units, largest;
	FILE *f;

	pathf(path, sizeof(path), "%s/mdevkit/pools", pdir);
	if (json)
		jopen("pools", '[');
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %lu %lu %lu", kind, &size, &free_units,
			   &largest) != 4)
			continue;
		if (json) {
			jopen(NULL, '{');
			jstr("kind", kind);
			jnum("size", size);
			jnum("free", free_units);
			jnum("largest_free", largest);
			jclose('}');
		} else {
			printf("  pool %-8s %lu of %lu free, largest run %lu\n",
			       kind, free_units, size, largest);
		}
	}
	if (f)
		fclose(f);
	if (json)
		jclose(']');
}

static void list_type(const char *pdir, const char *type)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], name[256], desc[256], api[64];
	char **devs;
	long long avail;
	bool has_desc;

	pathf(dir, sizeof(dir), "%s/mdev_supported_types/%s", pdir, type);
	pathf(path, sizeof(path), "%s/name", dir);
	if (!read_line(path, name, sizeof(name)))
		pathf(name, sizeof(name), "%s", type);
	pathf(path, sizeof(path), "%s/description", dir);
	has_desc = read_line(path, desc, sizeof(desc));
	pathf(path, sizeof(path), "%s/device_api", dir);
	if (!read_line(path, api, sizeof(api)))
		api[0] = '\0';
	pathf(path, sizeof(path), "%s/available_instances", dir);
	avail = read_num(path);
	pathf(path, sizeof(path), "%s/devices", dir);
	devs = list_dir(path);
	if (json) {
		jopen(NULL, '{');
		jstr("id", type);
		jstr("name", name);
		jstr("description", has_desc ? desc : NULL);
		jstr("device_api", api);
		jnum_or_null("available_instances", avail);
		jopen("mdevs", '[');
		for (char **p = devs; p && *p; p++)
			jstr(NULL, *p);
		jclose(']');
		jclose('}');
	} else {
		printf("  type %s (%s): %lld available, %s", type, name, avail,
		       api);
		if (has_desc)
			printf(", \"%s\"", desc);
		putchar('\n');
		for (char **p = devs; p && *p; p++)
			printf("    mdev %s\n", *p);
	}
	free_names(devs);
}

static void list_parent(const char *name)
{
	char link[PATH_MAX], pdir[PATH_MAX], subsys[NAME_MAX + 1];
	char driver[NAME_MAX + 1], types_dir[PATH_MAX + 32];
	char **types;

	pathf(link, sizeof(link), MDEV_BUS_CLASS "/%s", name);
	if (!realpath(link, pdir))
		return;		/* gone meanwhile */
	if (!link_name(pdir, "subsystem", subsys, sizeof(subsys)))
		subsys[0] = '\0';
	if (!link_name(pdir, "driver", driver, sizeof(driver)))
		driver[0] = '\0';
	pathf(types_dir, sizeof(types_dir), "%s/mdev_supported_types", pdir);
	types = list_dir(types_dir);
	if (json) {
		jopen(NULL, '{');
		jstr("name", name);
		jstr("subsystem", subsys);
		jstr("driver", driver[0] ? driver : NULL);
		jstr("syspath", pdir);
	} else {
		printf("parent %s (%s, driver %s)\n", name, subsys,
		       driver[0] ? driver : "none");
	}
	list_pools(pdir);
	if (json)
		jopen("types", '[');
	for (char **t = types; t && *t; t++)
		list_type(pdir, *t);
	if (json) {
		jclose(']');
		jclose('}');
	}
	free_names(types);
}

static int for_each_mdev(void (*fn)(struct mdk_mdev_view *v))
{
	struct udev_enumerate *e = udev_enumerate_new(udev);
	struct udev_list_entry *entry;
	struct mdk_mdev_view v;

	if (!e)
		return -1;
	udev_enumerate_add_match_subsystem(e, "mdev");
	udev_enumerate_scan_devices(e);	/* sorted by syspath */
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		struct udev_device *d;

		d = udev_device_new_from_syspath(udev,
						 udev_list_entry_get_name(entry));
		if (!d)
			continue;
		if (!mdev_view(d, &v))
			fn(&v);
		udev_device_unref(d);
	}
	udev_enumerate_unref(e);
	return 0;
}

static void list_mdev(struct mdk_mdev_view *v)
{
	if (json) {
		jopen(NULL, '{');
		jstr("uuid", v->uuid);
		jstr("parent", v->parent);
		jstr("type", v->type);
		jstr("driver", v->driver[0] ? v->driver : NULL);
		jstr("state", v->state);
		jnum_or_null("vfio_group", v->group);
		jclose('}');
		return;
	}
	printf("mdev %s  parent %s  type %s  %s", v->uuid, v->parent, v->type,
	       v->state);
	if (v->group >= 0)
		printf("  vfio group %ld", v->group);
	putchar('\n');
}

static int cmd_list(void)
{
	char **parents = list_dir(MDEV_BUS_CLASS);

	if (json) {
		jopen(NULL, '{');
		jnum("schema", MDK_SCHEMA);
		jopen("parents", '[');
	}
	for (char **p = parents; p && *p; p++)
		list_parent(*p);
	if (json) {
		jclose(']');
		jopen("mdevs", '[');
	} else if (!parents || !parents[0]) {
		printf("no mdev parents (is a parent driver loaded?)\n");
	}
	for_each_mdev(list_mdev);
	if (json) {
		jclose(']');
		jclose('}');
		putchar('\n');
	}
	free_names(parents);
	return 0;
}

/* ---- show -------------------------------------------------------------- */

static void show_opener(long pid)
{
	char path[64], comm[64];

	pathf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (!read_line(path, comm, sizeof(comm)))
		comm[0] = '\0';
	if (json) {
		jopen(NULL, '{');
		jnum("pid", pid);
		jstr("comm", comm);
		jclose('}');
	} else {
		printf("  open by     pid %ld (%s)\n", pid, comm);
	}
}

/* mdevkit/grant: NULL (JSON null) for an mdev of a parent without pools. */
static void show_grant(const char *syspath)
{
	char path[PATH_MAX], line[128], kind[32];
	unsigned long start, count;
	FILE *f;

	pathf(path, sizeof(path), "%s/mdevkit/grant", syspath);
	f = fopen(path, "r");
	if (!f) {
		if (json)
			jstr("grant", NULL);
		return;
	}
	if (json)
		jopen("grant", '[');
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %lu %lu", kind, &start, &count) != 3)
			continue;
		if (json) {
			jopen(NULL, '{');
			jstr("kind", kind);
			jnum("start", start);
			jnum("count", count);
			jclose('}');
		} else {
			printf("  holds       %s %lu-%lu (%lu)\n", kind, start,
			       start + count - 1, count);
		}
	}
	fclose(f);
	if (json)
		jclose(']');
}

/* qos/: the settings and counters of an mdev of a scheduled engine. */
static void show_qos(const char *syspath)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	char **names;

	pathf(dir, sizeof(dir), "%s/qos", syspath);
	names = list_dir(dir);
	if (!names) {
		if (json)
			jstr("qos", NULL);
		return;
	}
	if (json)
		jopen("qos", '{');
	for (char **p = names; *p; p++) {
		pathf(path, sizeof(path), "%s/%s", dir, *p);
		if (json)
			jnum_or_null(*p, read_num(path));
		else
			printf("  qos         %s %lld\n", *p, read_num(path));
	}
	if (json)
		jclose('}');
	free_names(names);
}

static int cmd_show(const char *arg)
{
	char uuid[37], path[PATH_MAX], pdriver[NAME_MAX + 1], node[64];
	struct udev_device *d;
	struct mdk_mdev_view v;

	if (!is_uuid(arg)) {
		fprintf(stderr, "mdk: '%s' is not a UUID (8-4-4-4-12 hex digits)\n",
			arg);
		return 2;
	}
	for (int i = 0; i < 37; i++)
		uuid[i] = tolower((unsigned char)arg[i]);
	d = udev_device_new_from_subsystem_sysname(udev, "mdev", uuid);
	if (!d || mdev_view(d, &v)) {
		fprintf(stderr, "mdk: no mdev %s (%s)\n", uuid,
			"mdk list shows those that exist; mdevctl start creates a defined one");
		if (d)
			udev_device_unref(d);
		return 1;
	}
	pathf(path, sizeof(path), "%s/..", v.syspath);
	if (!link_name(path, "driver", pdriver, sizeof(pdriver)))
		pdriver[0] = '\0';
	pathf(node, sizeof(node), "/dev/vfio/%ld", v.group);
	if (json) {
		jopen(NULL, '{');
		jnum("schema", MDK_SCHEMA);
		jstr("uuid", v.uuid);
		jstr("syspath", v.syspath);
		jstr("parent", v.parent);
		jstr("parent_driver", pdriver[0] ? pdriver : NULL);
		jstr("type", v.type);
		jstr("type_name", v.type_name);
		jstr("driver", v.driver[0] ? v.driver : NULL);
		jstr("state", v.state);
		jnum_or_null("vfio_group", v.group);
		jstr("vfio_node", v.group >= 0 ? node : NULL);
		jopen("open_by", '[');
	} else {
		printf("mdev %s\n", v.uuid);
		printf("  parent      %s (driver %s)\n", v.parent,
		       pdriver[0] ? pdriver : "none");
		printf("  type        %s (%s)\n", v.type, v.type_name);
		printf("  driver      %s\n", v.driver[0] ? v.driver : "none");
		printf("  state       %s\n", v.state);
		if (v.group >= 0)
			printf("  vfio group  %ld (%s)\n", v.group, node);
	}
	if (v.group >= 0)
		openers(node, show_opener);
	if (json)
		jclose(']');
	show_grant(v.syspath);
	show_qos(v.syspath);
	if (json) {
		jclose('}');
		putchar('\n');
	}
	udev_device_unref(d);
	return 0;
}

/* ---- monitor ----------------------------------------------------------- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* One event line: @event, then @n key/value pairs (values may be NULL). */
static void emit(struct udev_device *d, const char *event, int n, ...)
{
	const char *key, *val;
	va_list ap;

	va_start(ap, n);
	if (json) {
		sep = "";
		jopen(NULL, '{');
		jnum("schema", MDK_SCHEMA);
		jstr("event", event);
		jnum("seqnum", (long long)udev_device_get_seqnum(d));
	} else {
		printf("%llu %s", udev_device_get_seqnum(d), event);
	}
	while (n--) {
		key = va_arg(ap, const char *);
		val = va_arg(ap, const char *);
		if (json)
			jstr(key, val);
		else if (val)
			printf(" %s=%s", key, val);
	}
	va_end(ap);
	if (json)
		jclose('}');
	putchar('\n');
	fflush(stdout);
}

static const char *prop(struct udev_device *d, const char *key)
{
	return udev_device_get_property_value(d, key);
}

/*
 * The groups of mdevs seen so far, so that a group's removal, after which
 * sysfs no longer says whose it was, still names its mdev.
 */
struct mdk_group_seen {
	struct mdk_group_seen *next;
	long group;
	char uuid[37];
};

static struct mdk_group_seen *groups_seen;

static struct mdk_group_seen **group_find(long group)
{
	struct mdk_group_seen **g;

	for (g = &groups_seen; *g && (*g)->group != group; g = &(*g)->next)
		;
	return g;
}

static void group_remember(long group, const char *uuid)
{
	struct mdk_group_seen **g = group_find(group);

	if (!*g) {
		*g = calloc(1, sizeof(**g));
		if (!*g)
			return;
		(*g)->group = group;
	}
	pathf((*g)->uuid, sizeof((*g)->uuid), "%s", uuid);
}

/* The mdev of group @name, into @buf (and forgotten when @forget); or NULL. */
static const char *group_mdev(const char *name, bool forget, char *buf,
			      size_t size)
{
	struct mdk_group_seen **g = group_find(atol(name)), *gone;
	char dir[PATH_MAX];
	char **devs;
	const char *ret = NULL;

	if (*g) {
		pathf(buf, size, "%s", (*g)->uuid);
		if (forget) {
			gone = *g;
			*g = gone->next;
			free(gone);
		}
		return buf;
	}
	pathf(dir, sizeof(dir), "/sys/kernel/iommu_groups/%s/devices", name);
	devs = list_dir(dir);
	if (devs && devs[0] && is_uuid(devs[0])) {
		pathf(buf, size, "%s", devs[0]);
		ret = buf;
		if (!forget)
			group_remember(atol(name), buf);
	}
	free_names(devs);
	return ret;
}

static void remember_mdev_group(struct mdk_mdev_view *v)
{
	if (v->group >= 0)
		group_remember(v->group, v->uuid);
}

/* Returns whether @d was an event of ours. */
static bool monitor_event(struct udev_device *d)
{
	const char *action = udev_device_get_action(d);
	const char *subsys = udev_device_get_subsystem(d);
	const char *name = udev_device_get_sysname(d);
	const char *state = prop(d, "MDEV_STATE");
	char buf[64];

	if (!action || !subsys || !name)
		return false;
	if (!strcmp(subsys, "mdev")) {
		if (!strcmp(action, "add"))
			emit(d, "mdev-created", 3, "uuid", name, "parent",
			     prop(d, "MDEV_PARENT"), "type", prop(d, "MDEV_TYPE"));
		else if (!strcmp(action, "remove"))
			emit(d, "mdev-removed", 3, "uuid", name, "parent",
			     prop(d, "MDEV_PARENT"), "type", prop(d, "MDEV_TYPE"));
		else if (!strcmp(action, "bind"))
			emit(d, "mdev-bound", 2, "uuid", name, "driver",
			     prop(d, "DRIVER"));
		else if (!strcmp(action, "unbind"))
			emit(d, "mdev-unbound", 1, "uuid", name);
		else
			return false;
		return true;
	}
	if (!strcmp(subsys, "vfio") && isdigit((unsigned char)name[0])) {
		bool removed = !strcmp(action, "remove");
		const char *uuid = group_mdev(name, removed, buf, sizeof(buf));

		if (!uuid)
			uuid = prop(d, "MDK_MDEV_UUID");
		if (!uuid)	/* not an mdev's group */
			return false;
		if (!strcmp(action, "add"))
			emit(d, "vfio-group-added", 2, "group", name, "uuid", uuid);
		else if (!strcmp(action, "remove"))
			emit(d, "vfio-group-removed", 2, "group", name, "uuid", uuid);
		else
			return false;
		return true;
	}
	if (state && !strcmp(action, "change")) {
		if (!strcmp(state, "registered"))
			emit(d, "parent-registered", 2, "parent", name, "driver",
			     udev_device_get_driver(d));
		else if (!strcmp(state, "unregistered"))
			emit(d, "parent-unregistered", 1, "parent", name);
		else
			return false;
		return true;
	}
	return false;
}

static int cmd_monitor(bool kernel, long count)
{
	struct udev_monitor *mon;
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pfd;
	int ret = 0;

	mon = udev_monitor_new_from_netlink(udev, kernel ? "kernel" : "udev");
	if (!mon || udev_monitor_enable_receiving(mon)) {
		fprintf(stderr, "mdk: cannot listen to %s events: %s\n",
			kernel ? "kernel" : "udev", strerror(errno));
		if (mon)
			udev_monitor_unref(mon);
		return 1;
	}
	/* After listening: a group added meanwhile is in both, which is fine. */
	for_each_mdev(remember_mdev_group);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pfd.fd = udev_monitor_get_fd(mon);
	pfd.events = POLLIN;
	while (!stop && count) {
		struct udev_device *d;

		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = 1;
			break;
		}
		d = udev_monitor_receive_device(mon);
		if (!d)
			continue;
		if (monitor_event(d) && count > 0)
			count--;
		udev_device_unref(d);
	}
	udev_monitor_unref(mon);
	return ret;
}

/* ---- main -------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr,
		"usage: mdk [--json] list\n"
		"       mdk [--json] show UUID\n"
		"       mdk [--json] monitor [--kernel] [--count N]\n"
		"       mdk vfio info [--json] UUID\n"
		"       mdk card run UUID\n"
		"       mdk vnet COMMAND ...   (mdk vnet alone lists them)\n"
		"see man mdk\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd, *uuid = NULL;
	bool kernel = false;
	long count = -1;
	char *end;
	int i, ret;

	for (i = 1; i < argc && !strcmp(argv[i], "--json"); i++)
		json = true;
	if (i >= argc)
		return usage();
	cmd = argv[i++];
	/* The absorbed tools parse their own arguments, as they always did. */
	if (!strcmp(cmd, "vfio"))
		return mdk_vfio_main(argc - i + 1, argv + i - 1);
	if (!strcmp(cmd, "card"))
		return mdk_card_main(argc - i + 1, argv + i - 1);
	if (!strcmp(cmd, "vnet"))
		return mdk_vnet_main(argc - i + 1, argv + i - 1);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage();
		return 0;
	}
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(cmd, "monitor") && !strcmp(argv[i], "--kernel")) {
			kernel = true;
		} else if (!strcmp(cmd, "monitor") && !strcmp(argv[i], "--count") &&
			   i + 1 < argc) {
			errno = 0;
			count = strtol(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || count < 1) {
				fprintf(stderr, "mdk: --count takes a number of events, 1 or more, not '%s'\n",
					argv[i]);
				return 2;
			}
		} else if (!strcmp(cmd, "show") && !uuid && argv[i][0] != '-') {
			uuid = argv[i];
		} else {
			fprintf(stderr, "mdk %s: unexpected argument '%s'\n", cmd,
				argv[i]);
			return usage();
		}
	}
	if (strcmp(cmd, "list") && strcmp(cmd, "show") && strcmp(cmd, "monitor")) {
		fprintf(stderr, "mdk: unknown command '%s'\n", cmd);
		return usage();
	}
	if (!strcmp(cmd, "show") && !uuid) {
		fprintf(stderr, "mdk show: which mdev? (a UUID, see mdk list)\n");
		return 2;
	}
	udev = udev_new();
	if (!udev) {
		fprintf(stderr, "mdk: libudev: %s\n", strerror(errno));
		return 1;
	}
	if (!strcmp(cmd, "list"))
		ret = cmd_list();
	else if (!strcmp(cmd, "show"))
		ret = cmd_show(uuid);
	else
		ret = cmd_monitor(kernel, count);
	udev_unref(udev);
	return ret;
}
