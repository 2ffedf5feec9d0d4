#include <stdbool.h>

#include "arch/csr.h"
#include "arch/sbi.h"
#include "lib/console.h"
#include "lib/spinlock.h"

static struct spinlock console_spinlock = SPINLOCK_IRQ_INIT("console");
static bool holder_had_interrupts;  /* sstatus.SIE of the hart that holds the lock */
static struct hart *panicking_hart; /* prints without the lock (console_take_over) */
/* The device that lines go to once boot has found it (console_set_output);
 * until then, the firmware's console. */
static void (*output)(char c);
static bool at_line_start = true;

void console_set_output(void (*putc)(char c))
{
	output = putc;
}

static bool in_panic_report(void)
{
	return panicking_hart && panicking_hart == this_hart();
}

/* Boot code prints with interrupts on, and interrupt handlers print: the
 * console lock is the one lock that turns interrupts off while it is held
 * (spinlock.h), so that no handler can interrupt its holder. */
void console_lock(void)
{
	unsigned long sstatus = csr_read_clear(sstatus, SSTATUS_SIE);
	if (in_panic_report())
		return;
	spin_lock(&console_spinlock);
	holder_had_interrupts = sstatus & SSTATUS_SIE;
}

void console_unlock(void)
{
	if (in_panic_report())
		return;
	bool interrupts = holder_had_interrupts;
	spin_unlock(&console_spinlock);
	if (interrupts)
		csr_set(sstatus, SSTATUS_SIE);
}

void console_take_over(void)
{
	/* The line that another hart is printing gets a moment to end; a
	 * holder that keeps the lock longer is stuck, or is this hart, which
	 * failed inside printf. */
	if (!spin_holding(&console_spinlock) && !spin_trylock_for(&console_spinlock, 10000000))
		spin_take_over(&console_spinlock);
	panicking_hart = this_hart();
	if (!at_line_start)
		console_putc_locked('\n');
}

static void raw_putc(char c)
{
	if (output)
		output(c);
	else
		sbi_legacy_putchar(c);
}

void console_putc_locked(char c)
{
	if (at_line_start) {
		for (const char *p = "[hv] "; *p; p++)
			raw_putc(*p);
		at_line_start = false;
	}
	if (c == '\n') {
		raw_putc('\r');
		at_line_start = true;
	}
	raw_putc(c);
}

void console_puts(const char *s)
{
	console_lock();
	while (*s)
		console_putc_locked(*s++);
	console_unlock();
}
