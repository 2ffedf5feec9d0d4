#include <stdbool.h>

#include "arch/sbi.h"
#include "dev/uart.h"
#include "lib/console.h"
#include "lib/spinlock.h"

static struct spinlock console_spinlock;
static bool uart_ready;
static bool at_line_start = true;

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
