// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk-guest-card - a driver for an mdk_card VF that runs in a nested guest
 * (tools/vm/guest/init, mdk.mode=ping), with nothing but what a stock
 * kernel gives root: the VF's BARs mapped through sysfs (resource0, the
 * portal pages; resource2, the registers), bus mastering set through its
 * config file, and DMA memory the process locks and finds the guest
 * physical address of in /proc/self/pagemap (no IOMMU in the guest: the
 * device's IOVA is the guest's physical address).
 *
 *   mdk-guest-card OUT
 *
 * Queue 0 of the first VF found, 64 entries, polled (no vector). It copies
 * a 4 KiB page whose content depends on the descriptor's sequence number
 * into another, 16 descriptors a batch, forever, and checks every
 * completion: status, cookie, bytes and the data. Every 3 s it appends a
 * line to OUT (the guest's protocol port):
 *   GUEST CARD <uptime> <completed> <bad> <HEAD> <DONE>
 * (the portal's HEAD and the queue's DONE register: descriptors the VF ran,
 * which equals <completed> unless one ran twice)
 * and "GUEST CARD-FAILED <uptime> <why>" if it cannot start or a descriptor
 * does not complete within 60 s. A migration in the middle must neither
 * lose a descriptor (one that never completes) nor run one twice (which a
 * 0 status check would see: a record rewritten after the guest cleared it
 * for its next use of the slot shows the wrong cookie).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mdevkit/card_regs.h"

#define RING	64
#define BATCH	16
#define PAGE	4096
#define NPAGES	(2 + 2 * RING)	/* ring, records, then src and dst pages */

static FILE *out;

static double uptime(void)
{
	double u = 0;
	FILE *f = fopen("/proc/uptime", "r");

	if (f) {
		if (fscanf(f, "%lf", &u) != 1)
			u = 0;
		fclose(f);
	}
	return u;
}

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "GUEST CARD-FAILED %.2f ", uptime());
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fprintf(out, "\n");
	fflush(out);
	exit(1);
}

static unsigned long hexfile(const char *dir, const char *name)
{
	char path[512], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strtoul(buf, NULL, 16);
}

/* The first VF's sysfs directory. */
static int find_vf(char *dir, size_t len)
{
	const char *base = "/sys/bus/pci/devices";
	struct dirent *e;
	DIR *d = opendir(base);

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, len, "%s/%s", base, e->d_name);
		if (hexfile(dir, "vendor") == MDK_CARD_VENDOR &&
		    hexfile(dir, "device") == MDK_CARD_DEVICE) {
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -1;
}

static void *map_bar(const char *dir, int bar, size_t len)
{
	char path[512];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/resource%d", dir, bar);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		die("mmap %s: %s", path, strerror(errno));
	return p;
}

/* Memory space and bus mastering on, as a driver's pci_set_master(). */
static void enable(const char *dir)
{
	char path[512];
	uint16_t cmd;
	int fd;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, &cmd, 2, 4) != 2)
		die("config: %s", strerror(errno));
	cmd |= 0x6;
	if (pwrite(fd, &cmd, 2, 4) != 2)
		die("config write: %s", strerror(errno));
	close(fd);
}

/* Guest physical address of each page of @mem (locked). */
static void phys(uint8_t *mem, uint64_t *pa)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e;
	int i;

	if (fd < 0)
		die("pagemap: %s", strerror(errno));
	for (i = 0; i < NPAGES; i++) {
		uintptr_t va = (uintptr_t)mem + (uintptr_t)i * PAGE;

		if (pread(fd, &e, 8, (va / PAGE) * 8) != 8 || !(e & (1ULL << 63)) ||
		    !(e & ((1ULL << 55) - 1)))
			die("pagemap: page %d not present or no PFN (root?)", i);
		pa[i] = (e & ((1ULL << 55) - 1)) * PAGE;
	}
	close(fd);
}

static void wr(volatile uint8_t *regs, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(regs + off) = val;
}

static uint32_t rd(volatile uint8_t *regs, uint32_t off)
{
	return *(volatile uint32_t *)(regs + off);
}

static void fill(uint8_t *p, uint64_t seq)
{
	int i;

	for (i = 0; i < PAGE; i += 8) {
		uint64_t v = seq * 0x9e3779b97f4a7c15ULL + i;

		memcpy(p + i, &v, 8);
	}
}

int main(int argc, char **argv)
{
	volatile uint8_t *portal, *regs;
	struct mdk_card_desc *ring;
	volatile struct mdk_card_comp *comp;
	uint64_t pa[NPAGES], seq = 0, done = 0, bad = 0;
	double next = 0;
	uint32_t tail = 0, k;
	char dir[300];
	uint8_t *mem;

	out = fopen(argc > 1 ? argv[1] : "/dev/stdout", "a");
	if (!out)
		return 1;
	if (find_vf(dir, sizeof(dir)))
		die("no mdk_card VF (%04x:%04x) in /sys/bus/pci", MDK_CARD_VENDOR,
		    MDK_CARD_DEVICE);
	enable(dir);
	portal = map_bar(dir, 0, MDK_CARD_PORTAL_SIZE);
	regs = map_bar(dir, 2, MDK_CARD_CTRL_SIZE);
	if (rd(regs, MDK_CARD_ID) != MDK_CARD_ID_VALUE)
		die("ID register %#x", rd(regs, MDK_CARD_ID));
	mem = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(mem, 0, NPAGES * PAGE);
	phys(mem, pa);
	ring = (struct mdk_card_desc *)mem;
	comp = (volatile struct mdk_card_comp *)(mem + PAGE);
	wr(regs, MDK_CARD_Q(0) + MDK_CARD_Q_RING_LO, (uint32_t)pa[0]);
	wr(regs, MDK_CARD_Q(0) + MDK_CARD_Q_RING_HI, pa[0] >> 32);
	wr(regs, MDK_CARD_Q(0) + MDK_CARD_Q_COMP_LO, (uint32_t)pa[1]);
	wr(regs, MDK_CARD_Q(0) + MDK_CARD_Q_COMP_HI, pa[1] >> 32);
	wr(regs, MDK_CARD_Q(0) + MDK_CARD_Q_SIZE, RING);
	wr(regs, MDK_CARD_Q(0) + MDK_CARD_Q_VECTOR, MDK_CARD_NO_VECTOR);
	wr(regs, MDK_CARD_Q(0) + MDK_CARD_Q_ENABLE, 1);
	if (rd(regs, MDK_CARD_Q(0) + MDK_CARD_Q_ENABLE) != 1)
		die("queue 0 not enabled: error %u",
		    rd(regs, MDK_CARD_Q(0) + MDK_CARD_Q_ERROR));
	fprintf(out, "GUEST CARD-READY %.2f %s\n", uptime(), strrchr(dir, '/') + 1);
	fflush(out);
	for (;;) {
		uint32_t first = tail;

		for (k = 0; k < BATCH; k++, seq++) {
			uint32_t s = (first + k) % RING;

			fill(mem + (2 + s) * PAGE, seq);
			memset(mem + (2 + RING + s) * PAGE, 0, PAGE);
			memset((void *)&comp[s], 0, sizeof(comp[s]));
			ring[s] = (struct mdk_card_desc){
				.opcode = MDK_CARD_OP_COPY, .len = PAGE,
				.src = pa[2 + s], .dst = pa[2 + RING + s],
				.cookie = seq,
			};
		}
		tail = (first + BATCH) % RING;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		*(volatile uint32_t *)(portal + MDK_CARD_PORTAL_TAIL) = tail;
		for (k = 0; k < BATCH; k++) {
			uint32_t s = (first + k) % RING;
			uint64_t want = seq - BATCH + k;
			double until = uptime() + 60;

			while (!comp[s].status) {
				if (uptime() > until)
					die("descriptor %llu (slot %u) not completed in 60 s; head %u",
					    (unsigned long long)want, s,
					    *(volatile uint32_t *)(portal + MDK_CARD_PORTAL_HEAD));
				usleep(100);
			}
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (comp[s].status != MDK_CARD_ST_SUCCESS ||
			    comp[s].cookie != want || comp[s].bytes != PAGE ||
			    memcmp(mem + (2 + RING + s) * PAGE, mem + (2 + s) * PAGE,
				   PAGE))
				bad++;
			else
				done++;
		}
		if (uptime() >= next) {
			fprintf(out, "GUEST CARD %.2f %llu %llu %u %u\n", uptime(),
				(unsigned long long)done, (unsigned long long)bad,
				*(volatile uint32_t *)(portal + MDK_CARD_PORTAL_HEAD),
				rd(regs, MDK_CARD_Q(0) + MDK_CARD_Q_DONE));
			fflush(out);
			next = uptime() + 3;
		}
	}
}
