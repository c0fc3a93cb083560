// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk-vfio - what QEMU will see of an mdev.
 *
 *   mdk-vfio info [--json] UUID
 *
 * Opens the mdev through VFIO (libmdkvfio) and prints the device flags,
 * every region with its size, flags and sparse mmap areas, every IRQ index
 * with its count and flags, and the config space decoded as `lspci -vvv`
 * decodes it: IDs, command and status, BARs (with the sizes VFIO reports),
 * and the capability and extended-capability chains. Reading never writes
 * config space or the device's registers.
 *
 * Exit status: 0; 1 if the mdev cannot be opened (the message says why);
 * 2 for a usage error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "mdkvfio.h"

static bool json;
static const char *sep;		/* JSON: separator before the next item */

static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* JSON helpers: items of an array or members of an object. */
static void jitem(void)
{
	out("%s", sep);
	sep = ",";
}

static void jopen(const char *key, char bracket)
{
	jitem();
	if (key)
		out("\"%s\":", key);
	out("%c", bracket);
	sep = "";
}

static void jclose(char bracket)
{
	out("%c", bracket);
	sep = ",";
}

static void jnum(const char *key, unsigned long long v)
{
	jitem();
	out("\"%s\":%llu", key, v);
}

static void jstr(const char *key, const char *v)
{
	jitem();
	out("\"%s\":\"%s\"", key, v);
}

static void jbool(const char *key, bool v)
{
	jitem();
	out("\"%s\":%s", key, v ? "true" : "false");
}

static void jflags(const char *key, uint32_t flags, const char *const *names,
		   unsigned int n)
{
	unsigned int i;

	jopen(key, '[');
	for (i = 0; i < n; i++)
		if (flags & (1u << i) && names[i]) {
			jitem();
			out("\"%s\"", names[i]);
		}
	jclose(']');
}

static const char *const region_flags[] = { "read", "write", "mmap", "caps" };
static const char *const irq_flags[] = { "eventfd", "maskable", "automasked",
					 "noresize" };

static void flag_text(char *buf, size_t len, uint32_t flags,
		      const char *const *names, unsigned int n)
{
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < n; i++)
		if (flags & (1u << i))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? "," : "", names[i]);
	if (!buf[0])
		snprintf(buf, len, "-");
}

static int show_regions(struct mdkvfio *v, struct mdkvfio_region *regions)
{
	unsigned int i, a;
	char f[64];
	int ret;

	if (json)
		jopen("regions", '[');
	else
		out("Regions:\n");
	for (i = 0; i < v->info.num_regions; i++) {
		struct mdkvfio_region *r = &regions[i];

		ret = mdkvfio_region(v, i, r);
		if (ret == -EINVAL) {
			/* An absent region (VGA, as vfio-pci without VGA). */
			memset(r, 0, sizeof(*r));
			r->index = i;
			r->offset = (uint64_t)i << 40;
		} else if (ret) {
			return ret;
		}
		if (json) {
			jopen(NULL, '{');
			jnum("index", i);
			jstr("name", mdkvfio_region_name(i));
			jnum("size", r->size);
			jnum("offset", r->offset);
			jflags("flags", r->flags, region_flags, 4);
			jopen("sparse_mmap", '[');
			for (a = 0; a < r->nr_areas; a++) {
				jopen(NULL, '{');
				jnum("offset", r->areas[a].offset);
				jnum("size", r->areas[a].size);
				jclose('}');
			}
			jclose(']');
			jclose('}');
			continue;
		}
		flag_text(f, sizeof(f), r->flags, region_flags, 4);
		out("  %-6s size 0x%-8llx offset 0x%011llx  %s\n",
		    mdkvfio_region_name(i), (unsigned long long)r->size,
		    (unsigned long long)r->offset, f);
		for (a = 0; a < r->nr_areas; a++)
			out("         sparse mmap [0x%llx-0x%llx] (%llu KiB)\n",
			    (unsigned long long)r->areas[a].offset,
			    (unsigned long long)(r->areas[a].offset +
						 r->areas[a].size - 1),
			    (unsigned long long)r->areas[a].size / 1024);
	}
	if (json)
		jclose(']');
	return 0;
}

static int show_irqs(struct mdkvfio *v)
{
	struct vfio_irq_info info;
	unsigned int i;
	char f[64];

	if (json)
		jopen("irqs", '[');
	else
		out("IRQs:\n");
	for (i = 0; i < v->info.num_irqs; i++) {
		if (mdkvfio_irq(v, i, &info)) {
			info.count = 0;	/* absent (ERR on conventional PCI) */
			info.flags = 0;
		}
		if (json) {
			jopen(NULL, '{');
			jnum("index", i);
			jstr("name", mdkvfio_irq_name(i));
			jnum("count", info.count);
			jflags("flags", info.flags, irq_flags, 4);
			jclose('}');
			continue;
		}
		flag_text(f, sizeof(f), info.flags, irq_flags, 4);
		out("  %-5s count %-4u %s\n", mdkvfio_irq_name(i), info.count, f);
	}
	if (json)
		jclose(']');
	return 0;
}

static uint16_t rd16(const uint8_t *c, unsigned int off)
{
	return c[off] | c[off + 1] << 8;
}

static uint32_t rd32(const uint8_t *c, unsigned int off)
{
	return rd16(c, off) | (uint32_t)rd16(c, off + 2) << 16;
}

static const char *pm(bool on)
{
	return on ? "+" : "-";
}

static const char *cap_name(uint8_t id)
{
	switch (id) {
	case PCI_CAP_ID_PM: return "Power Management";
	case PCI_CAP_ID_MSI: return "MSI";
	case PCI_CAP_ID_VNDR: return "Vendor Specific";
	case PCI_CAP_ID_EXP: return "Express";
	case PCI_CAP_ID_MSIX: return "MSI-X";
	default: return "Unknown";
	}
}

/* One standard capability: a line or a JSON object with its fields. */
static void show_cap(const uint8_t *c, unsigned int pos)
{
	uint8_t id = c[pos];
	uint16_t fl = rd16(c, pos + 2);

	if (json) {
		jopen(NULL, '{');
		jnum("offset", pos);
		jnum("id", id);
		jstr("name", cap_name(id));
	} else {
		out("\tCapabilities: [%02x] ", pos);
	}
	switch (id) {
	case PCI_CAP_ID_PM:
		if (json) {
			jnum("version", fl & PCI_PM_CAP_VER_MASK);
			jnum("state", rd16(c, pos + PCI_PM_CTRL) & 3);
			break;
		}
		out("Power Management version %u\n", fl & PCI_PM_CAP_VER_MASK);
		out("\t\tStatus: D%u NoSoftRst%s PME-Enable%s\n",
		    rd16(c, pos + PCI_PM_CTRL) & 3,
		    pm(rd16(c, pos + PCI_PM_CTRL) & PCI_PM_CTRL_NO_SOFT_RESET),
		    pm(rd16(c, pos + PCI_PM_CTRL) & PCI_PM_CTRL_PME_ENABLE));
		break;
	case PCI_CAP_ID_MSI: {
		unsigned int count = 1u << ((fl & PCI_MSI_FLAGS_QMASK) >> 1);
		unsigned int enabled = 1u << ((fl & PCI_MSI_FLAGS_QSIZE) >> 4);

		if (json) {
			jbool("enabled", fl & PCI_MSI_FLAGS_ENABLE);
			jnum("count", count);
			jbool("maskable", fl & PCI_MSI_FLAGS_MASKBIT);
			jbool("64bit", fl & PCI_MSI_FLAGS_64BIT);
			break;
		}
		out("MSI: Enable%s Count=%u/%u Maskable%s 64bit%s\n",
		    pm(fl & PCI_MSI_FLAGS_ENABLE), enabled, count,
		    pm(fl & PCI_MSI_FLAGS_MASKBIT), pm(fl & PCI_MSI_FLAGS_64BIT));
		break;
	}
	case PCI_CAP_ID_MSIX: {
		uint32_t t = rd32(c, pos + PCI_MSIX_TABLE);
		uint32_t p = rd32(c, pos + PCI_MSIX_PBA);

		if (json) {
			jbool("enabled", fl & PCI_MSIX_FLAGS_ENABLE);
			jbool("masked", fl & PCI_MSIX_FLAGS_MASKALL);
			jnum("count", (fl & PCI_MSIX_FLAGS_QSIZE) + 1);
			jnum("table_bar", t & PCI_MSIX_TABLE_BIR);
			jnum("table_offset", t & PCI_MSIX_TABLE_OFFSET);
			jnum("pba_bar", p & PCI_MSIX_PBA_BIR);
			jnum("pba_offset", p & PCI_MSIX_PBA_OFFSET);
			break;
		}
		out("MSI-X: Enable%s Count=%u Masked%s\n",
		    pm(fl & PCI_MSIX_FLAGS_ENABLE),
		    (fl & PCI_MSIX_FLAGS_QSIZE) + 1,
		    pm(fl & PCI_MSIX_FLAGS_MASKALL));
		out("\t\tVector table: BAR=%u offset=%08x\n",
		    t & PCI_MSIX_TABLE_BIR, t & PCI_MSIX_TABLE_OFFSET);
		out("\t\tPBA: BAR=%u offset=%08x\n", p & PCI_MSIX_PBA_BIR,
		    p & PCI_MSIX_PBA_OFFSET);
		break;
	}
	case PCI_CAP_ID_EXP: {
		uint32_t lnk = rd32(c, pos + PCI_EXP_LNKCAP);
		unsigned int type = (fl & PCI_EXP_FLAGS_TYPE) >> 4;

		if (json) {
			jnum("version", fl & PCI_EXP_FLAGS_VERS);
			jnum("type", type);
			jnum("link_speed", lnk & PCI_EXP_LNKCAP_SLS);
			jnum("link_width", (lnk & PCI_EXP_LNKCAP_MLW) >> 4);
			break;
		}
		out("Express (v%u) %s, MSI %02x\n", fl & PCI_EXP_FLAGS_VERS,
		    type == PCI_EXP_TYPE_ENDPOINT ? "Endpoint" :
		    type == PCI_EXP_TYPE_RC_END ? "Root Complex Integrated Endpoint" :
		    "Unknown type", (fl & PCI_EXP_FLAGS_IRQ) >> 9);
		out("\t\tDevCtl:\tCorrErr%s NonFatalErr%s FatalErr%s UnsupReq%s\n",
		    pm(rd16(c, pos + PCI_EXP_DEVCTL) & PCI_EXP_DEVCTL_CERE),
		    pm(rd16(c, pos + PCI_EXP_DEVCTL) & PCI_EXP_DEVCTL_NFERE),
		    pm(rd16(c, pos + PCI_EXP_DEVCTL) & PCI_EXP_DEVCTL_FERE),
		    pm(rd16(c, pos + PCI_EXP_DEVCTL) & PCI_EXP_DEVCTL_URRE));
		out("\t\tLnkCap:\tPort #%u, Speed %sGT/s, Width x%u\n", lnk >> 24,
		    (lnk & PCI_EXP_LNKCAP_SLS) == 1 ? "2.5" :
		    (lnk & PCI_EXP_LNKCAP_SLS) == 2 ? "5" : "?",
		    (lnk & PCI_EXP_LNKCAP_MLW) >> 4);
		break;
	}
	default:
		if (json)
			break;
		out("%s <?>\n", cap_name(id));
	}
	if (json)
		jclose('}');
}

static void show_bars(const uint8_t *c, const struct mdkvfio_region *regions)
{
	unsigned int i;

	for (i = 0; i < 6; i++) {
		uint32_t bar = rd32(c, PCI_BASE_ADDRESS_0 + 4 * i);
		bool io = bar & PCI_BASE_ADDRESS_SPACE_IO;
		bool b64 = !io && (bar & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
				  PCI_BASE_ADDRESS_MEM_TYPE_64;
		bool pf = !io && (bar & PCI_BASE_ADDRESS_MEM_PREFETCH);
		uint64_t addr = io ? bar & PCI_BASE_ADDRESS_IO_MASK :
				     bar & PCI_BASE_ADDRESS_MEM_MASK;

		if (!regions[i].size)
			continue;
		if (b64)
			addr |= (uint64_t)rd32(c, PCI_BASE_ADDRESS_0 + 4 * i + 4) << 32;
		if (json) {
			jopen(NULL, '{');
			jnum("bar", i);
			jstr("type", io ? "io" : "memory");
			jbool("64bit", b64);
			jbool("prefetchable", pf);
			jnum("address", addr);
			jnum("size", regions[i].size);
			jbool("mmap", regions[i].flags & VFIO_REGION_INFO_FLAG_MMAP);
			jclose('}');
			continue;
		}
		if (io)
			out("\tRegion %u: I/O ports at %04llx [size=%llu]\n", i,
			    (unsigned long long)addr,
			    (unsigned long long)regions[i].size);
		else
			out("\tRegion %u: Memory at %08llx (%s, %sprefetchable) [size=%lluK]\n",
			    i, (unsigned long long)addr, b64 ? "64-bit" : "32-bit",
			    pf ? "" : "non-", (unsigned long long)regions[i].size / 1024);
	}
}

static int show_config(struct mdkvfio *v, const struct mdkvfio_region *regions)
{
	const struct mdkvfio_region *cr = &regions[VFIO_PCI_CONFIG_REGION_INDEX];
	uint8_t c[4096] = { 0 };
	unsigned int pos, guard = 0;
	uint16_t cmd, st;
	size_t len = cr->size < sizeof(c) ? cr->size : sizeof(c);
	ssize_t n;

	n = mdkvfio_pread(v, VFIO_PCI_CONFIG_REGION_INDEX, c, len, 0);
	if (n != (ssize_t)len)
		return n < 0 ? (int)n : -EIO;
	cmd = rd16(c, PCI_COMMAND);
	st = rd16(c, PCI_STATUS);
	if (json) {
		char id[8];

		jopen("config", '{');
		snprintf(id, sizeof(id), "%04x", rd16(c, PCI_VENDOR_ID));
		jstr("vendor", id);
		snprintf(id, sizeof(id), "%04x", rd16(c, PCI_DEVICE_ID));
		jstr("device", id);
		snprintf(id, sizeof(id), "%04x", rd16(c, PCI_SUBSYSTEM_VENDOR_ID));
		jstr("subsystem_vendor", id);
		snprintf(id, sizeof(id), "%04x", rd16(c, PCI_SUBSYSTEM_ID));
		jstr("subsystem_device", id);
		jnum("class", rd32(c, PCI_CLASS_REVISION) >> 8);
		jnum("revision", c[PCI_REVISION_ID]);
		jnum("command", cmd);
		jnum("status", st);
		jnum("interrupt_pin", c[PCI_INTERRUPT_PIN]);
		jnum("size", len);
		jopen("bars", '[');
		show_bars(c, regions);
		jclose(']');
		jopen("capabilities", '[');
	} else {
		out("Config space (%zu bytes):\n", len);
		out("\tDevice %04x:%04x (rev %02x), class %06x\n",
		    rd16(c, PCI_VENDOR_ID), rd16(c, PCI_DEVICE_ID),
		    c[PCI_REVISION_ID], rd32(c, PCI_CLASS_REVISION) >> 8);
		out("\tSubsystem: %04x:%04x\n", rd16(c, PCI_SUBSYSTEM_VENDOR_ID),
		    rd16(c, PCI_SUBSYSTEM_ID));
		out("\tControl: I/O%s Mem%s BusMaster%s DisINTx%s\n",
		    pm(cmd & PCI_COMMAND_IO), pm(cmd & PCI_COMMAND_MEMORY),
		    pm(cmd & PCI_COMMAND_MASTER),
		    pm(cmd & PCI_COMMAND_INTX_DISABLE));
		out("\tStatus: Cap%s INTx%s\n", pm(st & PCI_STATUS_CAP_LIST),
		    pm(st & PCI_STATUS_INTERRUPT));
		if (c[PCI_INTERRUPT_PIN])
			out("\tInterrupt: pin %c routed to IRQ %u\n",
			    'A' + c[PCI_INTERRUPT_PIN] - 1, c[PCI_INTERRUPT_LINE]);
		show_bars(c, regions);
	}
	if (st & PCI_STATUS_CAP_LIST)
		for (pos = c[PCI_CAPABILITY_LIST] & ~3u; pos >= 0x40 &&
		     pos < 256 && ++guard < 48; pos = c[pos + 1] & ~3u)
			show_cap(c, pos);
	if (json) {
		jclose(']');
		jopen("extended_capabilities", '[');
	}
	for (pos = 0x100, guard = 0; len > 0x100 && pos >= 0x100 &&
	     pos < len && ++guard < 512;) {
		uint32_t h = rd32(c, pos);

		if (!h || h == ~0u)
			break;
		if (json) {
			jopen(NULL, '{');
			jnum("offset", pos);
			jnum("id", h & 0xffff);
			jnum("version", (h >> 16) & 0xf);
			jclose('}');
		} else {
			out("\tCapabilities: [%03x v%u] Extended Capability ID %04x\n",
			    pos, (h >> 16) & 0xf, h & 0xffff);
		}
		pos = h >> 20;
	}
	if (json) {
		jclose(']');
		jclose('}');
	}
	return 0;
}

static int info(const char *uuid)
{
	static struct mdkvfio_region regions[VFIO_PCI_NUM_REGIONS + 16];
	struct mdkvfio v;
	int ret;

	ret = mdkvfio_open(&v, uuid);
	if (ret) {
		fprintf(stderr, "mdk-vfio: cannot open mdev %s: %s%s\n", uuid,
			strerror(-ret),
			ret == -ENODEV ? " (no such mdev)" :
			ret == -ENOENT ? " (no VFIO driver bound to it)" :
			ret == -EBUSY ? " (in use by another process)" : "");
		return 1;
	}
	if (v.info.num_regions > sizeof(regions) / sizeof(regions[0]))
		v.info.num_regions = sizeof(regions) / sizeof(regions[0]);
	if (json) {
		sep = "";
		jopen(NULL, '{');
		jstr("uuid", uuid);
		jnum("iommu_group", v.group_id);
		jbool("pci", v.info.flags & VFIO_DEVICE_FLAGS_PCI);
		jbool("reset", v.info.flags & VFIO_DEVICE_FLAGS_RESET);
		jnum("num_regions", v.info.num_regions);
		jnum("num_irqs", v.info.num_irqs);
	} else {
		out("mdev %s: IOMMU group %d, %s%s, %u regions, %u IRQ indexes\n",
		    uuid, v.group_id,
		    v.info.flags & VFIO_DEVICE_FLAGS_PCI ? "vfio-pci" : "not PCI",
		    v.info.flags & VFIO_DEVICE_FLAGS_RESET ? ", reset" : "",
		    v.info.num_regions, v.info.num_irqs);
	}
	ret = show_regions(&v, regions);
	if (!ret)
		ret = show_irqs(&v);
	if (!ret && (v.info.flags & VFIO_DEVICE_FLAGS_PCI) &&
	    v.info.num_regions > VFIO_PCI_CONFIG_REGION_INDEX)
		ret = show_config(&v, regions);
	if (json) {
		jclose('}');
		out("\n");
	}
	mdkvfio_close(&v);
	if (ret) {
		fprintf(stderr, "mdk-vfio: %s: %s\n", uuid, strerror(-ret));
		return 1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: mdk-vfio info [--json] UUID\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *uuid = NULL;
	int i;

	if (argc < 2 || strcmp(argv[1], "info"))
		return usage();
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-' || uuid)
			return usage();
		else
			uuid = argv[i];
	}
	if (!uuid)
		return usage();
	return info(uuid);
}
