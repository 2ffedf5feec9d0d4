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
 * interrupt handler once the device answered, with status set, and never
 * from inside hblk_submit (the caller may hold the lock that done() takes).
 * The device itself answers a write to a read-only disk, a range past the
 * end, an unknown type (VIRTIO_BLK_S_IOERR, _UNSUPP). The caller checks
 * the rest: a disk present, len a multiple of 512 and at most
 * hblk_max_transfer, data set when len > 0, done set; a request that
 * breaks them is a bug (BUG_ON). Any context, any hart. */
void hblk_submit(struct hblk_request *r);
/* Boot only (GPT): reads and waits for the completion, with interrupts on
 * while it waits (WFI), on the boot hart, which takes the disk's interrupt;
 * the caller must hold no lock that an interrupt handler takes. 0, or -1
 * on any failure (another hart, the device's error, no answer in 5 s). */
int hblk_read_sync(uint64_t sector, void *buf, uint32_t len);

/* The interrupts the disk raised so far (each completes what it finds). */
unsigned long hblk_interrupts(void);
/* One line: requests, interrupts, requests that waited for room. */
void hblk_report(void);

/* Finds the device among the virtio-mmio slots (dev/virtio.c probes). */
struct virtio_dev;
bool hblk_attach(struct virtio_dev *dev);

#endif
