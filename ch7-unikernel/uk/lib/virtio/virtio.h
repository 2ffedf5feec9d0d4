/* The virtio-mmio transport (virtio 1.2, §4.2), version 2 only, from the
 * driver's side: the devices of the device tree's "virtio,mmio" nodes,
 * the initialisation of §3.1.1 (reset, ACKNOWLEDGE, DRIVER, features,
 * FEATURES_OK read back, queues, DRIVER_OK), and the configuration space.
 *
 * Completion: a driver waits for used entries by polling (yielding to the
 * other threads when there are threads), or, when the app has LIBINTC,
 * LIBSCHED and LIBSYNC, by sleeping until the device's interrupt
 * (virtio_wait_used). The drivers do not select LIBINTC themselves: an app
 * that only waits for its disk (kv) is smaller and simpler polling. QEMU 7.2 gives legacy (version 1) devices
 * unless told `-global virtio-mmio.force-legacy=false`: such a device is
 * named with that option and left alone. */
#ifndef VIRTIO_VIRTIO_H
#define VIRTIO_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "uk/config.h"
#include "virtio/virtqueue.h"

struct uk_thread;

struct virtio_dev {
	uintptr_t base;
	unsigned irq;       /* 0: none in the device tree */
	uint32_t device_id; /* VIRTIO_ID_* */
	uint64_t features;  /* negotiated */
	/* The thread sleeping in virtio_wait_used, woken by the interrupt. */
	struct uk_thread *volatile waiter;
	void (*on_interrupt)(struct virtio_dev *, void *arg); /* the driver's, optional */
	unsigned long interrupts;                             /* taken, for the drivers' counts */
	void *arg;
};

/* Calls attach(dev) for every version-2 device of type device_id, in the
 * device tree's order; returns how many attached (attach returned 0). */
unsigned virtio_probe(uint32_t device_id, int (*attach)(struct virtio_dev *dev));

/* Resets the device and negotiates: the bits of `wanted` that the device
 * offers, VIRTIO_F_VERSION_1 always. False (the device set FAILED and a
 * line printed) when VERSION_1 is not offered or FEATURES_OK does not
 * read back. */
bool virtio_negotiate(struct virtio_dev *d, uint64_t wanted);
static inline bool virtio_has(const struct virtio_dev *d, unsigned bit)
{
	return d->features >> bit & 1;
}
/* Sets up queue `index` with at most `max` entries in vq (memory from a
 * static pool): 0, or -1 (printed). */
int virtio_queue_setup(struct virtio_dev *d, unsigned index, struct virtqueue *vq, uint16_t max);
/* The device may run (DRIVER_OK); with LIBINTC its interrupt is
 * registered first. 0, or -1. */
int virtio_driver_ok(struct virtio_dev *d);
void virtio_fail(struct virtio_dev *d, const char *why);

/* Waits until vq has a used entry: polls, or sleeps until the interrupt
 * (see above). -1 when the device needs a reset. */
int virtio_wait_used(struct virtio_dev *d, struct virtqueue *vq);
/* Whether completions come by interrupt (else drivers poll). */
bool virtio_uses_interrupts(const struct virtio_dev *d);

/* Configuration space, read so that a change between the reads of a
 * multi-byte field is noticed (ConfigGeneration) and the read redone. */
uint8_t virtio_config_read8(struct virtio_dev *d, unsigned off);
uint32_t virtio_config_read32(struct virtio_dev *d, unsigned off);
uint64_t virtio_config_read64(struct virtio_dev *d, unsigned off);

uint32_t virtio_read32(const struct virtio_dev *d, unsigned reg);
void virtio_write32(const struct virtio_dev *d, unsigned reg, uint32_t value);

#endif
