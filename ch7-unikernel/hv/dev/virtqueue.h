/* The driver's side of a split virtqueue (virtio 1.2, §2.7) in hypervisor
 * frames: chains of buffers made available to a device, and the used
 * entries it gives back. The identity map makes a buffer's address its
 * physical address, which is what a descriptor holds.
 *
 * No locking here: each user serialises its own queue (dev/virtio_blk.c,
 * dev/virtio_net.c). */
#ifndef DEV_VIRTQUEUE_H
#define DEV_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "regmap/virtio_ring.h"

/* hvlab's queues are small: a few frames of ring whatever the device allows. */
#define VIRTQUEUE_MAX_SIZE 128

struct virtqueue {
	uint16_t num; /* entries, a power of two */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint64_t ring_pa;                      /* the frames of all three parts */
	uint16_t free_head;                    /* the first free descriptor, linked by next */
	uint16_t num_free;                     /* free descriptors */
	uint16_t avail_idx;                    /* the driver's copy of avail->idx */
	uint16_t last_used;                    /* the next used entry to collect */
	unsigned long bogus;                   /* used entries the device got wrong, skipped */
	void *cookie[VIRTQUEUE_MAX_SIZE];      /* by chain head; NULL: not in flight */
	uint32_t writable[VIRTQUEUE_MAX_SIZE]; /* by chain head: its writable bytes */
};

/* One buffer of a chain: the device reads it, or writes it. */
struct vq_buf {
	const void *addr;
	uint32_t len;
	bool device_writes;
};

/* Lays out a queue of `num` entries (a power of two, at most
 * VIRTQUEUE_MAX_SIZE) in fresh zeroed frames; false when memory is out. */
bool virtqueue_init(struct virtqueue *vq, uint16_t num);
/* Makes the chain of `n` buffers available, `cookie` (not NULL) coming back
 * with its used entry; false when fewer than n descriptors are free. The
 * device learns of it only from a notification (virtqueue_kick_wanted). */
bool virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n, void *cookie);
/* Whether the device asked to be notified of new buffers (it may set
 * VIRTQ_USED_F_NO_NOTIFY while it is busy with the queue anyway). */
bool virtqueue_kick_wanted(const struct virtqueue *vq);
/* The next used chain's cookie, its descriptors freed, and the bytes the
 * device says it wrote (bounded by the chain's writable length); NULL when
 * the device has used nothing more. An entry naming no chain in flight is
 * counted in `bogus` and skipped. */
void *virtqueue_get_used(struct virtqueue *vq, uint32_t *written);

#endif
