/* External interrupts through the PLIC. */
#ifndef UK_INTC_H
#define UK_INTC_H

/* Calls handler(arg), with interrupts off, each time line IRQ fires; enables
 * the line. 0, or -1: no PLIC, or no such line. */
int intc_register(unsigned irq, void (*handler)(void *arg), void *arg);

#endif
