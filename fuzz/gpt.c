/* The GPT reader (vdev/gpt.c) on a disk that the input makes: either raw
 * sectors, or a table that this harness builds with valid CRC32s from the
 * input's fields (so that the fuzzer gets past the checksums), then
 * spoils in one byte, or not.
 *
 * A CRC-32 of its own (table-driven, unlike the reader's bitwise one) and
 * a reference lookup say what gpt_find must answer: a partition only when
 * the header and the entry array are valid (signature, sizes, CRC32s,
 * LBAs inside the disk, the usable range after the entry array) and the
 * first used entry of that name lies inside the usable range and overlaps
 * no other used entry, and then exactly its first sector and size, and the
 * usable range. Reads never go past the disk.
 *
 * Input: mode (1), disk sectors (1), name selector (1); raw mode: the
 * sectors' bytes; built mode: header fields (usable range, entries LBA,
 * count, size: 2 each), placement (1), entries (type (1), first (2), length (2), name
 * selector (1)), the byte to spoil (2) and its xor (1). */
#include <string.h>

#include "fuzz.h"

#include "vdev/gpt.h"

#define SECTOR   512
#define MAX_DISK 80
static uint8_t disk[MAX_DISK * SECTOR];
static uint64_t disk_sectors;

static const char *const names[] = {"root", "hv-data", "a",
                                    "ROOT", "root2",   "abcdefghijklmnopqrstuvwxyz0123456789"};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static int read_disk(uint64_t sector, void *buf, uint32_t len)
{
	CHECK(len % SECTOR == 0 && len);
	if (sector >= disk_sectors || len / SECTOR > disk_sectors - sector)
		CHECK(!"a read past the disk's end");
	memcpy(buf, disk + sector * SECTOR, len);
	return 0;
}

static uint32_t crc_table[256];

static uint32_t crc32(const uint8_t *p, size_t n)
{
	if (!crc_table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
	uint32_t c = ~0u;
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The reference: 0 and the partition, or -1. */
static int model_find(const char *name, uint64_t *first, uint64_t *count, uint64_t usable[2])
{
	if (disk_sectors < 3)
		return -1;
	const uint8_t *h = disk + SECTOR;
	uint32_t hsize = rd32(h + 12);
	if (memcmp(h, "EFI PART", 8) || hsize < 92 || hsize > SECTOR)
		return -1;
	uint8_t copy[SECTOR];
	memcpy(copy, h, hsize);
	memset(copy + 16, 0, 4);
	if (crc32(copy, hsize) != rd32(h + 16) || rd64(h + 24) != 1)
		return -1;
	uint64_t first_usable = rd64(h + 40), last_usable = rd64(h + 48), lba = rd64(h + 72);
	uint32_t n = rd32(h + 80), size = rd32(h + 84);
	if (first_usable > last_usable || last_usable >= disk_sectors)
		return -1;
	if ((size != 128 && size != 256 && size != 512) || !n || n > 1024)
		return -1;
	uint64_t bytes = (uint64_t)n * size;
	if (lba < 2 || lba >= disk_sectors || (bytes + SECTOR - 1) / SECTOR > disk_sectors - lba)
		return -1;
	if (first_usable < lba + (bytes + SECTOR - 1) / SECTOR)
		return -1;
	const uint8_t *e = disk + lba * SECTOR;
	int found = -1;
	uint32_t found_at = 0;
	for (uint32_t i = 0; i < n && found == -1; i++) {
		const uint8_t *x = e + (uint64_t)i * size;
		static const uint8_t zero[16];
		if (!memcmp(x, zero, 16))
			continue;
		found_at = i;
		size_t len = strlen(name);
		bool same = len <= 36;
		for (size_t k = 0; k < 36 && same; k++) {
			uint16_t c = (uint16_t)(x[56 + 2 * k] | x[57 + 2 * k] << 8);
			same = k < len ? c == (uint8_t)name[k] : (c == 0 || k > len);
			if (k >= len)
				break;
		}
		if (!same)
			continue;
		uint64_t f = rd64(x + 32), l = rd64(x + 40);
		if (f < first_usable || f > l || l > last_usable)
			found = -2;
		else {
			*first = f;
			*count = l - f + 1;
			found = 0;
		}
	}
	if (crc32(e, bytes) != rd32(h + 88) || found != 0)
		return -1;
	/* No other used entry may share a sector with it. */
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *x = e + (uint64_t)i * size;
		static const uint8_t zero[16];
		uint64_t f = rd64(x + 32), l = rd64(x + 40);
		if (i != found_at && memcmp(x, zero, 16) && f <= *first + *count - 1 && *first <= l)
			return -1;
	}
	usable[0] = first_usable;
	usable[1] = last_usable;
	return 0;
}

static void build(struct input *in)
{
	uint8_t *h = disk + SECTOR;
	memcpy(h, "EFI PART", 8);
	uint32_t rev = 0x10000, hsize = 92, my = 1;
	memcpy(h + 8, &rev, 4);
	memcpy(h + 12, &hsize, 4);
	memcpy(h + 24, &my, 4);
	uint64_t first_usable = take8(in) % disk_sectors, last_usable = take8(in) % disk_sectors;
	uint64_t lba = 2 + take8(in) % 4;
	uint32_t n = 1 + take8(in) % 16, size = 128u << (take8(in) % 3);
	/* Mostly a usable range after the entry array, as a valid table has. */
	uint8_t place = take8(in);
	if (place & 1)
		first_usable = lba + ((uint64_t)n * size + SECTOR - 1) / SECTOR + place / 64;
	memcpy(h + 40, &first_usable, 8);
	memcpy(h + 48, &last_usable, 8);
	memcpy(h + 72, &lba, 8);
	memcpy(h + 80, &n, 4);
	memcpy(h + 84, &size, 4);
	uint8_t *e = disk + lba * SECTOR;
	uint64_t bytes = (uint64_t)n * size;
	if (lba * SECTOR + bytes > sizeof(disk))
		return;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *x = e + (uint64_t)i * size;
		memset(x, 0, size);
		x[0] = take8(in) & 3; /* 0: an unused entry */
		uint64_t f = take8(in), l = f + take8(in) - 8;
		memcpy(x + 32, &f, 8);
		memcpy(x + 40, &l, 8);
		const char *name = names[take8(in) % NNAMES];
		for (size_t k = 0; name[k] && k < 36; k++)
			x[56 + 2 * k] = (uint8_t)name[k];
	}
	uint32_t c = crc32(e, bytes);
	memcpy(h + 88, &c, 4);
	c = crc32(h, hsize);
	memcpy(h + 16, &c, 4);
	uint16_t spoil = take16(in);
	uint8_t x = take8(in);
	disk[spoil % (disk_sectors * SECTOR)] ^= x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	memset(disk, 0, sizeof(disk));
	uint8_t mode = take8(&in);
	disk_sectors = take8(&in) % (MAX_DISK + 1);
	const char *name = names[take8(&in) % NNAMES];
	if (mode & 1) {
		if (disk_sectors >= 3)
			build(&in);
	} else {
		for (size_t i = 0; i < disk_sectors * SECTOR && in.size; i++)
			disk[i] = take8(&in);
	}
	uint64_t first = 0, count = 0, want_first = 0, want_count = 0, usable[2] = {0, 0};
	uint64_t want_usable[2] = {0, 0};
	const char *why = NULL;
	int r =
	    gpt_find(read_disk, disk_sectors, name, &first, &count, &usable[0], &usable[1], &why);
	int want = model_find(name, &want_first, &want_count, want_usable);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "gpt_find(\"%s\") on %lu sectors: %d, %lu+%lu (%s)\n", name,
		        (unsigned long)disk_sectors, r, (unsigned long)first, (unsigned long)count,
		        why ? why : "found");
	CHECK(r == want);
	if (r == 0) {
		CHECK(first == want_first && count == want_count);
		CHECK(usable[0] == want_usable[0] && usable[1] == want_usable[1]);
		CHECK(count && first < disk_sectors && count <= disk_sectors - first);
	} else {
		CHECK(why != NULL);
	}
	return 0;
}
