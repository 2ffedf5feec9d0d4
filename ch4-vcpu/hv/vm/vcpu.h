/* A virtual CPU: the guest's registers and CSRs while it is not running,
 * and what the hypervisor needs to run it (privileged spec chapter 18: the
 * VS CSRs §18.2.12-§18.2.20, hstatus §18.2.1). */
#ifndef VM_VCPU_H
#define VM_VCPU_H

#ifndef __ASSEMBLY__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/hext.h"
#include "arch/sbi_ecall_interface.h"
#include "arch/timer.h"
#include "arch/switch.h"
#include "arch/trap.h"

struct vm;

/* The guest's supervisor CSRs, which live in the hart's VS CSRs while it runs. */
struct vs_csrs {
	unsigned long vsstatus, vsie, vstvec, vsscratch, vsepc, vscause, vstval, vsatp;
	/* Not replaced by VS CSRs when V=1 (§18.2.12): the guest writes the
	 * hart's own, which must not carry over to another guest. */
	unsigned long scounteren, senvcfg;
};

struct fp_state {
	uint64_t f[32];
	uint32_t fcsr;
};

/* SBI HSM states (SBI spec §9.1): hart_get_status answers them as they are */
enum vcpu_state {
	VCPU_STARTED = SBI_HSM_STATE_STARTED,
	VCPU_STOPPED = SBI_HSM_STATE_STOPPED,
	VCPU_START_PENDING = SBI_HSM_STATE_START_PENDING,
	VCPU_STOP_PENDING = SBI_HSM_STATE_STOP_PENDING, /* stopped, but still loaded on its hart */
};

struct vcpu {
	struct vcpu_context ctx; /* first: switch.S takes a pointer to it */

	/* Set when the VM is created, then read-only. */
	struct vm *vm;
	unsigned id; /* the guest's hart id */

	/* The hart that runs it, without a lock: nobody else touches them
	 * while it runs, and it is the only one that runs it. */
	struct vs_csrs vs;
	struct fp_state fp;
	unsigned long hvip;      /* virtual interrupts pending for the guest */
	int fp_hart;             /* the hart whose FP registers hold ours, or -1 */
	uint64_t timer_deadline; /* SBI set_timer; ~0 when disarmed */
	unsigned long slices;    /* times it was scheduled in */
	unsigned long exits;
	/* Its console output, gathered into a line that is printed whole with
	 * the [vmN] prefix: one buffer a vCPU, so that two vCPUs writing at
	 * once do not mix inside a line. */
	char line[128];
	unsigned line_len;

	/* The scheduler's lock (vm/sched.c): its HSM state and where it runs. */
	volatile enum vcpu_state state;
	volatile int running_on; /* hart index, or -1 */
	volatile bool runnable;  /* started, and not running anywhere */

	/* Requests from other harts, posted atomically and taken by the hart
	 * that runs it before it enters the guest (vcpu_prepare_entry). */
	volatile int ipi_pending;   /* SBI IPI: raise VSSIP at the next entry (int: amoswap.w) */
	volatile int fence_pending; /* SBI RFENCE: flush before the next entry */
};

/* Resets the guest registers for a (re)start at `pc` with a0, a1. */
void vcpu_reset(struct vcpu *v, unsigned long pc, unsigned long a0, unsigned long a1);
/* Makes this hart ready to run v (VS CSRs, hgatp, FP, fences). */
void vcpu_load(struct vcpu *v);
/* Saves what vcpu_load put in the hart. */
void vcpu_put(struct vcpu *v);
/* What must be true before the guest runs again: its pending timer, IPI
 * and fence requests turned into hvip bits and flushes. Inline: it is on
 * every exit's way back. */
static inline void vcpu_prepare_entry(struct vcpu *v)
{
	/* A guest timer that is due: raise the guest's timer interrupt. */
	if (v->timer_deadline != ~0UL && time_now() >= v->timer_deadline)
		v->hvip |= HVIP_VSTIP;
	if (v->ipi_pending && __atomic_exchange_n(&v->ipi_pending, 0, __ATOMIC_ACQ_REL))
		v->hvip |= HVIP_VSSIP;
	if (v->fence_pending && __atomic_exchange_n(&v->fence_pending, 0, __ATOMIC_ACQ_REL)) {
		asm volatile("fence.i" ::: "memory");
		hfence_vvma_all();
	}
	csr_write(hvip, v->hvip);
}

/* Makes the guest take exception `cause` at its current pc, as the
 * hardware would have if the exception had been delegated to VS. */
void vcpu_inject_exception(struct vcpu *v, unsigned long cause, unsigned long tval);

#endif
#endif
