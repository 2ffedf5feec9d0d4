/* A persistent key-value store: a log of checksummed records on a slice
 * of a block device, which survives a power cut at any moment.
 *
 * Layout: the slice is cut in two halves; one is live (a new store zeroes
 * the slice first, so that only its own records are ever read as such). A half starts with
 * a header sector (magic, CRC-32, generation); records follow it, each at
 * a sector boundary: a 32-byte header (magic, CRC-32 of the record,
 * generation, sequence number, lengths, kind), the key, the value.
 *
 * Writing: a record is appended after the last one and flushed before
 * store_put returns (durable on return). A power cut leaves the record
 * whole or torn; recovery (store_open) reads the live half's records in
 * order while each has the half's generation, the next sequence number
 * and a matching CRC, and stops at the first that does not: a torn record
 * and everything after it are ignored; the rest of the half is zeroed
 * (so that only appends write there again) and the next append goes there.
 *
 * Compaction: when a record does not fit, the live records (the newest
 * of each key, no deletions) are copied into the other half with the
 * next generation, the rest of that half is zeroed, all is flushed, and
 * only then is that half's header written and flushed. Until the header
 * is whole, the old half (lower generation) stays live; a torn header
 * fails its CRC. So a crash at any point leaves one half whose records
 * are all committed ones.
 *
 * The invariant: when a half becomes live (its header written), every
 * sector after its last record is zero, and afterwards only appends
 * write there (recovery zeroes again after a torn one). Without the
 * zeroing, a compaction cut short by a power cut leaves records of the
 * generation it was writing; the retry after the reboot writes the same
 * generation (no header recorded the failed one), and if it writes fewer
 * records (a deletion meanwhile), the failed attempt's records after the
 * new end would continue the log with valid sequence numbers and CRCs,
 * bringing deleted keys back.
 *
 * The index of keys is in memory (struct store, no allocator): at most
 * STORE_MAX_KEYS keys, keys of 1..STORE_KEY_MAX bytes without NUL, values
 * of at most STORE_VAL_MAX bytes. Not thread-safe: one user at a time. */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "virtio_blk/blk.h"

#define STORE_KEY_MAX      47
#define STORE_VAL_MAX      3584
#define STORE_MAX_KEYS     128
#define STORE_RECORD_MAX   4096        /* a record's header, key and value fit */
#define STORE_HALF_MAGIC   0x48534b55u /* "UKSH" */
#define STORE_RECORD_MAGIC 0x52534b55u /* "UKSR" */
#define STORE_VERSION      1
#define STORE_RECORD_PUT   1
#define STORE_RECORD_DEL   2
#define STORE_MIN_SECTORS  32 /* two halves of a header and a largest record at least */

/* On disk, little-endian (as RISC-V is). */
struct store_half_header {
	uint32_t magic;      /* STORE_HALF_MAGIC */
	uint32_t crc;        /* CRC-32 of this header with crc = 0 */
	uint32_t version;    /* STORE_VERSION */
	uint32_t reserved;   /* 0 */
	uint64_t generation; /* the valid half with the highest is live */
	uint64_t sectors;    /* the half's size: a slice of another size is not this store */
};

struct store_record {
	uint32_t magic;      /* STORE_RECORD_MAGIC */
	uint32_t crc;        /* CRC-32 of this header with crc = 0, the key and the value */
	uint64_t generation; /* the half's generation when it was written */
	uint64_t seq;        /* 1, 2, ... in the half's order */
	uint16_t key_len;
	uint16_t kind; /* STORE_RECORD_PUT or _DEL */
	uint32_t val_len;
};

struct store_key {
	char key[STORE_KEY_MAX + 1];
	uint32_t sector; /* the newest record of the key, in its half */
	uint32_t val_len;
};

struct store {
	struct blkdev *dev;
	uint64_t first_sector;
	uint64_t half_sectors;
	unsigned live;       /* 0 or 1: the half being appended to */
	uint64_t generation; /* the live half's */
	uint64_t next_seq;
	uint64_t end; /* the next record's sector in the live half */
	unsigned nkeys;
	struct store_key keys[STORE_MAX_KEYS];
	uint8_t buf[STORE_RECORD_MAX] __attribute__((aligned(8)));
};

/* Opens the store on `sectors` sectors from first_sector, recovering its
 * records; a slice without a valid half is made an empty store. 0, or -1
 * (too small, I/O error, read-only without a store on it). */
int store_open(struct store *s, struct blkdev *dev, uint64_t first_sector, uint64_t sectors);
/* 0 when the record is on stable storage; -1 (bad key or length, full, I/O). */
int store_put(struct store *s, const char *key, const void *val, size_t len);
/* The value's length (copying at most cap bytes), or -1 when missing. */
long store_get(struct store *s, const char *key, void *buf, size_t cap);
/* 0 when the deletion is on stable storage (or the key was missing); -1. */
int store_del(struct store *s, const char *key);
/* fn for each key in the order of their first writes (since the last
 * compaction); stops at fn's first non-zero return, which it returns. */
int store_each(struct store *s, int (*fn)(const char *key, const void *val, size_t len, void *arg),
               void *arg);
/* Live records, and the sectors used in the live half (for tests and kv's report). */
unsigned store_count(const struct store *s);
uint64_t store_used_sectors(const struct store *s);
unsigned store_live_half(const struct store *s);
uint64_t store_generation(const struct store *s);

#endif
