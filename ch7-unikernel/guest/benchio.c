/* The disk figures of `make bench`, in instructions (QEMU -icount: instret
 * counts what the hart retires). A raw image (guest/lib/guest-raw.ld): the
 * same file runs as a VM (vm=@ADDR+SIZE) and directly on QEMU's
 * virtio-blk (-kernel), so that the two sets of figures are the same
 * driver's, the ratio to beat.
 *
 * A request's cost: from just before its QueueNotify write until the
 * guest has seen its used entry and taken its interrupt, less the
 * iterations of the guest's wait loop that found nothing. The wait is
 * what QEMU's I/O thread takes in real time; the loop spins rather than
 * waiting in WFI because icount counts an idle hart's real nanoseconds as
 * instructions, and it has a fixed length, so its share comes off exactly
 * (a trap in it, the hypervisor's work or the handler's, still counts).
 * Measured:
 *   - a 4 KiB read, min and avg over LATENCY_READS;
 *   - 1 MiB read in 64 KiB requests and in 4 KiB requests, one request at
 *     a time, each request's chain building included.
 * Each request's data is checked after its timing (grader/virtio.py's
 * nonce-derived sectors: bootargs nonce=N, base=B the slice's first host
 * sector), so that only a working path produces the figures.
 *
 * With net=send or net=recv, two such VMs on one hart measure a frame
 * through the switch instead (there is no bare-QEMU equivalent: one
 * machine). instret is the hart's, so the two VMs' readings compare:
 *   - a full-size frame, from the sender's kick to the receiver seeing its
 *     used entry: the sender, once its frame is taken, waits in WFI (a
 *     timer armed before the kick wakes it later), the receiver, woken by
 *     its receive interrupt, runs;
 *   - NET_BULK frames back to back, from the sender's first kick to the
 *     receiver seeing the last one, with the frames copied out.
 * Each prints its instret readings; tools/bench.py pairs them. peer=MAC
 * (as a number) is the receiver's address, nonce=N the payloads'. */
/* tools/bench.py parses every line this guest prints */
#include "guest.h"
#include "guest_net.h"
#include "regmap/virtio_blk.h"

#define SECTOR        512
#define LATENCY_READS 32
#define LATENCY_BYTES 4096u
#define BULK_BYTES    (1u << 20)
#define BIG_REQUEST   (64u << 10)
#define FEATURE(bit)  (1ULL << (bit))

static struct virtio_drv dev;
static int plic_ctx;
static uint32_t segment_max = BIG_REQUEST; /* the device's size_max, if it has one */
static uint8_t data[BIG_REQUEST] __attribute__((aligned(4096)));
static struct virtio_blk_req_header hdr;
static volatile uint8_t status;
static uint64_t nonce, base, overhead;
static unsigned long bad_sectors, checked_sectors, failed;
static volatile uint64_t interrupts;
static uint64_t waited; /* the last request's wait loop, in instructions */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15UL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

static void on_external(void)
{
	unsigned s = plic_claim(plic_ctx);
	if (s == dev.irq) {
		virtio_write(&dev, VIRTIO_MMIO_INTERRUPT_ACK,
		             virtio_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS));
		interrupts++;
	}
	if (s)
		plic_complete(plic_ctx, s);
}

/* Spins until the used index has moved from old_idx and the interrupt
 * count from old_count: the iterations, SPIN_INSNS instructions each
 * (branch-free but for the loop's own, so every one is as long). */
#define SPIN_INSNS 9
static uint64_t wait_used(volatile uint16_t *idx, uint16_t old_idx, uint64_t old_count)
{
	uint64_t spins = 0, a, b;
	asm volatile("1:	lhu	%[a], 0(%[idx])\n"
	             "	ld	%[b], 0(%[cnt])\n"
	             "	xor	%[a], %[a], %[oi]\n"
	             "	xor	%[b], %[b], %[oc]\n"
	             "	snez	%[a], %[a]\n"
	             "	snez	%[b], %[b]\n"
	             "	and	%[a], %[a], %[b]\n"
	             "	addi	%[n], %[n], 1\n"
	             "	beqz	%[a], 1b\n"
	             : [a] "=&r"(a), [b] "=&r"(b), [n] "+r"(spins)
	             : [idx] "r"(idx), [oi] "r"((uint64_t)old_idx), [cnt] "r"(&interrupts),
	               [oc] "r"(old_count)
	             : "memory");
	return spins;
}

/* Reads len bytes at `sector` into data: the chain (header, data in
 * segments of at most size_max, status) from descriptor 0 (one request at
 * a time), published, notified, waited for. Returns its cost (above). */
static uint64_t read_request(uint64_t sector, uint32_t len)
{
	struct virtio_queue *q = &dev.q[0];
	unsigned n = 0;
	hdr = (struct virtio_blk_req_header){.type = VIRTIO_BLK_T_IN, .sector = sector};
	q->desc[n++] = (struct virtq_desc){(uintptr_t)&hdr, sizeof(hdr), VIRTQ_DESC_F_NEXT, 1};
	for (uint32_t off = 0; off < len; off += segment_max, n++)
		q->desc[n] = (struct virtq_desc){
		    (uintptr_t)data + off, len - off < segment_max ? len - off : segment_max,
		    VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, (uint16_t)(n + 1)};
	q->desc[n] = (struct virtq_desc){(uintptr_t)&status, 1, VIRTQ_DESC_F_WRITE, 0};
	status = 0xff;
	q->avail->ring[q->avail_idx % q->num] = 0;
	asm volatile("fence w, w" ::: "memory"); /* the entry before the index (§2.7.13) */
	q->avail->idx = ++q->avail_idx;
	asm volatile("fence w, w" ::: "memory"); /* the index before the notify */

	uint64_t irqs = interrupts, kick = rdinstret();
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	uint64_t spins = wait_used(&q->used->idx, q->last_used, irqs);
	uint64_t seen = rdinstret();
	waited = SPIN_INSNS * (spins - 1);

	uint32_t id, used_len;
	if (virtio_poll_used(&dev, 0, &id, &used_len) != 1 || id != 0 || status != 0) {
		printf("benchio: read of %u bytes at sector %lu: status %u\n", len,
		       (unsigned long)sector, status);
		failed++;
	}
	return seen - kick - overhead - waited;
}

/* The first word of each sector read, against the disk's content. */
static void check(uint64_t sector, uint32_t len)
{
	for (uint32_t i = 0; i < len / SECTOR; i++) {
		uint64_t w;
		memcpy(&w, data + i * SECTOR, sizeof(w));
		bad_sectors += w != mix(nonce ^ (base + sector + i) << 8);
		checked_sectors++;
	}
}

static void bench_latency(void)
{
	uint64_t min = ~0UL, total = 0;
	for (unsigned i = 0; i < LATENCY_READS; i++) {
		uint64_t sector = i * (LATENCY_BYTES / SECTOR);
		uint64_t d = read_request(sector, LATENCY_BYTES);
		min = d < min ? d : min;
		total += d;
		check(sector, LATENCY_BYTES);
	}
	printf("benchio: blk_read_%uk kick_to_used min %lu avg %lu instructions (%u reads)\n",
	       LATENCY_BYTES >> 10, (unsigned long)min, (unsigned long)(total / LATENCY_READS),
	       LATENCY_READS);
}

/* Instructions for BULK_BYTES from `sector` on, the checks not counted. */
static void bench_bulk(uint64_t sector, uint32_t request)
{
	uint64_t spent = 0;
	for (uint32_t off = 0; off < BULK_BYTES; off += request) {
		uint64_t s = sector + off / SECTOR, start = rdinstret();
		read_request(s, request);
		spent += rdinstret() - start - overhead - waited;
		check(s, request);
	}
	printf("benchio: blk_bulk_read %u bytes in %u-byte requests: %lu instructions\n",
	       BULK_BYTES, request, (unsigned long)spent);
}

static uint32_t config32(unsigned off)
{
	return virtio_read(&dev, VIRTIO_MMIO_CONFIG + off);
}

/* -- the network: one frame, then NET_BULK back to back ---------------------- */

#define NET_FRAMES    17     /* the first one's learning of the sender's port not counted */
#define NET_BULK      32     /* the receiver's posted buffers take them all */
#define NET_ETHERTYPE 0x88b5 /* IEEE's for local experiments */

static struct net_dev net;
static uint8_t frame[ETH_MAX_FRAME];
static volatile bool woken;
static uint64_t readings[NET_FRAMES + 1];

static void on_net_interrupt(void)
{
	unsigned s = plic_claim(plic_ctx);
	if (s == net.drv.irq)
		virtio_write(&net.drv, VIRTIO_MMIO_INTERRUPT_ACK,
		             virtio_read(&net.drv, VIRTIO_MMIO_INTERRUPT_STATUS));
	if (s)
		plic_complete(plic_ctx, s);
}

static void on_timer(void)
{
	sbi_set_timer(~0UL);
	woken = true;
}

/* Gives the hart away until the timer armed before (arm_wake) fires. */
static void arm_wake(uint64_t ticks)
{
	woken = false;
	sbi_set_timer(rdtime() + ticks);
}

static void sleep_until_woken(void)
{
	WAIT_FOR(woken);
}

static void net_send_side(uint64_t peer, uint64_t nonce_)
{
	uint64_t ms = fdt_timebase() / 1000;
	irq_on(IRQ_S_TIMER, on_timer);
	irq_enable();
	arm_wake(20 * ms); /* the receiver's buffers posted, its hello sent */
	sleep_until_woken();
	for (int i = 0; i < ETH_ALEN; i++)
		frame[i] = (uint8_t)(peer >> (8 * (ETH_ALEN - 1 - i)));
	memcpy(frame + ETH_ALEN, net.mac, ETH_ALEN);
	frame[12] = NET_ETHERTYPE >> 8;
	frame[13] = NET_ETHERTYPE & 0xff;
	for (uint32_t i = ETH_HLEN; i < ETH_MAX_FRAME; i += 8) {
		uint64_t w = mix(nonce_ ^ i);
		memcpy(frame + i, &w, ETH_MAX_FRAME - i < 8 ? ETH_MAX_FRAME - i : 8);
	}
	for (unsigned f = 0; f < NET_FRAMES; f++) {
		frame[ETH_HLEN] = (uint8_t)f;
		net_stage(&net, frame, ETH_MAX_FRAME);
		arm_wake(2 * ms);
		readings[f] = rdinstret();
		if (net_transmit(&net, ETH_MAX_FRAME))
			failed++;
		sleep_until_woken();
	}
	/* The bulk: the first kick's reading, then the hart given away. */
	arm_wake(50 * ms);
	readings[NET_FRAMES] = rdinstret();
	for (unsigned f = 0; f < NET_BULK; f++) {
		frame[ETH_HLEN] = (uint8_t)(NET_FRAMES + f);
		net_stage(&net, frame, ETH_MAX_FRAME);
		if (net_transmit(&net, ETH_MAX_FRAME))
			failed++;
	}
	sleep_until_woken();
	printf("benchio: net bulk of %u frames of %u bytes: first kick at instret %lu\n", NET_BULK,
	       ETH_MAX_FRAME, (unsigned long)readings[NET_FRAMES]);
	printf("benchio: net sent %lu frames, %lu failed\n", (unsigned long)net.sent, failed);
}

/* Whether the frame received is the sender's number `seq`, as sent. */
static bool frame_ok(const uint8_t *buf, int len, unsigned seq, uint64_t nonce_)
{
	if (len != ETH_MAX_FRAME || buf[ETH_HLEN] != (uint8_t)seq)
		return false;
	for (uint32_t i = ETH_HLEN + 8; i + 8 <= ETH_MAX_FRAME; i += 8) {
		uint64_t w;
		memcpy(&w, buf + i, 8);
		if (w != mix(nonce_ ^ i))
			return false;
	}
	return true;
}

static void net_receive_side(uint64_t nonce_)
{
	static uint8_t bulk[NET_BULK][ETH_MAX_FRAME];
	struct virtio_queue *rx = &net.drv.q[VIRTIO_NET_RX];
	plic_set_priority(net.drv.irq, 1);
	plic_enable(plic_ctx, net.drv.irq, true);
	plic_set_threshold(plic_ctx, 0);
	irq_on(IRQ_S_EXT, on_net_interrupt);
	irq_enable();
	/* A broadcast hello: the switch learns this port. */
	memset(frame, 0xff, ETH_ALEN);
	memcpy(frame + ETH_ALEN, net.mac, ETH_ALEN);
	frame[12] = NET_ETHERTYPE >> 8;
	frame[13] = NET_ETHERTYPE & 0xff;
	if (net_send(&net, frame, ETH_MIN_FRAME))
		failed++;
	unsigned bad = 0;
	for (unsigned f = 0; f < NET_FRAMES; f++) {
		WAIT_FOR(*(volatile uint16_t *)&rx->used->idx != rx->last_used);
		readings[f] = rdinstret();
		int len = net_receive(&net, bulk[0], ETH_MAX_FRAME, 1000);
		bad += !frame_ok(bulk[0], len, f, nonce_);
	}
	/* The bulk: each frame copied out as it comes, checked after. */
	int lens[NET_BULK];
	for (unsigned f = 0; f < NET_BULK; f++) {
		WAIT_FOR(*(volatile uint16_t *)&rx->used->idx != rx->last_used);
		readings[NET_FRAMES] = rdinstret();
		lens[f] = net_receive(&net, bulk[f], ETH_MAX_FRAME, 1000);
	}
	for (unsigned f = 0; f < NET_BULK; f++)
		bad += !frame_ok(bulk[f], lens[f], NET_FRAMES + f, nonce_);
	for (unsigned f = 0; f < NET_FRAMES; f++)
		printf("benchio: net frame %u seen at instret %lu\n", f,
		       (unsigned long)readings[f]);
	printf("benchio: net bulk last frame seen at instret %lu\n",
	       (unsigned long)readings[NET_FRAMES]);
	printf("benchio: net received %u frames, %u bad\n", NET_FRAMES + NET_BULK, bad);
	failed += bad;
}

static void bench_net(const char *role)
{
	plic_ctx = plic_context(0);
	if (net_open(&net, !strcmp(role, "recv") ? NET_RX_BUFFERS : 0))
		shutdown(true);
	uint64_t nonce_ = bootarg_ulong("nonce", 0);
	if (!strcmp(role, "send")) {
		net_send_side(bootarg_ulong("peer", 0), nonce_);
		for (unsigned f = 0; f < NET_FRAMES; f++)
			printf("benchio: net frame %u kick at instret %lu\n", f,
			       (unsigned long)readings[f]);
	} else {
		net_receive_side(nonce_);
	}
	shutdown(failed);
}

void guest_main(void)
{
	char role[8];
	if (bootarg("net", role, sizeof(role)))
		bench_net(role);
	nonce = bootarg_ulong("nonce", 0);
	base = bootarg_ulong("base", 0);
	if (!virtio_find(VIRTIO_ID_BLOCK, 0, &dev)) {
		printf("benchio: no virtio-blk device\n");
		shutdown(true);
	}
	uint64_t offered = virtio_device_features(&dev);
	uint64_t wanted =
	    FEATURE(VIRTIO_F_VERSION_1) |
	    (offered & (FEATURE(VIRTIO_BLK_F_SIZE_MAX) | FEATURE(VIRTIO_BLK_F_SEG_MAX)));
	if (virtio_init(&dev, wanted, 1)) {
		printf("benchio: the device refused features 0x%lx\n", (unsigned long)wanted);
		shutdown(true);
	}
	if (wanted & FEATURE(VIRTIO_BLK_F_SIZE_MAX) && config32(VIRTIO_BLK_CFG_SIZE_MAX) &&
	    config32(VIRTIO_BLK_CFG_SIZE_MAX) < segment_max)
		segment_max = config32(VIRTIO_BLK_CFG_SIZE_MAX) / SECTOR * SECTOR;
	uint32_t segments = BIG_REQUEST / segment_max;
	if (segments + 2 > dev.q[0].num || (wanted & FEATURE(VIRTIO_BLK_F_SEG_MAX) &&
	                                    segments > config32(VIRTIO_BLK_CFG_SEG_MAX))) {
		printf("benchio: a %u-byte request does not fit the device\n", BIG_REQUEST);
		shutdown(true);
	}
	plic_ctx = plic_context(0);
	plic_set_priority(dev.irq, 1);
	plic_enable(plic_ctx, dev.irq, true);
	plic_set_threshold(plic_ctx, 0);
	irq_on(IRQ_S_EXT, on_external);
	irq_enable();
	printf("benchio: virtio-blk at 0x%lx irq %u, segments of up to %u bytes\n",
	       (unsigned long)dev.base, dev.irq, segment_max);

	/* The cost of reading instret twice, taken off every sample. */
	uint64_t a = rdinstret(), b = rdinstret();
	overhead = b - a;

	bench_latency();
	bench_bulk(BULK_BYTES / SECTOR, BIG_REQUEST);
	bench_bulk(2 * BULK_BYTES / SECTOR, LATENCY_BYTES);
	printf("benchio: %lu sectors checked, %lu bad, %lu requests failed\n", checked_sectors,
	       bad_sectors, failed);
	shutdown(failed || bad_sectors);
}
