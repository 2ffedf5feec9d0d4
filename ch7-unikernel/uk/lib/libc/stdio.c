/* picolibc's standard streams on the platform console. Output is buffered
 * per line (one SBI call a line, not a character); a full buffer or a
 * newline writes it out. */
#include <stdio.h>

#include "plat/plat.h"
#include "uk/config.h"
#if CONFIG_LIBUART
#include "uart/uart.h"
#endif

static char line[128];
static size_t used;

static void flush_line(void)
{
	plat_console_write(line, used);
	used = 0;
}

static int console_put(char c, FILE *f)
{
	(void)f;
	/* Threads may print at once: a line is added to without interruption. */
	unsigned long flags = plat_irq_save();
	line[used++] = c;
	if (c == '\n' || used == sizeof(line))
		flush_line();
	plat_irq_restore(flags);
	return (unsigned char)c;
}

static int console_flush(FILE *f)
{
	(void)f;
	unsigned long flags = plat_irq_save();
	flush_line();
	plat_irq_restore(flags);
	return 0;
}

/* Input is the UART's when the image has it; otherwise there is none. */
static int console_get(FILE *f)
{
	(void)f;
#if CONFIG_LIBUART
	return uart_getc_wait();
#else
	return EOF;
#endif
}

static FILE console = FDEV_SETUP_STREAM(console_put, console_get, console_flush, _FDEV_SETUP_RW);

FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;
