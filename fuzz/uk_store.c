/* The library OS's key-value store (uk/lib/store/store.c) recovering a
 * slice that the input fills: any bytes, or a log of valid records built
 * here (with CRCs, so that the fuzzer gets past them) and then spoiled.
 * Then a few puts and deletions and a reopening. Besides crashes and
 * sanitizer reports: no request reaches past the slice; every key that
 * store_each gives has a valid name and the value store_get gives; a put
 * that returned 0 is read back at once with its value, and a deletion
 * leaves the key missing; after the reopening, the store is consistent in
 * the same way, and, in a built slice (which holds only what a store
 * writes, as on a real disk: a new store zeroes its slice), the last
 * value put is there.
 *
 * Input: slice sectors - 32 (1), mode (1: 0 raw, else built), then raw:
 * the slice's bytes; built: generation - 1 (1), live half (1), record
 * count (1), records (key selector (1), value length (2), kind (1: a
 * deletion if a multiple of 3)) as far as the half holds them, the
 * spoiled byte (offset (2), xor (1)). Then operations (key selector (1),
 * value length (1), delete if odd (1)). */
#include <string.h>

#include "fuzz.h"

#include "store/crc32.h"
#include "store/store.h"
#include "virtio_blk/test/blk_mem.h"

#define SECTOR 512

static struct store st;
static const char *const keys[] = {"a", "b", "key", "k0", "k1", "a-much-longer-key-than-most"};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int check_entry(const char *key, const void *val, size_t len, void *arg)
{
	(void)arg;
	static uint8_t buf[STORE_VAL_MAX];
	size_t n = strlen(key);
	CHECK(n >= 1 && n <= STORE_KEY_MAX && len <= STORE_VAL_MAX);
	CHECK(store_get(&st, key, buf, sizeof(buf)) == (long)len);
	(void)val; /* store_get reused the buffer that val points into */
	return 0;
}

static void check_consistent(void)
{
	CHECK(store_each(&st, check_entry, NULL) == 0);
}

/* A valid record of the live half, as store.c writes it. */
static uint64_t put_record(uint8_t *half, uint64_t half_sectors, uint64_t at, uint64_t generation,
                           uint64_t seq, const char *key, uint16_t kind, uint32_t val_len)
{
	struct store_record r = {
	    .magic = STORE_RECORD_MAGIC,
	    .generation = generation,
	    .seq = seq,
	    .key_len = (uint16_t)strlen(key),
	    .kind = kind,
	    .val_len = val_len,
	};
	uint64_t n = (sizeof(r) + r.key_len + val_len + SECTOR - 1) / SECTOR;
	if (n > half_sectors - at)
		return 0;
	uint8_t *p = half + at * SECTOR;
	memcpy(p + sizeof(r), key, r.key_len);
	for (uint32_t i = 0; i < val_len; i++)
		p[sizeof(r) + r.key_len + i] = (uint8_t)(seq + i);
	memcpy(p, &r, sizeof(r));
	r.crc = crc32(crc32(0, p, sizeof(r)), p + sizeof(r), r.key_len + val_len);
	memcpy(p, &r, sizeof(r));
	return n;
}

static void build(struct input *in, uint8_t *slice, uint64_t sectors)
{
	uint64_t half = sectors / 2, generation = 1 + take8(in) % 3;
	unsigned live = take8(in) & 1;
	struct store_half_header h = {
	    .magic = STORE_HALF_MAGIC,
	    .version = STORE_VERSION,
	    .generation = generation,
	    .sectors = half,
	};
	h.crc = crc32(0, &h, sizeof(h));
	uint8_t *p = slice + live * half * SECTOR;
	memcpy(p, &h, sizeof(h));
	uint64_t at = 1, seq = 1;
	for (unsigned count = take8(in); count; count--) {
		const char *key = keys[take8(in) % NKEYS];
		uint32_t len = take16(in) % (STORE_VAL_MAX + 1);
		uint16_t kind = take8(in) % 3 ? STORE_RECORD_PUT : STORE_RECORD_DEL;
		uint64_t n = put_record(p, half, at, generation, seq, key, kind,
		                        kind == STORE_RECORD_PUT ? len : 0);
		if (!n)
			continue;
		at += n;
		seq++;
	}
	uint16_t spoil = take16(in);
	slice[spoil % (sectors * SECTOR)] ^= take8(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint64_t sectors = STORE_MIN_SECTORS + take8(&in) % 64;
	bool built = take8(&in);
	/* Two sectors of margin on each side: nothing outside the slice changes. */
	struct blkdev *dev = blk_mem_new(sectors + 4);
	uint8_t *slice = dev->data + 2 * SECTOR;
	if (built) {
		build(&in, slice, sectors);
	} else {
		size_t n = in.size < sectors * SECTOR ? in.size : sectors * SECTOR;
		memcpy(slice, in.data, n);
		in.size -= n;
		in.data += n;
	}
	if (store_open(&st, dev, 2, sectors) == 0) {
		check_consistent();
		static uint8_t val[256], got[256];
		int last_key = -1;
		long last_len = -1;
		for (unsigned op = 0; op < 8 && in.size; op++) {
			unsigned k = take8(&in) % NKEYS;
			uint8_t len = take8(&in);
			if (take8(&in) & 1) {
				if (store_del(&st, keys[k]) == 0) {
					CHECK(store_get(&st, keys[k], got, sizeof(got)) == -1);
					last_key = (int)k;
					last_len = -1;
				}
				continue;
			}
			memset(val, op + len, len);
			if (store_put(&st, keys[k], val, len) == 0) {
				CHECK(store_get(&st, keys[k], got, sizeof(got)) == len);
				CHECK(!memcmp(got, val, len));
				last_key = (int)k;
				last_len = len;
			}
		}
		check_consistent();
		CHECK(store_open(&st, dev, 2, sectors) == 0);
		check_consistent();
		if (built && last_key >= 0) {
			long n = store_get(&st, keys[last_key], got, sizeof(got));
			CHECK(n == last_len);
		}
	}
	for (unsigned i = 0; i < 2 * SECTOR; i++)
		CHECK(!dev->data[i] && !dev->data[(sectors + 2) * SECTOR + i]);
	CHECK(dev->out_of_range == 0);
	blk_mem_free(dev);
	return 0;
}
