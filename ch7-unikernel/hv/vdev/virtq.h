/* The device side of a split virtqueue (virtio 1.2, §2.7), in a guest's
 * memory. Everything the guest wrote there is untrusted: each read of the
 * ring is a copy, made once (a vCPU on another hart may change it at any
 * moment), and checked before it is used.
 *
 * A chain that a device takes (virtq_pop) satisfies: its head and every
 * `next` below the queue size, no more descriptors than the queue size and
 * VIRTQ_CHAIN_MAX (a loop ends there), at most VIRTQ_CHAIN_BYTES in all,
 * no INDIRECT flag (not offered), the device-readable buffers before the
 * device-writable ones (§2.7.4.2), every buffer in the guest's RAM with the
 * permission it needs (guest_check). A guest index that moved further than
 * the queue allows (avail.idx - last_avail more than the entries that are
 * not in flight) is a broken queue too.
 *
 * A device takes the chains in batches: virtq_avail reads avail.idx once,
 * and virtq_pop takes only chains published before that read, so the work
 * of one notification is bounded by the queue size however fast a vCPU on
 * another hart publishes more (it notifies again: VIRTQ_USED_F_NO_NOTIFY
 * is never set). A chain carries the queue's epoch: once the queue is
 * reset, virtq_push and virtq_chain_write refuse it. Anything else is the guest's
 * problem, not the hypervisor's: what the device reads or writes is the
 * guest's own memory.
 *
 * These functions take no lock: the device's lock (vdev/virtio_mmio.h)
 * protects a queue. They know nothing of the transport, so that fuzz/virtq.c
 * drives them alone. */
#ifndef VDEV_VIRTQ_H
#define VDEV_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include "regmap/virtio_ring.h"

#define VIRTQ_CHAIN_MAX 64 /* descriptors of one chain that a device takes */
#define VIRTQ_CHAIN_BYTES \
	(256u << 20) /* bytes of one chain: a boot loader reads a kernel at once */

struct vm;

/* A buffer of a chain, in guest-physical memory, checked. */
struct virtq_buf {
	uint64_t gpa;
	uint32_t len;
};

/* A chain as virtq_pop hands it out: buf[0, nread) are the device-readable
 * buffers, in order, then buf[nread, nread + nwrite) the device-writable. */
struct virtq_chain {
	uint32_t epoch; /* the queue's when it was taken (struct virtq) */
	uint16_t head;  /* what the used entry names */
	uint16_t nread, nwrite;
	uint32_t read_len, write_len; /* bytes of each part */
	struct virtq_buf buf[VIRTQ_CHAIN_MAX];
};

/* A queue's registers (the transport's QueueNum, QueueDesc...) and the
 * device's place in its rings. */
struct virtq {
	uint16_t num_max;           /* QueueNumMax: the device's limit, a power of two */
	uint16_t num;               /* QueueNum: the driver's queue size */
	bool ready;                 /* QueueReady */
	uint64_t desc, avail, used; /* guest-physical addresses of the three parts */
	uint16_t last_avail;        /* the next avail.ring entry the device takes */
	uint16_t avail_end;         /* avail.idx as virtq_avail last read it */
	uint16_t used_idx;          /* used.idx as the device last wrote it */
	uint16_t in_flight;         /* chains taken and not yet put in the used ring */
	uint32_t epoch;             /* counts resets: a chain from before one is stale */
};

/* The reset state: size num_max, addresses 0, not ready, indices 0, and a
 * new epoch (the chains in flight are stale). */
void virtq_reset(struct virtq *q);
/* Whether the queue can be made ready: a power-of-two size up to num_max,
 * each part aligned (§2.7) and inside the guest's RAM, readable (desc,
 * avail) or writable (used). NULL when it can, else why not. */
const char *virtq_check_setup(const struct virtq *q, struct vm *vm);
/* Reads avail.idx, once: the chains that virtq_pop may take from now on
 * are those published before this read. Returns how many wait (at most
 * the queue size), or -1 when the index is broken: *why says how; the
 * device must fail (virtio_device_fail) and touch the queue no more until
 * it is reset. */
int virtq_avail(struct virtq *q, struct vm *vm, const char **why);
/* Takes the next chain that virtq_avail counted into *c: 1, or 0 when
 * there is none left. -1 when the chain is broken (*why, as above). */
int virtq_pop(struct virtq *q, struct vm *vm, struct virtq_chain *c, const char **why);
/* Gives back a chain taken by virtq_pop: its head and the bytes written
 * into it, as the next used entry, then used.idx (in that order). 0 (a
 * stale chain, from before a reset, is dropped without a word), or -1
 * with *why when the used ring cannot be written or nothing is in flight. */
int virtq_push(struct virtq *q, struct vm *vm, const struct virtq_chain *c, uint32_t len,
               const char **why);
/* Whether the driver wants a used-buffer notification now (avail.flags
 * has no VIRTQ_AVAIL_F_NO_INTERRUPT; EVENT_IDX is not offered). */
bool virtq_wants_interrupt(const struct virtq *q, struct vm *vm);

/* Copies between a chain's buffers, seen as one byte string per part, and
 * the hypervisor: from the readable part at `offset`, or into the
 * writable part. Return the bytes copied (fewer when the part ends; none
 * into a stale chain: after a reset the guest's memory is its own again). */
uint32_t virtq_chain_read(struct vm *vm, const struct virtq_chain *c, uint32_t offset, void *dst,
                          uint32_t len);
uint32_t virtq_chain_write(const struct virtq *q, struct vm *vm, const struct virtq_chain *c,
                           uint32_t offset, const void *src, uint32_t len);

#endif
