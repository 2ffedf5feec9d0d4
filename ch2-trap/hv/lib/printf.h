/* Formatted output: printf to the console, snprintf into a buffer. */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*putc_fn)(void *ctx, char c);

/* The engine behind every printf: %d %i %u %x %X %p %s %c %%, the flags
 * '-' and '0', a width (or '*'), a precision (or .*) for %s, and the length
 * modifiers l, ll and z. Returns the number of characters produced. */
int format(putc_fn out, void *ctx, const char *fmt, va_list ap);

/* Prints through the console; each line gets the "[hv] " prefix. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
