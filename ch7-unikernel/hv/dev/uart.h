/* The host's ns16550-compatible UART, at the address the device tree gives. */
#ifndef DEV_UART_H
#define DEV_UART_H

#include <stdint.h>

struct uart_config {
	uintptr_t base;
	uint32_t reg_shift;    /* registers are 1 << reg_shift bytes apart */
	uint32_t reg_io_width; /* 1 or 4 bytes per access */
};

void uart_init(const struct uart_config *cfg);
void uart_putc(char c);
/* Returns the next received byte, or -1 when none is waiting. */
int uart_getc(void);
/* The UART interrupts when a byte arrives (IER.ERBFI); the driver of the
 * interrupt then reads with uart_getc until it says -1. */
void uart_enable_rx_interrupt(void);

#endif
