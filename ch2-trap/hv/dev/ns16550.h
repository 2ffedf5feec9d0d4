/* The 16550 UART's registers and their bits, by the PC16550D datasheet's
 * names, for all that drive or emulate one: the host's driver, and in the
 * chapters that run guests the emulated UART and the test guests.
 * Offsets count registers; the device tree's reg-shift scales them. */
#ifndef DEV_NS16550_H
#define DEV_NS16550_H

#define UART_RBR 0 /* receive buffer (read; LCR.DLAB clear) */
#define UART_THR 0 /* transmit holding (write; LCR.DLAB clear) */
#define UART_DLL 0 /* divisor latch, low byte (LCR.DLAB set) */
#define UART_IER 1 /* interrupt enable (LCR.DLAB clear) */
#define UART_DLM 1 /* divisor latch, high byte (LCR.DLAB set) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_MSR 6 /* modem status */
#define UART_SCR 7 /* scratch */

#define IER_RDI  0x01 /* received data available */
#define IER_THRI 0x02 /* transmitter holding register empty */
#define IER_RLSI 0x04 /* receiver line status */

/* IIR: the pending interrupt of the highest priority */
#define IIR_NO_IRQ  0x01
#define IIR_THRE    0x02
#define IIR_RDA     0x04
#define IIR_RLS     0x06
#define IIR_FIFO_ON 0xc0

#define FCR_FIFO_ENABLE 0x01
#define FCR_CLEAR_RX    0x02
#define FCR_CLEAR_TX    0x04

#define LCR_DLAB 0x80 /* registers 0 and 1 are the divisor latch */

#define LSR_DR   0x01 /* data ready */
#define LSR_OE   0x02 /* overrun error */
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */

#endif
