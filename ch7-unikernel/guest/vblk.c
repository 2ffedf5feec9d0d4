/* The emulated virtio-blk disk, from a guest's driver (lib/virtio.c), on a
 * disk whose sectors the grader filled from a nonce (grader/virtio.py:
 * sector s of the host disk holds 64 words splitmix64(nonce ^ s << 8 ^ w)).
 * Bootargs:
 *   nonce=N base=B    the disk's nonce, and where the VM's slice starts on
 *                     the host disk (sectors): what each sector must hold
 *   read=S+C          reads C sectors from S (requests of up to 256 sectors
 *                     in 4 KiB segments), checks each, and prints a checksum
 *                     of every word read for the grader to recompute
 *   write=S+C wnonce=W  writes C sectors from S, sector s holding the words
 *                     of host sector B+s under nonce W, and reads them back
 *   beyond=1          requests that end past the disk: IOERR expected
 *   rowrite=S         a write of sector S (a read-only disk: IOERR expected)
 * Always: the feature negotiation's refusals, GET_ID, one interrupt per
 * request, and a device reset. Every answer's used length must be the
 * chain's device-writable bytes, the status byte included (what QEMU
 * reports); a line "used length ... expected" says it was not. */
/* grader: test_stage6_blk.py parses every line this guest prints */
#include "guest.h"
#include "regmap/virtio_blk.h"

#define SECTOR       512
#define MAX_SECTORS  256 /* a request */
#define SEGMENT      4096
#define TIMEOUT_MS   5000
#define FEATURE(bit) (1ULL << (bit))

static struct virtio_drv dev;
static int plic_ctx;
static volatile unsigned long interrupts;
static volatile uint32_t last_isr;
static uint8_t data[MAX_SECTORS * SECTOR] __attribute__((aligned(4096)));
static struct virtio_blk_req_header hdr;
static volatile uint8_t status;
static unsigned long requests;
static uint64_t nonce, base;

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15UL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

static uint64_t sector_word(uint64_t n, uint64_t host_sector, unsigned w)
{
	return mix(n ^ host_sector << 8 ^ w);
}

static void on_external(void)
{
	unsigned s = plic_claim(plic_ctx);
	if (s == dev.irq) {
		last_isr = virtio_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS);
		virtio_write(&dev, VIRTIO_MMIO_INTERRUPT_ACK, last_isr);
		interrupts++;
	}
	if (s)
		plic_complete(plic_ctx, s);
}

static uint8_t spare[64]; /* device-writable bytes that a request does not need */

/* One request: header, `len` bytes of data at buf in 4 KiB segments (the
 * device writes them for a read), `extra` more device-writable bytes,
 * status. The status, or -1 when no answer came, -2 when the device asked
 * for a reset. */
static int request_extra(uint32_t type, uint64_t sector, void *buf, uint32_t len, uint32_t extra,
                         uint32_t *used)
{
	struct virtio_buf bufs[3 + MAX_SECTORS * SECTOR / SEGMENT];
	unsigned n = 0;
	hdr = (struct virtio_blk_req_header){.type = type, .sector = sector};
	bufs[n++] = (struct virtio_buf){(uintptr_t)&hdr, sizeof(hdr), false};
	for (uint32_t off = 0; off < len; off += SEGMENT)
		bufs[n++] = (struct virtio_buf){(uintptr_t)buf + off,
		                                len - off < SEGMENT ? len - off : SEGMENT,
		                                type != VIRTIO_BLK_T_OUT};
	if (extra)
		bufs[n++] = (struct virtio_buf){(uintptr_t)spare, extra, true};
	bufs[n++] = (struct virtio_buf){(uintptr_t)&status, 1, true};
	status = 0xff;
	unsigned long before = interrupts;
	requests++;
	if (virtio_submit(&dev, 0, bufs, n) < 0)
		return -1;
	uint32_t id, used_len;
	int r = virtio_wait_used(&dev, 0, &id, &used_len, TIMEOUT_MS);
	if (r != 1)
		return r == -2 ? -2 : -1;
	/* The interrupt follows the used entry: give it a moment. */
	for (uint64_t until = rdtime() + fdt_timebase() / 10; interrupts == before;)
		if (rdtime() > until)
			break;
	if (used)
		*used = used_len;
	return status;
}

static int request(uint32_t type, uint64_t sector, void *buf, uint32_t len, uint32_t *used)
{
	return request_extra(type, sector, buf, len, 0, used);
}

/* The used length of an answer against the chain's writable bytes. */
static void check_used(const char *what, uint32_t used, uint32_t want)
{
	if (used != want)
		printf("vblk: %s: used length %u, %u expected\n", what, used, want);
}

static uint64_t config64(unsigned off)
{
	uint32_t gen, lo, hi;
	do {
		gen = virtio_read(&dev, VIRTIO_MMIO_CONFIG_GENERATION);
		lo = virtio_read(&dev, VIRTIO_MMIO_CONFIG + off);
		hi = virtio_read(&dev, VIRTIO_MMIO_CONFIG + off + 4);
	} while (gen != virtio_read(&dev, VIRTIO_MMIO_CONFIG_GENERATION));
	return (uint64_t)hi << 32 | lo;
}

static bool parse_range(const char *key, uint64_t *start, uint64_t *count)
{
	char buf[48];
	const char *end;
	if (!bootarg(key, buf, sizeof(buf)))
		return false;
	*start = strtoul(buf, &end, 0);
	*count = *end == '+' ? strtoul(end + 1, &end, 0) : 1;
	return true;
}

static void do_read(uint64_t start, uint64_t count)
{
	uint64_t sum = 0, bad = ~0UL;
	int st = 0;
	for (uint64_t s = start; s < start + count && !st;) {
		uint32_t n =
		    start + count - s < MAX_SECTORS ? (uint32_t)(start + count - s) : MAX_SECTORS;
		uint32_t used = 0;
		st = request(VIRTIO_BLK_T_IN, s, data, n * SECTOR, &used);
		if (!st)
			check_used("read", used, n * SECTOR + 1);
		for (uint32_t i = 0; i < n * SECTOR / 8 && !st; i++) {
			uint64_t w;
			memcpy(&w, data + 8 * i, 8);
			sum = mix(sum ^ w);
			uint64_t sector = s + i / (SECTOR / 8);
			if (bad == ~0UL && w != sector_word(nonce, base + sector, i % (SECTOR / 8)))
				bad = sector;
		}
		s += n;
	}
	if (st)
		printf("vblk: read %lu+%lu: status %d\n", start, count, st);
	else if (bad != ~0UL)
		printf("vblk: read %lu+%lu: MISMATCH at sector %lu, checksum 0x%lx\n", start, count,
		       bad, sum);
	else
		printf("vblk: read %lu+%lu: ok, checksum 0x%lx\n", start, count, sum);
}

static void do_write(uint64_t start, uint64_t count, uint64_t wnonce)
{
	int st = 0;
	for (uint64_t s = start; s < start + count && !st;) {
		uint32_t n =
		    start + count - s < MAX_SECTORS ? (uint32_t)(start + count - s) : MAX_SECTORS;
		for (uint32_t i = 0; i < n * SECTOR / 8; i++) {
			uint64_t w =
			    sector_word(wnonce, base + s + i / (SECTOR / 8), i % (SECTOR / 8));
			memcpy(data + 8 * i, &w, 8);
		}
		st = request(VIRTIO_BLK_T_OUT, s, data, n * SECTOR, NULL);
		s += n;
	}
	/* Read back through the device: what a later read sees. */
	uint64_t saved = nonce;
	nonce = wnonce;
	printf("vblk: write %lu+%lu: status %d\n", start, count, st);
	if (!st)
		do_read(start, count);
	nonce = saved;
}

/* A driver that asks for what the device does not offer, or for the
 * legacy interface, must see FEATURES_OK refused (§3.1.1, §6.1). */
static void check_negotiation(uint64_t offered)
{
	uint64_t extra = 0;
	for (unsigned bit = 0; bit < 64 && !extra; bit++)
		if (!(offered & FEATURE(bit)))
			extra = FEATURE(bit);
	bool unoffered = !virtio_negotiate(&dev, offered | extra);
	bool legacy = !virtio_negotiate(&dev, offered & ~FEATURE(VIRTIO_F_VERSION_1));
	printf("vblk: negotiation: unoffered feature refused %s, no VERSION_1 refused %s\n",
	       unoffered ? "yes" : "no", legacy ? "yes" : "no");
}

static void check_reset(void)
{
	virtio_write(&dev, VIRTIO_MMIO_STATUS, 0);
	virtio_write(&dev, VIRTIO_MMIO_QUEUE_SEL, 0);
	bool clean = virtio_read(&dev, VIRTIO_MMIO_STATUS) == 0 &&
	             virtio_read(&dev, VIRTIO_MMIO_QUEUE_READY) == 0 &&
	             virtio_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS) == 0;
	bool again = !virtio_init(&dev, dev.features, 1);
	uint32_t used = 0;
	int st = again ? request(VIRTIO_BLK_T_IN, 0, data, SECTOR, &used) : -1;
	printf("vblk: reset: registers cleared %s, a request after it: status %d\n",
	       clean ? "yes" : "no", st);
}

void guest_main(void)
{
	nonce = bootarg_ulong("nonce", 0);
	base = bootarg_ulong("base", 0);
	if (!virtio_find(VIRTIO_ID_BLOCK, 0, &dev)) {
		printf("vblk: no virtio-blk device\n");
		shutdown(true);
	}
	plic_ctx = plic_context(0);
	plic_set_priority(dev.irq, 1);
	plic_enable(plic_ctx, dev.irq, true);
	plic_set_threshold(plic_ctx, 0);
	irq_on(IRQ_S_EXT, on_external);
	irq_enable();

	uint64_t offered = virtio_device_features(&dev);
	check_negotiation(offered);
	if (virtio_init(&dev, offered, 1)) {
		printf("vblk: the device refused its own features\n");
		shutdown(true);
	}
	uint64_t capacity = config64(VIRTIO_BLK_CFG_CAPACITY);
	printf("vblk: device at 0x%lx irq %u, capacity %lu sectors, features 0x%lx, %s\n",
	       (unsigned long)dev.base, dev.irq, capacity, offered,
	       offered & FEATURE(VIRTIO_BLK_F_RO) ? "read-only" : "read-write");

	char id[VIRTIO_BLK_ID_BYTES + 1] = {0};
	uint32_t used = 0;
	int st = request(VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES, &used);
	printf("vblk: id \"%s\" status %d\n", id, st);
	check_used("GET_ID", used, VIRTIO_BLK_ID_BYTES + 1);
	/* A longer buffer than the id: all of it counts, as the status. */
	request(VIRTIO_BLK_T_GET_ID, 0, data, 64, &used);
	check_used("GET_ID, 64 bytes", used, 64 + 1);
	st = request(0x7f, 0, NULL, 0, &used);
	printf("vblk: unknown type: status %d\n", st);
	check_used("unknown type", used, 1);
	request(0x7f, 0, data, SECTOR, &used);
	check_used("unknown type with a buffer", used, SECTOR + 1);

	uint64_t start, count;
	if (parse_range("read", &start, &count))
		do_read(start, count);
	if (parse_range("write", &start, &count))
		do_write(start, count, bootarg_ulong("wnonce", 0));
	if (bootarg_ulong("beyond", 0)) {
		uint32_t ua = 0, ub = 0, uc = 0, ud = 0;
		int a = request(VIRTIO_BLK_T_IN, capacity, data, SECTOR, &ua);
		int b = request(VIRTIO_BLK_T_IN, capacity - 1, data, 2 * SECTOR, &ub);
		/* A write with writable bytes besides its status byte. */
		int c = request_extra(VIRTIO_BLK_T_OUT, capacity - 1, data, 2 * SECTOR, 16, &uc);
		int d = request(VIRTIO_BLK_T_IN, ~0UL, data, SECTOR, &ud);
		printf("vblk: beyond the disk: status %d %d %d %d\n", a, b, c, d);
		check_used("IOERR read", ua, SECTOR + 1);
		check_used("IOERR read of two", ub, 2 * SECTOR + 1);
		check_used("IOERR write with 16 writable bytes", uc, 16 + 1);
		check_used("IOERR read at the last sector number", ud, SECTOR + 1);
	}
	if (parse_range("rowrite", &start, &count)) {
		memset(data, 0xa5, SECTOR);
		printf("vblk: write to sector %lu: status %d\n", start,
		       request(VIRTIO_BLK_T_OUT, start, data, SECTOR, NULL));
	}
	printf("vblk: interrupts %lu for %lu requests\n", interrupts, requests);
	check_reset();
	printf("vblk: done\n");
	shutdown(false);
}
