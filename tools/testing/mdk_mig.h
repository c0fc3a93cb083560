/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the migration suites share (docs/migration.md): the stream header's
 * offsets, the device states, CRC-32 to forge streams that pass the
 * checks, and reading and writing a data fd as a VMM does.
 */
#ifndef MDK_MIG_H
#define MDK_MIG_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "mdkvfio.h"

/* Offsets in a stream's header (docs/migration.md, "Stream format") */
#define H_VERSION	4
#define H_CRC		16
#define H_HDR_CRC	20
#define H_TYPE		128
#define HDR_SIZE	256

static const uint32_t __attribute__((unused)) RUNNING = VFIO_DEVICE_STATE_RUNNING;
static const uint32_t __attribute__((unused)) STOP = VFIO_DEVICE_STATE_STOP;
static const uint32_t __attribute__((unused)) STOP_COPY = VFIO_DEVICE_STATE_STOP_COPY;
static const uint32_t __attribute__((unused)) RESUMING = VFIO_DEVICE_STATE_RESUMING;
static const uint32_t __attribute__((unused)) RUNNING_P2P = VFIO_DEVICE_STATE_RUNNING_P2P;

/* Has the kernel PRE_COPY and MIG_DATA_SIZE (6.2 and later)? */
static inline int kernel_has_precopy(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major > 6 || (major == 6 && minor >= 2);
}

/* CRC-32 (IEEE), as the stream's: to forge streams that pass it. */
static inline uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = ~0U;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c >> 1 ^ (0xedb88320U & -(c & 1));
	}
	return ~c;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);	/* little endian, as the VM */
}

/* Fixes both CRCs of a stream of one whole record after an edit. */
static inline void reseal(uint8_t *s, size_t len)
{
	uint8_t h[HDR_SIZE];

	put32(s + H_CRC, crc32(s + HDR_SIZE, len - HDR_SIZE));
	memcpy(h, s, HDR_SIZE);
	put32(h + H_HDR_CRC, 0);
	put32(s + H_HDR_CRC, crc32(h, HDR_SIZE));
}

struct stream {
	uint8_t *buf;
	size_t len;
};

/* Reads a data fd to its end (0), or until -ENOMSG; 0 or -errno. */
static inline int read_fd(int fd, struct stream *s)
{
	size_t cap = s->len + 65536;
	ssize_t n;

	s->buf = realloc(s->buf, cap);
	for (;;) {
		if (cap - s->len < 4096) {
			cap *= 2;
			s->buf = realloc(s->buf, cap);
		}
		n = read(fd, s->buf + s->len, cap - s->len);
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
		s->len += n;
	}
}

/* Writes @len bytes in chunks of @chunk; 0 or the first -errno. */
static inline int write_fd(int fd, const uint8_t *p, size_t len, size_t chunk)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len < chunk ? len : chunk);
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

/* RUNNING -> RESUMING, the stream written in @chunk pieces, -> @to. */
static inline int mig_load(struct mdkvfio *v, const struct stream *s,
			   size_t chunk, uint32_t to)
{
	int fd, ret;

	ret = mdkvfio_mig_set(v, RESUMING, &fd);
	if (ret)
		return ret;
	ret = write_fd(fd, s->buf, s->len, chunk);
	close(fd);
	return ret ? ret : mdkvfio_mig_set(v, to, NULL);
}

#endif /* MDK_MIG_H */
