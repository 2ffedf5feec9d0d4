/* The key-value log (see store.h for the layout and why it is crash-safe).
 * Every value read from the disk is checked before it is used: a corrupt
 * slice gives a shorter log or an error, never a wild access. The
 * invariant that keeps a replay to committed records (store.h): when a
 * half becomes live, everything after its last record is zero, so that a
 * compaction retried under the generation of one a power cut interrupted
 * cannot chain on to that attempt's records. */
#include "store/store.h"

#include <string.h>

#include "store/crc32.h"

#define SECTOR BLK_SECTOR_SIZE

static uint64_t half_start(const struct store *s, unsigned half)
{
	return s->first_sector + half * s->half_sectors;
}

static uint64_t record_sectors(size_t key_len, size_t val_len)
{
	return (sizeof(struct store_record) + key_len + val_len + SECTOR - 1) / SECTOR;
}

static uint32_t header_crc(struct store_half_header h)
{
	h.crc = 0;
	return crc32(0, &h, sizeof(h));
}

/* The record in buf (header, key, value), its CRC computed with crc = 0. */
static uint32_t record_crc(const uint8_t *buf)
{
	struct store_record r;
	memcpy(&r, buf, sizeof(r));
	r.crc = 0;
	uint32_t crc = crc32(0, &r, sizeof(r));
	return crc32(crc, buf + sizeof(r), (size_t)r.key_len + r.val_len);
}

/* The half's header if it is valid for this slice, else generation 0. */
static uint64_t read_half_generation(struct store *s, unsigned half)
{
	if (blk_read(s->dev, half_start(s, half), s->buf, 1))
		return 0;
	struct store_half_header h;
	memcpy(&h, s->buf, sizeof(h));
	if (h.magic != STORE_HALF_MAGIC || h.version != STORE_VERSION || h.reserved ||
	    h.sectors != s->half_sectors || h.crc != header_crc(h))
		return 0;
	return h.generation;
}

static int write_half_header(struct store *s, unsigned half, uint64_t generation)
{
	struct store_half_header h = {
	    .magic = STORE_HALF_MAGIC,
	    .version = STORE_VERSION,
	    .generation = generation,
	    .sectors = s->half_sectors,
	};
	h.crc = header_crc(h);
	memset(s->buf, 0, SECTOR);
	memcpy(s->buf, &h, sizeof(h));
	if (blk_write(s->dev, half_start(s, half), s->buf, 1))
		return -1;
	return blk_flush(s->dev);
}

static struct store_key *find_key(struct store *s, const char *key)
{
	for (unsigned i = 0; i < s->nkeys; i++)
		if (!strcmp(s->keys[i].key, key))
			return &s->keys[i];
	return NULL;
}

static void forget_key(struct store *s, struct store_key *k)
{
	size_t after = (size_t)(&s->keys[s->nkeys] - (k + 1));
	memmove(k, k + 1, after * sizeof(*k));
	s->nkeys--;
}

/* Records that the newest record of `key` is at `sector`: 0, or -1 when
 * the index is full. */
static int index_put(struct store *s, const char *key, uint64_t sector, uint32_t val_len)
{
	struct store_key *k = find_key(s, key);
	if (!k) {
		if (s->nkeys == STORE_MAX_KEYS)
			return -1;
		k = &s->keys[s->nkeys++];
		strcpy(k->key, key);
	}
	k->sector = (uint32_t)sector;
	k->val_len = val_len;
	return 0;
}

static bool valid_key(const char *key, size_t len)
{
	return len >= 1 && len <= STORE_KEY_MAX && !memchr(key, 0, len);
}

/* Reads the record at `sector` of the live half into s->buf if it is the
 * next one of the log: its sector count, or 0 when it is not (torn, stale,
 * past the end, or never written). */
static uint64_t read_next_record(struct store *s, uint64_t sector)
{
	if (sector >= s->half_sectors ||
	    blk_read(s->dev, half_start(s, s->live) + sector, s->buf, 1))
		return 0;
	struct store_record r;
	memcpy(&r, s->buf, sizeof(r));
	if (r.magic != STORE_RECORD_MAGIC || r.generation != s->generation ||
	    r.seq != s->next_seq || r.key_len < 1 || r.key_len > STORE_KEY_MAX ||
	    r.val_len > STORE_VAL_MAX ||
	    (r.kind != STORE_RECORD_PUT && r.kind != STORE_RECORD_DEL) ||
	    (r.kind == STORE_RECORD_DEL && r.val_len))
		return 0;
	uint64_t n = record_sectors(r.key_len, r.val_len);
	if (n > s->half_sectors - sector)
		return 0;
	if (n > 1 && blk_read(s->dev, half_start(s, s->live) + sector + 1, s->buf + SECTOR, n - 1))
		return 0;
	if (r.crc != record_crc(s->buf) || !valid_key((const char *)s->buf + sizeof(r), r.key_len))
		return 0;
	return n;
}

/* Zeroes sectors [from, half_sectors) of `half` and flushes: nothing left
 * there can pass for a record of the half's generation. */
static int zero_rest_of_half(struct store *s, unsigned half, uint64_t from)
{
	memset(s->buf, 0, sizeof(s->buf));
	uint64_t chunk = sizeof(s->buf) / SECTOR;
	for (uint64_t pos = from; pos < s->half_sectors; pos += chunk) {
		uint64_t n = s->half_sectors - pos < chunk ? s->half_sectors - pos : chunk;
		if (blk_write(s->dev, half_start(s, half) + pos, s->buf, n))
			return -1;
	}
	return blk_flush(s->dev);
}

/* The log ends at s->end. If that sector is not blank, a record was torn
 * there (or the disk corrupted one): the rest of the half is zeroed, so
 * that nothing after the end (pieces of the torn record, records after a
 * corrupt one) can be read as a record once appends reach it. */
static int clear_after_end(struct store *s)
{
	uint64_t at = half_start(s, s->live) + s->end;
	if (s->end >= s->half_sectors || blk_read(s->dev, at, s->buf, 1))
		return 0;
	bool blank = true;
	for (unsigned i = 0; i < SECTOR; i++)
		blank &= !s->buf[i];
	if (blank || blk_read_only(s->dev))
		return 0; /* read-only: nothing will be appended */
	return zero_rest_of_half(s, s->live, s->end);
}

/* Replays the live half's log into the index. */
static int recover(struct store *s)
{
	s->nkeys = 0;
	s->next_seq = 1;
	s->end = 1;
	for (;;) {
		uint64_t n = read_next_record(s, s->end);
		if (!n)
			return clear_after_end(s);
		struct store_record r;
		memcpy(&r, s->buf, sizeof(r));
		char key[STORE_KEY_MAX + 1];
		memcpy(key, s->buf + sizeof(r), r.key_len);
		key[r.key_len] = 0;
		if (r.kind == STORE_RECORD_DEL) {
			struct store_key *k = find_key(s, key);
			if (k)
				forget_key(s, k);
		} else if (index_put(s, key, s->end, r.val_len)) {
			return -1; /* more keys than this store keeps: not ours */
		}
		s->end += n;
		s->next_seq++;
	}
}

/* A new store: the slice zeroed, so that nothing an earlier store left on
 * these sectors can pass for one of our records; then half 0's header,
 * generation 1, no records. */
static int format(struct store *s, uint64_t sectors)
{
	memset(s->buf, 0, sizeof(s->buf));
	uint64_t chunk = sizeof(s->buf) / SECTOR;
	for (uint64_t done = 0; done < sectors; done += chunk) {
		uint64_t n = sectors - done < chunk ? sectors - done : chunk;
		if (blk_write(s->dev, s->first_sector + done, s->buf, n))
			return -1;
	}
	if (blk_flush(s->dev))
		return -1;
	return write_half_header(s, 0, 1);
}

int store_open(struct store *s, struct blkdev *dev, uint64_t first_sector, uint64_t sectors)
{
	memset(s, 0, sizeof(*s));
	s->dev = dev;
	s->first_sector = first_sector;
	s->half_sectors = sectors / 2;
	if (!dev || sectors < STORE_MIN_SECTORS || first_sector > blk_sectors(dev) ||
	    sectors > blk_sectors(dev) - first_sector || s->half_sectors > UINT32_MAX)
		return -1;
	uint64_t gen0 = read_half_generation(s, 0);
	uint64_t gen1 = read_half_generation(s, 1);
	if (!gen0 && !gen1) {
		if (format(s, sectors))
			return -1;
		gen0 = 1;
	}
	s->live = gen1 > gen0;
	s->generation = s->live ? gen1 : gen0;
	return recover(s);
}

/* Appends a record (header, key, value) to the live half at s->end,
 * without a flush: 0, or -1 when it does not fit or the write fails. The
 * value may already sit at its place in s->buf (compaction). */
static int append(struct store *s, uint16_t kind, const char *key, const void *val, size_t len)
{
	size_t key_len = strlen(key);
	uint64_t n = record_sectors(key_len, len);
	if (n > s->half_sectors - s->end)
		return -1;
	struct store_record r = {
	    .magic = STORE_RECORD_MAGIC,
	    .generation = s->generation,
	    .seq = s->next_seq,
	    .key_len = (uint16_t)key_len,
	    .kind = kind,
	    .val_len = (uint32_t)len,
	};
	size_t used = sizeof(r) + key_len + len;
	if (len)
		memmove(s->buf + sizeof(r) + key_len, val, len);
	memcpy(s->buf + sizeof(r), key, key_len);
	memcpy(s->buf, &r, sizeof(r));
	memset(s->buf + used, 0, n * SECTOR - used);
	r.crc = record_crc(s->buf);
	memcpy(s->buf, &r, sizeof(r));
	if (blk_write(s->dev, half_start(s, s->live) + s->end, s->buf, n))
		return -1;
	s->end += n;
	s->next_seq++;
	return 0;
}

/* Reads the record of index entry k from `half` into s->buf (it was
 * checked on recovery or written by us): the value's address, or NULL. */
static const uint8_t *load_value(struct store *s, unsigned half, const struct store_key *k)
{
	size_t key_len = strlen(k->key);
	uint64_t n = record_sectors(key_len, k->val_len);
	if (blk_read(s->dev, half_start(s, half) + k->sector, s->buf, n))
		return NULL;
	return s->buf + sizeof(struct store_record) + key_len;
}

/* Copies the live records into the other half with the next generation,
 * in the index's order (so entry i stays entry i), zeroes the rest of that
 * half, then writes its header, which makes it live. The zeroing matters:
 * an attempt that a power cut interrupted left records of this same
 * generation there (its header was never written, so the retry after the
 * reboot uses the same generation again); with fewer records this time,
 * the old ones after the new end would chain on (right generation, next
 * sequence numbers, valid CRCs) and recovery would replay them. */
static int compact(struct store *s)
{
	unsigned old = s->live;
	uint64_t old_generation = s->generation;
	s->live = !old;
	s->generation = old_generation + 1;
	s->next_seq = 1;
	s->end = 1;
	for (unsigned i = 0; i < s->nkeys; i++) {
		struct store_key *k = &s->keys[i];
		const uint8_t *val = load_value(s, old, k);
		uint64_t at = s->end;
		if (!val || append(s, STORE_RECORD_PUT, k->key, val, k->val_len))
			goto failed;
		k->sector = (uint32_t)at;
	}
	/* The records and the zeroed rest on stable storage first (the
	 * zeroing's flush covers both), then the header. */
	if (zero_rest_of_half(s, s->live, s->end) || write_half_header(s, s->live, s->generation))
		goto failed;
	return 0;

failed:
	/* The old half is still the live one on disk: carry on with it. */
	s->live = old;
	s->generation = old_generation;
	recover(s);
	return -1;
}

static int put_record(struct store *s, uint16_t kind, const char *key, const void *val, size_t len)
{
	if (record_sectors(strlen(key), len) > s->half_sectors - s->end && compact(s))
		return -1;
	uint64_t at = s->end;
	if (append(s, kind, key, val, len) || blk_flush(s->dev))
		return -1;
	if (kind == STORE_RECORD_DEL) {
		forget_key(s, find_key(s, key));
		return 0;
	}
	return index_put(s, key, at, (uint32_t)len);
}

int store_put(struct store *s, const char *key, const void *val, size_t len)
{
	if (!key || !valid_key(key, strnlen(key, STORE_KEY_MAX + 1)) || len > STORE_VAL_MAX ||
	    (len && !val))
		return -1;
	/* A new key when the index is full: refused before it reaches the disk. */
	if (!find_key(s, key) && s->nkeys == STORE_MAX_KEYS)
		return -1;
	return put_record(s, STORE_RECORD_PUT, key, val, len);
}

int store_del(struct store *s, const char *key)
{
	if (!key || !valid_key(key, strnlen(key, STORE_KEY_MAX + 1)))
		return -1;
	if (!find_key(s, key))
		return 0;
	return put_record(s, STORE_RECORD_DEL, key, NULL, 0);
}

long store_get(struct store *s, const char *key, void *buf, size_t cap)
{
	struct store_key *k = key ? find_key(s, key) : NULL;
	if (!k)
		return -1;
	const uint8_t *val = load_value(s, s->live, k);
	if (!val)
		return -1;
	memcpy(buf, val, k->val_len < cap ? k->val_len : cap);
	return k->val_len;
}

int store_each(struct store *s, int (*fn)(const char *key, const void *val, size_t len, void *arg),
               void *arg)
{
	for (unsigned i = 0; i < s->nkeys; i++) {
		const uint8_t *val = load_value(s, s->live, &s->keys[i]);
		if (!val)
			return -1;
		int r = fn(s->keys[i].key, val, s->keys[i].val_len, arg);
		if (r)
			return r;
	}
	return 0;
}

unsigned store_count(const struct store *s)
{
	return s->nkeys;
}

uint64_t store_used_sectors(const struct store *s)
{
	return s->end;
}

unsigned store_live_half(const struct store *s)
{
	return s->live;
}

uint64_t store_generation(const struct store *s)
{
	return s->generation;
}
