/* The registers of hvlab's test device (compatible "hvlab,mmio-test", not
 * a real device), for its emulation (vdev/vtestdev.c) and the test guests.
 * Plain #defines: guest code includes it too. */
#ifndef REGMAP_TESTDEV_H
#define REGMAP_TESTDEV_H

/* From offset 0: 32 64-bit registers that accept naturally aligned
 * accesses of any width and read back what was written. */
#define TESTDEV_REGS_SIZE 0x100

/* Its interrupt lines (the node's `interrupts`): a 4-byte write of a line's
 * source number to RAISE sets the line high, to LOWER low; RAISE reads
 * back the lines, a bit a source. */
#define TESTDEV_RAISE 0x100
#define TESTDEV_LOWER 0x104

#endif
