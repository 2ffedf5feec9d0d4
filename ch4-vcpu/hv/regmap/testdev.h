/* The registers of hvlab's test device (compatible "hvlab,mmio-test", not
 * a real device), for its emulation (vdev/vtestdev.c) and the test guests.
 * Plain #defines: guest code includes it too. */
#ifndef REGMAP_TESTDEV_H
#define REGMAP_TESTDEV_H

/* From offset 0: 32 64-bit registers that accept naturally aligned
 * accesses of any width and read back what was written. */
#define TESTDEV_REGS_SIZE 0x100

#endif
