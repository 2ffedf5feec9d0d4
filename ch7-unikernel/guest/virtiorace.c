/* A driver of the emulated virtio-blk disk that races the device, one way
 * chosen by mode=:
 *   republish  (two vCPUs) vCPU 1 keeps publishing chains that the device
 *              answers at once (GET_ID), never notifying, while vCPU 0
 *              notifies as fast as it can, for ms= milliseconds: a device
 *              that takes every chain it finds instead of those published
 *              before the notification would keep a hart forever. Each
 *              vCPU reports how long it had a hart (run_clock) and the
 *              chains the device gave back; the VMs beside it must keep
 *              their share of the hart.
 *   reset      large reads (several pieces on the host disk each) made
 *              available, then at once a device reset (Status 0), and
 *              again with QueueReady 0: the guest poisons the buffers, the
 *              status bytes and the used ring right after, and checks later
 *              that nothing of those reads reached its memory; then a read
 *              after setting the device up again must work.
 *   failloop   rounds= times: set the device up, break its queue (a head
 *              beyond the queue size), see DEVICE_NEEDS_RESET, reset it:
 *              the hypervisor must print only the first few reports and
 *              count the rest.
 * Bootargs: mode=, ms=, rounds=. */
/* grader: test_stage6_hostile.py parses every line this guest prints */
#include "guest.h"
#include "regmap/virtio_blk.h"

#define SECTOR     512
#define SEGMENT    4096
#define BIG        (128u << 10) /* bytes of a large read: two bounce buffers */
#define NBIG       3
#define POISON     0x5a
#define TIMEOUT_MS 2000

static struct virtio_drv dev;
static uint64_t us; /* time units a microsecond */

/* -- republish ------------------------------------------------------------------ */

static struct virtio_blk_req_header id_hdr = {.type = VIRTIO_BLK_T_GET_ID};
static uint8_t id_buf[VIRTIO_BLK_ID_BYTES];
static volatile uint8_t id_status;
static volatile bool stop_publishing;
static volatile unsigned long published;
static volatile uint64_t publisher_ran_us;
static volatile bool publisher_done;

/* Descriptors 0..2: one GET_ID chain, which every available entry names
 * (the device answers it at once, under its lock). */
static void id_chain(void)
{
	struct virtio_queue *vq = &dev.q[0];
	vq->desc[0] = (struct virtq_desc){(uintptr_t)&id_hdr, sizeof(id_hdr), VIRTQ_DESC_F_NEXT, 1};
	vq->desc[1] = (struct virtq_desc){(uintptr_t)id_buf, sizeof(id_buf),
	                                  VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2};
	vq->desc[2] = (struct virtq_desc){(uintptr_t)&id_status, 1, VIRTQ_DESC_F_WRITE, 0};
}

void guest_secondary(unsigned long hartid, unsigned long opaque)
{
	(void)hartid, (void)opaque;
	struct virtio_queue *vq = &dev.q[0];
	struct run_clock clock;
	run_clock_start(&clock, 1000 * us);
	while (!stop_publishing) {
		run_clock_tick(&clock);
		/* Never more available than the queue holds (the device would
		 * fail the queue): entries the device has not given back. */
		uint16_t used = *(volatile uint16_t *)&vq->used->idx;
		if ((uint16_t)(vq->avail_idx - used) >= vq->num)
			continue;
		vq->avail->ring[vq->avail_idx % vq->num] = 0;
		asm volatile("fence w, w" ::: "memory");
		*(volatile uint16_t *)&vq->avail->idx = ++vq->avail_idx;
		published++;
	}
	publisher_ran_us = clock.ran / us;
	publisher_done = true;
	sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_STOP, 0, 0, 0);
}

static void republish(void)
{
	if (virtio_init(&dev, dev.features, 1)) {
		printf("virtiorace: the device would not start\n");
		return;
	}
	id_chain();
	struct sbiret r =
	    sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, 1, (unsigned long)secondary_start, 0);
	if (r.error) {
		printf("virtiorace: hart_start(1): error %ld\n", r.error);
		return;
	}
	uint64_t until = rdtime() + bootarg_ulong("ms", 1000) * 1000 * us;
	unsigned long notifies = 0;
	unsigned most = 0; /* chains given back during one notification */
	volatile uint16_t *used_idx = &dev.q[0].used->idx;
	struct run_clock clock;
	run_clock_start(&clock, 1000 * us);
	while (run_clock_tick(&clock) < until) {
		/* Only this vCPU notifies and GET_ID never reaches the host
		 * disk: what used.idx moves by across the write is what this
		 * notification took, at most the queue size when the device
		 * takes only the chains published before it. */
		uint16_t before = *used_idx;
		virtio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		uint16_t took = (uint16_t)(*used_idx - before);
		most = took > most ? took : most;
		notifies++;
	}
	stop_publishing = true;
	for (uint64_t end = rdtime() + fdt_timebase(); !publisher_done && rdtime() < end;)
		;
	/* What the publisher made available and the device did not take yet
	 * is taken at the next notification. */
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	uint16_t used = *(volatile uint16_t *)&dev.q[0].used->idx;
	bool failed = virtio_read(&dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	printf("virtiorace: republish: %lu notifies, %lu published, all used %s, device %s, "
	       "vcpu 0 ran %lu us, vcpu 1 ran %lu us\n",
	       notifies, published, used == (uint16_t)published ? "yes" : "no",
	       failed ? "failed" : "ok", (unsigned long)(clock.ran / us),
	       (unsigned long)publisher_ran_us);
	printf("virtiorace: republish: at most %u chains taken in one notification, queue size "
	       "%u\n",
	       most, dev.q[0].num);
}

/* -- reset ---------------------------------------------------------------------- */

static uint8_t big[NBIG][BIG] __attribute__((aligned(4096)));
static struct virtio_blk_req_header big_hdr[NBIG];
static volatile uint8_t big_status[NBIG];

/* NBIG reads of BIG bytes each made available at once, one notification. */
static void start_big_reads(void)
{
	struct virtio_buf bufs[2 + BIG / SEGMENT];
	for (unsigned k = 0; k < NBIG; k++) {
		unsigned n = 0;
		big_hdr[k] = (struct virtio_blk_req_header){.type = VIRTIO_BLK_T_IN,
		                                            .sector = k * (BIG / SECTOR)};
		bufs[n++] = (struct virtio_buf){(uintptr_t)&big_hdr[k], sizeof(big_hdr[k]), false};
		for (uint32_t off = 0; off < BIG; off += SEGMENT)
			bufs[n++] = (struct virtio_buf){(uintptr_t)big[k] + off, SEGMENT, true};
		bufs[n++] = (struct virtio_buf){(uintptr_t)&big_status[k], 1, true};
		big_status[k] = 0xff;
		/* Descriptors round the table: NBIG chains of 34 wrap onto the
		 * first, but each is published before the next is written and the
		 * device copies a chain's descriptors when it takes it. */
		virtio_submit(&dev, 0, bufs, n);
	}
}

static void poison(void)
{
	memset(big, POISON, sizeof(big));
	for (unsigned k = 0; k < NBIG; k++)
		big_status[k] = POISON;
	struct virtio_queue *vq = &dev.q[0];
	memset((void *)vq->used, POISON, sizeof(*vq->used) + vq->num * sizeof(vq->used->ring[0]));
}

static bool untouched(void)
{
	for (unsigned k = 0; k < NBIG; k++) {
		if (big_status[k] != POISON)
			return false;
		for (uint32_t i = 0; i < BIG; i++)
			if (big[k][i] != POISON)
				return false;
	}
	struct virtio_queue *vq = &dev.q[0];
	const uint8_t *u = (const uint8_t *)vq->used;
	for (size_t i = 0; i < sizeof(*vq->used) + vq->num * sizeof(vq->used->ring[0]); i++)
		if (u[i] != POISON)
			return false;
	return true;
}

/* A good read of sector 0 on a device set up again. */
static int good_read(void)
{
	if (virtio_init(&dev, dev.features, 1))
		return -10;
	struct virtio_buf bufs[3] = {
	    {(uintptr_t)&big_hdr[0], sizeof(big_hdr[0]), false},
	    {(uintptr_t)big[0], SECTOR, true},
	    {(uintptr_t)&big_status[0], 1, true},
	};
	big_hdr[0] = (struct virtio_blk_req_header){.type = VIRTIO_BLK_T_IN};
	big_status[0] = 0xff;
	virtio_submit(&dev, 0, bufs, 3);
	uint32_t id, len;
	int r = virtio_wait_used(&dev, 0, &id, &len, TIMEOUT_MS);
	return r == 1 ? big_status[0] : r;
}

static void reset_while_busy(bool queue_ready)
{
	if (virtio_init(&dev, dev.features, 1)) {
		printf("virtiorace: the device would not start\n");
		return;
	}
	start_big_reads();
	if (queue_ready) {
		virtio_write(&dev, VIRTIO_MMIO_QUEUE_SEL, 0);
		virtio_write(&dev, VIRTIO_MMIO_QUEUE_READY, 0);
	} else {
		virtio_write(&dev, VIRTIO_MMIO_STATUS, 0);
	}
	poison();
	/* Long enough for the host disk to finish every piece. */
	for (uint64_t end = rdtime() + fdt_timebase() / 2; rdtime() < end;)
		;
	bool clean = untouched();
	virtio_write(&dev, VIRTIO_MMIO_STATUS, 0);
	int st = good_read();
	printf("virtiorace: %s with reads in flight: memory untouched %s, a read after it: "
	       "status %d\n",
	       queue_ready ? "QueueReady 0" : "reset", clean ? "yes" : "no", st);
}

/* -- failloop ------------------------------------------------------------------- */

static void fail_loop(void)
{
	unsigned long rounds = bootarg_ulong("rounds", 200), seen = 0;
	for (unsigned long i = 0; i < rounds; i++) {
		if (virtio_init(&dev, dev.features, 1))
			break;
		virtio_publish(&dev, 0, dev.q[0].num); /* a head beyond the queue */
		for (uint64_t end = rdtime() + fdt_timebase() / 1000 * TIMEOUT_MS;
		     rdtime() < end;) {
			if (virtio_read(&dev, VIRTIO_MMIO_STATUS) &
			    VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
				seen++;
				break;
			}
		}
		virtio_write(&dev, VIRTIO_MMIO_STATUS, 0);
	}
	printf("virtiorace: failloop: %lu rounds, %lu failures seen\n", rounds, seen);
}

void guest_main(void)
{
	char mode[16] = "republish";
	bootarg("mode", mode, sizeof(mode));
	us = fdt_timebase() / 1000000 ?: 1;
	if (!virtio_find(VIRTIO_ID_BLOCK, 0, &dev)) {
		printf("virtiorace: no virtio-blk device\n");
		shutdown(true);
	}
	dev.features =
	    virtio_device_features(&dev) & (1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_BLK_F_RO);
	if (!strcmp(mode, "republish")) {
		republish();
	} else if (!strcmp(mode, "failloop")) {
		fail_loop();
	} else {
		reset_while_busy(false);
		reset_while_busy(true);
	}
	printf("virtiorace: done\n");
	shutdown(false);
}
