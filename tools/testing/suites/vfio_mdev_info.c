// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_mdev_info - the inspector, `mdk-vfio info [--json] UUID`, on an
 * mdk_vfiotest mdev: the text names every region with its size, flags and
 * sparse areas, every IRQ index, and decodes config space as lspci -vvv
 * does; the JSON is well formed (checked by a strict parser here) and
 * carries the same facts; bad input gets a clear message and exit status.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"
#include "mdk_vfiotest.h"

#define TOOL "/opt/mdevkit/bin/mdk-vfio"

/* Runs @cmd; its stdout (and stderr when @err) in @buf; the exit status. */
static int run(const char *cmd, char *buf, size_t len)
{
	size_t n = 0;
	FILE *p = popen(cmd, "r");
	int st;

	if (!p)
		return -1;
	while (n + 1 < len && !feof(p))
		n += fread(buf + n, 1, len - 1 - n, p);
	buf[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A strict JSON parser: 1 if @s is one well-formed value, 0 if not. */
static const char *jv(const char *s);

static const char *ws(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

static const char *jstring(const char *s)
{
	if (*s++ != '"')
		return NULL;
	while (*s && *s != '"') {
		if ((unsigned char)*s < 0x20)
			return NULL;
		if (*s == '\\' && !*++s)
			return NULL;
		s++;
	}
	return *s == '"' ? s + 1 : NULL;
}

static const char *jcontainer(const char *s, char open, char close, int obj)
{
	if (*s++ != open)
		return NULL;
	s = ws(s);
	if (*s == close)
		return s + 1;
	for (;;) {
		if (obj) {
			s = jstring(ws(s));
			if (!s || *(s = ws(s)) != ':')
				return NULL;
			s++;
		}
		s = jv(s);
		if (!s)
			return NULL;
		s = ws(s);
		if (*s == close)
			return s + 1;
		if (*s++ != ',')
			return NULL;
	}
}

static const char *jv(const char *s)
{
	s = ws(s);
	if (*s == '{')
		return jcontainer(s, '{', '}', 1);
	if (*s == '[')
		return jcontainer(s, '[', ']', 0);
	if (*s == '"')
		return jstring(s);
	if (!strncmp(s, "true", 4))
		return s + 4;
	if (!strncmp(s, "false", 5))
		return s + 5;
	if (!strncmp(s, "null", 4))
		return s + 4;
	if (*s == '-')
		s++;
	if (!isdigit((unsigned char)*s) || (*s == '0' && isdigit((unsigned char)s[1])))
		return NULL;
	while (isdigit((unsigned char)*s))
		s++;
	return s;
}

static int json_ok(const char *s)
{
	s = jv(s);
	return s && !*ws(s);
}

static char out[65536];

TEST_F(vt, text_shows_what_qemu_sees)
{
	char cmd[128];

	/* The inspector opens the group itself: let go of ours. */
	mdkvfio_close(&self->v);
	snprintf(cmd, sizeof(cmd), TOOL " info %s", self->uuid);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	TH_LOG("%s", out);
	ASSERT_NE(NULL, strstr(out, "vfio-pci, reset, 9 regions, 5 IRQ indexes"));
	ASSERT_NE(NULL, strstr(out, "BAR0   size 0x10000    offset 0x00000000000  read,write,mmap,caps"));
	ASSERT_NE(NULL, strstr(out, "sparse mmap [0x1000-0x2fff] (8 KiB)"));
	ASSERT_NE(NULL, strstr(out, "sparse mmap [0x4000-0x5fff] (8 KiB)"));
	ASSERT_NE(NULL, strstr(out, "BAR2   size 0x2000     offset 0x20000000000  read,write\n"));
	ASSERT_NE(NULL, strstr(out, "CONFIG size 0x1000"));
	ASSERT_NE(NULL, strstr(out, "MSIX  count 8    eventfd,maskable\n"));
	ASSERT_NE(NULL, strstr(out, "INTX  count 1    eventfd,maskable,automasked\n"));
	ASSERT_NE(NULL, strstr(out, "Device 1af4:10f1 (rev 01), class ff0000"));
	ASSERT_NE(NULL, strstr(out, "Region 0: Memory at 00000000 (64-bit, prefetchable) [size=64K]"));
	ASSERT_NE(NULL, strstr(out, "Region 2: Memory at 00000000 (32-bit, non-prefetchable) [size=8K]"));
	ASSERT_NE(NULL, strstr(out, "Region 4: I/O ports at 0000 [size=256]"));
	ASSERT_NE(NULL, strstr(out, "Express (v2) Endpoint"));
	ASSERT_NE(NULL, strstr(out, "Power Management version 3"));
	ASSERT_NE(NULL, strstr(out, "MSI: Enable- Count=1/4 Maskable- 64bit+"));
	ASSERT_NE(NULL, strstr(out, "MSI-X: Enable- Count=8 Masked-"));
	ASSERT_NE(NULL, strstr(out, "Vector table: BAR=0 offset=00008000"));
	ASSERT_NE(NULL, strstr(out, "PBA: BAR=0 offset=00008800"));
}

TEST_F(vt, json_is_well_formed_and_complete)
{
	char cmd[128];

	mdkvfio_close(&self->v);
	snprintf(cmd, sizeof(cmd), TOOL " info --json %s", self->uuid);
	ASSERT_EQ(0, run(cmd, out, sizeof(out)));
	TH_LOG("%s", out);
	ASSERT_TRUE(json_ok(out));
	ASSERT_NE(NULL, strstr(out, "\"name\":\"BAR0\",\"size\":65536,\"offset\":0,\"flags\":[\"read\",\"write\",\"mmap\",\"caps\"],\"sparse_mmap\":[{\"offset\":4096,\"size\":8192},{\"offset\":16384,\"size\":8192}]"));
	ASSERT_NE(NULL, strstr(out, "\"name\":\"MSIX\",\"count\":8"));
	ASSERT_NE(NULL, strstr(out, "\"vendor\":\"1af4\",\"device\":\"10f1\""));
	ASSERT_NE(NULL, strstr(out, "\"name\":\"MSI-X\",\"enabled\":false,\"masked\":false,\"count\":8,\"table_bar\":0,\"table_offset\":32768,\"pba_bar\":0,\"pba_offset\":34816"));
	ASSERT_NE(NULL, strstr(out, "{\"bar\":4,\"type\":\"io\",\"64bit\":false,\"prefetchable\":false,\"address\":0,\"size\":256,\"mmap\":false}"));
	/* The checker is strict: it refuses what is not JSON. */
	ASSERT_FALSE(json_ok("{\"a\":1,}"));
	ASSERT_FALSE(json_ok("{\"a\":1} x"));
	ASSERT_FALSE(json_ok("[01]"));
}

TEST_F(vt, bad_input_is_a_clear_error)
{
	/* While another process holds the group: EBUSY, said so. */
	snprintf(out, sizeof(out), TOOL " info %s 2>&1", self->uuid);
	ASSERT_EQ(1, run(out, out, sizeof(out)));
	ASSERT_NE(NULL, strstr(out, "in use by another process"));
	ASSERT_EQ(1, run(TOOL " info 00000000-0000-0000-0000-00000000dead 2>&1",
			 out, sizeof(out)));
	ASSERT_NE(NULL, strstr(out, "no such mdev"));
	ASSERT_EQ(1, run(TOOL " info not-a-uuid 2>&1", out, sizeof(out)));
	ASSERT_EQ(2, run(TOOL " info 2>&1", out, sizeof(out)));
	ASSERT_NE(NULL, strstr(out, "usage: mdk-vfio info"));
	ASSERT_EQ(2, run(TOOL " frob x 2>&1", out, sizeof(out)));
	ASSERT_EQ(2, run(TOOL " info --yaml x 2>&1", out, sizeof(out)));
}

TEST_HARNESS_MAIN
