/* virtio-net (virtio 1.2, §5.1): feature bits, the configuration space and
 * the header in front of every frame. Queue 0 receives, queue 1 sends. */
#ifndef REGMAP_VIRTIO_NET_H
#define REGMAP_VIRTIO_NET_H

#ifndef __ASSEMBLY__
#include <stdint.h>

#define VIRTIO_NET_F_CSUM       0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU        3
#define VIRTIO_NET_F_MAC        5 /* config mac is the device's address */
#define VIRTIO_NET_F_MRG_RXBUF  15
#define VIRTIO_NET_F_STATUS     16 /* config status: VIRTIO_NET_S_LINK_UP */
#define VIRTIO_NET_F_CTRL_VQ    17

#define VIRTIO_NET_S_LINK_UP 1

#define VIRTIO_NET_RX 0
#define VIRTIO_NET_TX 1

/* The configuration space (offsets from VIRTIO_MMIO_CONFIG). */
#define VIRTIO_NET_CFG_MAC    0x00 /* 6 bytes */
#define VIRTIO_NET_CFG_STATUS 0x06 /* u16 */
#define VIRTIO_NET_CFG_SIZE   0x08

/* In front of every frame in both directions. With VERSION_1 the header
 * has num_buffers, whether MRG_RXBUF was taken or not (§5.1.6). */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
#define VIRTIO_NET_HDR_SIZE     12
#define VIRTIO_NET_HDR_GSO_NONE 0

#define ETH_ALEN      6
#define ETH_HLEN      14
#define ETH_MIN_FRAME 60   /* without the frame check sequence */
#define ETH_MAX_FRAME 1514 /* a 1500-byte MTU and the Ethernet header */
#endif

#endif
