/* A split virtqueue (virtio 1.2, §2.7) from the driver's side: chains of
 * buffers made available to the device, and the used entries it gives
 * back. One address space, physical = virtual: a buffer's pointer is what
 * a descriptor holds. Not locked: each driver serialises its own queues. */
#ifndef VIRTIO_VIRTQUEUE_H
#define VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

/* Small queues: one page holds the descriptors, the available ring and
 * the used ring of 64 entries. */
#define VIRTQUEUE_MAX 64

#define VIRTQ_DESC_F_NEXT      1
#define VIRTQ_DESC_F_WRITE     2 /* the device writes the buffer */
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id;  /* the chain's head */
	uint32_t len; /* bytes the device wrote */
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

struct virtio_dev;

struct virtqueue {
	struct virtio_dev *dev;
	unsigned index;
	uint16_t num; /* entries */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint16_t free_head; /* free descriptors, linked by next */
	uint16_t num_free;
	uint16_t avail_idx;          /* our copy of avail->idx */
	uint16_t last_used;          /* the next used entry to collect */
	void *cookie[VIRTQUEUE_MAX]; /* by chain head; NULL: not in flight */
	uint8_t chain_len[VIRTQUEUE_MAX];
};

/* One buffer of a chain. */
struct vq_buf {
	const void *addr;
	uint32_t len;
	bool device_writes;
};

/* Makes a chain of n buffers available, `cookie` (not NULL) coming back
 * with its used entry: 0, or -1 when fewer than n descriptors are free.
 * The device learns of it at the next virtqueue_kick. */
int virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n, void *cookie);
/* Notifies the device of new chains (unless it said it needs none). */
void virtqueue_kick(struct virtqueue *vq);
/* Whether the device has used a chain we have not collected yet. */
bool virtqueue_has_used(const struct virtqueue *vq);
/* The next used chain's cookie (its descriptors freed) and the bytes the
 * device wrote; NULL when none. A used entry naming no chain in flight
 * (a device bug) is skipped. */
void *virtqueue_get_used(struct virtqueue *vq, uint32_t *written);

#endif
