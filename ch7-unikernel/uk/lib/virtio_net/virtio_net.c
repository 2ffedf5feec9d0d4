/* virtio-net (virtio 1.2, §5.1) behind netdev.h. Queue 0 receives, queue
 * 1 sends; every frame has a 12-byte header in front of it (with
 * VERSION_1 the header always has num_buffers, §5.1.6), which we fill
 * with zeros: no checksum offload, no segmentation. Each receive buffer
 * is one descriptor big enough for a whole frame (no MRG_RXBUF). */
#include <stdio.h>
#include <string.h>

#include "plat/init.h"
#include "plat/plat.h"
#include "uk/config.h"
#include "virtio/virtio.h"
#include "virtio/virtio_mmio.h"
#include "virtio_net/netdev.h"

#define VIRTIO_NET_F_MAC 5
#define CFG_MAC          0x00

#define RX_QUEUE 0
#define TX_QUEUE 1
#define NET_HDR  12
#define BUF_SIZE 1536 /* the header and a largest frame, rounded up */
#define RX_BUFS  32
#define TX_BUFS  16
#define MAX_NICS 2

struct netdev {
	struct virtio_dev *vdev;
	struct virtqueue rx, tx;
	uint8_t mac[6];
	void (*rx_notify)(void *);
	void *rx_arg;
	uint8_t rx_buf[RX_BUFS][BUF_SIZE] __attribute__((aligned(16)));
	uint8_t tx_buf[TX_BUFS][BUF_SIZE] __attribute__((aligned(16)));
	bool tx_busy[TX_BUFS];
};

static struct netdev nics[MAX_NICS];
static unsigned nnics;

static void post_rx(struct netdev *n, uint8_t *buf)
{
	struct vq_buf b = {buf, BUF_SIZE, true};
	virtqueue_add(&n->rx, &b, 1, buf); /* a buffer taken out is a slot freed */
}

/* Takes back the send buffers that the device has sent. */
static void reclaim_tx(struct netdev *n)
{
	uint8_t *buf;
	while ((buf = virtqueue_get_used(&n->tx, NULL)))
		n->tx_busy[(size_t)(buf - n->tx_buf[0]) / BUF_SIZE] = false;
}

int netdev_send(struct netdev *n, const void *frame, size_t len)
{
	if (len > NETDEV_MAX_FRAME)
		return -1;
	unsigned long flags = plat_irq_save();
	reclaim_tx(n);
	int r = -1;
	for (unsigned i = 0; i < TX_BUFS; i++) {
		if (n->tx_busy[i])
			continue;
		uint8_t *buf = n->tx_buf[i];
		memset(buf, 0, NET_HDR);
		memcpy(buf + NET_HDR, frame, len);
		struct vq_buf b = {buf, (uint32_t)(NET_HDR + len), false};
		if (virtqueue_add(&n->tx, &b, 1, buf) == 0) {
			n->tx_busy[i] = true;
			virtqueue_kick(&n->tx);
			r = 0;
		}
		break;
	}
	plat_irq_restore(flags);
	return r;
}

int netdev_recv(struct netdev *n, void *out, size_t cap)
{
	unsigned long flags = plat_irq_save();
	uint32_t written;
	uint8_t *buf;
	int len = 0;
	while (!len && (buf = virtqueue_get_used(&n->rx, &written))) {
		/* A length the device got wrong: the frame is dropped. */
		if (written > NET_HDR && written <= BUF_SIZE) {
			len = (int)(written - NET_HDR);
			memcpy(out, buf + NET_HDR, (size_t)len < cap ? (size_t)len : cap);
			if ((size_t)len > cap)
				len = (int)cap;
		}
		post_rx(n, buf);
		virtqueue_kick(&n->rx);
	}
	plat_irq_restore(flags);
	return len;
}

bool netdev_poll(struct netdev *n)
{
	bool waiting = virtqueue_has_used(&n->rx);
	if (waiting && n->rx_notify)
		n->rx_notify(n->rx_arg);
	return waiting;
}

void netdev_set_rx_notify(struct netdev *n, void (*fn)(void *), void *arg)
{
	n->rx_arg = arg;
	n->rx_notify = fn;
}

void netdev_mac(struct netdev *n, uint8_t mac[6])
{
	memcpy(mac, n->mac, 6);
}

struct netdev *netdev_get(unsigned index)
{
	return index < nnics ? &nics[index] : NULL;
}

static void net_interrupt(struct virtio_dev *d, void *arg)
{
	(void)d;
	struct netdev *n = arg;
	if (virtqueue_has_used(&n->rx) && n->rx_notify)
		n->rx_notify(n->rx_arg);
}

static int attach(struct virtio_dev *d)
{
	if (nnics == MAX_NICS)
		return -1;
	struct netdev *n = &nics[nnics];
	memset(n, 0, sizeof(*n));
	n->vdev = d;
	if (!virtio_negotiate(d, 1ULL << VIRTIO_NET_F_MAC) ||
	    virtio_queue_setup(d, RX_QUEUE, &n->rx, RX_BUFS) ||
	    virtio_queue_setup(d, TX_QUEUE, &n->tx, TX_BUFS))
		return -1;
	if (virtio_has(d, VIRTIO_NET_F_MAC)) {
		uint32_t generation;
		do {
			generation = virtio_read32(d, VIRTIO_MMIO_CONFIG_GENERATION);
			for (unsigned i = 0; i < 6; i++)
				n->mac[i] = virtio_config_read8(d, CFG_MAC + i);
		} while (virtio_read32(d, VIRTIO_MMIO_CONFIG_GENERATION) != generation);
	} else {
		/* No address from the device: a locally administered one. */
		memcpy(n->mac, (uint8_t[6]){0x02, 0x00, 0x00, 0x75, 0x6b, (uint8_t)nnics}, 6);
	}
	for (unsigned i = 0; i < n->rx.num; i++)
		post_rx(n, n->rx_buf[i]);
	d->on_interrupt = net_interrupt;
	d->arg = n;
	if (virtio_driver_ok(d))
		return -1;
	virtqueue_kick(&n->rx);
	printf("virtio-net: nic %u at %#lx irq %u: mac %02x:%02x:%02x:%02x:%02x:%02x, %s\n", nnics,
	       (unsigned long)d->base, d->irq, n->mac[0], n->mac[1], n->mac[2], n->mac[3],
	       n->mac[4], n->mac[5], virtio_uses_interrupts(d) ? "interrupts" : "polled");
	nnics++;
	return 0;
}

static int virtio_net_init(void)
{
	virtio_probe(VIRTIO_ID_NET, attach);
	return 0;
}
UK_INIT(virtio_net_init, UK_INIT_DRIVER);
