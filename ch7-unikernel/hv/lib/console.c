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
/* The guest line left open on the screen: its VM (0 for none) and vCPU. */
static int open_vm;
static unsigned open_vcpu;

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

static void end_open_guest_line(void)
{
	if (open_vm) {
		raw_putc('\r');
		raw_putc('\n');
		open_vm = 0;
	}
}

void console_putc_locked(char c)
{
	if (at_line_start) {
		end_open_guest_line();
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

void console_write_prefixed(int vm_id, unsigned vcpu, const char *line, unsigned len,
                            bool end_of_line)
{
	char prefix[12] = "[vm";
	int n = 3;
	if (vm_id >= 10)
		prefix[n++] = (char)('0' + vm_id / 10 % 10);
	prefix[n++] = (char)('0' + vm_id % 10);
	prefix[n++] = ']';
	prefix[n++] = ' ';
	console_lock();
	/* A hypervisor line in progress is ended first: lines never mix. */
	if (!at_line_start) {
		raw_putc('\r');
		raw_putc('\n');
		at_line_start = true;
	}
	if (open_vm != vm_id || open_vcpu != vcpu)
		end_open_guest_line();
	if (!open_vm)
		for (int i = 0; i < n; i++)
			raw_putc(prefix[i]);
	for (unsigned i = 0; i < len; i++) {
		char c = line[i];
		/* Control characters other than tab would let a guest forge lines
		 * or move the terminal's cursor over another VM's output. */
		raw_putc((c >= 0x20 && c < 0x7f) || c == '\t' ? c : '.');
	}
	open_vm = vm_id;
	open_vcpu = vcpu;
	if (end_of_line)
		end_open_guest_line();
	console_unlock();
}
