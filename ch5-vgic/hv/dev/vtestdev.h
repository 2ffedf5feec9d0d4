/* A device for testing the hypervisor's emulation: 32 64-bit registers
 * that accept naturally aligned accesses of any width and read back what
 * was written (the MMIO test guest's target), and interrupt lines that the
 * guest raises and lowers itself (the vPLIC test guest's sources). Not a
 * real device. */
#ifndef DEV_VTESTDEV_H
#define DEV_VTESTDEV_H

#include <stdint.h>

#include "vm/mmio.h"

#define VTESTDEV_SIZE      0x200
#define VTESTDEV_REGS_SIZE 0x100
/* Its interrupt lines are vPLIC sources FIRST..FIRST+COUNT-1; a 4-byte
 * write of a source number to RAISE sets its line high, to LOWER low;
 * RAISE reads back the lines, a bit a source. */
#define VTESTDEV_IRQ_FIRST 1
#define VTESTDEV_IRQ_COUNT 8
#define VTESTDEV_RAISE     0x100
#define VTESTDEV_LOWER     0x104

struct vplic;

struct vtestdev {
	uint8_t bytes[VTESTDEV_REGS_SIZE];
	uint32_t lines;
	struct vplic *plic;
};

void vtestdev_init(struct vtestdev *t, struct vplic *plic);
extern const struct mmio_ops vtestdev_ops;

#endif
