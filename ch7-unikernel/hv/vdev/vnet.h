/* virtio-net for guests (virtio 1.2, §5.1): each VM's network card, a port
 * of the hypervisor's switch (vdev/vswitch.h). Its address is
 * `vmN.mac=XX:XX:XX:XX:XX:XX` from the command line, or derived from the
 * VM's id: 02:68:76:00:00:NN, locally administered ("hv"). A VM has an
 * empty slot here (DeviceID 0) when the host has no NIC: no switch then.
 *
 * Queue 0 receives, queue 1 transmits; every frame has the 12-byte header
 * in front (VERSION_1 fixes its size, num_buffers included: §5.1.6).
 * Offered: VERSION_1, MAC (the address in the configuration space),
 * STATUS (link up, always). Not offered: MRG_RXBUF (a receive buffer holds
 * a whole frame, as a driver without it posts them), CSUM, GUEST_CSUM and
 * the GSO family (frames cross the switch complete: no partial checksums
 * or 64 KiB segments to finish, on the uplink either), CTRL_VQ (no filters
 * or VLANs: a port gets what the switch sends it), MTU, INDIRECT_DESC and
 * EVENT_IDX (vdev/virtq.h).
 *
 * Transmit: each chain is the header and a frame, device-readable only;
 * the frame is copied out (at most ETH_MAX_FRAME bytes are kept: a longer
 * one is counted and dropped by the switch), the chain given back, and
 * the frame switched once the device's lock is released. Receive: the
 * switch's frame goes into the next receive chain (device-writable only)
 * with a zero header, num_buffers 1; without one, it waits in the port's
 * queue, which drains when the guest posts buffers. A chain with buffers
 * of the wrong direction, or a transmit chain shorter than the header, is
 * a broken driver: the device needs a reset. */
#ifndef VDEV_VNET_H
#define VDEV_VNET_H

#include <stdint.h>

#include "regmap/virtio_net.h"
#include "vdev/virtio_mmio.h"
#include "vdev/vswitch.h"

#define VNET_QUEUE_SIZE 256 /* QueueNumMax of both queues */

struct vnet {
	struct virtio_device vio; /* first: the transport's handlers get this state */
	uint8_t mac[ETH_ALEN];
	struct vswitch_port port;
	/* Scratch for the chain in hand, under vio.lock. */
	struct virtq_chain rx_chain, tx_chain;
};

extern const struct vdev_model vnet_model;

#endif
