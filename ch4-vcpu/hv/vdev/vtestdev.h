/* A register file for testing MMIO emulation (regmap/testdev.h): 32
 * 64-bit registers that accept naturally aligned accesses of any width and
 * read back what was written. Not a real device: the MMIO test guest's
 * target. */
#ifndef VDEV_VTESTDEV_H
#define VDEV_VTESTDEV_H

#include <stdint.h>

#include "regmap/testdev.h"
#include "vm/vdev.h"

#define VTESTDEV_SIZE 0x100 /* its window */

struct vtestdev {
	uint8_t bytes[TESTDEV_REGS_SIZE];
};

extern const struct vdev_model vtestdev_model;

#endif
