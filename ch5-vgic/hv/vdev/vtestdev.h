/* A device for testing the hypervisor's emulation (regmap/testdev.h): 32
 * 64-bit registers that accept naturally aligned accesses of any width and
 * read back what was written (the MMIO test guest's target), and interrupt
 * lines that the guest raises and lowers itself (the vPLIC test guest's
 * sources). Not a real device. */
#ifndef VDEV_VTESTDEV_H
#define VDEV_VTESTDEV_H

#include <stdint.h>

#include "regmap/testdev.h"
#include "vm/mmio.h"

#define VTESTDEV_SIZE      0x200 /* its window */
/* Its interrupt lines are vPLIC sources FIRST..FIRST+COUNT-1. */
#define VTESTDEV_IRQ_FIRST 1
#define VTESTDEV_IRQ_COUNT 8

struct vplic;

struct vtestdev {
	uint8_t bytes[TESTDEV_REGS_SIZE];
	uint32_t lines;
	struct vplic *plic;
};

void vtestdev_init(struct vtestdev *t, struct vplic *plic);
extern const struct mmio_ops vtestdev_ops;

#endif
