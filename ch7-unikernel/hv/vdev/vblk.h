/* virtio-blk for guests (virtio 1.2, §5.2), mediated onto a slice of the
 * host's disk (dev/virtio_blk.h): `vmN.disk=SLICE` on the command line,
 * where SLICE is
 *   START+SIZE[:ro]   bytes of the host disk (K, M, G suffixes), both
 *                     multiples of 512: the guest's sector 0 is START
 *   part=NAME[:ro]    the GPT partition called NAME (vdev/gpt.h)
 * A VM without one has an empty slot here (DeviceID 0).
 *
 * Offered: VERSION_1; RO when the slice or the host disk is read-only;
 * FLUSH when the host disk has it; SIZE_MAX and SEG_MAX (a request is at
 * most SEG_MAX segments of at most SIZE_MAX bytes, so that one fits a
 * chain the queue takes); BLK_SIZE 512. Not offered: INDIRECT_DESC and
 * EVENT_IDX (vdev/virtq.h), MQ, DISCARD, WRITE_ZEROES, CONFIG_WCE,
 * TOPOLOGY, GEOMETRY.
 *
 * Each request is checked (its type, its length, its sectors inside the
 * slice, a write to a read-only slice) and answered VIRTIO_BLK_S_IOERR or
 * UNSUPP when it fails; otherwise it becomes requests on the host disk at
 * the slice's offset, through bounce buffers of the hypervisor's (a
 * guest's memory is never handed to the host device), completed from the
 * host disk's interrupt: the status, the used entry, the guest's
 * interrupt. A request larger than a bounce buffer goes in pieces, one
 * after the other.
 *
 * Slices of two VMs may intersect only when both are read-only; and while
 * any VM's slice is a GPT partition, no writable slice may cover the
 * GPT's own sectors (those outside its usable range): a VM whose slice
 * breaks either rule is not created, with the reason printed. */
#ifndef VDEV_VBLK_H
#define VDEV_VBLK_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/virtio_blk.h"
#include "regmap/virtio_blk.h"
#include "vdev/virtio_mmio.h"

#define VBLK_QUEUE_SIZE 64                    /* QueueNumMax */
#define VBLK_SLOTS      4                     /* requests on the host disk at once, per VM */
#define VBLK_BOUNCE     (64u << 10)           /* bytes of each slot's bounce buffer */
#define VBLK_SEG_MAX    (VIRTQ_CHAIN_MAX - 2) /* data segments: header and status besides */

struct vblk;

/* A request of the guest's, taken from the queue, on its way. */
struct vblk_slot {
	bool busy;
	struct vblk *dev;
	struct virtq_chain chain;
	uint32_t type;
	uint64_t host_sector; /* where its data starts on the host disk */
	uint32_t len, done;   /* data bytes, bytes done */
	struct hblk_request req;
	uint8_t *bounce;
};

struct vblk {
	struct virtio_device vio; /* first: the transport's handlers get this state */
	uint64_t start, sectors;  /* the slice on the host disk, in sectors */
	bool read_only;
	bool by_part;                 /* part=NAME: the VM relies on the host disk's GPT */
	uint64_t gpt_first, gpt_last; /* then the GPT's usable range: outside, the table */
	uint32_t chunk;               /* bytes of one host request, at most */
	char id[VIRTIO_BLK_ID_BYTES];
	struct vblk_slot slots[VBLK_SLOTS];
};

extern const struct vdev_model vblk_model;

/* Parses SLICE (above) without the GPT: 0 with the byte range or the
 * partition name (part[0] != 0); -1 when it is not valid. */
int vblk_parse_slice(const char *spec, uint64_t *start, uint64_t *size, char *part,
                     unsigned part_size, bool *read_only);

#endif
