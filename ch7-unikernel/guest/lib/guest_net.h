/* The test guests' virtio-net driver (lib/virtio_net.c), on lib/virtio.c:
 * the device found, its address read from the configuration space,
 * receive buffers kept posted, frames sent and received by polling the
 * used rings (a guest may poll). Frames without the virtio-net header:
 * the driver adds and strips it. */
#ifndef GUEST_NET_H
#define GUEST_NET_H

#include "guest.h"
#include "regmap/virtio_net.h"

#define NET_RX_BUFFERS 32 /* fewer than the queue's entries: virtio_submit's rule */

struct net_dev {
	struct virtio_drv drv;
	uint8_t mac[ETH_ALEN];
	bool link_up;
	unsigned rx_buffers; /* kept posted */
	uint64_t ticks_per_ms;
	uint64_t sent, received;
};

/* The first virtio-net device, set up with VERSION_1, MAC and STATUS, and
 * rx_buffers receive buffers posted (0: none, ever: a guest that never
 * receives). 0, or -1 with the reason printed. */
int net_open(struct net_dev *n, unsigned rx_buffers);
/* Sends one frame and waits until the device has taken it: 0, or -1. */
int net_send(struct net_dev *n, const void *frame, uint32_t len);
/* net_send in two steps, for measurements: the frame (and a zero header)
 * copied into the transmit buffer; then that buffer made available,
 * notified and waited for (0, or -1). */
void net_stage(struct net_dev *n, const void *frame, uint32_t len);
int net_transmit(struct net_dev *n, uint32_t len);
/* The next frame received, into buf (at most `size` bytes): its length
 * (frames longer than size are cut), 0 when none came within timeout_ms,
 * -1 when the device broke (a bad used entry, DEVICE_NEEDS_RESET). The
 * buffer goes back to the device at once. */
int net_receive(struct net_dev *n, void *buf, uint32_t size, uint64_t timeout_ms);

#endif
