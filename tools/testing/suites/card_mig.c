// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdevkit-kvers: 6.12 6.1 debug
 * card_mig - VFIO migration v2 of mdk_card VFs through the uAPI, as a VMM
 * drives it (docs/migration.md), with libmdkvfio and libmdkcard on a
 * software card:
 * - the flags (STOP_COPY and P2P; PRE_COPY on 6.2+) and the data size;
 * - a VF with descriptors done, pending while it runs and submitted while
 *   it is quiesced moves through STOP_COPY into a second VF under another
 *   UUID, after the "guest memory" is copied: every descriptor completes
 *   exactly once (the queue's DONE count), its data intact, and traffic
 *   goes on on the target; the same state loaded back into the original
 *   after a reset;
 * - PRE_COPY (6.2+): the header alone first, which a VF of another type
 *   refuses at once, before the source stops; the rest in STOP_COPY on the
 *   same fd;
 * - bad streams (empty, truncated, corrupted, another magic, version, type,
 *   vfio_mdev or parent section, oversized): the uAPI's error, the target
 *   still in RESUMING, and whole after a reset; a forged stream (its CRCs
 *   right) cannot change read-only config space;
 * - invalid states and data fd misuse get the uAPI's errors;
 * - a quiesced VF runs nothing; a VF closed while stopped works again.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <linux/pci_regs.h>

#include "harness.h"
#include "mdkcard.h"
#include "mdk_mig.h"
#include "mdk_sysfs.h"

#define SOFT	"/sys/devices/platform/mdk_card.0"
#define TYPES	SOFT "/mdev_supported_types/mdk_card-"
#define NVF	3
#define BUF	4096		/* each descriptor copies this much */
#define PER_Q	240		/* descriptors per queue and run (ring: 256) */
/* Data area: per queue PER_Q sources and PER_Q destinations. */
#define DATA	(2 * 2 * PER_Q * BUF)

FIXTURE(mig) {
	char uuid[NVF][40];
	struct mdkcard_vf vf[NVF];
	struct stream s;
};

FIXTURE_SETUP(mig)
{
	unsigned int i;

	ASSERT_EQ(0, mdk_sh("modprobe vfio_iommu_type1 && modprobe mdk_card soft=1"));
	for (i = 0; i < NVF; i++) {
		mdk_make_uuid(self->uuid[i], 0x3161, getpid() & 0xffff, i);
		mdkcard_init(&self->vf[i]);
	}
	memset(&self->s, 0, sizeof(self->s));
}

FIXTURE_TEARDOWN(mig)
{
	unsigned int i;

	/* Close before removing: a remove waits for the VF's user. */
	for (i = 0; i < NVF; i++)
		mdkcard_close(&self->vf[i]);
	for (i = 0; i < NVF; i++)
		mdk_remove_mdev(self->uuid[i]);
	free(self->s.buf);
}

/* VF @i of @type ("2q"), opened in a container of its own. */
static int vf_make(struct __fixture_type_mig *self, unsigned int i,
		   const char *type)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), TYPES "%s/create", type);
	ret = mdk_write_str(path, self->uuid[i]);
	return ret ? ret : mdkcard_open(&self->vf[i], self->uuid[i], DATA);
}

/* Queue @q's descriptor @k: a 4 KiB copy of its own source. */
static struct mdk_card_desc copy_desc(struct mdkcard_vf *vf, unsigned int q,
				      unsigned int k)
{
	size_t src = (size_t)(q * 2 * PER_Q + k) * BUF;

	return (struct mdk_card_desc){
		.opcode = MDK_CARD_OP_COPY, .len = BUF,
		.src = mdkcard_iova(vf, mdkcard_data(vf, src)),
		.dst = mdkcard_iova(vf, mdkcard_data(vf, src + PER_Q * BUF)),
		.cookie = (uint64_t)q << 32 | k,
	};
}

/* Fills every source with a pattern of its own, every destination with 0. */
static void fill_sources(struct mdkcard_vf *vf)
{
	size_t i;

	memset(mdkcard_data(vf, 0), 0, DATA);
	for (i = 0; i < (size_t)2 * PER_Q; i++) {
		uint8_t *p = mdkcard_data(vf, (i / PER_Q) * 2 * PER_Q * BUF +
					  (i % PER_Q) * BUF);

		memset(p, 0x11 + i % 200, BUF);
		p[0] = i;
		p[BUF - 1] = i >> 8;
	}
}

/*
 * Submits descriptors @from..@to-1 on queues 0 and 1 (records zeroed,
 * TAIL moved); they run when the VF does.
 */
static void submit(struct mdkcard_vf *vf, unsigned int from, unsigned int to)
{
	struct mdk_card_desc d;
	unsigned int q, k;

	for (k = from; k < to; k++)
		for (q = 0; q < 2; q++) {
			d = copy_desc(vf, q, k);
			mdkcard_submit(vf, q, &d);
		}
}

/* Every descriptor 0..@n-1 of both queues completed once, data intact. */
static void check_done(struct __test_metadata *_metadata,
		       struct mdkcard_vf *vf, unsigned int n)
{
	struct mdk_card_comp c;
	unsigned int q, k;

	for (q = 0; q < 2; q++) {
		for (k = 0; k < n; k++) {
			size_t src = (size_t)(q * 2 * PER_Q + k) * BUF;

			ASSERT_EQ(0, mdkcard_wait(vf, q, k, 20000, &c));
			ASSERT_EQ(MDK_CARD_ST_SUCCESS, c.status);
			ASSERT_EQ((uint64_t)q << 32 | k, c.cookie);
			ASSERT_EQ(0, memcmp(mdkcard_data(vf, src),
					    mdkcard_data(vf, src + PER_Q * BUF),
					    BUF));
		}
		/* DONE counts runs: one more would be a descriptor run twice. */
		EXPECT_EQ(n, mdkcard_reg(vf, MDK_CARD_Q(q) + MDK_CARD_Q_DONE));
		EXPECT_EQ(n % MDKCARD_RING,
			  *(volatile uint32_t *)(vf->portals +
						 q * MDK_CARD_PORTAL_SIZE +
						 MDK_CARD_PORTAL_HEAD));
	}
}

/* Descriptors of both queues completed so far, in order from 0. */
static unsigned int count_done(struct mdkcard_vf *vf, unsigned int n)
{
	unsigned int k, total = 0;

	for (k = 0; k < n; k++)
		total += !!vf->q[0].comp[k].status + !!vf->q[1].comp[k].status;
	return total;
}

/*
 * The source's queues 0 and 1 started, sources filled; descriptors 0..79
 * submitted and run to some degree while it runs, then the VF quiesced
 * (RUNNING_P2P) and 80..@n-1 submitted: those are certainly pending. Then
 * STOP_COPY, the state read, and STOP.
 */
static void save_busy(struct __test_metadata *_metadata,
		      struct __fixture_type_mig *self, unsigned int i,
		      unsigned int n)
{
	struct mdkcard_vf *vf = &self->vf[i];
	struct mdk_card_comp c;
	uint32_t state;
	int fd;

	fill_sources(vf);
	ASSERT_EQ(0, mdkcard_start(vf, 0));
	ASSERT_EQ(0, mdkcard_start(vf, 1));
	submit(vf, 0, 80);
	ASSERT_EQ(0, mdkcard_wait(vf, 0, 3, 10000, &c));
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, RUNNING_P2P, NULL));
	submit(vf, 80, n);
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, STOP_COPY, &fd));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mdkvfio_mig_state(&vf->v, &state));
	ASSERT_EQ(STOP_COPY, state);
	self->s.len = 0;
	ASSERT_EQ(0, read_fd(fd, &self->s));
	TH_LOG("state: %zu bytes; %u of %u descriptors done on the source",
	       self->s.len, count_done(vf, n), 2 * n);
	EXPECT_GT(2 * n, count_done(vf, n));
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, STOP, NULL));
	/* The session ended: its fd reads no more. */
	EXPECT_EQ(-1, read(fd, self->s.buf, 1));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
}

/* RUNNING -> RESUMING, the stream written in @chunk pieces, -> @to. */
static int load(struct mdkcard_vf *vf, const struct stream *s, size_t chunk,
		uint32_t to)
{
	return mig_load(&vf->v, s, chunk, to);
}

/*
 * The target goes on where the source stopped: the driver's view of its
 * rings (the "guest memory" copied), and its own portal and queues from the
 * stream.
 */
static void adopt(struct mdkcard_vf *dst, const struct mdkcard_vf *src)
{
	unsigned int q;

	memcpy(dst->mem, src->mem, dst->mem_size);
	for (q = 0; q < 2; q++) {
		dst->q[q].ring = (void *)(dst->mem + ((uint8_t *)src->q[q].ring -
						      src->mem));
		dst->q[q].comp = (void *)(dst->mem +
					  ((uint8_t *)src->q[q].comp - src->mem));
		dst->q[q].tail = src->q[q].tail;
	}
}

TEST_F(mig, migration_is_offered_with_the_kernels_flags)
{
	uint64_t flags, want = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P,
		 size;
	uint32_t state;
	int ret;

	if (kernel_has_precopy())
		want |= VFIO_MIGRATION_PRE_COPY;
	ASSERT_EQ(0, vf_make(self, 0, "2q"));
	ASSERT_EQ(0, mdkvfio_mig_flags(&self->vf[0].v, &flags));
	TH_LOG("flags %#llx", (unsigned long long)flags);
	EXPECT_EQ(want, flags);
	ASSERT_EQ(0, mdkvfio_mig_state(&self->vf[0].v, &state));
	EXPECT_EQ(RUNNING, state);
	ret = mdkvfio_mig_data_size(&self->vf[0].v, &size);
	if (kernel_has_precopy()) {
		ASSERT_EQ(0, ret);
		/* header, config space (4 KiB: PCIe), INTx, MSI-X, queues */
		TH_LOG("MIG_DATA_SIZE: %llu bytes", (unsigned long long)size);
		EXPECT_EQ(256 + 4096 + 4 + 2 * 16 + 8 + 8 + 2 * 48, size);
	} else {
		EXPECT_EQ(-ENOTTY, ret);	/* not in 6.1's uAPI */
	}
}

TEST_F_TIMEOUT(mig, busy_vf_moves_to_another_vf_and_runs_each_descriptor_once,
	       300)
{
	ASSERT_EQ(0, vf_make(self, 0, "2q"));
	ASSERT_EQ(0, vf_make(self, 1, "2q"));
	save_busy(_metadata, self, 0, 160);
	/* The target, under another UUID, in a container of its own. */
	adopt(&self->vf[1], &self->vf[0]);
	ASSERT_EQ(0, load(&self->vf[1], &self->s, 1000, RUNNING));
	check_done(_metadata, &self->vf[1], 160);
	/* Traffic goes on on the target: the rest of the descriptors. */
	submit(&self->vf[1], 160, PER_Q);
	check_done(_metadata, &self->vf[1], PER_Q);
	/* The source ran none of those pending at the switch. */
	EXPECT_GT(320, count_done(&self->vf[0], 160));
}

TEST_F_TIMEOUT(mig, state_loads_back_into_the_original_after_a_reset, 300)
{
	struct mdkcard_vf *vf = &self->vf[0];
	uint32_t state;

	ASSERT_EQ(0, vf_make(self, 0, "2q"));
	save_busy(_metadata, self, 0, 160);
	ASSERT_EQ(0, mdkvfio_reset(&vf->v));
	ASSERT_EQ(0, mdkvfio_mig_state(&vf->v, &state));
	EXPECT_EQ(RUNNING, state);
	/* The reset forgot the queues. */
	EXPECT_EQ(0, mdkcard_reg(vf, MDK_CARD_Q(0) + MDK_CARD_Q_ENABLE));
	ASSERT_EQ(0, load(vf, &self->s, 65536, RUNNING));
	EXPECT_EQ(1, mdkcard_reg(vf, MDK_CARD_Q(0) + MDK_CARD_Q_ENABLE));
	check_done(_metadata, vf, 160);
	submit(vf, 160, PER_Q);
	check_done(_metadata, vf, PER_Q);
}

TEST_F_TIMEOUT(mig, precopy_sends_the_header_first_and_the_rest_on_stop, 300)
{
	struct vfio_precopy_info info = { .argsz = sizeof(info) };
	struct mdkcard_vf *src = &self->vf[0];
	struct pollfd p;
	uint8_t hdr[HDR_SIZE];
	int fd, bad, good, ret;
	uint32_t state;

	ASSERT_EQ(0, vf_make(self, 0, "2q"));
	ASSERT_EQ(0, vf_make(self, 1, "1q"));
	ASSERT_EQ(0, vf_make(self, 2, "2q"));
	ret = mdkvfio_mig_set(&src->v, VFIO_DEVICE_STATE_PRE_COPY, &fd);
	if (!kernel_has_precopy()) {
		EXPECT_EQ(-EINVAL, ret);	/* the flag is not offered */
		ASSERT_EQ(0, mdkvfio_mig_state(&src->v, &state));
		EXPECT_EQ(RUNNING, state);
		return;
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info));
	EXPECT_EQ(HDR_SIZE, info.initial_bytes);
	EXPECT_EQ(0, info.dirty_bytes);
	ASSERT_EQ(HDR_SIZE, read(fd, hdr, sizeof(hdr)));
	/* The temporary end: ENOMSG, nothing to poll for. */
	EXPECT_EQ(-1, read(fd, hdr, 1));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info));
	EXPECT_EQ(0, info.initial_bytes);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_EQ(0, poll(&p, 1, 0));
	/* A VF of another type refuses the header, before the source stops. */
	ASSERT_EQ(0, mdkvfio_mig_set(&self->vf[1].v, RESUMING, &bad));
	EXPECT_EQ(-1, write(bad, hdr, sizeof(hdr)));
	EXPECT_EQ(EINVAL, errno);
	close(bad);
	ASSERT_EQ(0, mdkvfio_reset(&self->vf[1].v));
	/* One of the same type takes it, and then the whole record. */
	ASSERT_EQ(0, mdkvfio_mig_set(&self->vf[2].v, RESUMING, &good));
	ASSERT_EQ(HDR_SIZE, write(good, hdr, sizeof(hdr)));
	/* The source works meanwhile. */
	fill_sources(src);
	ASSERT_EQ(0, mdkcard_start(src, 0));
	ASSERT_EQ(0, mdkcard_start(src, 1));
	submit(src, 0, 40);
	check_done(_metadata, src, 40);
	ASSERT_EQ(0, mdkvfio_mig_set(&src->v, VFIO_DEVICE_STATE_PRE_COPY_P2P,
				     NULL));
	submit(src, 40, 100);
	/* Into STOP_COPY: no new fd, the same one goes on. */
	ASSERT_EQ(0, mdkvfio_mig_set(&src->v, STOP_COPY, &ret));
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(1, poll(&p, 1, 0));
	/* Valid in PRE_COPY states only. */
	EXPECT_EQ(-1, ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	self->s.len = 0;
	ASSERT_EQ(0, read_fd(fd, &self->s));
	close(fd);
	TH_LOG("pre-copy: %d bytes; stop-copy: %zu bytes", HDR_SIZE,
	       self->s.len);
	ASSERT_EQ(0, write_fd(good, self->s.buf, self->s.len, 4096));
	close(good);
	adopt(&self->vf[2], src);
	ASSERT_EQ(0, mdkvfio_mig_set(&self->vf[2].v, RUNNING, NULL));
	check_done(_metadata, &self->vf[2], 100);
}

/* Loads stream @s into @vf; the errno of the write or of RESUMING -> STOP. */
static void bad_load(struct __test_metadata *_metadata, struct mdkcard_vf *vf,
		     const uint8_t *buf, size_t len, int werr, int serr,
		     const char *what)
{
	uint32_t state;
	int fd, ret;

	TH_LOG("%s", what);
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, RESUMING, &fd));
	ret = len ? write_fd(fd, buf, len, 4096) : 0;
	EXPECT_EQ(werr, ret);
	close(fd);
	EXPECT_EQ(serr, mdkvfio_mig_set(&vf->v, STOP, NULL));
	ASSERT_EQ(0, mdkvfio_mig_state(&vf->v, &state));
	EXPECT_EQ(serr ? RESUMING : STOP, state);
	/* The uAPI's way out of RESUMING: a reset. */
	ASSERT_EQ(0, mdkvfio_reset(&vf->v));
	ASSERT_EQ(0, mdkvfio_mig_state(&vf->v, &state));
	EXPECT_EQ(RUNNING, state);
}

TEST_F_TIMEOUT(mig, bad_streams_are_refused_and_leave_the_target_whole, 300)
{
	struct mdkcard_vf *t = &self->vf[1];
	struct stream one = { 0 };
	uint8_t *b;
	size_t len;
	int fd;

	ASSERT_EQ(0, vf_make(self, 0, "2q"));
	ASSERT_EQ(0, vf_make(self, 1, "2q"));
	ASSERT_EQ(0, vf_make(self, 2, "1q"));
	save_busy(_metadata, self, 0, 160);
	len = self->s.len;
	b = malloc(len + 64);
	ASSERT_NE(NULL, b);
	/* A 1q VF's state, for "another type". */
	ASSERT_EQ(0, mdkvfio_mig_set(&self->vf[2].v, STOP_COPY, &fd));
	ASSERT_EQ(0, read_fd(fd, &one));
	close(fd);

	bad_load(_metadata, t, NULL, 0, 0, -EINVAL, "nothing written");
	bad_load(_metadata, t, self->s.buf, 100, 0, -EINVAL,
		 "a truncated header");
	bad_load(_metadata, t, self->s.buf, len - 10, 0, -EINVAL,
		 "a truncated stream");
	memcpy(b, self->s.buf, len);
	b[len - 20] ^= 0x40;
	bad_load(_metadata, t, b, len, 0, -EBADMSG, "a flipped bit in a queue");
	memcpy(b, self->s.buf, len);
	b[H_TYPE] = 'x';
	bad_load(_metadata, t, b, len, -EBADMSG, -EBADMSG,
		 "a changed header (its CRC)");
	memcpy(b, self->s.buf, len);
	b[0] ^= 1;
	bad_load(_metadata, t, b, len, -EINVAL, -EINVAL, "another magic");
	memcpy(b, self->s.buf, len);
	b[H_VERSION] = 2;
	reseal(b, len);
	bad_load(_metadata, t, b, len, -EPROTONOSUPPORT, -EPROTONOSUPPORT,
		 "format version 2");
	bad_load(_metadata, t, one.buf, one.len, -EINVAL, -EINVAL,
		 "a 1q VF's state into a 2q VF");
	memcpy(b, self->s.buf, len);
	memset(b + len, 0, 64);
	bad_load(_metadata, t, b, len + 64, -EFBIG, -EFBIG,
		 "64 bytes more than the record");
	/* Queue 0's size (after nq, next_q, ring, comp) 3: not a power of 2 */
	memcpy(b, self->s.buf, len);
	put32(b + len - 2 * 48 + 16, 3);
	reseal(b, len);
	bad_load(_metadata, t, b, len, 0, -EINVAL,
		 "an enabled queue of size 3 (the card's refusal)");
	/* vfio_mdev's INTx word (after config space) with an unknown bit */
	memcpy(b, self->s.buf, len);
	put32(b + HDR_SIZE + 4096, 0x80);
	reseal(b, len);
	bad_load(_metadata, t, b, len, 0, -EINVAL,
		 "an unknown bit in vfio_mdev's INTx state");
	/* After all that, the target takes the good stream. */
	adopt(t, &self->vf[0]);
	ASSERT_EQ(0, load(t, &self->s, 4096, RUNNING));
	check_done(_metadata, t, 160);
	free(one.buf);
	free(b);
}

TEST_F_TIMEOUT(mig, a_forged_stream_cannot_change_read_only_config_space, 300)
{
	struct mdkcard_vf *t = &self->vf[1];
	uint16_t id, cmd;
	uint8_t *cfg;

	ASSERT_EQ(0, vf_make(self, 0, "2q"));
	ASSERT_EQ(0, vf_make(self, 1, "2q"));
	save_busy(_metadata, self, 0, 160);
	/* Config space starts the section after the header. */
	cfg = self->s.buf + HDR_SIZE;
	memcpy(&cmd, cfg + PCI_COMMAND, 2);
	EXPECT_TRUE(cmd & PCI_COMMAND_MEMORY);
	cfg[PCI_VENDOR_ID] = 0x34;		/* read-only */
	cfg[PCI_VENDOR_ID + 1] = 0x12;
	cfg[PCI_CAPABILITY_LIST] ^= 0x10;	/* read-only */
	reseal(self->s.buf, self->s.len);
	adopt(t, &self->vf[0]);
	ASSERT_EQ(0, load(t, &self->s, 4096, RUNNING));
	ASSERT_EQ(2, mdkvfio_pread(&t->v, VFIO_PCI_CONFIG_REGION_INDEX, &id, 2,
				   PCI_VENDOR_ID));
	EXPECT_EQ(MDK_CARD_VENDOR, id);
	ASSERT_EQ(2, mdkvfio_pread(&t->v, VFIO_PCI_CONFIG_REGION_INDEX, &cmd,
				   2, PCI_COMMAND));
	/* Writable bits load from the stream: decode on, as saved. */
	EXPECT_TRUE(cmd & PCI_COMMAND_MEMORY);
	check_done(_metadata, t, 160);
}

TEST_F(mig, invalid_states_and_fd_misuse_get_the_uapis_errors)
{
	struct vfio_precopy_info info = { .argsz = sizeof(info) };
	struct mdkcard_vf *vf = &self->vf[0];
	uint32_t state;
	char c = 0;
	int fd, rfd;

	ASSERT_EQ(0, vf_make(self, 0, "2q"));
	EXPECT_EQ(-EINVAL, mdkvfio_mig_set(&vf->v, 8, NULL));
	EXPECT_EQ(-EINVAL, mdkvfio_mig_set(&vf->v, 0x10000, NULL));
	EXPECT_EQ(-EINVAL, mdkvfio_mig_set(&vf->v, VFIO_DEVICE_STATE_ERROR,
					   NULL));
	ASSERT_EQ(0, mdkvfio_mig_state(&vf->v, &state));
	EXPECT_EQ(RUNNING, state);
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, STOP_COPY, &fd));
	/* A save fd: no write, no seek, no PRECOPY_INFO outside PRE_COPY. */
	EXPECT_EQ(-1, write(fd, &c, 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, pread(fd, &c, 1, 0));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO(VFIO_TYPE, VFIO_BASE + 60)));
	EXPECT_EQ(ENOTTY, errno);
	/* STOP_COPY -> RESUMING goes through STOP: the save fd ends. */
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, RESUMING, &rfd));
	EXPECT_EQ(-1, read(fd, &c, 1));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, read(rfd, &c, 1));
	EXPECT_EQ(EBADF, errno);
	/* A reset ends RESUMING, and its fd. */
	ASSERT_EQ(0, mdkvfio_reset(&vf->v));
	EXPECT_EQ(-1, write(rfd, &c, 1));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	close(rfd);
	/* Closing the device ends a session too; it opens RUNNING. */
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, STOP_COPY, &fd));
	mdkcard_close(vf);
	EXPECT_EQ(-1, read(fd, &c, 1));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	ASSERT_EQ(0, mdkcard_open(vf, self->uuid[0], DATA));
	ASSERT_EQ(0, mdkvfio_mig_state(&vf->v, &state));
	EXPECT_EQ(RUNNING, state);
}

TEST_F(mig, a_quiesced_vf_runs_nothing_and_a_closed_one_runs_again)
{
	struct mdkcard_vf *vf = &self->vf[0];
	struct mdk_card_comp c;
	unsigned int k;

	ASSERT_EQ(0, vf_make(self, 0, "2q"));
	fill_sources(vf);
	ASSERT_EQ(0, mdkcard_start(vf, 0));
	ASSERT_EQ(0, mdkcard_start(vf, 1));
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, RUNNING_P2P, NULL));
	submit(vf, 0, 10);
	usleep(300000);
	EXPECT_EQ(0, count_done(vf, 10));
	EXPECT_EQ(0, mdkcard_reg(vf, MDK_CARD_Q(0) + MDK_CARD_Q_DONE));
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, STOP, NULL));
	usleep(100000);
	EXPECT_EQ(0, count_done(vf, 10));
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, RUNNING, NULL));
	check_done(_metadata, vf, 10);
	/* Closed while stopped: the next user finds a VF that runs. */
	ASSERT_EQ(0, mdkvfio_mig_set(&vf->v, STOP, NULL));
	mdkcard_close(vf);
	ASSERT_EQ(0, mdkcard_open(vf, self->uuid[0], DATA));
	ASSERT_EQ(0, mdkcard_start(vf, 0));
	for (k = 0; k < 3; k++) {
		struct mdk_card_desc d = {
			.opcode = MDK_CARD_OP_FILL, .len = 64,
			.dst = mdkcard_iova(vf, mdkcard_data(vf, 0)),
			.pattern = 0x0101010101010101ULL * k,
		};

		ASSERT_EQ(0, mdkcard_run(vf, 0, &d, &c));
		EXPECT_EQ(MDK_CARD_ST_SUCCESS, c.status);
	}
}

TEST_HARNESS_MAIN
