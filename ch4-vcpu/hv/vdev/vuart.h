/* An emulated ns16550 UART for one VM: the transmit path, with every other
 * register kept so that it reads back what the guest wrote. */
#ifndef VDEV_VUART_H
#define VDEV_VUART_H

#include <stdint.h>

#include "vm/vdev.h"

#define VUART_SIZE 0x100 /* its window */

struct vuart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	unsigned idle_polls; /* LSR reads since the last byte sent */
};

extern const struct vdev_model vuart_model;

#endif
