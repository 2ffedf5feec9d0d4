/* An emulated ns16550 UART for one VM: the transmit path, with every other
 * register kept so that it reads back what the guest wrote. */
#ifndef VDEV_VUART_H
#define VDEV_VUART_H

#include <stdint.h>

#include "vm/mmio.h"

#define VUART_SIZE 0x100

struct vm;

struct vuart {
	struct vm *vm;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	unsigned idle_polls; /* LSR reads since the last byte sent */
};

void vuart_init(struct vuart *u, struct vm *vm);
extern const struct mmio_ops vuart_ops;

#endif
