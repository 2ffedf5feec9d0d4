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
#include "vm/vtimer.h"

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
	/* The guest's interrupts, as hvip will say at the next entry: VSSIP
	 * (the guest may clear it itself), VSEIP and, without Sstc, VSTIP. */
	unsigned long hvip;
	int fp_hart;             /* the hart whose FP registers hold ours, or -1 */
	uint64_t timer_deadline; /* SBI set_timer; ~0 when disarmed (vm/vtimer.c) */
	bool wfi;                /* it executed WFI: the scheduler decides whether it waits */
	unsigned long slices;    /* times it was scheduled in */
	unsigned long exits;
	/* Its console output, gathered into a line that is printed whole with
	 * the [vmN] prefix: one buffer a vCPU, so that two vCPUs writing at
	 * once do not mix inside a line. */
	char line[128];
	unsigned line_len;
	bool line_open; /* part of the line is on the screen already */

	/* The scheduler's lock (vm/sched.c): its HSM state, where it runs,
	 * whether it waits, and its place in the timer queue. */
	volatile enum vcpu_state state;
	volatile int running_on; /* hart index, or -1 */
	volatile bool runnable;  /* started, and not running anywhere */
	volatile bool waiting;   /* in WFI until it has an interrupt; not runnable */
	volatile bool boosted;   /* got an interrupt while not running: picked first */
	/* What it may still run before the round-robin cursor comes round to
	 * it again, in `time` units. */
	unsigned long credit;
	uint64_t timer_reached; /* the last deadline acted on: no new event again */
	bool timer_queued;
	uint64_t timer_wake;
	struct vcpu *timer_next;

	/* Requests from other harts, posted atomically and taken by the hart
	 * that runs it before it enters the guest (vcpu_prepare_entry). */
	volatile int ipi_pending;   /* SBI IPI: raise VSSIP at the next entry (int: amoswap.w) */
	volatile int fence_pending; /* SBI RFENCE: flush before the next entry */
	volatile bool vseip;        /* the vPLIC's output for this vCPU's context (its lock) */
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
	/* LAB 5 BEGIN: without Sstc, the guest's deadline raises VSTIP */
	/* With Sstc the hart compares vstimecmp itself; without it the
	 * deadline, once passed, is the guest's timer interrupt (the hart's
	 * own timer brought it out of the guest in time: vm/vtimer.c). */
	if (!vtimer_uses_sstc && time_now() >= v->timer_deadline)
		v->hvip |= HVIP_VSTIP;
	/* LAB 5 END */
	if (v->ipi_pending && __atomic_exchange_n(&v->ipi_pending, 0, __ATOMIC_ACQ_REL))
		v->hvip |= HVIP_VSSIP;
	/* LAB 5 BEGIN: the vPLIC's output becomes the guest's external interrupt */
	v->hvip = v->vseip ? v->hvip | HVIP_VSEIP : v->hvip & ~HVIP_VSEIP;
	/* LAB 5 END */
	if (v->fence_pending && __atomic_exchange_n(&v->fence_pending, 0, __ATOMIC_ACQ_REL)) {
		asm volatile("fence.i" ::: "memory");
		hfence_vvma_all();
	}
	csr_write(hvip, v->hvip);
}

/* Makes the guest take exception `cause` at its current pc, as the
 * hardware would have if the exception had been delegated to VS. */
void vcpu_inject_exception(struct vcpu *v, unsigned long cause, unsigned long tval);

/* The guest's interrupts that are pending, as hvip bits, for a vCPU that
 * is not loaded (its CSRs are in struct vcpu). */
unsigned long vcpu_pending_interrupts(const struct vcpu *v);
/* Whether it has an interrupt that WFI waits for: pending and enabled in
 * vsie, whatever vsstatus.SIE says (privileged spec §3.3.3). */
bool vcpu_has_wakeup(const struct vcpu *v);

#endif
#endif
