/* String functions: byte at a time, simple and obviously correct, except
 * memcpy and memset, which move 8 bytes at a time when both ends allow it:
 * zeroing guest RAM and page tables is on the boot path (make bench). */
#include <stdint.h>

#include "lib/string.h"

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
		for (; n >= 32; n -= 32, d += 32, s += 32) {
			((uint64_t *)d)[0] = ((const uint64_t *)s)[0];
			((uint64_t *)d)[1] = ((const uint64_t *)s)[1];
			((uint64_t *)d)[2] = ((const uint64_t *)s)[2];
			((uint64_t *)d)[3] = ((const uint64_t *)s)[3];
		}
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;
	if (((uintptr_t)p & 7) == 0) {
		uint64_t v = 0x0101010101010101ULL * (unsigned char)c;
		for (; n >= 64; n -= 64, p += 64) {
			((uint64_t *)p)[0] = v;
			((uint64_t *)p)[1] = v;
			((uint64_t *)p)[2] = v;
			((uint64_t *)p)[3] = v;
			((uint64_t *)p)[4] = v;
			((uint64_t *)p)[5] = v;
			((uint64_t *)p)[6] = v;
			((uint64_t *)p)[7] = v;
		}
	}
	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

/* Base 0 accepts a 0x prefix for hexadecimal; stops at the first non-digit. */
unsigned long strtoul(const char *s, const char **end, int base)
{
	unsigned long v = 0;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = 10;
	}
	for (;; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'z')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'Z')
			d = *s - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	if (end)
		*end = s;
	return v;
}
