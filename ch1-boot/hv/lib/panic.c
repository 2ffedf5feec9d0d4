/* A panic reports on the console and powers the machine off with a failure
 * status. */
#include <stdarg.h>

#include "arch/csr.h"
#include "boot/hart.h"
#include "boot/poweroff.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/printf.h"

static volatile int panicking;
static struct hart *volatile reporting_hart;

void panic(const char *fmt, ...)
{
	csr_clear(sstatus, SSTATUS_SIE);
	/* Only the first hart to panic reports; the others stop here. A hart
	 * that panics again while it reports (a fault in the report) stops the
	 * machine with what is out. */
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL)) {
		if (reporting_hart == this_hart())
			poweroff(1);
		for (;;)
			wfi();
	}
	reporting_hart = this_hart();
	console_take_over();

	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("panic on hart %lu: %s\n", this_hart() ? this_hart()->hartid : ~0UL, msg);
	poweroff(1);
}
