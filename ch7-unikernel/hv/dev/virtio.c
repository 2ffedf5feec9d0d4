/* The virtio-mmio transport from the driver's side (virtio 1.2, §4.2.3).
 *
 * QEMU 7.2 gives its virtio-mmio devices the legacy interface (version 1,
 * virtio 0.9.5's page-based rings) unless told otherwise with
 * `-global virtio-mmio.force-legacy=false`; hvlab drives version 2 only,
 * and says so plainly rather than half-driving a legacy device. */
#include "arch/mmio.h"
#include "boot/platform.h"
#include "dev/virtio.h"
#include "dev/virtio_blk.h"
#include "dev/virtio_net.h"
#include "lib/printf.h"
#include "regmap/virtio_mmio.h"

static struct virtio_dev devices[MAX_VIRTIO_SLOTS];

static uint32_t rd(const struct virtio_dev *d, unsigned off)
{
	return mmio_read32(d->base + off);
}

static void wr(const struct virtio_dev *d, unsigned off, uint32_t v)
{
	mmio_write32(d->base + off, v);
}

static const char *device_name(uint32_t id)
{
	switch (id) {
	case VIRTIO_ID_NET:
		return "virtio-net";
	case VIRTIO_ID_BLOCK:
		return "virtio-blk";
	default:
		return "virtio device";
	}
}

void virtio_probe(void)
{
	bool have_blk = false, have_net = false;
	for (int i = 0; i < platform.virtio_count && i < MAX_VIRTIO_SLOTS; i++) {
		struct virtio_dev *d = &devices[i];
		*d = (struct virtio_dev){.base = platform.virtio[i].base,
		                         .irq = platform.virtio[i].irq};
		if (rd(d, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
			continue;
		uint32_t version = rd(d, VIRTIO_MMIO_VERSION);
		d->device_id = rd(d, VIRTIO_MMIO_DEVICE_ID);
		if (!d->device_id)
			continue; /* an empty slot (§4.2.2: device ID 0) */
		const char *name = device_name(d->device_id);
		if (version == 1) {
			/* grader: test_stage6_hostdev.py parses this line */
			printf("%s: 0x%lx irq %u: legacy virtio-mmio (version 1), not driven; "
			       "hvlab needs version 2: run QEMU with "
			       "-global virtio-mmio.force-legacy=false\n",
			       name, (unsigned long)d->base, d->irq);
			continue;
		}
		if (version != 2) {
			printf("%s: 0x%lx: virtio-mmio version %u unknown, not driven\n", name,
			       (unsigned long)d->base, version);
			continue;
		}
		if (!d->irq) {
			printf("%s: 0x%lx: no interrupt in the device tree, not driven\n", name,
			       (unsigned long)d->base);
			continue;
		}
		/* One disk and one NIC: the first of each, in address order. */
		if (d->device_id == VIRTIO_ID_BLOCK && !have_blk)
			have_blk = hblk_attach(d);
		else if (d->device_id == VIRTIO_ID_NET && !have_net)
			have_net = hnet_attach(d);
		else
			printf("%s: 0x%lx irq %u (device id %u): not driven\n", name,
			       (unsigned long)d->base, d->irq, d->device_id);
	}
	if (!have_blk)
		printf("virtio-blk: none\n");
	if (!have_net)
		printf("virtio-net: none\n");
}

void virtio_report(void)
{
	if (hblk_present())
		hblk_report();
	if (hnet_present())
		hnet_report();
}

static void add_status(struct virtio_dev *d, uint32_t bits)
{
	wr(d, VIRTIO_MMIO_STATUS, rd(d, VIRTIO_MMIO_STATUS) | bits);
}

void virtio_fail(struct virtio_dev *d, const char *why)
{
	add_status(d, VIRTIO_STATUS_FAILED);
	printf("%s: 0x%lx: %s; device set FAILED\n", device_name(d->device_id),
	       (unsigned long)d->base, why);
}

bool virtio_negotiate(struct virtio_dev *d, uint64_t wanted)
{
	/* §3.1.1: reset, then ACKNOWLEDGE (a driver saw it), DRIVER (and
	 * knows how to drive it). A reset is done when Status reads 0
	 * (§4.2.3.1.1); QEMU's is at once, the bound is for a broken one. */
	wr(d, VIRTIO_MMIO_STATUS, 0);
	for (unsigned n = 0; rd(d, VIRTIO_MMIO_STATUS); n++)
		if (n > 1000000) {
			virtio_fail(d, "reset never completes");
			return false;
		}
	add_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(d, VIRTIO_STATUS_DRIVER);
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t offered = rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	offered |= (uint64_t)rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	d->offered = offered;
	/* LAB 6 BEGIN: feature negotiation and the FEATURES_OK handshake */
	/* Spec: refuse (virtio_fail, false) a device that does not offer VIRTIO_F_VERSION_1; set
	 * d->features to the offered bits that are in `wanted`, plus VERSION_1; write them to
	 * DriverFeatures, bits 0-31 with DriverFeaturesSel 0 and 32-63 with 1; add FEATURES_OK to
	 * Status and read it back: a device that cleared it refuses the set (virtio_fail, false). */
	uint64_t version_1 = 1ULL << VIRTIO_F_VERSION_1;
	if (!(offered & version_1)) {
		virtio_fail(d, "no VIRTIO_F_VERSION_1 offered");
		return false;
	}
	/* Only bits both sides know: the device may offer more than the
	 * driver handles, and accepting one changes what the device does
	 * (VERSION_1 itself: the 12-byte net header, little-endian rings). */
	d->features = offered & (wanted | version_1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
	/* The device takes the set, or clears FEATURES_OK again (§3.1.1 step 6). */
	add_status(d, VIRTIO_STATUS_FEATURES_OK);
	if (!(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_fail(d, "the device refused the features (FEATURES_OK cleared)");
		return false;
	}
	/* LAB 6 END */
	return true;
}

bool virtio_queue_setup(struct virtio_dev *d, unsigned index, struct virtqueue *vq, uint16_t max)
{
	wr(d, VIRTIO_MMIO_QUEUE_SEL, index);
	if (rd(d, VIRTIO_MMIO_QUEUE_READY))
		return false;
	uint32_t num_max = rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (!num_max)
		return false;
	uint16_t num = max;
	while (num > num_max) /* both powers of two in practice; a split ring's must be */
		num /= 2;
	if (!virtqueue_init(vq, num))
		return false;
	wr(d, VIRTIO_MMIO_QUEUE_NUM, num);
	uint64_t desc = (uintptr_t)vq->desc, avail = (uintptr_t)vq->avail,
	         used = (uintptr_t)vq->used;
	wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	wr(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	wr(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return true;
}

void virtio_driver_ok(struct virtio_dev *d)
{
	add_status(d, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_notify(struct virtio_dev *d, unsigned index)
{
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, index); /* mmio_write32 orders the ring before it */
}

uint32_t virtio_interrupt_ack(struct virtio_dev *d)
{
	uint32_t why = rd(d, VIRTIO_MMIO_INTERRUPT_STATUS);
	if (why)
		wr(d, VIRTIO_MMIO_INTERRUPT_ACK, why);
	return why;
}

/* §4.2.2.2: each field read with its own width; a read that a
 * configuration change overlapped (ConfigGeneration moved) is redone. */
static uint64_t config_read(struct virtio_dev *d, unsigned off, unsigned width)
{
	uintptr_t a = d->base + VIRTIO_MMIO_CONFIG + off;
	uint32_t before, after;
	uint64_t v;
	unsigned tries = 0;
	do {
		before = rd(d, VIRTIO_MMIO_CONFIG_GENERATION);
		switch (width) {
		case 1:
			v = mmio_read8(a);
			break;
		case 2:
			v = *(volatile uint16_t *)a;
			asm volatile("fence i,r" ::: "memory");
			break;
		case 4:
			v = mmio_read32(a);
			break;
		default: /* a 64-bit field as its two halves (allowed by §4.2.2.2) */
			v = mmio_read32(a) | (uint64_t)mmio_read32(a + 4) << 32;
			break;
		}
		after = rd(d, VIRTIO_MMIO_CONFIG_GENERATION);
	} while (before != after && ++tries < 100); /* a device that never settles: its last */
	return v;
}

uint8_t virtio_config_read8(struct virtio_dev *d, unsigned off)
{
	return (uint8_t)config_read(d, off, 1);
}

uint16_t virtio_config_read16(struct virtio_dev *d, unsigned off)
{
	return (uint16_t)config_read(d, off, 2);
}

uint32_t virtio_config_read32(struct virtio_dev *d, unsigned off)
{
	return (uint32_t)config_read(d, off, 4);
}

uint64_t virtio_config_read64(struct virtio_dev *d, unsigned off)
{
	return config_read(d, off, 8);
}
