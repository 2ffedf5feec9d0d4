/* A device for testing the hypervisor's emulation (regmap/testdev.h): 32
 * 64-bit registers that accept naturally aligned accesses of any width and
 * read back what was written (the MMIO test guest's target), and interrupt
 * lines that the guest raises and lowers itself (the vPLIC test guest's
 * sources). Not a real device. */
#ifndef VDEV_VTESTDEV_H
#define VDEV_VTESTDEV_H

#include <stdint.h>

#include "regmap/testdev.h"
#include "vm/vdev.h"

#define VTESTDEV_SIZE  0x200 /* its window */
#define VTESTDEV_LINES 8     /* vPLIC sources, from its slot's irq on */

struct vplic;

struct vtestdev {
	uint8_t bytes[TESTDEV_REGS_SIZE];
	uint32_t lines;
	struct vplic *plic;
	unsigned first_irq;
};

extern const struct vdev_model vtestdev_model;

#endif
