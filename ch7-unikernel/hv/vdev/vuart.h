/* An emulated ns16550 UART for one VM: transmit to the hypervisor console,
 * receive from it while the VM has the console's focus, and the 16550's
 * interrupt (IER, IIR) on a source of the VM's vPLIC. */
#ifndef VDEV_VUART_H
#define VDEV_VUART_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"
#include "vm/vdev.h"

#define VUART_SIZE    0x100 /* its window */
#define VUART_RX_FIFO 64    /* more than a 16550's 16: the host does not wait for the guest */

struct vplic;

struct vuart {
	struct spinlock lock; /* the guest's vCPUs and the host's console interrupt */
	struct vplic *plic;
	unsigned irq; /* its source there */
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_empty_irq; /* THRE interrupt pending: cleared by an IIR read or a write */
	bool overrun;       /* input lost since the last LSR read */
	bool irq_level;     /* what the vPLIC was last told */
	uint8_t rx[VUART_RX_FIFO];
	unsigned rx_head, rx_count;
	unsigned idle_polls; /* LSR reads since the last byte sent or received */
};

/* Its interrupt is its slot's irq on the VM's vPLIC. */
extern const struct vdev_model vuart_model;
/* The VM's UART, or NULL when its machine has none. */
struct vuart *vuart_of(struct vm *vm);
/* A byte typed on the host console for this VM. */
void vuart_receive(struct vuart *u, uint8_t byte);

#endif
