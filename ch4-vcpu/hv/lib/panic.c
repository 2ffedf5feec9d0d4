/* A panic prints what a reader needs to find the bug without a debugger:
 * the cause, where, the registers and the call chain by name. Then the
 * machine is powered off with a failure status. */
#include <stdarg.h>

#include "arch/csr.h"
#include "arch/trap.h"
#include "boot/hart.h"
#include "boot/poweroff.h"
#include "lib/backtrace.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/printf.h"

void capture_context(struct trap_frame *f);

static volatile int panicking;
static struct hart *volatile reporting_hart;

/* Only the first hart to panic reports; the others stop here. A hart that
 * panics again while it reports (a fault in the report) stops the machine
 * with what is out. The reporting hart keeps the console to itself. */
static void enter_panic(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL)) {
		if (reporting_hart == this_hart())
			poweroff(1);
		for (;;)
			wfi();
	}
	reporting_hart = this_hart();
	console_take_over();
}

void panic(const char *fmt, ...)
{
	struct trap_frame f;
	capture_context(&f);
	enter_panic();

	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct hart *h = this_hart();
	unsigned long off;
	const char *sym = symbol_lookup(f.sepc, &off);
	printf("panic on hart %lu: %s\n", h ? h->hartid : ~0UL, msg);
	printf("cause: panic() called (no trap); pc 0x%lx <%s+0x%lx>  sstatus 0x%lx\n", f.sepc, sym,
	       off, f.sstatus);
	trap_dump_registers(&f);
	backtrace_print(f.sepc, (unsigned long)__builtin_frame_address(0));
	poweroff(1);
}

void panic_frame(const struct trap_frame *f, const char *why)
{
	enter_panic();
	struct hart *h = this_hart();
	printf("panic on hart %lu: %s: %s\n", h ? h->hartid : ~0UL, why,
	       trap_cause_name(f->scause));
	trap_dump(f);
	backtrace_print(f->sepc, f->regs[REG_S0]);
	poweroff(1);
}
