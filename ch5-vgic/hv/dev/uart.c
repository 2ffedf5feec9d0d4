/* ns16550 driver. OpenSBI has already set the line (baud rate, 8N1); the
 * hypervisor keeps that. Output is polled; input raises the UART's receive
 * interrupt once uart_enable_rx_interrupt has been called. */
#include "arch/mmio.h"
#include "dev/uart.h"

#define UART_RBR 0 /* receive buffer (read) */
#define UART_THR 0 /* transmit holding (write) */
#define UART_IER 1 /* interrupt enable */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LSR 5 /* line status */

#define LSR_DATA_READY (1u << 0)
#define LSR_THR_EMPTY  (1u << 5)

static struct uart_config uart;

static uint8_t reg_read(unsigned reg)
{
	uintptr_t addr = uart.base + ((uintptr_t)reg << uart.reg_shift);
	return uart.reg_io_width == 4 ? (uint8_t)mmio_read32(addr) : mmio_read8(addr);
}

static void reg_write(unsigned reg, uint8_t v)
{
	uintptr_t addr = uart.base + ((uintptr_t)reg << uart.reg_shift);
	if (uart.reg_io_width == 4)
		mmio_write32(addr, v);
	else
		mmio_write8(addr, v);
}

void uart_init(const struct uart_config *cfg)
{
	uart = *cfg;
	reg_write(UART_IER, 0);
	reg_write(UART_FCR, 0x07); /* enable and clear both FIFOs */
}

void uart_putc(char c)
{
	while (!(reg_read(UART_LSR) & LSR_THR_EMPTY))
		;
	reg_write(UART_THR, (uint8_t)c);
}

void uart_enable_rx_interrupt(void)
{
	reg_write(UART_IER, 0x01); /* received data available */
}

int uart_getc(void)
{
	if (!(reg_read(UART_LSR) & LSR_DATA_READY))
		return -1;
	return reg_read(UART_RBR);
}
