/* Host test of the store over a block device in memory: values kept
 * across reopenings, deletion, compaction, a torn last record, and a
 * power cut after every possible number of written sectors in a run that
 * compacts several times: each time, every committed record is there;
 * and two power cuts at every pair of sectors of two consecutive
 * compactions (the second one during the first's recovery or after it):
 * no deleted key comes back. */
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "virtio_blk/test/blk_mem.h"

#define KEYS 8

static struct store st; /* large: not on the stack */

/* What the store must hold: per key, a value (length -1: absent). */
struct model {
	long len[KEYS];
	uint8_t val[KEYS][STORE_VAL_MAX];
};

static void key_name(char *buf, unsigned k)
{
	snprintf(buf, 16, "key%u", k);
}

static size_t make_value(uint8_t *v, unsigned k, unsigned round)
{
	size_t len = (size_t)(round * 37 + k * 101) % 700;
	for (size_t i = 0; i < len; i++)
		v[i] = (uint8_t)(i * 7 + k + round * 13);
	return len;
}

static void check(struct store *s, const struct model *m, int in_flight_key,
                  const uint8_t *in_flight, long in_flight_len)
{
	static uint8_t buf[STORE_VAL_MAX];
	unsigned present = 0;
	for (unsigned k = 0; k < KEYS; k++) {
		char key[16];
		key_name(key, k);
		long n = store_get(s, key, buf, sizeof(buf));
		if ((int)k == in_flight_key && n == in_flight_len &&
		    (n < 0 || !memcmp(buf, in_flight, (size_t)n))) {
			present += n >= 0;
			continue;
		}
		if (n != m->len[k]) {
			fprintf(stderr, "%s: length %ld, %ld expected\n", key, n, m->len[k]);
			abort();
		}
		if (n >= 0) {
			assert(!memcmp(buf, m->val[k], (size_t)n));
			present++;
		}
	}
	assert(store_count(s) == present);
}

static void test_basic(void)
{
	struct blkdev *d = blk_mem_new(64);
	assert(!store_open(&st, d, 0, 64));
	assert(store_count(&st) == 0);
	assert(store_put(&st, "a", "one", 3) == 0);
	assert(store_put(&st, "b", "two", 3) == 0);
	assert(store_put(&st, "", "x", 1) == -1);
	char longkey[STORE_KEY_MAX + 2];
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = 0;
	assert(store_put(&st, longkey, "x", 1) == -1);
	assert(store_put(&st, "c", NULL, STORE_VAL_MAX + 1) == -1);
	char buf[16];
	assert(store_get(&st, "a", buf, sizeof(buf)) == 3 && !memcmp(buf, "one", 3));
	assert(!store_open(&st, d, 0, 64));
	assert(store_count(&st) == 2);
	assert(store_get(&st, "b", buf, sizeof(buf)) == 3 && !memcmp(buf, "two", 3));
	assert(store_put(&st, "a", "uno", 3) == 0);
	assert(store_del(&st, "b") == 0);
	assert(!store_open(&st, d, 0, 64));
	assert(store_get(&st, "a", buf, sizeof(buf)) == 3 && !memcmp(buf, "uno", 3));
	assert(store_get(&st, "b", buf, sizeof(buf)) == -1);
	assert(store_count(&st) == 1);
	/* Another slice size: not this store, a new one. */
	assert(!store_open(&st, d, 0, 62));
	assert(store_count(&st) == 0);
	blk_mem_free(d);

	d = blk_mem_new(64);
	d->read_only = true;
	assert(store_open(&st, d, 0, 64) == -1);
	assert(store_open(&st, d, 0, 16) == -1); /* too small anyway */
	blk_mem_free(d);
	printf("store: basic ok\n");
}

/* Many puts and deletions on a small slice: compaction, reopened often. */
static void test_compaction(void)
{
	static struct model m;
	struct blkdev *d = blk_mem_new(80);
	for (unsigned k = 0; k < KEYS; k++)
		m.len[k] = -1;
	assert(!store_open(&st, d, 8, 72));
	uint64_t generation = store_generation(&st);
	for (unsigned round = 0; round < 400; round++) {
		unsigned k = (round * 5) % KEYS;
		char key[16];
		key_name(key, k);
		if (round % 11 == 3) {
			assert(store_del(&st, key) == 0);
			m.len[k] = -1;
		} else {
			m.len[k] = (long)make_value(m.val[k], k, round);
			assert(store_put(&st, key, m.val[k], (size_t)m.len[k]) == 0);
		}
		check(&st, &m, -1, NULL, 0);
		if (round % 7 == 0) {
			assert(!store_open(&st, d, 8, 72));
			check(&st, &m, -1, NULL, 0);
		}
	}
	assert(store_generation(&st) > generation + 10);
	for (unsigned i = 0; i < 8 * BLK_SECTOR_SIZE; i++)
		assert(d->data[i] == 0); /* nothing before the slice written */
	printf("store: compaction ok (generation %llu)\n",
	       (unsigned long long)store_generation(&st));
	blk_mem_free(d);
}

/* A power cut after `cut` written sectors, in a run of puts and deletions
 * that compacts: reopened, the store holds every committed record, and
 * the one in flight whole or not at all. Returns whether the cut came. */
static int power_cut_run(unsigned cut)
{
	static struct model m;
	static uint8_t in_flight[STORE_VAL_MAX];
	struct blkdev *d = blk_mem_new(48);
	for (unsigned k = 0; k < KEYS; k++)
		m.len[k] = -1;
	assert(!store_open(&st, d, 0, 48));
	d->cut_armed = true;
	d->cut_after = cut;
	int flight_key = -1;
	long flight_len = -1;
	for (unsigned round = 0; round < 200; round++) {
		unsigned k = (round * 3) % KEYS;
		char key[16];
		key_name(key, k);
		if (round % 9 == 5) {
			if (store_del(&st, key)) {
				flight_key = (int)k;
				flight_len = -1;
				break;
			}
			m.len[k] = -1;
		} else {
			size_t len = make_value(in_flight, k, round);
			if (store_put(&st, key, in_flight, len)) {
				flight_key = (int)k;
				flight_len = (long)len;
				break;
			}
			memcpy(m.val[k], in_flight, len);
			m.len[k] = (long)len;
		}
	}
	int came = d->cut;
	d->cut = d->cut_armed = false;
	assert(!store_open(&st, d, 0, 48));
	check(&st, &m, flight_key, in_flight, flight_len);
	/* And it goes on working. */
	assert(store_put(&st, "after", "cut", 3) == 0);
	assert(!store_open(&st, d, 0, 48));
	char buf[4];
	assert(store_get(&st, "after", buf, sizeof(buf)) == 3);
	blk_mem_free(d);
	return came;
}

static void test_power_cuts(void)
{
	unsigned cut = 0;
	while (power_cut_run(cut))
		cut++;
	printf("store: power cut after each of %u sectors ok\n", cut);
}

/* Two power cuts in two consecutive compactions. Six keys; the log is
 * filled up to two free sectors, then a put of a large value compacts:
 * the first cut comes after `cut1` sectors of it. After the reboot (the
 * second cut armed from there on, so that it may also come during this
 * recovery), two keys are deleted (they fit without compacting) and a put
 * compacts again, into the half where the first attempt may have left
 * records of the same generation; the second cut comes after `cut2`
 * sectors. Reopened, no deleted key is back and every put that returned
 * is there. Returns 0 when neither cut came, 1 when only the first came,
 * 2 when both came. */
#define DOUBLE_CUT_SECTORS 48 /* halves of 24 sectors */

static bool checked_put(struct store *s, struct model *m, unsigned k, size_t len, int *flight_key,
                        long *flight_len, uint8_t *in_flight)
{
	char key[16];
	key_name(key, k);
	for (size_t i = 0; i < len; i++)
		in_flight[i] = (uint8_t)(i * 3 + k + len);
	if (store_put(s, key, in_flight, len)) {
		*flight_key = (int)k;
		*flight_len = (long)len;
		return false;
	}
	memcpy(m->val[k], in_flight, len);
	m->len[k] = (long)len;
	return true;
}

static bool checked_del(struct store *s, struct model *m, unsigned k, int *flight_key,
                        long *flight_len)
{
	char key[16];
	key_name(key, k);
	if (store_del(s, key)) {
		*flight_key = (int)k;
		*flight_len = -1;
		return false;
	}
	m->len[k] = -1;
	return true;
}

/* After check() passed, the key in flight as the store has it now. */
static void settle_in_flight(struct store *s, struct model *m, int flight_key)
{
	if (flight_key < 0)
		return;
	char key[16];
	key_name(key, (unsigned)flight_key);
	m->len[flight_key] = store_get(s, key, m->val[flight_key], STORE_VAL_MAX);
}

static int double_cut_run(unsigned cut1, unsigned cut2)
{
	static struct model m;
	static uint8_t in_flight[STORE_VAL_MAX];
	struct blkdev *d = blk_mem_new(DOUBLE_CUT_SECTORS);
	for (unsigned k = 0; k < KEYS; k++)
		m.len[k] = -1;
	assert(!store_open(&st, d, 0, DOUBLE_CUT_SECTORS));
	int flight_key = -1;
	long flight_len = -1;
	for (unsigned k = 0; k < 6; k++)
		assert(checked_put(&st, &m, k, 100, &flight_key, &flight_len, in_flight));
	while (store_used_sectors(&st) < DOUBLE_CUT_SECTORS / 2 - 2)
		assert(checked_put(&st, &m, 0, 50 + store_used_sectors(&st), &flight_key,
		                   &flight_len, in_flight));
	uint64_t generation = store_generation(&st);

	/* The first compaction, and the first cut. */
	d->cut_armed = true;
	d->cut_after = cut1;
	bool done = checked_put(&st, &m, 1, 1500, &flight_key, &flight_len, in_flight);
	assert(done == !d->cut);
	if (done) {
		assert(store_generation(&st) == generation + 1);
		blk_mem_free(d);
		return 0;
	}
	d->cut = false;
	d->cut_after = cut2;
	/* The reboot, the second cut armed: a cut in recovery fails the open. */
	bool opened = !store_open(&st, d, 0, DOUBLE_CUT_SECTORS);
	if (opened) {
		check(&st, &m, flight_key, in_flight, flight_len);
		settle_in_flight(&st, &m, flight_key);
		flight_key = -1;
		/* Unless the first compaction's header got through: */
		bool retry = store_generation(&st) == generation;
		/* two deletions that fit, then a put that compacts. */
		if (checked_del(&st, &m, 5, &flight_key, &flight_len) &&
		    checked_del(&st, &m, 4, &flight_key, &flight_len) &&
		    checked_put(&st, &m, 2, 1500, &flight_key, &flight_len, in_flight))
			assert(!retry || store_generation(&st) == generation + 1);
	}
	int came = d->cut ? 2 : 1;
	d->cut = d->cut_armed = false;
	assert(!store_open(&st, d, 0, DOUBLE_CUT_SECTORS));
	check(&st, &m, flight_key, in_flight, flight_len);
	/* And it goes on working. */
	settle_in_flight(&st, &m, flight_key);
	assert(checked_put(&st, &m, 3, 700, &flight_key, &flight_len, in_flight));
	assert(!store_open(&st, d, 0, DOUBLE_CUT_SECTORS));
	check(&st, &m, -1, NULL, 0);
	blk_mem_free(d);
	return came;
}

static void test_double_power_cuts(void)
{
	unsigned cut1 = 0, runs = 0;
	for (; double_cut_run(cut1, 0); cut1++)
		for (unsigned cut2 = 0; double_cut_run(cut1, cut2) == 2; cut2++)
			runs++;
	printf("store: two power cuts in two compactions (%u sectors, then each sector after) ok, "
	       "%u runs\n",
	       cut1, runs);
}

/* The last record's tail corrupted (a torn write that reached its first
 * sector only): recovery drops it and keeps the ones before it. */
static void test_torn_tail(void)
{
	struct blkdev *d = blk_mem_new(64);
	uint8_t big[1500];
	memset(big, 0xab, sizeof(big));
	assert(!store_open(&st, d, 0, 64));
	assert(!store_put(&st, "a", "first", 5));
	assert(!store_put(&st, "b", big, sizeof(big)));
	uint64_t end = store_used_sectors(&st);
	d->data[(end - 1) * BLK_SECTOR_SIZE + 10] ^= 0x40; /* the record's last sector */
	assert(!store_open(&st, d, 0, 64));
	char buf[8];
	assert(store_get(&st, "b", buf, sizeof(buf)) == -1);
	assert(store_get(&st, "a", buf, sizeof(buf)) == 5 && !memcmp(buf, "first", 5));
	assert(store_used_sectors(&st) < end);
	assert(!store_put(&st, "c", "third", 5));
	assert(!store_open(&st, d, 0, 64));
	assert(store_count(&st) == 2 && store_get(&st, "c", buf, sizeof(buf)) == 5);
	blk_mem_free(d);
	printf("store: torn last record ok\n");
}

int main(void)
{
	test_basic();
	test_compaction();
	test_torn_tail();
	test_power_cuts();
	test_double_power_cuts();
	printf("store: all tests passed\n");
	return 0;
}
