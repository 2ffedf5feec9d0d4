/* The C library's allocation functions on the backend. Defined here, they
 * keep picolibc's malloc out of the link (the link map shows it). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc.h"

void *malloc(size_t size)
{
	void *p = uk_malloc(size);
	if (!p)
		errno = ENOMEM;
	return p;
}

void free(void *p)
{
	if (p)
		uk_free(p);
}

void *calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *old, size_t size)
{
	if (!old)
		return malloc(size);
	if (!size) {
		free(old);
		return NULL;
	}
	size_t have = uk_alloc_size(old);
	if (have >= size)
		return old;
	void *p = malloc(size);
	if (p) {
		memcpy(p, old, have);
		free(old);
	}
	return p;
}

void *memalign(size_t align, size_t size)
{
	if (align & (align - 1)) {
		errno = EINVAL;
		return NULL;
	}
	void *p = uk_memalign(align < sizeof(void *) ? sizeof(void *) : align, size);
	if (!p)
		errno = ENOMEM;
	return p;
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if ((align & (align - 1)) || align < sizeof(void *))
		return EINVAL;
	void *p = uk_memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

size_t malloc_usable_size(void *p)
{
	return p ? uk_alloc_size(p) : 0;
}
