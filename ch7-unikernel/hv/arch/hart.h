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

struct vcpu;

struct hart {
	unsigned long hartid;
	unsigned index;
	volatile bool online;
	unsigned long stack_base; /* lowest address of this hart's stack */
	unsigned long stack_top;

	volatile unsigned long ticks;      /* timer interrupts taken */
	unsigned long next_deadline;       /* the next tick, in `time` units */
	unsigned long event_deadline;      /* timer_set_event's, or ~0 */
	volatile unsigned long ipis;       /* software interrupts taken */
	unsigned long expected_exceptions; /* a self-test's: bit n for cause n; 0 for none */
	volatile bool expected_taken;
	volatile bool resched;     /* the time slice is over */
	unsigned long slice_start; /* when the running vCPU was put on (`time`) */
	unsigned long preempt_at;  /* end the slice then, for a boosted vCPU; ~0 for never */
	bool preempted_for_boost;  /* this slice was cut short for a boosted vCPU */
	volatile bool idle;        /* waiting for a vCPU to run */
	struct vcpu *current;      /* the vCPU it runs, or NULL */
	bool ipi_verbose;          /* report IPIs (the ch2 self-test) */
	struct vcpu *fp_owner;     /* whose FP registers this hart holds */

	struct { /* the last fault that a fixup absorbed */
		unsigned long cause;
		unsigned long tval;
		unsigned long htval; /* guest-page faults: the GPA >> 2 */
	} last_fault;
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
