/* Console input: the ns16550 that /chosen/stdout-path names. */
#ifndef UK_UART_H
#define UK_UART_H

int uart_getc(void);      /* a received byte, or -1 when none waits */
int uart_getc_wait(void); /* waits for one (threads: sleeps until the irq) */

#endif
