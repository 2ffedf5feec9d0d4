/* The split virtqueue (virtio 1.2, §2.7): a descriptor table, the driver's
 * available ring and the device's used ring, all little-endian in the
 * driver's memory. RISC-V is little-endian, so the fields are plain
 * integers here. */
#ifndef REGMAP_VIRTIO_RING_H
#define REGMAP_VIRTIO_RING_H

#ifndef __ASSEMBLY__
#include <stdint.h>

#define VIRTQ_DESC_F_NEXT     1 /* the chain goes on in `next` */
#define VIRTQ_DESC_F_WRITE    2 /* the device writes this buffer (else reads it) */
#define VIRTQ_DESC_F_INDIRECT 4 /* the buffer is a table of descriptors */

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1 /* the driver needs no used-buffer notification */
#define VIRTQ_USED_F_NO_NOTIFY     1 /* the device needs no available-buffer notification */

struct virtq_desc {
	uint64_t addr; /* guest-physical, for a guest's queue */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;    /* where the driver puts the next entry, modulo the queue size */
	uint16_t ring[]; /* heads of descriptor chains; then used_event with EVENT_IDX */
};

struct virtq_used_elem {
	uint32_t id;  /* the head of the chain, widened */
	uint32_t len; /* bytes the device wrote into the chain */
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* then avail_event with EVENT_IDX */
};

/* Sizes of the three parts for a queue of n entries (§2.7), and their
 * alignments: 16, 2 and 4 bytes. */
#define VIRTQ_DESC_SIZE(n)  (16UL * (n))
#define VIRTQ_AVAIL_SIZE(n) (6UL + 2UL * (n))
#define VIRTQ_USED_SIZE(n)  (6UL + 8UL * (n))
#define VIRTQ_DESC_ALIGN    16
#define VIRTQ_AVAIL_ALIGN   2
#define VIRTQ_USED_ALIGN    4
/* The largest queue size (§2.7: a power of two, at most 32768). */
#define VIRTQ_MAX_SIZE      32768
#endif

#endif
