// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmdkvnet: a userspace virtio-net driver over libmdkvfio (see
 * mdkvnet.h). Registers are reached with pread/pwrite on the VFIO device
 * (a trapped BAR needs nothing more); rings and buffers are in one
 * anonymous mapping the device reaches through VFIO_IOMMU_MAP_DMA.
 *
 * Memory barriers follow the split ring's rules (virtio 1.2, 2.7.13): the
 * descriptors before the avail entry, the avail entry before the index, the
 * index before the notification; the used index before its entries.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>

#include "mdkvnet.h"

#define CFG	VFIO_PCI_CONFIG_REGION_INDEX
#define BAR(c)	(VFIO_PCI_BAR0_REGION_INDEX + (c).bar)

static uint64_t rd(struct mdkvnet *n, unsigned int index, uint64_t off,
		   unsigned int len)
{
	uint64_t val = 0;

	if (mdkvfio_pread(&n->v, index, &val, len, off) != (ssize_t)len)
		return ~0ULL;
	return val;	/* little-endian host: virtio and PCI are LE */
}

static int wr(struct mdkvnet *n, unsigned int index, uint64_t off,
	      unsigned int len, uint64_t val)
{
	ssize_t ret = mdkvfio_pwrite(&n->v, index, &val, len, off);

	return ret < 0 ? (int)ret : ret == (ssize_t)len ? 0 : -EIO;
}

uint64_t mdkvnet_rd(struct mdkvnet *n, unsigned int off, unsigned int len)
{
	return rd(n, BAR(n->common), n->common.off + off, len);
}

int mdkvnet_wr(struct mdkvnet *n, unsigned int off, unsigned int len,
	       uint64_t val)
{
	return wr(n, BAR(n->common), n->common.off + off, len, val);
}

uint8_t mdkvnet_status(struct mdkvnet *n)
{
	return mdkvnet_rd(n, VIRTIO_PCI_COMMON_STATUS, 1);
}

int mdkvnet_set_status(struct mdkvnet *n, uint8_t status)
{
	return mdkvnet_wr(n, VIRTIO_PCI_COMMON_STATUS, 1, status);
}

/* Reads (and so clears) the ISR status. */
uint8_t mdkvnet_isr(struct mdkvnet *n)
{
	return rd(n, BAR(n->isr), n->isr.off, 1);
}

/* Records the virtio structure a vendor capability at @pos points at. */
static void parse_cap(struct mdkvnet *n, uint8_t pos)
{
	uint8_t type = rd(n, CFG, pos + VIRTIO_PCI_CAP_CFG_TYPE, 1);
	struct mdkvnet_cap c = {
		.bar = rd(n, CFG, pos + VIRTIO_PCI_CAP_BAR, 1),
		.cap = pos,
		.off = rd(n, CFG, pos + VIRTIO_PCI_CAP_OFFSET, 4),
		.len = rd(n, CFG, pos + VIRTIO_PCI_CAP_LENGTH, 4),
	};
	struct mdkvnet_cap *to[] = {
		[VIRTIO_PCI_CAP_COMMON_CFG] = &n->common,
		[VIRTIO_PCI_CAP_NOTIFY_CFG] = &n->notify,
		[VIRTIO_PCI_CAP_ISR_CFG] = &n->isr,
		[VIRTIO_PCI_CAP_DEVICE_CFG] = &n->device,
	};

	/* The first of each type is the one to use (4.1.4.1); BARs 0-5. */
	if (type >= sizeof(to) / sizeof(to[0]) || !to[type] ||
	    to[type]->bar != 0xff || c.bar > 5)
		return;
	*to[type] = c;
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		n->notify_mul = rd(n, CFG, pos + sizeof(struct virtio_pci_cap),
				   4);
}

/* Walks the capability list; -ENODEV without the four structures. */
static int find_caps(struct mdkvnet *n)
{
	uint8_t pos = rd(n, CFG, PCI_CAPABILITY_LIST, 1);
	unsigned int hops = 0;

	if (!(rd(n, CFG, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return -ENODEV;
	while (pos >= PCI_STD_HEADER_SIZEOF && hops++ < 48) {
		pos &= ~3;
		if (rd(n, CFG, pos + PCI_CAP_LIST_ID, 1) == PCI_CAP_ID_VNDR)
			parse_cap(n, pos);
		pos = rd(n, CFG, pos + PCI_CAP_LIST_NEXT, 1);
	}
	if (n->common.bar == 0xff || n->notify.bar == 0xff ||
	    n->isr.bar == 0xff || n->device.bar == 0xff)
		return -ENODEV;
	return 0;
}

/* A closed device: mdkvnet_close() on it does nothing. */
void mdkvnet_init(struct mdkvnet *n)
{
	unsigned int q;

	memset(n, 0, sizeof(*n));
	n->v.container = n->v.group = n->v.device = -1;
	n->cfg_efd = -1;
	for (q = 0; q < MDKVNET_MAX_VQS; q++)
		n->vq[q].efd = -1;
	n->common.bar = n->notify.bar = n->isr.bar = n->device.bar = 0xff;
}

/* Opens the mdev, finds its structures, maps the DMA area. */
int mdkvnet_open(struct mdkvnet *n, const char *uuid)
{
	struct vfio_irq_info irq;
	uint16_t cmd;
	int ret;

	mdkvnet_init(n);
	ret = mdkvfio_open(&n->v, uuid);
	if (ret)
		return ret;
	ret = find_caps(n);
	if (ret)
		goto err;
	ret = mdkvfio_irq(&n->v, VFIO_PCI_MSIX_IRQ_INDEX, &irq);
	if (ret)
		goto err;
	n->nvec = irq.count;
	n->num_queues = mdkvnet_rd(n, VIRTIO_PCI_COMMON_NUMQ, 2);
	if (!n->num_queues || n->num_queues > MDKVNET_MAX_VQS) {
		ret = -ERANGE;
		goto err;
	}
	cmd = rd(n, CFG, PCI_COMMAND, 2) | PCI_COMMAND_MEMORY |
	      PCI_COMMAND_MASTER;
	wr(n, CFG, PCI_COMMAND, 2, cmd);
	n->mem_size = MDKVNET_MAX_VQS * MDKVNET_QAREA + MDKVNET_SCRATCH;
	n->mem = mmap(NULL, n->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (n->mem == MAP_FAILED) {
		n->mem = NULL;
		ret = -ENOMEM;
		goto err;
	}
	memset(n->mem, 0, n->mem_size);
	ret = mdkvfio_map_dma(&n->v, n->mem, MDKVNET_IOVA, n->mem_size);
	if (ret)
		goto err;
	return 0;
err:
	mdkvnet_close(n);
	return ret;
}

static void close_efds(struct mdkvnet *n)
{
	unsigned int q;

	for (q = 0; q < MDKVNET_MAX_VQS; q++) {
		if (n->vq[q].efd >= 0)
			close(n->vq[q].efd);
		n->vq[q].efd = -1;
	}
	if (n->cfg_efd >= 0)
		close(n->cfg_efd);
	n->cfg_efd = -1;
}

void mdkvnet_close(struct mdkvnet *n)
{
	if (n->v.device >= 0)
		mdkvnet_set_status(n, 0);
	close_efds(n);
	mdkvfio_close(&n->v);
	if (n->mem)
		munmap(n->mem, n->mem_size);
	mdkvnet_init(n);
}

uint64_t mdkvnet_iova(struct mdkvnet *n, const void *p)
{
	return MDKVNET_IOVA + ((const uint8_t *)p - n->mem);
}

uint8_t *mdkvnet_scratch(struct mdkvnet *n)
{
	return n->mem + MDKVNET_MAX_VQS * MDKVNET_QAREA;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Status 0, then waits (1 s at most) until it reads back 0 (4.1.4.3.2). */
int mdkvnet_reset(struct mdkvnet *n)
{
	int64_t end = now_ms() + 1000;
	unsigned int q;
	int ret = mdkvnet_set_status(n, 0);

	if (ret)
		return ret;
	while (mdkvnet_status(n)) {
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(100);
	}
	for (q = 0; q < MDKVNET_MAX_VQS; q++)
		n->vq[q].size = 0;
	n->features = 0;
	n->pairs = n->nvqs = 0;
	return 0;
}

uint64_t mdkvnet_device_features(struct mdkvnet *n)
{
	uint64_t f = 0;
	unsigned int sel;

	for (sel = 0; sel < 2; sel++) {
		mdkvnet_wr(n, VIRTIO_PCI_COMMON_DFSELECT, 4, sel);
		f |= mdkvnet_rd(n, VIRTIO_PCI_COMMON_DF, 4) << (32 * sel);
	}
	return f;
}

/*
 * Reset, ACKNOWLEDGE, DRIVER, @features written as they are, FEATURES_OK
 * and read back: -ENOTSUP when the device left it clear.
 */
int mdkvnet_negotiate_exact(struct mdkvnet *n, uint64_t features)
{
	uint8_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	unsigned int sel;
	int ret = mdkvnet_reset(n);

	if (ret)
		return ret;
	mdkvnet_set_status(n, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	mdkvnet_set_status(n, st);
	n->offered = mdkvnet_device_features(n);
	for (sel = 0; sel < 2; sel++) {
		mdkvnet_wr(n, VIRTIO_PCI_COMMON_GFSELECT, 4, sel);
		mdkvnet_wr(n, VIRTIO_PCI_COMMON_GF, 4,
			   (uint32_t)(features >> (32 * sel)));
	}
	mdkvnet_set_status(n, st | VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(mdkvnet_status(n) & VIRTIO_CONFIG_S_FEATURES_OK))
		return -ENOTSUP;
	n->features = features;
	return 0;
}

/* The same with @want limited to what the device offers. */
int mdkvnet_negotiate(struct mdkvnet *n, uint64_t want)
{
	int ret = mdkvnet_reset(n);

	if (ret)
		return ret;
	return mdkvnet_negotiate_exact(n, want & mdkvnet_device_features(n));
}

/* An eventfd per MSI-X vector, given to VFIO (again after a reset). */
int mdkvnet_irqs(struct mdkvnet *n)
{
	int fds[1 + MDKVNET_MAX_VQS];
	unsigned int i, nvec = n->nvec < 1 + MDKVNET_MAX_VQS ?
			       n->nvec : 1 + MDKVNET_MAX_VQS;

	close_efds(n);
	mdkvfio_irq_disable(&n->v, VFIO_PCI_MSIX_IRQ_INDEX);
	for (i = 0; i < nvec; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fds[i] < 0)
			return -errno;
		if (i)
			n->vq[i - 1].efd = fds[i];
		else
			n->cfg_efd = fds[i];
	}
	return mdkvfio_set_eventfds(&n->v, VFIO_PCI_MSIX_IRQ_INDEX, 0, nvec,
				    fds);
}

/*
 * Virtqueue @q: @size descriptors (0: the device's), rings in its area,
 * vector 1 + q, enabled. Every descriptor starts free.
 */
int mdkvnet_setup_vq(struct mdkvnet *n, unsigned int q, uint16_t size)
{
	struct mdkvnet_vq *vq = &n->vq[q];
	uint8_t *area = n->mem + q * MDKVNET_QAREA;
	uint16_t max, i;

	if (q >= n->num_queues || q >= MDKVNET_MAX_VQS)
		return -EINVAL;
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	max = mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	if (!size)
		size = max < MDKVNET_QSIZE ? max : MDKVNET_QSIZE;
	if (!size || size > max || (size & (size - 1)))
		return -EINVAL;
	memset(area, 0, MDKVNET_RINGS);
	*vq = (struct mdkvnet_vq){
		.size = size, .efd = vq->efd,
		.desc = (void *)area, .avail = (void *)(area + 0x1000),
		.used = (void *)(area + 0x2000), .bufs = area + MDKVNET_RINGS,
		.nfree = size,
	};
	for (i = 0; i < size; i++)
		vq->free[i] = size - 1 - i;
	vq->notify = n->notify.off + n->notify_mul *
		     mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_NOFF, 2);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_DESCLO, 8, mdkvnet_iova(n, vq->desc));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_AVAILLO, 8,
		   mdkvnet_iova(n, vq->avail));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_USEDLO, 8, mdkvnet_iova(n, vq->used));
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_MSIX, 2, 1 + q);
	if (mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_MSIX, 2) != 1 + q)
		return -ENOSPC;	/* the device could not take the vector */
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	return mdkvnet_rd(n, VIRTIO_PCI_COMMON_Q_ENABLE, 2) == 1 ? 0 : -EIO;
}

/* The control queue's index: last, after the device's pairs. */
static unsigned int ctrlq(struct mdkvnet *n)
{
	return n->num_queues - 1;
}

/* Interrupts, @pairs queue pairs and the control queue with MQ. */
int mdkvnet_setup(struct mdkvnet *n, unsigned int pairs, uint16_t size)
{
	unsigned int q;
	int ret = mdkvnet_irqs(n);

	if (ret)
		return ret;
	mdkvnet_wr(n, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	if (mdkvnet_rd(n, VIRTIO_PCI_COMMON_MSIX, 2) != 0)
		return -ENOSPC;
	if (!pairs || pairs > MDKVNET_MAX_PAIRS || 2 * pairs > n->num_queues)
		return -EINVAL;
	for (q = 0; q < 2 * pairs; q++) {
		ret = mdkvnet_setup_vq(n, q, size);
		if (ret)
			return ret;
	}
	if (n->features & (1ULL << VIRTIO_NET_F_CTRL_VQ)) {
		ret = mdkvnet_setup_vq(n, ctrlq(n), 0);
		if (ret)
			return ret;
	}
	n->pairs = pairs;
	n->nvqs = 2 * pairs;
	return 0;
}

int mdkvnet_driver_ok(struct mdkvnet *n)
{
	uint8_t st = mdkvnet_status(n) | VIRTIO_CONFIG_S_DRIVER_OK;

	mdkvnet_set_status(n, st);
	return mdkvnet_status(n) == st ? 0 : -EIO;
}

/*
 * All of it: features @want (as offered), @pairs pairs of full queues,
 * every receive queue filled with MDKVNET_BUF buffers, DRIVER_OK.
 */
int mdkvnet_start(struct mdkvnet *n, uint64_t want, unsigned int pairs)
{
	unsigned int p;
	int ret = mdkvnet_negotiate(n, want);

	if (!ret)
		ret = mdkvnet_setup(n, pairs, 0);
	for (p = 0; p < pairs && !ret; p++)
		ret = mdkvnet_post_rx(n, p, n->vq[mdkvnet_rxq(p)].size,
				      MDKVNET_BUF);
	return ret ? ret : mdkvnet_driver_ok(n);
}

int mdkvnet_kick_raw(struct mdkvnet *n, uint64_t bar_off, uint16_t val)
{
	return wr(n, BAR(n->notify), bar_off, 2, val);
}

int mdkvnet_kick(struct mdkvnet *n, unsigned int q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return mdkvnet_kick_raw(n, n->vq[q].notify, q);
}

/* Device configuration, consistent by config_generation (4.1.4.3.1). */
int mdkvnet_config(struct mdkvnet *n, struct virtio_net_config *c)
{
	size_t len = n->device.len < sizeof(*c) ? n->device.len : sizeof(*c);
	uint8_t gen;
	int tries = 100;
	ssize_t ret;

	memset(c, 0, sizeof(*c));
	do {
		gen = mdkvnet_rd(n, VIRTIO_PCI_COMMON_CFGGENERATION, 1);
		ret = mdkvfio_pread(&n->v, BAR(n->device), c, len,
				    n->device.off);
		if (ret < 0)
			return ret;
	} while (gen != mdkvnet_rd(n, VIRTIO_PCI_COMMON_CFGGENERATION, 1) &&
		 --tries);
	return tries ? 0 : -EAGAIN;
}

/* Puts descriptor @head in the avail ring (the index moves later). */
static void avail_add(struct mdkvnet_vq *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx++ & (vq->size - 1)] = head;
}

static void avail_publish(struct mdkvnet *n, unsigned int q)
{
	struct mdkvnet_vq *vq = &n->vq[q];

	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	mdkvnet_kick(n, q);
}

/* Receive buffer @i: its slot, the posted length, device-writable. */
static void post_one(struct mdkvnet *n, struct mdkvnet_vq *vq, uint16_t i)
{
	vq->desc[i] = (struct vring_desc){
		.addr = mdkvnet_iova(n, vq->bufs + (size_t)i * MDKVNET_BUF),
		.len = vq->buflen, .flags = VRING_DESC_F_WRITE,
	};
	avail_add(vq, i);
}

/* Gives @count free descriptors of @buflen bytes to receive queue @pair. */
int mdkvnet_post_rx(struct mdkvnet *n, unsigned int pair, unsigned int count,
		    uint32_t buflen)
{
	unsigned int q = mdkvnet_rxq(pair);
	struct mdkvnet_vq *vq = &n->vq[q];

	if (!vq->size || buflen > MDKVNET_BUF || count > vq->nfree)
		return -EINVAL;
	vq->buflen = buflen;
	while (count--)
		post_one(n, vq, vq->free[--vq->nfree]);
	avail_publish(n, q);
	return 0;
}

/* Takes back the transmit descriptors the device used. */
static void tx_reclaim(struct mdkvnet_vq *vq)
{
	uint16_t idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);

	while (vq->last_used != idx) {
		uint32_t id = vq->used->ring[vq->last_used++ &
					     (vq->size - 1)].id;

		if (id < vq->size && vq->nfree < vq->size)
			vq->free[vq->nfree++] = id;
	}
}

/* Transmits @frame (a zero net header before it) on @pair. */
int mdkvnet_tx(struct mdkvnet *n, unsigned int pair, const void *frame,
	       size_t len)
{
	unsigned int q = mdkvnet_txq(pair);
	struct mdkvnet_vq *vq = &n->vq[q];
	uint8_t *buf;
	uint16_t i;

	if (!vq->size || len + MDKVNET_HDR > MDKVNET_BUF)
		return -EINVAL;
	tx_reclaim(vq);
	if (!vq->nfree)
		return -EAGAIN;
	i = vq->free[--vq->nfree];
	buf = vq->bufs + (size_t)i * MDKVNET_BUF;
	memset(buf, 0, MDKVNET_HDR);
	memcpy(buf + MDKVNET_HDR, frame, len);
	vq->desc[i] = (struct vring_desc){
		.addr = mdkvnet_iova(n, buf), .len = MDKVNET_HDR + len,
	};
	avail_add(vq, i);
	avail_publish(n, q);
	return 0;
}

/* Waits until the device has used every transmitted frame of @pair. */
int mdkvnet_tx_done(struct mdkvnet *n, unsigned int pair, int timeout_ms)
{
	struct mdkvnet_vq *vq = &n->vq[mdkvnet_txq(pair)];
	int64_t end = now_ms() + timeout_ms;

	for (;;) {
		tx_reclaim(vq);
		if (vq->last_used == vq->avail_idx)
			return 0;
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(50);
	}
}

/* 1 if @efd fired within @timeout_ms (consumed), 0 if not, or -errno. */
int mdkvnet_wait_efd(int efd, int timeout_ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t cnt;
	int ret = poll(&p, 1, timeout_ms);

	if (ret <= 0)
		return ret < 0 ? -errno : 0;
	return read(efd, &cnt, sizeof(cnt)) == sizeof(cnt) ? 1 : -errno;
}

/* Waits (polling, and on the queue's eventfd) for @want used entries. */
static int wait_used(struct mdkvnet *n, unsigned int q, uint16_t want,
		     int timeout_ms)
{
	struct mdkvnet_vq *vq = &n->vq[q];
	int64_t end = now_ms() + timeout_ms;

	for (;;) {
		uint16_t idx = __atomic_load_n(&vq->used->idx,
					       __ATOMIC_ACQUIRE);

		if ((uint16_t)(idx - vq->last_used) >= want)
			return 0;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		if (vq->efd >= 0)
			mdkvnet_wait_efd(vq->efd, 5);
		else
			usleep(50);
	}
}

/*
 * Receives one frame on @pair into @frame (net header stripped), gathering
 * the buffers of a merged one, and gives the buffers back. Returns its
 * length (-EMSGSIZE when longer than @len: cut) or -ETIMEDOUT; *@nbufs
 * (if not NULL) is the header's num_buffers.
 */
ssize_t mdkvnet_rx(struct mdkvnet *n, unsigned int pair, void *frame,
		   size_t len, int timeout_ms, unsigned int *nbufs)
{
	unsigned int q = mdkvnet_rxq(pair);
	struct mdkvnet_vq *vq = &n->vq[q];
	struct virtio_net_hdr_v1 hdr;
	uint16_t want = 1, k;
	size_t total = 0;
	int ret;

	for (k = 0; k < want; k++) {
		struct vring_used_elem e;
		uint8_t *buf;
		uint32_t skip = k ? 0 : MDKVNET_HDR, l;

		ret = wait_used(n, q, k + 1, timeout_ms);
		if (ret)
			return ret;
		e = vq->used->ring[(uint16_t)(vq->last_used + k) &
				   (vq->size - 1)];
		if (e.id >= vq->size || e.len > vq->buflen || e.len < skip)
			return -EPROTO;
		buf = vq->bufs + (size_t)e.id * MDKVNET_BUF;
		if (!k) {
			memcpy(&hdr, buf, MDKVNET_HDR);
			if (n->features & (1ULL << VIRTIO_NET_F_MRG_RXBUF))
				want = hdr.num_buffers ? hdr.num_buffers : 1;
		}
		l = e.len - skip;
		if (total < len)
			memcpy((uint8_t *)frame + total, buf + skip,
			       len - total < l ? len - total : l);
		total += l;
	}
	for (k = 0; k < want; k++)
		post_one(n, vq, vq->used->ring[vq->last_used++ &
					       (vq->size - 1)].id);
	avail_publish(n, q);
	if (nbufs)
		*nbufs = want;
	return total > len ? -EMSGSIZE : (ssize_t)total;
}

/* Sends a control command; the device's ack byte, or -errno. */
int mdkvnet_ctrl(struct mdkvnet *n, uint8_t class, uint8_t cmd,
		 const void *data, size_t len)
{
	unsigned int q = ctrlq(n);
	struct mdkvnet_vq *vq = &n->vq[q];
	uint8_t *buf = vq->bufs;
	uint8_t *ack = buf + MDKVNET_BUF - 1;
	uint16_t d = 0;
	int ret;

	if (!(n->features & (1ULL << VIRTIO_NET_F_CTRL_VQ)) || vq->size < 3 ||
	    len > MDKVNET_BUF - 3)
		return -EINVAL;
	buf[0] = class;
	buf[1] = cmd;
	memcpy(buf + 2, data, len);
	*ack = 0xee;
	vq->desc[d] = (struct vring_desc){
		.addr = mdkvnet_iova(n, buf), .len = 2,
		.flags = VRING_DESC_F_NEXT, .next = d + 1,
	};
	if (len) {
		d++;
		vq->desc[d] = (struct vring_desc){
			.addr = mdkvnet_iova(n, buf + 2), .len = len,
			.flags = VRING_DESC_F_NEXT, .next = d + 1,
		};
	}
	vq->desc[++d] = (struct vring_desc){
		.addr = mdkvnet_iova(n, ack), .len = 1,
		.flags = VRING_DESC_F_WRITE,
	};
	avail_add(vq, 0);
	avail_publish(n, q);
	ret = wait_used(n, q, 1, 2000);
	if (ret)
		return ret;
	vq->last_used++;
	return __atomic_load_n(ack, __ATOMIC_ACQUIRE);
}

void mdkvnet_raw_desc(struct mdkvnet *n, unsigned int q, uint16_t i,
		      uint64_t addr, uint32_t len, uint16_t flags,
		      uint16_t next)
{
	n->vq[q].desc[i] = (struct vring_desc){
		.addr = addr, .len = len, .flags = flags, .next = next,
	};
}

/* Writes avail ring entry @slot (taken modulo the queue size). */
void mdkvnet_raw_avail(struct mdkvnet *n, unsigned int q, uint16_t slot,
		       uint16_t head)
{
	n->vq[q].avail->ring[slot & (n->vq[q].size - 1)] = head;
}

/* Publishes avail index @idx (the driver's shadow follows it). */
void mdkvnet_raw_avail_idx(struct mdkvnet *n, unsigned int q, uint16_t idx)
{
	n->vq[q].avail_idx = idx;
	__atomic_store_n(&n->vq[q].avail->idx, idx, __ATOMIC_RELEASE);
}

uint16_t mdkvnet_used_idx(struct mdkvnet *n, unsigned int q)
{
	return __atomic_load_n(&n->vq[q].used->idx, __ATOMIC_ACQUIRE);
}
