/* The allocator interface: one backend (alloc_bump or alloc_tlsf)
 * implements it; alloc puts the C library's malloc & co on top. */
#ifndef UK_ALLOC_H
#define UK_ALLOC_H

#include <stddef.h>

void uk_alloc_init(void *base, size_t len); /* called by alloc's UK_INIT */
void *uk_malloc(size_t size);
void uk_free(void *p);
void *uk_memalign(size_t align, size_t size); /* align: a power of two */
size_t uk_alloc_free_bytes(void);
/* The usable size of a block that uk_malloc or uk_memalign returned. */
size_t uk_alloc_size(void *p);

#endif
