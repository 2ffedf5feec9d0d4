/* A host test of an allocator backend (alloc_bump or alloc_tlsf): random
 * uk_malloc, uk_memalign and uk_free, every live block filled with its own
 * pattern and checked before it is freed; blocks must not overlap, stay in
 * the arena and be aligned. TLSF (FREES=1) must also give back everything:
 * after the last free, one block of three quarters of the arena fits again
 * (only merged neighbours make one that large; TLSF rounds a request up to
 * its size class, so the whole arena at once would not).
 *
 *   cc -I uk/lib -DFREES=1 alloc_test.c ../../alloc_tlsf/tlsf.c -o t && ./t SEED
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc.h"
#include "plat/plat.h"

#ifndef FREES
#define FREES 1
#endif

#define ARENA  (4u << 20)
#define LIVE   256
#define ROUNDS 20000

unsigned long plat_irq_save(void)
{
	return 0;
}

void plat_irq_restore(unsigned long flags)
{
	(void)flags;
}

static struct {
	uint8_t *p;
	size_t size;
	uint8_t fill;
} live[LIVE];
static uint8_t *arena;

static uint64_t state;
static uint64_t next_random(void)
{
	state += 0x9E3779B97F4A7C15ull;
	uint64_t z = state;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void fail(const char *what, int i)
{
	printf("alloc_test: %s (slot %d)\n", what, i);
	exit(1);
}

static void check_and_free(int i)
{
	for (size_t k = 0; k < live[i].size; k++)
		if (live[i].p[k] != live[i].fill)
			fail("a block's contents changed: blocks overlap", i);
	if (FREES)
		uk_free(live[i].p);
	live[i].p = NULL;
}

int main(int argc, char **argv)
{
	state = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	arena = malloc(ARENA + 64);
	uint8_t *base = arena + 8 + next_random() % 32; /* not aligned: init must align */
	uk_alloc_init(base, ARENA);
	size_t initial = uk_alloc_free_bytes();
	if (initial < ARENA - 4096)
		fail("the arena is not all free at first", -1);
	for (int round = 0; round < ROUNDS; round++) {
		int i = (int)(next_random() % LIVE);
		if (live[i].p) {
			check_and_free(i);
			continue;
		}
		size_t size = next_random() % (next_random() % 4 ? 256 : 16384);
		size_t align = (size_t)1 << (next_random() % 13);
		uint8_t *p = next_random() % 3 ? uk_malloc(size) : uk_memalign(align, size);
		if (!p) {
			if (FREES)
				fail("out of memory with a quarter of the arena in use at most", i);
			break; /* the bump allocator runs out: fine */
		}
		if (p < base || p + size > base + ARENA)
			fail("a block outside the arena", i);
		if ((uintptr_t)p % 16)
			fail("a block not 16-byte aligned", i);
		if (uk_alloc_size(p) < size)
			fail("uk_alloc_size smaller than the request", i);
		live[i].p = p;
		live[i].size = size;
		live[i].fill = (uint8_t)next_random();
		memset(p, live[i].fill, size);
	}
	for (int i = 0; i < LIVE; i++)
		if (live[i].p)
			check_and_free(i);
	if (FREES) {
		if (uk_alloc_free_bytes() != initial)
			fail("free bytes after freeing everything differ from the start", -1);
		void *all = uk_malloc(initial / 4 * 3);
		if (!all)
			fail("freed blocks were not merged back: no large block fits", -1);
		uk_free(all);
	}
	printf("alloc_test: ok\n");
	return 0;
}
