#include <stdarg.h>

#include "arch/csr.h"
#include "boot/hart.h"
#include "boot/poweroff.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/printf.h"

static void console_out(void *ctx, char c)
{
	(void)ctx;
	console_putc_locked(c);
}

static void emit(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format(console_out, 0, fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	csr_clear(sstatus, SSTATUS_SIE);
	console_lock_emergency();

	va_list ap;
	va_start(ap, fmt);
	emit("panic on hart %lu: ", this_hart() ? this_hart()->hartid : ~0UL);
	format(console_out, 0, fmt, ap);
	emit("\n");
	va_end(ap);

	console_unlock();
	poweroff(1);
}
