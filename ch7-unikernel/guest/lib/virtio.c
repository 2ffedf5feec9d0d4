/* A small virtio-mmio driver for the test guests (virtio 1.2, §4.2, §2.7):
 * the devices of the device tree's "virtio,mmio" nodes, the status
 * handshake, split queues in the guest's static memory, chains submitted
 * and their used entries waited for by polling the used ring (the guest
 * may poll; the hypervisor may not), or by interrupt through the PLIC. It
 * trusts the device no more than it must: a used id beyond the queue is an
 * error, not an index. */
#include <libfdt.h>

#include "guest.h"

/* Queue memory: a page a queue, descriptors and available ring at its
 * start, used ring at its middle (alignments 16, 2, 4: §2.7). */
#define QUEUE_PAGES 8
static uint8_t queue_pages[QUEUE_PAGES][4096] __attribute__((aligned(4096)));
static unsigned queue_pages_used;

uint32_t virtio_read(const struct virtio_drv *d, unsigned offset)
{
	return *(volatile uint32_t *)(d->base + offset);
}

void virtio_write(const struct virtio_drv *d, unsigned offset, uint32_t value)
{
	*(volatile uint32_t *)(d->base + offset) = value;
}

bool virtio_find(uint32_t device_id, unsigned nth, struct virtio_drv *d)
{
	for (int node = fdt_node_offset_by_compatible(guest_fdt, -1, "virtio,mmio"); node >= 0;
	     node = fdt_node_offset_by_compatible(guest_fdt, node, "virtio,mmio")) {
		int len;
		const fdt64_t *reg = fdt_getprop(guest_fdt, node, "reg", &len);
		const fdt32_t *irq = fdt_getprop(guest_fdt, node, "interrupts", NULL);
		if (!reg || len < 16)
			continue;
		memset(d, 0, sizeof(*d));
		d->base = fdt64_to_cpu(reg[0]);
		d->irq = irq ? fdt32_to_cpu(*irq) : 0;
		if (virtio_read(d, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
		    virtio_read(d, VIRTIO_MMIO_VERSION) != 2 ||
		    virtio_read(d, VIRTIO_MMIO_DEVICE_ID) != device_id)
			continue;
		if (!nth--)
			return true;
	}
	return false;
}

uint64_t virtio_device_features(const struct virtio_drv *d)
{
	virtio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	uint64_t f = (uint64_t)virtio_read(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	virtio_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | virtio_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

bool virtio_negotiate(struct virtio_drv *d, uint64_t features)
{
	virtio_write(d, VIRTIO_MMIO_STATUS, 0);
	virtio_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	virtio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	virtio_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	virtio_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	virtio_write(d, VIRTIO_MMIO_STATUS,
	             VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	d->features = features;
	return virtio_read(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK;
}

int virtio_queue_setup(struct virtio_drv *d, unsigned q, unsigned size)
{
	virtio_write(d, VIRTIO_MMIO_QUEUE_SEL, q);
	unsigned max = virtio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (q >= VIRTIO_GUEST_QUEUES || !max || virtio_read(d, VIRTIO_MMIO_QUEUE_READY))
		return -1;
	size = size < max ? size : max;
	size = size < VIRTIO_GUEST_QUEUE_SIZE ? size : VIRTIO_GUEST_QUEUE_SIZE;
	struct virtio_queue *vq = &d->q[q];
	if (!vq->desc) {
		if (queue_pages_used == QUEUE_PAGES)
			return -1;
		uint8_t *page = queue_pages[queue_pages_used++];
		vq->desc = (struct virtq_desc *)page;
		vq->avail = (struct virtq_avail *)(page + 16 * VIRTIO_GUEST_QUEUE_SIZE);
		vq->used = (struct virtq_used *)(page + 2048);
	}
	memset(vq->desc, 0, 4096);
	vq->num = (uint16_t)size;
	vq->next_free = 0;
	vq->avail_idx = vq->last_used = 0;
	virtio_write(d, VIRTIO_MMIO_QUEUE_NUM, size);
	virtio_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(uintptr_t)vq->desc);
	virtio_write(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)((uintptr_t)vq->desc >> 32));
	virtio_write(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(uintptr_t)vq->avail);
	virtio_write(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)((uintptr_t)vq->avail >> 32));
	virtio_write(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(uintptr_t)vq->used);
	virtio_write(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)((uintptr_t)vq->used >> 32));
	virtio_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return virtio_read(d, VIRTIO_MMIO_QUEUE_READY) == 1 ? 0 : -1;
}

int virtio_driver_ok(struct virtio_drv *d)
{
	virtio_write(d, VIRTIO_MMIO_STATUS,
	             VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
	                 VIRTIO_STATUS_DRIVER_OK);
	return virtio_read(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK ? 0 : -1;
}

int virtio_init(struct virtio_drv *d, uint64_t features, unsigned nqueues)
{
	if (!virtio_negotiate(d, features))
		return -1;
	for (unsigned q = 0; q < nqueues; q++)
		if (virtio_queue_setup(d, q, VIRTIO_GUEST_QUEUE_SIZE))
			return -1;
	return virtio_driver_ok(d);
}

int virtio_submit(struct virtio_drv *d, unsigned q, const struct virtio_buf *bufs, unsigned n)
{
	struct virtio_queue *vq = &d->q[q];
	if (!n || n > vq->num)
		return -1;
	/* Descriptors are used round the table: the callers keep fewer
	 * chains in flight than would wrap onto one still in use. */
	uint16_t head = vq->next_free;
	for (unsigned i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((head + i) % vq->num);
		vq->desc[idx] = (struct virtq_desc){
		    .addr = bufs[i].addr,
		    .len = bufs[i].len,
		    .flags = (uint16_t)((bufs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
		                        (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0)),
		    .next = (uint16_t)((idx + 1) % vq->num),
		};
	}
	vq->next_free = (uint16_t)((head + n) % vq->num);
	virtio_publish(d, q, head);
	return head;
}

void virtio_publish(struct virtio_drv *d, unsigned q, uint16_t head)
{
	struct virtio_queue *vq = &d->q[q];
	vq->avail->ring[vq->avail_idx % vq->num] = head;
	asm volatile("fence w, w" ::: "memory"); /* the entry before the index (§2.7.13) */
	vq->avail->idx = ++vq->avail_idx;
	/* The index (a memory write) before the notification (a device
	 * write): w,o, not w,w, which orders memory writes only. */
	asm volatile("fence w, o" ::: "memory");
	virtio_write(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

int virtio_poll_used(struct virtio_drv *d, unsigned q, uint32_t *id, uint32_t *len)
{
	struct virtio_queue *vq = &d->q[q];
	if (*(volatile uint16_t *)&vq->used->idx == vq->last_used)
		return 0;
	asm volatile("fence r, r" ::: "memory");
	struct virtq_used_elem e = vq->used->ring[vq->last_used % vq->num];
	vq->last_used++;
	if (e.id >= vq->num)
		return -1;
	*id = e.id;
	*len = e.len;
	return 1;
}

int virtio_wait_used(struct virtio_drv *d, unsigned q, uint32_t *id, uint32_t *len,
                     uint64_t timeout_ms)
{
	static uint64_t ticks_per_ms; /* looked up once: the device tree walk is long */
	if (!ticks_per_ms)
		ticks_per_ms = fdt_timebase() / 1000;
	uint64_t until = rdtime() + ticks_per_ms * timeout_ms;
	for (;;) {
		int r = virtio_poll_used(d, q, id, len);
		if (r)
			return r;
		if (virtio_read(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
			return -2;
		if (rdtime() > until)
			return -3;
	}
}
