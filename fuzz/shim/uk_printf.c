/* The library OS's sources print with printf (picolibc's on the target);
 * the fuzz build renames it to this, which keeps a fuzzing run quiet
 * unless FUZZ_VERBOSE is set, as the hypervisor's console shim does. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int uk_fuzz_printf(const char *fmt, ...);

int uk_fuzz_printf(const char *fmt, ...)
{
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (!verbose)
		return 0;
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
