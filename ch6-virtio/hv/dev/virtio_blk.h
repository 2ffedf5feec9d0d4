/* The host's virtio-blk disk (virtio 1.2, §5.2), QEMU's virtio-mmio device
 * driven by dev/virtio_blk.c. The emulated disks of the guests (vdev/)
 * turn each guest request into hblk_requests on this one. */
#ifndef DEV_VIRTIO_BLK_H
#define DEV_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

struct hblk_request {
	uint32_t type;   /* VIRTIO_BLK_T_IN, _OUT, _FLUSH */
	uint64_t sector; /* 512-byte sectors, absolute on the real disk */
	void *data;      /* hypervisor memory (identity-mapped: physical too) */
	uint32_t len;    /* bytes, a multiple of 512; 0 for FLUSH */
	uint8_t status;  /* VIRTIO_BLK_S_*, set before done() */
	void (*done)(struct hblk_request *r); /* from the interrupt handler (irq context) */
	void *arg;
	struct hblk_request *next; /* the driver's: waiting while the ring is full */
};

bool hblk_present(void);
uint64_t hblk_capacity(void);     /* sectors */
bool hblk_read_only(void);        /* VIRTIO_BLK_F_RO was offered */
bool hblk_has_flush(void);        /* VIRTIO_BLK_F_FLUSH was offered */
uint32_t hblk_max_transfer(void); /* bytes one hblk_request may carry */
/* Never blocks: queued when the ring is full. done() is called from the
 * interrupt handler once the device answered (status set); a request the
 * driver refuses (no disk, bad length, a write to a read-only disk) is
 * completed at once with VIRTIO_BLK_S_IOERR, also through done(). Any
 * context, any hart. */
void hblk_submit(struct hblk_request *r);
/* Boot only (GPT; interrupts must be on): reads and waits for the
 * interrupt. 0, or -1 on any failure. */
int hblk_read_sync(uint64_t sector, void *buf, uint32_t len);

/* Finds the device among the virtio-mmio slots (dev/virtio.c probes). */
struct virtio_dev;
bool hblk_attach(struct virtio_dev *dev);

#endif
