/* Formatted output: printf to the console (snprintf is in format.h). */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include "lib/format.h"

/* Prints through the console; each line gets the "[hv] " prefix. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);

#endif
