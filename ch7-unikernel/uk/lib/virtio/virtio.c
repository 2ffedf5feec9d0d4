/* The virtio-mmio transport (see virtio.h). */
#include "virtio/virtio.h"

#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "plat/plat.h"
#include "virtio/virtio_mmio.h"

#if CONFIG_LIBINTC && CONFIG_LIBSCHED && CONFIG_LIBSYNC
#define USE_INTERRUPTS 1
#else
#define USE_INTERRUPTS 0
#endif
#if USE_INTERRUPTS
#include "intc/intc.h"
#endif
#if CONFIG_LIBSCHED
#include "sched/sched.h"
#endif

#define MAX_DEVICES 8
#define QUEUE_PAGES 8
#define PAGE_SIZE   4096

static struct virtio_dev devices[MAX_DEVICES];
static unsigned ndevices;
/* Queue memory: a page a queue, descriptors at 0, available ring at 1024,
 * used ring at 2048 (alignments 16, 2, 4: §2.7). */
static uint8_t queue_pages[QUEUE_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned queue_pages_used;

uint32_t virtio_read32(const struct virtio_dev *d, unsigned reg)
{
	return *(volatile uint32_t *)(d->base + reg);
}

void virtio_write32(const struct virtio_dev *d, unsigned reg, uint32_t value)
{
	*(volatile uint32_t *)(d->base + reg) = value;
}

static void set_status(struct virtio_dev *d, uint32_t bits)
{
	virtio_write32(d, VIRTIO_MMIO_STATUS, virtio_read32(d, VIRTIO_MMIO_STATUS) | bits);
}

void virtio_fail(struct virtio_dev *d, const char *why)
{
	printf("virtio: device at %#lx: %s\n", (unsigned long)d->base, why);
	set_status(d, VIRTIO_STATUS_FAILED);
}

unsigned virtio_probe(uint32_t device_id, int (*attach)(struct virtio_dev *dev))
{
	const void *fdt = plat_fdt();
	unsigned attached = 0;
	for (int node = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio"); node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) {
		int len;
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", NULL);
		if (!reg || len < 16) /* two cells of address, two of size */
			continue;
		struct virtio_dev probe = {
		    .base =
		        (uintptr_t)((uint64_t)fdt32_to_cpu(reg[0]) << 32 | fdt32_to_cpu(reg[1])),
		    .irq = irq ? fdt32_to_cpu(irq[0]) : 0,
		};
		if (virtio_read32(&probe, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
		    virtio_read32(&probe, VIRTIO_MMIO_DEVICE_ID) != device_id)
			continue;
		if (virtio_read32(&probe, VIRTIO_MMIO_VERSION) != 2) {
			printf("virtio: device at %#lx is legacy (version %u): not supported; QEMU "
			       "makes it modern with -global virtio-mmio.force-legacy=false\n",
			       (unsigned long)probe.base,
			       virtio_read32(&probe, VIRTIO_MMIO_VERSION));
			continue;
		}
		if (ndevices == MAX_DEVICES) {
			printf("virtio: more than %d devices, the rest ignored\n", MAX_DEVICES);
			break;
		}
		struct virtio_dev *d = &devices[ndevices++];
		*d = probe;
		d->device_id = device_id;
		if (attach(d) == 0)
			attached++;
		else
			ndevices--; /* the slot is reused */
	}
	return attached;
}

bool virtio_negotiate(struct virtio_dev *d, uint64_t wanted)
{
	virtio_write32(d, VIRTIO_MMIO_STATUS, 0); /* reset: done when status reads 0 */
	for (unsigned tries = 0; virtio_read32(d, VIRTIO_MMIO_STATUS); tries++) {
		if (tries == 1000000) {
			virtio_fail(d, "does not finish its reset");
			return false;
		}
	}
	set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(d, VIRTIO_STATUS_DRIVER);
	virtio_write32(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	uint64_t offered = (uint64_t)virtio_read32(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	virtio_write32(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	offered |= virtio_read32(d, VIRTIO_MMIO_DEVICE_FEATURES);
	if (!(offered >> VIRTIO_F_VERSION_1 & 1)) {
		virtio_fail(d, "VIRTIO_F_VERSION_1 not offered");
		return false;
	}
	d->features = (wanted & offered) | 1ULL << VIRTIO_F_VERSION_1;
	virtio_write32(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	virtio_write32(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
	virtio_write32(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	virtio_write32(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
	set_status(d, VIRTIO_STATUS_FEATURES_OK);
	/* The device may refuse the set: only a FEATURES_OK that reads back counts. */
	if (!(virtio_read32(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_fail(d, "FEATURES_OK refused");
		return false;
	}
	return true;
}

int virtio_queue_setup(struct virtio_dev *d, unsigned index, struct virtqueue *vq, uint16_t max)
{
	virtio_write32(d, VIRTIO_MMIO_QUEUE_SEL, index);
	uint32_t device_max = virtio_read32(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (!device_max || virtio_read32(d, VIRTIO_MMIO_QUEUE_READY)) {
		virtio_fail(d, "a queue missing or already in use");
		return -1;
	}
	if (queue_pages_used == QUEUE_PAGES) {
		virtio_fail(d, "out of queue memory");
		return -1;
	}
	uint16_t num = max < VIRTQUEUE_MAX ? max : VIRTQUEUE_MAX;
	if (device_max < num)
		num = (uint16_t)device_max;
	uint8_t *page = queue_pages[queue_pages_used++];
	memset(vq, 0, sizeof(*vq));
	vq->dev = d;
	vq->index = index;
	vq->num = num;
	vq->desc = (struct virtq_desc *)page;
	vq->avail = (struct virtq_avail *)(page + 1024);
	vq->used = (volatile struct virtq_used *)(page + 2048);
	vq->num_free = num;
	for (uint16_t i = 0; i < num; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	virtio_write32(d, VIRTIO_MMIO_QUEUE_NUM, num);
	uintptr_t desc = (uintptr_t)vq->desc, avail = (uintptr_t)vq->avail,
	          used = (uintptr_t)vq->used;
	virtio_write32(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	virtio_write32(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)((uint64_t)desc >> 32));
	virtio_write32(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	virtio_write32(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)((uint64_t)avail >> 32));
	virtio_write32(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	virtio_write32(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)((uint64_t)used >> 32));
	virtio_write32(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return 0;
}

bool virtio_uses_interrupts(const struct virtio_dev *d)
{
	return USE_INTERRUPTS && d->irq;
}

#if USE_INTERRUPTS
/* The line goes down (ACK) before anyone looks at the queues, so that a
 * chain used after the look raises it again. */
static void virtio_interrupt(void *arg)
{
	struct virtio_dev *d = arg;
	uint32_t status = virtio_read32(d, VIRTIO_MMIO_INTERRUPT_STATUS);
	virtio_write32(d, VIRTIO_MMIO_INTERRUPT_ACK, status);
	/* The status read and the ACK (device input and output) before the
	 * used rings' reads (memory), here and in the woken thread: RISC-V
	 * orders device accesses against memory ones only with i and o in a
	 * fence. */
	__asm__ volatile("fence io, r" ::: "memory");
	d->interrupts++;
	if (d->on_interrupt)
		d->on_interrupt(d, d->arg);
	struct uk_thread *t = d->waiter;
	if (t)
		uk_thread_wake(t);
}
#endif

int virtio_driver_ok(struct virtio_dev *d)
{
#if USE_INTERRUPTS
	if (d->irq && intc_register(d->irq, virtio_interrupt, d)) {
		virtio_fail(d, "cannot register its interrupt");
		return -1;
	}
#endif
	set_status(d, VIRTIO_STATUS_DRIVER_OK);
	if (virtio_read32(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
		virtio_fail(d, "needs a reset right after DRIVER_OK");
		return -1;
	}
	return 0;
}

int virtio_wait_used(struct virtio_dev *d, struct virtqueue *vq)
{
	while (!virtqueue_has_used(vq)) {
		if (virtio_read32(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
			printf("virtio: device at %#lx needs a reset\n", (unsigned long)d->base);
			return -1;
		}
#if USE_INTERRUPTS
		if (d->irq) {
			/* The interrupt wakes us; the deadline (10 ms) only bounds
			 * the cost of a wake-up that came between the look at the
			 * ring and the block. */
			d->waiter = uk_thread_current();
			if (!virtqueue_has_used(vq))
				uk_thread_block(plat_ticks() + plat_ticks_per_sec() / 100);
			d->waiter = NULL;
			continue;
		}
#endif
#if CONFIG_LIBSCHED
		uk_yield(); /* polling: the other threads run meanwhile */
#endif
	}
	return 0;
}

static uint32_t config_generation(struct virtio_dev *d)
{
	return virtio_read32(d, VIRTIO_MMIO_CONFIG_GENERATION);
}

uint8_t virtio_config_read8(struct virtio_dev *d, unsigned off)
{
	return *(volatile uint8_t *)(d->base + VIRTIO_MMIO_CONFIG + off);
}

uint32_t virtio_config_read32(struct virtio_dev *d, unsigned off)
{
	return *(volatile uint32_t *)(d->base + VIRTIO_MMIO_CONFIG + off);
}

uint64_t virtio_config_read64(struct virtio_dev *d, unsigned off)
{
	uint32_t before, lo, hi;
	do {
		before = config_generation(d);
		lo = virtio_config_read32(d, off);
		hi = virtio_config_read32(d, off + 4);
	} while (config_generation(d) != before);
	return (uint64_t)hi << 32 | lo;
}
