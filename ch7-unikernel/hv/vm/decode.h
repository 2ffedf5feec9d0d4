/* Decoding the load or store that faulted on an emulated device. */
#ifndef VM_DECODE_H
#define VM_DECODE_H

#include <stdbool.h>
#include <stdint.h>

struct mem_access {
	bool store;
	bool sign_extend; /* loads: lb, lh, lw */
	unsigned width;   /* bytes */
	unsigned reg;     /* rd for a load, rs2 for a store */
};

/* Decodes `insn` (a 32-bit instruction, or a 16-bit one in the low half).
 * Returns false for anything that is not a plain integer load or store. */
bool decode_mem_access(uint32_t insn, struct mem_access *a);

#endif
