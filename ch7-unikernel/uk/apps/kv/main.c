/* kv: a key-value store on the first virtio disk that keeps its data
 * across reboots and survives a power cut in the middle of a write.
 *
 * Bootargs:
 *   kv=put    writes records from..from+count-1, printing each once it
 *             is durable ("committed"), then ends
 *   kv=fill   the same without end (count=0), for a power cut: the grader
 *             kills QEMU after some committed records
 *   kv=get    reads every key back, checks each value, prints a checksum
 *   nonce=N   the values' seed; from=, count=, keys= (record i has key
 *             "k<i mod keys>"); store=START+SECTORS a slice of the disk
 *             (default: all of it)
 *
 * Record i's value, which the grader recomputes: 16 to 495 bytes; the
 * first 8 are i, the rest the words splitmix64(nonce ^ i << 20 ^ w),
 * w = 1, 2, ..., little-endian. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat/plat.h"
#include "store/crc32.h"
#include "store/store.h"

#define VALUE_MAX 495

static struct store store; /* its index and buffer: too big for a stack */

static uint64_t splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t record_value(uint64_t nonce, uint64_t i, uint8_t *v)
{
	size_t len = 16 + splitmix64(nonce ^ i) % (VALUE_MAX - 15);
	for (size_t w = 0; w * 8 < len; w++) {
		uint64_t word = w ? splitmix64(nonce ^ i << 20 ^ w) : i;
		for (size_t b = 0; b < 8 && w * 8 + b < len; b++)
			v[w * 8 + b] = (uint8_t)(word >> 8 * b);
	}
	return len;
}

static void record_key(uint64_t i, uint64_t keys, char *key)
{
	snprintf(key, STORE_KEY_MAX + 1, "k%llu", (unsigned long long)(i % keys));
}

static void report(const char *what)
{
	printf("kv: %s: %u keys, generation %llu, half %u, %llu sectors used\n", what,
	       store_count(&store), (unsigned long long)store_generation(&store),
	       store_live_half(&store), (unsigned long long)store_used_sectors(&store));
}

static int put(uint64_t nonce, uint64_t from, uint64_t count, uint64_t keys)
{
	static uint8_t value[VALUE_MAX];
	for (uint64_t i = from; !count || i < from + count; i++) {
		char key[STORE_KEY_MAX + 1];
		record_key(i, keys, key);
		size_t len = record_value(nonce, i, value);
		uint64_t generation = store_generation(&store);
		if (store_put(&store, key, value, len)) {
			printf("kv: put %s failed\n", key);
			return -1;
		}
		printf("kv: committed %llu %s len %zu\n", (unsigned long long)i, key, len);
		if (store_generation(&store) != generation)
			report("compacted");
	}
	return 0;
}

struct check {
	uint64_t nonce;
	unsigned keys, bad;
	uint32_t checksum; /* XOR of every key's crc32(key, value): any order */
};

static int check_one(const char *key, const void *val, size_t len, void *arg)
{
	static uint8_t want[VALUE_MAX];
	struct check *c = arg;
	const uint8_t *v = val;
	uint64_t i = 0;
	for (unsigned b = 0; b < 8 && b < len; b++)
		i |= (uint64_t)v[b] << 8 * b;
	bool ok = len >= 8 && record_value(c->nonce, i, want) == len && !memcmp(want, v, len);
	uint32_t crc = crc32(crc32(0, key, strlen(key)), val, len);
	printf("kv: get %s record %llu len %zu crc %08lx %s\n", key, (unsigned long long)i, len,
	       (unsigned long)crc, ok ? "ok" : "BAD");
	c->keys++;
	c->bad += !ok;
	c->checksum ^= crc;
	return 0;
}

static int get(uint64_t nonce)
{
	struct check c = {.nonce = nonce};
	if (store_each(&store, check_one, &c)) {
		printf("kv: reading the values failed\n");
		return -1;
	}
	printf("kv: get: %u keys, %u bad, checksum %08lx\n", c.keys, c.bad,
	       (unsigned long)c.checksum);
	return c.bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	char mode[8], slice[48];
	if (!plat_arg("kv", mode, sizeof(mode))) {
		printf("kv: no kv=put|fill|get in the bootargs\n");
		return 1;
	}
	struct blkdev *disk = blkdev_get(0);
	if (!disk) {
		printf("kv: no disk\n");
		return 1;
	}
	uint64_t start = 0, sectors = blk_sectors(disk);
	if (plat_arg("store", slice, sizeof(slice))) {
		char *plus;
		start = strtoull(slice, &plus, 0);
		sectors = *plus == '+' ? strtoull(plus + 1, NULL, 0) : 0;
	}
	if (store_open(&store, disk, start, sectors)) {
		printf("kv: no store on sectors %llu+%llu of a disk of %llu%s\n",
		       (unsigned long long)start, (unsigned long long)sectors,
		       (unsigned long long)blk_sectors(disk),
		       blk_read_only(disk) ? ", read-only" : "");
		return 1;
	}
	report("opened");
	uint64_t nonce = plat_arg_u64("nonce", 0);
	uint64_t keys = plat_arg_u64("keys", 16);
	if (!keys || keys > STORE_MAX_KEYS) {
		printf("kv: keys=%llu: 1 to %d\n", (unsigned long long)keys, STORE_MAX_KEYS);
		return 1;
	}
	int r;
	if (!strcmp(mode, "put"))
		r = put(nonce, plat_arg_u64("from", 0), plat_arg_u64("count", 8), keys);
	else if (!strcmp(mode, "fill"))
		r = put(nonce, plat_arg_u64("from", 0), plat_arg_u64("count", 0), keys);
	else if (!strcmp(mode, "get"))
		r = get(nonce);
	else {
		printf("kv: unknown kv=%s\n", mode);
		return 1;
	}
	uint64_t requests, interrupts;
	blk_counts(disk, &requests, &interrupts);
	printf("kv: disk: %llu requests, %llu completion interrupts\n",
	       (unsigned long long)requests, (unsigned long long)interrupts);
	if (r)
		return 1;
	report("done");
	return 0;
}
