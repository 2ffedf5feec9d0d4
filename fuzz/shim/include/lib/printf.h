/* Host build of lib/printf.h: the hypervisor's printf is hv_printf
 * (fuzz/shim/host.c), not the C library's. Function-like macros, so that
 * `format(printf, ...)` attributes keep their meaning. */
#ifndef FUZZ_SHIM_LIB_PRINTF_H
#define FUZZ_SHIM_LIB_PRINTF_H

#include_next "lib/printf.h"

int hv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hv_vprintf(const char *fmt, va_list ap);
#define printf(...)  hv_printf(__VA_ARGS__)
#define vprintf(...) hv_vprintf(__VA_ARGS__)

#endif
