/* A hostile driver of the emulated virtio-blk disk: one malformed queue
 * after another, each on a freshly set up device. The device must put
 * itself in DEVICE_NEEDS_RESET (with a configuration-change interrupt
 * status) and, once reset, serve a correct request again; the VM runs on,
 * and so do the others. Bootargs: cases=NAME,NAME,... in that order
 * (default: all, in the order of the table below). */
/* grader: test_stage6_hostile.py parses every line this guest prints */
#include "guest.h"
#include "regmap/virtio_blk.h"

#define TIMEOUT_MS 2000
#define OUTSIDE    0x200000000UL /* 8 GiB: no guest has RAM there */

static struct virtio_drv dev;
static struct virtio_blk_req_header hdr;
static uint8_t sector[512] __attribute__((aligned(512)));
static volatile uint8_t status;

static void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	dev.q[0].desc[i] =
	    (struct virtq_desc){.addr = addr, .len = len, .flags = flags, .next = next};
}

/* A correct read of sector 0 in descriptors 0..2 (what each case spoils). */
static void good_chain(void)
{
	desc(0, (uintptr_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 1);
	desc(1, (uintptr_t)sector, sizeof(sector), VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	desc(2, (uintptr_t)&status, 1, VIRTQ_DESC_F_WRITE, 0);
	hdr = (struct virtio_blk_req_header){.type = VIRTIO_BLK_T_IN};
}

static void bad_oob(void)
{
	good_chain();
	desc(1, OUTSIDE, sizeof(sector), VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	virtio_publish(&dev, 0, 0);
}

static void bad_mmio_buffer(void)
{
	good_chain();
	desc(1, dev.base, sizeof(sector), VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	virtio_publish(&dev, 0, 0);
}

static void bad_loop(void)
{
	good_chain();
	desc(2, (uintptr_t)&status, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	virtio_publish(&dev, 0, 0);
}

static void bad_oversized(void)
{
	good_chain();
	desc(1, (uintptr_t)sector, 0x80000000u, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	virtio_publish(&dev, 0, 0);
}

static void bad_indirect(void)
{
	good_chain();
	desc(0, (uintptr_t)sector, 3 * sizeof(struct virtq_desc), VIRTQ_DESC_F_INDIRECT, 0);
	virtio_publish(&dev, 0, 0);
}

static void bad_head(void)
{
	good_chain();
	virtio_publish(&dev, 0, dev.q[0].num);
}

static void bad_next(void)
{
	good_chain();
	desc(1, (uintptr_t)sector, sizeof(sector), VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
	     (uint16_t)(dev.q[0].num + 7));
	virtio_publish(&dev, 0, 0);
}

static void bad_read_after_write(void)
{
	good_chain();
	desc(1, (uintptr_t)sector, sizeof(sector), VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	desc(2, (uintptr_t)&status, 1, 0, 0);
	virtio_publish(&dev, 0, 0);
}

static void bad_avail_jump(void)
{
	good_chain();
	struct virtio_queue *vq = &dev.q[0];
	vq->avail->ring[0] = 0;
	vq->avail_idx = (uint16_t)(vq->avail_idx + vq->num + 1000);
	asm volatile("fence w, w" ::: "memory");
	vq->avail->idx = vq->avail_idx;
	asm volatile("fence w, o" ::: "memory"); /* the index before the notification */
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static void bad_no_header(void)
{
	desc(0, (uintptr_t)&status, 1, VIRTQ_DESC_F_WRITE, 0);
	virtio_publish(&dev, 0, 0);
}

/* Rings that break when the queue is made ready: set up by hand. */
static void bad_ring(uint64_t desc_addr, uint64_t avail_addr, uint64_t used_addr)
{
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_SEL, 0);
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_NUM, 16);
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc_addr);
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc_addr >> 32));
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail_addr);
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail_addr >> 32));
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used_addr);
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used_addr >> 32));
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void bad_used_in_mmio(void)
{
	/* the used ring on the UART's registers */
	bad_ring((uintptr_t)dev.q[0].desc, (uintptr_t)dev.q[0].avail, fdt_find_reg("ns16550a"));
}

static void bad_desc_outside(void)
{
	bad_ring(OUTSIDE, (uintptr_t)dev.q[0].avail, (uintptr_t)dev.q[0].used);
}

static const struct {
	const char *name;
	void (*run)(void);
	bool at_ready; /* breaks the queue's setup, not a chain */
} cases[] = {
    {"oob", bad_oob, false},
    {"mmio_buffer", bad_mmio_buffer, false},
    {"loop", bad_loop, false},
    {"oversized", bad_oversized, false},
    {"indirect", bad_indirect, false},
    {"head", bad_head, false},
    {"next", bad_next, false},
    {"read_after_write", bad_read_after_write, false},
    {"avail_jump", bad_avail_jump, false},
    {"no_header", bad_no_header, false},
    {"used_in_mmio", bad_used_in_mmio, true},
    {"desc_outside", bad_desc_outside, true},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* The index of the case named by the first word of p (up to a comma). */
static unsigned find_case(const char *p, size_t len)
{
	for (unsigned i = 0; i < NCASES; i++)
		if (strlen(cases[i].name) == len && !strncmp(p, cases[i].name, len))
			return i;
	return NCASES;
}

/* A good read of sector 0 after a reset: the device serves again. */
static int good_request(void)
{
	if (virtio_init(&dev, dev.features, 1))
		return -10;
	good_chain();
	status = 0xff;
	virtio_publish(&dev, 0, 0);
	uint32_t id, len;
	int r = virtio_wait_used(&dev, 0, &id, &len, TIMEOUT_MS);
	return r == 1 ? status : r;
}

void guest_main(void)
{
	char list[160];
	bool all = !bootarg("cases", list, sizeof(list));
	if (!virtio_find(VIRTIO_ID_BLOCK, 0, &dev)) {
		printf("virtiobad: no virtio-blk device\n");
		shutdown(true);
	}
	uint64_t features =
	    virtio_device_features(&dev) & (1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_BLK_F_RO);
	dev.features = features;
	/* Once properly, so that the queue's memory exists for the cases that
	 * set the queue up by hand. */
	if (virtio_init(&dev, features, 1)) {
		printf("virtiobad: the device would not start\n");
		shutdown(true);
	}
	virtio_write(&dev, VIRTIO_MMIO_STATUS, 0);
	/* The cases in the order of the list, or all in the table's. */
	const char *p = list;
	for (unsigned k = 0; all ? k < NCASES : *p != '\0'; k++) {
		unsigned i = k;
		if (!all) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			i = find_case(p, len);
			p += len + (comma ? 1 : 0);
			if (i == NCASES) {
				printf("virtiobad: no case \"%.*s\"\n", (int)len,
				       p - len - (comma ? 1 : 0));
				continue;
			}
		}
		bool ok = cases[i].at_ready ? virtio_negotiate(&dev, features)
		                            : !virtio_init(&dev, features, 1);
		if (!ok) {
			printf("virtiobad: %s: the device would not start\n", cases[i].name);
			continue;
		}
		cases[i].run();
		bool needs_reset = false;
		for (uint64_t until = rdtime() + fdt_timebase() / 1000 * TIMEOUT_MS;
		     rdtime() < until && !needs_reset;)
			needs_reset = virtio_read(&dev, VIRTIO_MMIO_STATUS) &
			              VIRTIO_STATUS_DEVICE_NEEDS_RESET;
		uint32_t isr = virtio_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS);
		/* A second notify on a failed device: nothing may happen. */
		virtio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		virtio_write(&dev, VIRTIO_MMIO_STATUS, 0);
		int st = good_request();
		printf("virtiobad: %s: needs reset %s, interrupt status 0x%x, after a reset: "
		       "status %d\n",
		       cases[i].name, needs_reset ? "yes" : "no", isr, st);
		virtio_write(&dev, VIRTIO_MMIO_STATUS, 0);
	}
	printf("virtiobad: done\n");
	shutdown(false);
}
