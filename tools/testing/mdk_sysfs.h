/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdk_sysfs.h - small sysfs helpers shared by the in-VM C suites and the
 * benchmark: each attribute write is one write(2), so the kernel sees exactly
 * what a user's `echo` would send, and errors come back as -errno.
 */
#ifndef MDK_SYSFS_H
#define MDK_SYSFS_H

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* Write @s to @path in one write(2); 0 or -errno. */
static inline int mdk_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

/* Read @path into @buf (NUL-terminated, trailing newline dropped). */
/**
 * struct mdk_writer - a sysfs write made by a thread (mdk_write_thread()),
 *	for writes that block until something else happens (a removal that
 *	waits for the device's user)
 * @path: the file
 * @val: what to write
 * @ret: mdk_write_str()'s result, once @done
 * @done: set when the write returned
 */
struct mdk_writer {
	const char *path;
	const char *val;
	int ret;
	volatile int done;
};

/* pthread_create(..., mdk_write_thread, &writer) */
static inline void *mdk_write_thread(void *arg)
{
	struct mdk_writer *w = arg;

	w->ret = mdk_write_str(w->path, w->val);
	w->done = 1;
	return NULL;
}

static inline int mdk_read_str(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* The number in @path, or a negative errno. */
static inline long mdk_read_long(const char *path)
{
	char buf[64];
	int ret = mdk_read_str(path, buf, sizeof(buf));

	if (ret)
		return ret;
	return buf[0] ? strtol(buf, NULL, 0) : -EIO;
}

static inline int mdk_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Run a shell command; its exit status, or -1 if it did not exit. */
static inline int mdk_sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Entries in a directory (without . and ..), or -errno. */
static inline int mdk_count_dir(const char *path)
{
	char cmd[512];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null | wc -l", path);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%d", &n) != 1)
		n = -EIO;
	pclose(f);
	return n;
}

static inline void mdk_make_uuid(char *buf, unsigned int a, unsigned int b,
				 unsigned int c)
{
	snprintf(buf, 37, "%08x-%04x-4000-8000-%012x", a, b & 0xffff, c);
}

/* Removes mdev @uuid through its sysfs remove file; 0 or -errno. */
static inline int mdk_remove_mdev(const char *uuid)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", uuid);
	return mdk_write_str(path, "1");
}

/*
 * The name (domain:bus:dev.fn) of the first PCI function with these IDs,
 * or "" (the test VM's ivshmem is 0x1af4, 0x1110).
 */
static inline void mdk_find_pci(unsigned int vendor, unsigned int device,
				char *out, size_t len)
{
	char path[300], want_v[16], want_d[16], buf[16];
	struct dirent *de;
	DIR *d = opendir("/sys/bus/pci/devices");

	snprintf(want_v, sizeof(want_v), "0x%04x", vendor);
	snprintf(want_d, sizeof(want_d), "0x%04x", device);
	out[0] = 0;
	while (d && (de = readdir(d))) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.200s/vendor",
			 de->d_name);
		if (mdk_read_str(path, buf, sizeof(buf)) || strcmp(buf, want_v))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.200s/device",
			 de->d_name);
		if (!mdk_read_str(path, buf, sizeof(buf)) && !strcmp(buf, want_d)) {
			snprintf(out, len, "%.*s", (int)len - 1, de->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
}

/* Is this the bed's debug kernel (KASAN, lockdep: ~10x slower)? */
static inline int mdk_is_debug_kernel(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.release, "debug");
}

/* The path of an mdev's qos/ file (docs/sched.md). */
static inline void mdk_qos_path(char *buf, size_t len, const char *uuid,
				const char *name)
{
	snprintf(buf, len, "/sys/bus/mdev/devices/%s/qos/%s", uuid, name);
}

/* A qos/ file's value; UINT64_MAX if it cannot be read. */
static inline uint64_t mdk_qos_get(const char *uuid, const char *name)
{
	char path[160], buf[64], *end;
	uint64_t v;

	mdk_qos_path(path, sizeof(path), uuid, name);
	if (mdk_read_str(path, buf, sizeof(buf)) || !buf[0])
		return UINT64_MAX;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || *end)
		return UINT64_MAX;
	return v;
}

/* Writes @val to a qos/ file in one write(2): 0 or -errno. */
static inline int mdk_qos_set(const char *uuid, const char *name,
			      const char *val)
{
	char path[160];

	mdk_qos_path(path, sizeof(path), uuid, name);
	return mdk_write_str(path, val);
}

#endif /* MDK_SYSFS_H */
