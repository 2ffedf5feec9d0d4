/* A small virtio-net driver for the test guests (lib/guest_net.h): queue 0
 * receives into NET_RX_BUFFERS static buffers, each a header and a whole
 * frame (MRG_RXBUF is not negotiated, §5.1.6.3.1), posted again as soon
 * as their frame is copied out; queue 1 sends one frame at a time from a
 * static buffer and waits for it to be used. */
#include "guest_net.h"

#define NET_BUF_SIZE (VIRTIO_NET_HDR_SIZE + ETH_MAX_FRAME)

static uint8_t rx_buf[NET_RX_BUFFERS][NET_BUF_SIZE] __attribute__((aligned(16)));
static uint8_t tx_buf[NET_BUF_SIZE] __attribute__((aligned(16)));
/* Which buffer each descriptor of the receive queue holds. */
static uint8_t rx_of_desc[VIRTIO_GUEST_QUEUE_SIZE];

static int post_rx(struct net_dev *n, unsigned i)
{
	struct virtio_buf b = {(uintptr_t)rx_buf[i], NET_BUF_SIZE, true};
	int head = virtio_submit(&n->drv, VIRTIO_NET_RX, &b, 1);
	if (head < 0)
		return -1;
	rx_of_desc[head] = (uint8_t)i;
	return 0;
}

int net_open(struct net_dev *n, unsigned rx_buffers)
{
	memset(n, 0, sizeof(*n));
	if (!virtio_find(VIRTIO_ID_NET, 0, &n->drv)) {
		printf("net: no virtio-net device\n");
		return -1;
	}
	uint64_t offered = virtio_device_features(&n->drv);
	uint64_t wanted =
	    1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS;
	if ((offered & wanted) != wanted || virtio_init(&n->drv, wanted, 2)) {
		printf("net: the device refused features 0x%lx (offered 0x%lx)\n",
		       (unsigned long)wanted, (unsigned long)offered);
		return -1;
	}
	/* The configuration space, a byte at a time, read until the
	 * generation is stable (§4.2.2, ConfigGeneration). */
	volatile uint8_t *cfg = (volatile uint8_t *)(n->drv.base + VIRTIO_MMIO_CONFIG);
	uint32_t gen;
	do {
		gen = virtio_read(&n->drv, VIRTIO_MMIO_CONFIG_GENERATION);
		for (int i = 0; i < ETH_ALEN; i++)
			n->mac[i] = cfg[VIRTIO_NET_CFG_MAC + i];
		n->link_up =
		    *(volatile uint16_t *)(cfg + VIRTIO_NET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
	} while (gen != virtio_read(&n->drv, VIRTIO_MMIO_CONFIG_GENERATION));
	n->ticks_per_ms = fdt_timebase() / 1000;
	if (rx_buffers > NET_RX_BUFFERS)
		rx_buffers = NET_RX_BUFFERS;
	for (unsigned i = 0; i < rx_buffers; i++)
		if (post_rx(n, i))
			return -1;
	n->rx_buffers = rx_buffers;
	return 0;
}

void net_stage(struct net_dev *n, const void *frame, uint32_t len)
{
	(void)n;
	memset(tx_buf, 0, VIRTIO_NET_HDR_SIZE); /* no offloads: a zero header */
	memcpy(tx_buf + VIRTIO_NET_HDR_SIZE, frame, len);
}

int net_transmit(struct net_dev *n, uint32_t len)
{
	struct virtio_buf b = {(uintptr_t)tx_buf, VIRTIO_NET_HDR_SIZE + len, false};
	uint64_t until = rdtime() + n->ticks_per_ms * 1000;
	int head = virtio_submit(&n->drv, VIRTIO_NET_TX, &b, 1);
	if (head < 0)
		return -1;
	/* Polled here rather than by virtio_wait_used, whose device-tree
	 * lookup of the timebase would count in make bench's figure. */
	for (;;) {
		uint32_t id, used_len;
		int r = virtio_poll_used(&n->drv, VIRTIO_NET_TX, &id, &used_len);
		if (r == 1 && id == (uint32_t)head)
			break;
		if (r || rdtime() > until ||
		    virtio_read(&n->drv, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
			return -1;
	}
	n->sent++;
	return 0;
}

int net_send(struct net_dev *n, const void *frame, uint32_t len)
{
	if (len > ETH_MAX_FRAME)
		return -1;
	net_stage(n, frame, len);
	return net_transmit(n, len);
}

int net_receive(struct net_dev *n, void *buf, uint32_t size, uint64_t timeout_ms)
{
	uint32_t id, len;
	int r = virtio_wait_used(&n->drv, VIRTIO_NET_RX, &id, &len, timeout_ms);
	if (r == -3)
		return 0;
	if (r != 1)
		return -1;
	unsigned i = rx_of_desc[id];
	if (len < VIRTIO_NET_HDR_SIZE || len > NET_BUF_SIZE)
		return -1;
	/* No offload negotiated: a zero header but num_buffers 1 (§5.1.6.4). */
	struct virtio_net_hdr h;
	memcpy(&h, rx_buf[i], sizeof(h));
	if (h.flags || h.gso_type || h.num_buffers != 1)
		return -1;
	len -= VIRTIO_NET_HDR_SIZE;
	if (len > size)
		len = size;
	memcpy(buf, rx_buf[i] + VIRTIO_NET_HDR_SIZE, len);
	n->received++;
	return post_rx(n, i) ? -1 : (int)len;
}
