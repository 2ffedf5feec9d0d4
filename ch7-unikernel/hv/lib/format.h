/* Formatting into any sink: the engine behind printf and snprintf. */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*putc_fn)(void *ctx, char c);

/* %d %i %u %x %X %p %s %c %%, the flags '-' and '0', a width (or '*'), a
 * precision (or .*) for %s, and the length modifiers l, ll and z. Returns the
 * number of characters produced. */
int format(putc_fn out, void *ctx, const char *fmt, va_list ap);

int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
