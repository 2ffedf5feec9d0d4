/* The ns16550's registers, as offsets in register units (the device tree's
 * reg-shift spaces them), and their bits: the one register map of the
 * 16550 for the host's driver, the emulated UART and the test guests.
 * Plain #defines: guest code includes it too. Names as in Linux's
 * serial_reg.h. */
#ifndef REGMAP_NS16550_H
#define REGMAP_NS16550_H

#define UART_RBR 0 /* receive buffer (read, LCR.DLAB clear) */
#define UART_THR 0 /* transmit holding (write, LCR.DLAB clear) */
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

#define UART_IER_RDI  0x01 /* received data available */
#define UART_IER_THRI 0x02 /* transmitter holding register empty */
#define UART_IER_RLSI 0x04 /* receiver line status */

#define UART_IIR_NO_INT 0x01 /* no interrupt pending; else the cause: */
#define UART_IIR_THRI   0x02 /* transmitter holding register empty */
#define UART_IIR_RDI    0x04 /* received data available */
#define UART_IIR_RLSI   0x06 /* receiver line status */
#define UART_IIR_FIFO   0xc0 /* the FIFOs are enabled */

#define UART_FCR_ENABLE_FIFO 0x01
#define UART_FCR_CLEAR_RCVR  0x02 /* self-clearing */
#define UART_FCR_CLEAR_XMIT  0x04 /* self-clearing */

#define UART_LCR_WLEN8 0x03 /* 8 data bits (8N1 with the rest clear) */
#define UART_LCR_DLAB  0x80 /* divisor latch access */

#define UART_LSR_DR   0x01 /* data ready */
#define UART_LSR_OE   0x02 /* overrun error */
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_LSR_TEMT 0x40 /* transmitter empty */

#endif
