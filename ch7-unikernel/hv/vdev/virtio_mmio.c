/* The virtio-mmio register file, version 2 (virtio 1.2, §4.2.2), for any
 * device (vdev/virtio_mmio.h).
 *
 * Accesses. §4.2.2.1: the driver uses 32-bit aligned accesses for the
 * control registers, and for the configuration space accesses as wide as
 * its fields (1, 2 or 4 bytes; 8 is accepted too, naturally aligned).
 * Anything else is refused: the handler returns false and the VM stops,
 * as for ch5's devices: no correct driver does it. Reads of write-only or
 * reserved registers give 0, writes to read-only or reserved ones are
 * ignored, and the configuration space beyond the device's fields reads
 * as 0. A slot whose DeviceID is 0 has no device behind it (§4.2.2,
 * "placeholder"): it identifies itself and ignores every write.
 *
 * The status handshake (§3.1.1): ACKNOWLEDGE, DRIVER, the features written,
 * FEATURES_OK (kept only when the features are a subset of the offer and
 * include VERSION_1: a version-2 device has no legacy interface), DRIVER_OK;
 * bits are never cleared but by writing 0, which resets the device and
 * every queue. The queues are taken only after DRIVER_OK.
 *
 * QueueReset (§4.2.2) resets one queue only "if VIRTIO_F_RING_RESET has
 * been negotiated"; no device offers that feature, so the register reads
 * 0 and a write to it is ignored, as for any register the negotiated
 * features do not give. A driver that wants a queue back to its initial
 * state resets the device (Status 0) or sets QueueReady to 0, which makes
 * the chains in flight stale too. */
#include <stdarg.h>

#include "lib/printf.h"
#include "lib/string.h"
#include "vdev/virtio_mmio.h"
#include "vdev/vplic.h"
#include "vm/sched.h"
#include "vm/vm.h"

#define FEATURE(bit) (1ULL << (bit))

static void device_reset(struct virtio_device *d);

/* Needs-reset reports not printed, per VM id (vm/vm.h: 1..MAX_VMS). */
static unsigned long quiet_failures[MAX_VMS + 1];

static void report_quiet_failures(void)
{
	for (int id = 1; id <= MAX_VMS; id++) {
		unsigned long n = __atomic_load_n(&quiet_failures[id], __ATOMIC_RELAXED);
		if (n) /* grader: test_stage6_hostile.py parses this line */
			printf("vm%d virtio: %lu more needs-reset reports not printed\n", id, n);
	}
}

int virtio_device_init(struct virtio_device *d, struct vm *vm, const struct vdev_slot *slot,
                       const struct virtio_device_ops *ops, uint32_t device_id, uint64_t features,
                       unsigned nqueues, uint16_t queue_num_max)
{
	struct vplic *plic = vplic_of(vm);
	if (!plic || !slot->irq || slot->irq >= VPLIC_SOURCES) {
		printf("vm %s: %s: needs a vPLIC source\n", vm->name, slot->name);
		return -1;
	}
	if (nqueues > VIRTIO_MAX_QUEUES || !queue_num_max || queue_num_max > VIRTQ_MAX_SIZE ||
	    (queue_num_max & (queue_num_max - 1))) {
		printf("vm %s: %s: %u queues of %u entries not possible\n", vm->name, slot->name,
		       nqueues, queue_num_max);
		return -1;
	}
	static bool reporting; /* on the boot hart, before any vCPU runs */
	if (!reporting) {
		reporting = true;
		sched_at_finish(report_quiet_failures);
	}
	spin_init(&d->lock, "virtio", true);
	d->ops = ops;
	d->vm = vm;
	d->plic = plic;
	d->irq = slot->irq;
	d->device_id = device_id;
	d->features = features | FEATURE(VIRTIO_F_VERSION_1);
	d->nqueues = nqueues;
	for (unsigned q = 0; q < nqueues; q++)
		d->queues[q].num_max = queue_num_max;
	device_reset(d);
	return 0;
}

void virtio_set_config(struct virtio_device *d, unsigned offset, const void *src, unsigned len)
{
	if (offset > VIRTIO_CONFIG_MAX || len > VIRTIO_CONFIG_MAX - offset)
		return;
	memcpy(d->config + offset, src, len);
	if (offset + len > d->config_size)
		d->config_size = offset + len;
}

/* The line follows InterruptStatus: high while a bit is set. */
static void update_line(struct virtio_device *d)
{
	bool level = d->interrupt_status != 0;
	if (level != d->line) {
		d->line = level;
		vplic_set_level(d->plic, d->irq, level);
	}
}

static void reset_queue(struct virtio_device *d, unsigned q)
{
	virtq_reset(&d->queues[q]); /* a new epoch: the chains in flight are stale */
}

/* Status 0: the transport back to its state at power-on (§2.4), but the
 * configuration space and its generation, which are the device's. */
static void device_reset(struct virtio_device *d)
{
	d->status = 0;
	d->failed = false;
	d->driver_features = 0;
	d->device_features_sel = d->driver_features_sel = d->queue_sel = 0;
	d->interrupt_status = 0;
	update_line(d);
	for (unsigned q = 0; q < d->nqueues; q++)
		reset_queue(d, q);
}

void virtio_config_changed(struct virtio_device *d)
{
	d->config_generation++;
	if (d->status & VIRTIO_STATUS_DRIVER_OK) {
		d->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
		update_line(d);
	}
}

bool virtio_negotiated(const struct virtio_device *d, unsigned bit)
{
	return d->status & VIRTIO_STATUS_FEATURES_OK && bit < 64 &&
	       d->driver_features & FEATURE(bit);
}

bool virtio_queue_live(const struct virtio_device *d, unsigned q)
{
	return q < d->nqueues && d->status & VIRTIO_STATUS_DRIVER_OK && !d->failed &&
	       d->queues[q].ready;
}

void virtio_device_fail(struct virtio_device *d, const char *fmt, ...)
{
	if (d->failed)
		return;
	d->failed = true;
	d->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	/* §2.1.2: with DRIVER_OK set, the driver hears of it at once. */
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		d->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
	update_line(d);
	if (d->fail_printed >= VIRTIO_FAIL_PRINTS) {
		__atomic_fetch_add(&quiet_failures[d->vm->id], 1, __ATOMIC_RELAXED);
		return;
	}
	d->fail_printed++;
	char why[120];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* grader: test_stage6_hostile.py parses this line */
	printf("vm%d %s: needs reset: %s\n", d->vm->id, d->ops->name, why);
}

unsigned virtio_avail(struct virtio_device *d, unsigned q)
{
	if (!virtio_queue_live(d, q))
		return 0;
	const char *why;
	int n = virtq_avail(&d->queues[q], d->vm, &why);
	if (n < 0) {
		virtio_device_fail(d, "queue %u: %s", q, why);
		return 0;
	}
	return (unsigned)n;
}

int virtio_pop(struct virtio_device *d, unsigned q, struct virtq_chain *c)
{
	if (!virtio_queue_live(d, q))
		return 0;
	const char *why;
	int r = virtq_pop(&d->queues[q], d->vm, c, &why);
	if (r < 0) {
		virtio_device_fail(d, "queue %u: %s", q, why);
		return 0;
	}
	return r;
}

void virtio_push(struct virtio_device *d, unsigned q, const struct virtq_chain *c, uint32_t len)
{
	const char *why;
	if (virtio_queue_live(d, q) && virtq_push(&d->queues[q], d->vm, c, len, &why))
		virtio_device_fail(d, "queue %u: %s", q, why);
}

uint32_t virtio_chain_write(struct virtio_device *d, unsigned q, const struct virtq_chain *c,
                            uint32_t offset, const void *src, uint32_t len)
{
	return q < d->nqueues ? virtq_chain_write(&d->queues[q], d->vm, c, offset, src, len) : 0;
}

void virtio_notify_used(struct virtio_device *d, unsigned q)
{
	if (virtio_queue_live(d, q) && virtq_wants_interrupt(&d->queues[q], d->vm)) {
		d->interrupt_status |= VIRTIO_MMIO_INT_VRING;
		update_line(d);
	}
}

static void write_status(struct virtio_device *d, uint32_t value)
{
	uint32_t old = d->status;
	/* LAB 6 BEGIN: the device status: a reset, and FEATURES_OK only for features the device can give */
	if (!value) {
		device_reset(d);
		if (d->ops->reset)
			d->ops->reset(d);
		return;
	}
	/* The driver sets bits and never clears one (§2.1.2); NEEDS_RESET
	 * is the device's to set. */
	uint32_t status = (old | value) & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	status |= old & VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	if (status & VIRTIO_STATUS_FEATURES_OK && !(old & VIRTIO_STATUS_FEATURES_OK)) {
		bool subset = !(d->driver_features & ~d->features);
		bool modern = d->driver_features & FEATURE(VIRTIO_F_VERSION_1);
		/* Refused: the driver reads FEATURES_OK back (§3.1.1). */
		if (!subset || !modern)
			status &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	/* No queue is used before the features are agreed. */
	if (!(status & VIRTIO_STATUS_FEATURES_OK))
		status &= ~VIRTIO_STATUS_DRIVER_OK;
	d->status = status;
	/* LAB 6 END */
	if (d->status & VIRTIO_STATUS_DRIVER_OK && !(old & VIRTIO_STATUS_DRIVER_OK) &&
	    d->ops->driver_ok)
		d->ops->driver_ok(d);
}

static struct virtq *selected(struct virtio_device *d)
{
	return d->queue_sel < d->nqueues ? &d->queues[d->queue_sel] : NULL;
}

static uint32_t read_register(struct virtio_device *d, uint64_t offset)
{
	struct virtq *q = selected(d);
	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return d->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_VENDOR_ID;
	}
	if (!d->device_id)
		return 0;
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return d->device_features_sel < 2
		           ? (uint32_t)(d->features >> (32 * d->device_features_sel))
		           : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? q->num_max : 0; /* 0: no such queue */
	case VIRTIO_MMIO_QUEUE_READY:
		return q && q->ready;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return q ? (uint32_t)q->desc : 0;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return q ? (uint32_t)(q->desc >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		return q ? (uint32_t)q->avail : 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		return q ? (uint32_t)(q->avail >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		return q ? (uint32_t)q->used : 0;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return q ? (uint32_t)(q->used >> 32) : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return d->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return d->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return ~0u; /* no shared memory region (§4.2.2) */
	case VIRTIO_MMIO_QUEUE_RESET:
		return 0; /* a queue reset completes at once */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return d->config_generation;
	default:
		return 0;
	}
}

/* Sets the low or high half of a queue address, while the queue is not
 * ready (§4.2.2.2: the driver does not change a ready queue). */
static void set_half(uint64_t *addr, bool high, uint32_t value)
{
	*addr = high ? (*addr & 0xffffffffULL) | (uint64_t)value << 32
	             : (*addr & ~0xffffffffULL) | value;
}

/* A register write, lock held; returns the queue to notify, or -1. */
static int write_register(struct virtio_device *d, uint64_t offset, uint32_t value)
{
	struct virtq *q = selected(d);
	if (!d->device_id)
		return -1;
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->device_features_sel = value;
		return -1;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->driver_features_sel = value;
		return -1;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->status & VIRTIO_STATUS_FEATURES_OK || d->driver_features_sel > 1)
			return -1;
		set_half(&d->driver_features, d->driver_features_sel == 1, value);
		return -1;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = value;
		return -1;
	case VIRTIO_MMIO_STATUS:
		write_status(d, value);
		return -1;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		d->interrupt_status &= ~value;
		update_line(d);
		return -1;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		return value < d->nqueues && virtio_queue_live(d, value) ? (int)value : -1;
	case VIRTIO_MMIO_QUEUE_RESET:
		/* Only with VIRTIO_F_RING_RESET negotiated (§4.2.2), which is
		 * not offered: the write is ignored (file header). */
		if (q && value == 1 && virtio_negotiated(d, VIRTIO_F_RING_RESET)) {
			reset_queue(d, d->queue_sel);
			if (d->ops->queue_reset)
				d->ops->queue_reset(d, d->queue_sel);
		}
		return -1;
	}
	if (!q)
		return -1;
	if (offset == VIRTIO_MMIO_QUEUE_READY) {
		if (value == 1 && !q->ready) {
			const char *why = virtq_check_setup(q, d->vm);
			if (why) {
				virtio_device_fail(d, "queue %u: %s", d->queue_sel, why);
				return -1;
			}
			/* A queue starts empty: nothing is available until
			 * virtq_avail reads avail.idx (§2.7.13). */
			q->last_avail = q->avail_end = q->used_idx = q->in_flight = 0;
			q->ready = true;
		} else if (value == 0 && q->ready) {
			q->ready = false;
			q->last_avail = q->avail_end = 0;
			q->epoch++; /* the chains in flight are stale */
			if (d->ops->queue_reset)
				d->ops->queue_reset(d, d->queue_sel);
		}
		return -1;
	}
	if (q->ready)
		return -1;
	switch (offset) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = (uint16_t)(value <= VIRTQ_MAX_SIZE ? value : 0);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&q->avail, offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		set_half(&q->used, offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, value);
		break;
	default:
		break; /* read-only or reserved */
	}
	return -1;
}

static bool config_access(uint64_t offset, unsigned width)
{
	return (width == 1 || width == 2 || width == 4 || width == 8) && !(offset & (width - 1));
}

bool virtio_mmio_read(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t *value)
{
	(void)v;
	struct virtio_device *d = dev;
	if (offset >= VIRTIO_MMIO_CONFIG) {
		if (!config_access(offset, width))
			return false;
		uint64_t off = offset - VIRTIO_MMIO_CONFIG;
		*value = 0;
		spin_lock(&d->lock);
		if (d->device_id && off < d->config_size)
			memcpy(value, d->config + off,
			       off + width <= d->config_size ? width : d->config_size - off);
		spin_unlock(&d->lock);
		return true;
	}
	if (width != 4 || offset & 3)
		return false;
	spin_lock(&d->lock);
	*value = read_register(d, offset);
	spin_unlock(&d->lock);
	return true;
}

bool virtio_mmio_write(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t value)
{
	(void)v;
	struct virtio_device *d = dev;
	if (offset >= VIRTIO_MMIO_CONFIG) {
		if (!config_access(offset, width))
			return false;
		spin_lock(&d->lock);
		if (d->device_id && d->ops->config_write)
			d->ops->config_write(d, (unsigned)(offset - VIRTIO_MMIO_CONFIG), width,
			                     value);
		spin_unlock(&d->lock);
		return true;
	}
	if (width != 4 || offset & 3)
		return false;
	spin_lock(&d->lock);
	int notify = write_register(d, offset, (uint32_t)value);
	spin_unlock(&d->lock);
	/* The device's work, without the lock: it may hand work on. */
	if (notify >= 0)
		d->ops->queue_notify(d, (unsigned)notify);
	return true;
}
