/* The virtio-mmio transport (virtio 1.2, §4.2) from the driver's side:
 * QEMU's devices in the slots the device tree lists (platform.virtio[]),
 * version 2 only. The device drivers (dev/virtio_blk.c, dev/virtio_net.c)
 * use these steps in the order of §3.1.1: reset, ACKNOWLEDGE, DRIVER,
 * features, FEATURES_OK, queues, DRIVER_OK. */
#ifndef DEV_VIRTIO_H
#define DEV_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/virtqueue.h"

struct virtio_dev {
	uintptr_t base;
	unsigned irq;       /* the host PLIC's source */
	uint32_t device_id; /* VIRTIO_ID_* */
	uint64_t offered;   /* the device's feature bits */
	uint64_t features;  /* those negotiated */
};

/* Looks at every virtio-mmio slot and hands each version-2 disk and NIC to
 * its driver; a legacy (version 1) device is named, with the QEMU option
 * that makes it modern, and left alone. Call after plic_init, on the boot
 * hart, with a PLIC present. */
void virtio_probe(void);

/* The host devices' counters, one line each, at the end of the run. */
void virtio_report(void);

/* Resets the device and negotiates: `wanted` bits that the device offers
 * are taken, VIRTIO_F_VERSION_1 always; false (the device set FAILED)
 * when it does not offer VERSION_1 or refuses FEATURES_OK. */
bool virtio_negotiate(struct virtio_dev *d, uint64_t wanted);
/* Sets up queue `index` with at most `max` entries (fewer when the device
 * has fewer) in vq; false when the queue is missing, in use, or memory out. */
bool virtio_queue_setup(struct virtio_dev *d, unsigned index, struct virtqueue *vq, uint16_t max);
/* The device may run: DRIVER_OK. */
void virtio_driver_ok(struct virtio_dev *d);
/* Gives up on the device: FAILED. */
void virtio_fail(struct virtio_dev *d, const char *why);

/* Tells the device that queue `index` has new buffers. */
void virtio_notify(struct virtio_dev *d, unsigned index);
/* Reads and acknowledges the interrupt's reasons (VIRTIO_MMIO_INT_*): the
 * line goes down before the driver looks at its queues, so that nothing
 * used after the look is missed. */
uint32_t virtio_interrupt_ack(struct virtio_dev *d);

/* The device configuration space (§4.2.2.2), read in consistent pieces:
 * a read that spans a ConfigGeneration change is redone. */
uint8_t virtio_config_read8(struct virtio_dev *d, unsigned off);
uint16_t virtio_config_read16(struct virtio_dev *d, unsigned off);
uint32_t virtio_config_read32(struct virtio_dev *d, unsigned off);
uint64_t virtio_config_read64(struct virtio_dev *d, unsigned off);

static inline bool virtio_has(const struct virtio_dev *d, unsigned bit)
{
	return d->features >> bit & 1;
}

#endif
