#include <stdbool.h>

#include "arch/sbi.h"
#include "dev/uart.h"
#include "lib/console.h"
#include "lib/spinlock.h"

static struct spinlock console_spinlock;
static bool uart_ready;
static bool at_line_start = true;
/* The guest line left open on the screen: its VM (0 for none) and vCPU. */
static int open_vm;
static unsigned open_vcpu;

void console_use_uart(void)
{
	uart_ready = true;
}

void console_lock(void)
{
	spin_lock(&console_spinlock);
}

void console_unlock(void)
{
	spin_unlock(&console_spinlock);
}

void console_lock_emergency(void)
{
	spin_trylock_for(&console_spinlock, 10000000);
}

static void raw_putc(char c)
{
	if (uart_ready)
		uart_putc(c);
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
