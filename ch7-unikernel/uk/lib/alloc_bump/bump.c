/* The bump allocator: a pointer that only moves up. Each block has a
 * header with its size (for realloc); free does nothing. */
#include <stdint.h>

#include "alloc/alloc.h"
#include "plat/plat.h"

#define HEADER 16 /* keeps blocks 16-byte aligned */

static uintptr_t next, limit;

void uk_alloc_init(void *base, size_t len)
{
	next = ((uintptr_t)base + HEADER - 1) & ~(uintptr_t)(HEADER - 1);
	limit = (uintptr_t)base + len;
}

void *uk_memalign(size_t align, size_t size)
{
	if (align < HEADER)
		align = HEADER;
	unsigned long flags = plat_irq_save();
	uintptr_t p = (next + HEADER + align - 1) & ~(uintptr_t)(align - 1);
	void *out = NULL;
	if (p >= next && p <= limit && size <= limit - p) {
		*(size_t *)(p - HEADER) = size;
		next = (p + size + HEADER - 1) & ~(uintptr_t)(HEADER - 1);
		out = (void *)p;
	}
	plat_irq_restore(flags);
	return out;
}

void *uk_malloc(size_t size)
{
	return uk_memalign(HEADER, size);
}

void uk_free(void *p)
{
	(void)p;
}

size_t uk_alloc_size(void *p)
{
	return *(size_t *)((uintptr_t)p - HEADER);
}

size_t uk_alloc_free_bytes(void)
{
	return limit > next ? limit - next : 0;
}
