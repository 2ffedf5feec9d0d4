/* Per-hart state. Harts are numbered twice: the hart id that the platform
 * gives (any value, not necessarily dense) and hvlab's own index, 0 for the
 * boot hart and 1.. for the others in device-tree order. The index picks the
 * stack; `tp` points at the hart's struct hart while it runs hypervisor code. */
#ifndef ARCH_HART_H
#define ARCH_HART_H

#define MAX_HARTS       8
#define HART_STACK_SIZE 0x4000

#ifndef __ASSEMBLY__
#include <stdbool.h>

struct hart {
	unsigned long hartid;
	unsigned index;
	volatile bool online;
};

extern struct hart harts[MAX_HARTS];

/* tp itself, as a variable: reading it costs no instruction. (A host
 * build, the fuzzers', has no tp: its shim supplies this_hart.) */
#ifdef __riscv
register struct hart *hart_tp asm("tp");
#else
extern struct hart *hart_tp;
#endif

static inline struct hart *this_hart(void)
{
	return hart_tp;
}

static inline void set_this_hart(struct hart *h)
{
	hart_tp = h;
	asm volatile("" ::: "memory");
}

#endif
#endif
