/* The virtio-mmio transport, version 2 (virtio 1.2, §4.2), as guests see
 * it: the register file of one emulated virtio device, generic over what
 * the device is (struct virtio_device_ops). A device's state begins with a
 * struct virtio_device; its model (vm/vdev.h) has compatible "virtio,mmio",
 * one interrupt line, and the handlers virtio_mmio_read/virtio_mmio_write.
 *
 * The transport keeps the registers, the device status and its handshake,
 * the feature negotiation, the queues' registers and the interrupt line
 * (InterruptStatus, high while any bit is set). The device (vdev/vblk.c,
 * vdev/vnet.c) takes chains from its queues and gives them back.
 *
 * Locking: struct virtio_device.lock (an irq lock: host completions take
 * it) protects the registers and the queues. The functions below marked
 * "lock held" need it; the vPLIC's lock is taken under it (lib/spinlock.h). */
#ifndef VDEV_VIRTIO_MMIO_H
#define VDEV_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"
#include "regmap/virtio_mmio.h"
#include "vdev/virtq.h"
#include "vm/vdev.h"

#define VIRTIO_MAX_QUEUES 2
#define VIRTIO_CONFIG_MAX 64         /* bytes of device-specific configuration space */
#define VIRTIO_VENDOR_ID  0x626c7668 /* "hvlb", little-endian */

struct vm;
struct vcpu;
struct vplic;
struct virtio_device;

/* What makes a virtio device a block device or a network card. */
struct virtio_device_ops {
	const char *name; /* "virtio-blk": in the messages */
	/* QueueNotify: the driver made buffers available in queue q. Called
	 * WITHOUT the lock, only when the queue is live (virtio_queue_live
	 * held when the driver wrote): the device takes the lock around its
	 * ring work and may drop it to hand work on (to a host driver, to the
	 * switch), and must check virtio_queue_live again under it. */
	void (*queue_notify)(struct virtio_device *d, unsigned q);
	/* The device was reset (Status 0), lock held: forget the work in
	 * flight. Its completions may still come: every queue's epoch changed,
	 * so virtio_push and virtq_chain_write refuse the chains taken before
	 * (compare chain.epoch with the queue's to know one is stale). The
	 * transport already reset its registers and queues. NULL: nothing to
	 * do. */
	void (*reset)(struct virtio_device *d);
	/* One queue was reset (QueueReset, §4.2.2, or QueueReady 0), lock
	 * held; NULL: nothing to do. The queue's epoch changed, as above. */
	void (*queue_reset)(struct virtio_device *d, unsigned q);
	/* A write into the configuration space, lock held; NULL: the space is
	 * read-only and such writes are ignored. */
	void (*config_write)(struct virtio_device *d, unsigned offset, unsigned width,
	                     uint64_t value);
	/* The driver set DRIVER_OK, lock held; NULL: nothing to do. */
	void (*driver_ok)(struct virtio_device *d);
};

struct virtio_device {
	struct spinlock lock;
	const struct virtio_device_ops *ops;
	struct vm *vm;
	struct vplic *plic;
	unsigned irq;       /* its vPLIC source */
	uint32_t device_id; /* VIRTIO_ID_*; 0: an empty slot, no device behind it */
	uint64_t features;  /* offered */
	uint64_t driver_features;
	uint32_t device_features_sel, driver_features_sel;
	uint32_t queue_sel;
	uint32_t status;           /* VIRTIO_STATUS_* */
	uint32_t interrupt_status; /* VIRTIO_MMIO_INT_* */
	uint32_t config_generation;
	bool line;             /* the level the vPLIC was last told */
	bool failed;           /* DEVICE_NEEDS_RESET: its queues are left alone until a reset */
	unsigned fail_printed; /* needs-reset reports printed (the first few only) */
	unsigned nqueues;
	struct virtq queues[VIRTIO_MAX_QUEUES];
	unsigned config_size;
	uint8_t config[VIRTIO_CONFIG_MAX]; /* the device-specific configuration, little-endian */
};

/* For a model's init: the transport of a device of `ops` in the slot, with
 * nqueues queues of at most queue_num_max entries (a power of two) and
 * the features it offers (VIRTIO_F_VERSION_1 is added). device_id 0 makes
 * an empty slot. 0, or -1 with the reason printed. */
int virtio_device_init(struct virtio_device *d, struct vm *vm, const struct vdev_slot *slot,
                       const struct virtio_device_ops *ops, uint32_t device_id, uint64_t features,
                       unsigned nqueues, uint16_t queue_num_max);
/* The model's MMIO handlers; dev is the struct virtio_device. Control
 * registers take 32-bit aligned accesses only, the configuration space
 * naturally aligned ones of 1, 2, 4 or 8 bytes; others are refused (the
 * VM stops: mmio_ops). */
bool virtio_mmio_read(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t *value);
bool virtio_mmio_write(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t value);

/* The configuration space: set at init, before the driver sees it. */
void virtio_set_config(struct virtio_device *d, unsigned offset, const void *src, unsigned len);
/* Lock held: the configuration changed while the guest may be reading it
 * (after virtio_set_config): ConfigGeneration moves on, and a
 * configuration-change interrupt once DRIVER_OK is set. */
void virtio_config_changed(struct virtio_device *d);

/* Whether feature `bit` was negotiated (FEATURES_OK accepted it). */
bool virtio_negotiated(const struct virtio_device *d, unsigned bit);
/* Lock held: whether queue q may be used: DRIVER_OK set, the device not
 * failed, the queue ready. */
bool virtio_queue_live(const struct virtio_device *d, unsigned q);
/* Lock held: reads queue q's avail.idx once (virtq_avail): how many
 * chains virtio_pop may take now, those published before this read; 0
 * when the queue is not live or broken (then the device fails). A device
 * calls it once per notification (or completion) and takes at most that
 * many: a guest that keeps publishing notifies again. */
unsigned virtio_avail(struct virtio_device *d, unsigned q);
/* Lock held: the next chain of queue q that virtio_avail counted
 * (virtq_pop): 1, or 0 when there is none or the queue is not live; on a
 * broken chain the device fails (virtio_device_fail, with the reason) and
 * 0 is returned. The chain carries the queue's epoch. */
int virtio_pop(struct virtio_device *d, unsigned q, struct virtq_chain *c);
/* Lock held: gives a chain back (used entry, len bytes written into it);
 * then virtio_notify_used once for any number of pushes. Does nothing
 * when the queue is not live or the chain is stale (taken before a reset
 * of the queue: its epoch is not the queue's). */
void virtio_push(struct virtio_device *d, unsigned q, const struct virtq_chain *c, uint32_t len);
/* Lock held: virtq_chain_write into a chain of queue q (nothing when it is
 * stale). */
uint32_t virtio_chain_write(struct virtio_device *d, unsigned q, const struct virtq_chain *c,
                            uint32_t offset, const void *src, uint32_t len);
/* Lock held: a used-buffer interrupt, unless the driver asked for none. */
void virtio_notify_used(struct virtio_device *d, unsigned q);
/* Lock held: the driver broke the rules. Sets DEVICE_NEEDS_RESET, raises a
 * configuration-change interrupt, prints `vmN <name>: needs reset: <why>`
 * (the first VIRTIO_FAIL_PRINTS times for a device; the others are only
 * counted, and the count printed at the end of the run: a guest that
 * fails and resets its device in a loop must not flood the console from
 * under an irq lock), and the device's queues are left alone until the
 * driver resets it. The VM runs on. */
#define VIRTIO_FAIL_PRINTS 16
void virtio_device_fail(struct virtio_device *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
