/* printf to the hypervisor console, under its lock. */
#include "lib/console.h"
#include "lib/printf.h"

static void console_out(void *ctx, char c)
{
	(void)ctx;
	console_putc_locked(c);
}

int vprintf(const char *fmt, va_list ap)
{
	console_lock();
	int n = format(console_out, NULL, fmt, ap);
	console_unlock();
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
