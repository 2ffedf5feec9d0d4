/* TLSF, two-level segregated fit (Masmano et al., ECRTS 2004): free blocks
 * sit in lists by size class, the first level a power of two, the second
 * splitting it in SL_COUNT; two bitmaps find the smallest non-empty class
 * that fits, so malloc and free take constant time. Physical neighbours
 * merge on free (every block knows the one before it). */
#include <stdbool.h>
#include <stdint.h>

#include "alloc/alloc.h"
#include "plat/plat.h"

#define ALIGN       16u
#define SL_LOG2     4
#define SL_COUNT    (1u << SL_LOG2)
#define SMALL_LIMIT (SL_COUNT * ALIGN) /* below: one class per ALIGN bytes */
#define FL_SHIFT    7                  /* log2(SMALL_LIMIT) - 1 */
#define FL_COUNT    32
#define FLAG_FREE   1u

struct block {
	struct block *prev_phys; /* the block just below (NULL: the first) */
	size_t size;             /* bytes of payload | FLAG_FREE */
	/* free blocks only, in the payload: */
	struct block *next_free, *prev_free;
};
#define HEADER    offsetof(struct block, next_free)
#define MIN_BLOCK (sizeof(struct block) - HEADER)

static uint32_t fl_bitmap;
static uint32_t sl_bitmap[FL_COUNT];
static struct block *lists[FL_COUNT][SL_COUNT];
static size_t free_bytes;

static size_t block_size(const struct block *b)
{
	return b->size & ~(size_t)(ALIGN - 1);
}

static bool block_free(const struct block *b)
{
	return b->size & FLAG_FREE;
}

static void *payload(struct block *b)
{
	return (char *)b + HEADER;
}

static struct block *header_of(void *p)
{
	return (struct block *)((char *)p - HEADER);
}

static struct block *next_phys(struct block *b)
{
	return (struct block *)((char *)payload(b) + block_size(b));
}

static int msb(size_t x)
{
	return 63 - __builtin_clzl(x);
}

/* The class that holds blocks of SIZE bytes. */
static void mapping(size_t size, unsigned *fl, unsigned *sl)
{
	if (size < SMALL_LIMIT) {
		*fl = 0;
		*sl = (unsigned)(size / ALIGN);
	} else {
		int m = msb(size);
		*fl = (unsigned)(m - FL_SHIFT);
		*sl = (unsigned)(size >> (m - SL_LOG2)) ^ SL_COUNT;
	}
}

static void list_insert(struct block *b)
{
	unsigned fl, sl;
	mapping(block_size(b), &fl, &sl);
	b->size |= FLAG_FREE;
	b->prev_free = NULL;
	b->next_free = lists[fl][sl];
	if (b->next_free)
		b->next_free->prev_free = b;
	lists[fl][sl] = b;
	fl_bitmap |= 1u << fl;
	sl_bitmap[fl] |= 1u << sl;
	free_bytes += block_size(b);
}

static void list_remove(struct block *b)
{
	unsigned fl, sl;
	mapping(block_size(b), &fl, &sl);
	if (b->prev_free)
		b->prev_free->next_free = b->next_free;
	else
		lists[fl][sl] = b->next_free;
	if (b->next_free)
		b->next_free->prev_free = b->prev_free;
	if (!lists[fl][sl]) {
		sl_bitmap[fl] &= ~(1u << sl);
		if (!sl_bitmap[fl])
			fl_bitmap &= ~(1u << fl);
	}
	b->size &= ~(size_t)FLAG_FREE;
	free_bytes -= block_size(b);
}

/* A free block of at least SIZE bytes: the first class whose every block
 * fits (SIZE rounded up to its class's upper end), then any larger one. */
static struct block *find_fit(size_t size)
{
	if (size >= SMALL_LIMIT)
		size += ((size_t)1 << (msb(size) - SL_LOG2)) - 1;
	unsigned fl, sl;
	mapping(size, &fl, &sl);
	if (fl >= FL_COUNT)
		return NULL;
	uint32_t sl_map = sl_bitmap[fl] & (~0u << sl);
	if (!sl_map) {
		uint32_t fl_map = fl + 1 < FL_COUNT ? fl_bitmap & (~0u << (fl + 1)) : 0;
		if (!fl_map)
			return NULL;
		fl = (unsigned)__builtin_ctz(fl_map);
		sl_map = sl_bitmap[fl];
	}
	return lists[fl][__builtin_ctz(sl_map)];
}

static struct block *merge(struct block *low, struct block *high)
{
	low->size += HEADER + block_size(high);
	next_phys(low)->prev_phys = low;
	return low;
}

/* Cuts B (in use) after SIZE bytes of payload when the rest can be a
 * block; the rest is freed. */
static void split(struct block *b, size_t size)
{
	size_t total = block_size(b);
	if (total < size + HEADER + MIN_BLOCK)
		return;
	struct block *rest = (struct block *)((char *)payload(b) + size);
	rest->prev_phys = b;
	rest->size = total - size - HEADER;
	b->size = size | (b->size & FLAG_FREE);
	struct block *after = next_phys(rest);
	after->prev_phys = rest;
	if (block_free(after)) {
		list_remove(after);
		merge(rest, after);
	}
	list_insert(rest);
}

static void release(struct block *b)
{
	struct block *next = next_phys(b);
	if (block_free(next)) {
		list_remove(next);
		b = merge(b, next);
	}
	if (b->prev_phys && block_free(b->prev_phys)) {
		struct block *prev = b->prev_phys;
		list_remove(prev);
		b = merge(prev, b);
	}
	list_insert(b);
}

void uk_alloc_init(void *base, size_t len)
{
	uintptr_t start = ((uintptr_t)base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
	uintptr_t end = ((uintptr_t)base + len) & ~(uintptr_t)(ALIGN - 1);
	if (end - start < 2 * HEADER + MIN_BLOCK)
		return;
	struct block *b = (struct block *)start;
	/* The last header: a block of size 0 in use, which no merge crosses. */
	struct block *sentinel = (struct block *)(end - HEADER);
	b->prev_phys = NULL;
	b->size = (size_t)((uintptr_t)sentinel - start - HEADER);
	sentinel->prev_phys = b;
	sentinel->size = 0;
	list_insert(b);
}

static size_t round_size(size_t size)
{
	if (size < MIN_BLOCK)
		size = MIN_BLOCK;
	return (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

void *uk_malloc(size_t size)
{
	if (size > ((size_t)1 << 40))
		return NULL;
	size = round_size(size);
	unsigned long flags = plat_irq_save();
	struct block *b = find_fit(size);
	if (b) {
		list_remove(b);
		split(b, size);
	}
	plat_irq_restore(flags);
	return b ? payload(b) : NULL;
}

void uk_free(void *p)
{
	unsigned long flags = plat_irq_save();
	release(header_of(p));
	plat_irq_restore(flags);
}

void *uk_memalign(size_t align, size_t size)
{
	if (align <= ALIGN)
		return uk_malloc(size);
	if (size > ((size_t)1 << 40) || align > ((size_t)1 << 30))
		return NULL;
	size = round_size(size);
	/* Room for a free block in front of the aligned payload. */
	char *p = uk_malloc(size + align + HEADER + MIN_BLOCK);
	if (!p || ((uintptr_t)p & (align - 1)) == 0)
		return p;
	unsigned long flags = plat_irq_save();
	struct block *b = header_of(p);
	uintptr_t aligned =
	    ((uintptr_t)p + HEADER + MIN_BLOCK + align - 1) & ~(uintptr_t)(align - 1);
	struct block *nb = header_of((void *)aligned);
	size_t front = (size_t)((char *)nb - p); /* the payload left to B */
	nb->prev_phys = b;
	nb->size = block_size(b) - front - HEADER;
	next_phys(nb)->prev_phys = nb;
	b->size = front;
	release(b);
	split(nb, size);
	plat_irq_restore(flags);
	return (void *)aligned;
}

size_t uk_alloc_size(void *p)
{
	return block_size(header_of(p));
}

size_t uk_alloc_free_bytes(void)
{
	return free_bytes;
}
