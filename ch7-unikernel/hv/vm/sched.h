/* Round-robin scheduling of every VM's vCPUs over the physical harts, one
 * time slice (one host timer tick) at a time. */
#ifndef VM_SCHED_H
#define VM_SCHED_H

#include "vm/vcpu.h"

struct vm;

/* The vCPU may run (it was started). */
void sched_make_runnable(struct vcpu *v);
/* Makes every hart run vCPUs from now on; the caller's hart too (does not
 * return). With a limit (in `time` units, 0 for none), VMs still running
 * when it passes are stopped, so that a scripted run always ends. */
__attribute__((noreturn)) void sched_start(uint64_t limit);
/* Called by harts that wait for sched_start. */
void sched_join_if_started(void);
/* SBI HSM: starts a stopped vCPU at pc with a0, a1 (SBI_ERR_ALREADY_AVAILABLE
 * unless it is stopped and put away), and stops the calling one; the latter
 * returns whether every vCPU of its VM is now stopped. */
long sched_start_vcpu(struct vcpu *v, unsigned long pc, unsigned long a0, unsigned long a1);
bool sched_stop_vcpu(struct vcpu *v);
/* Every vCPU of vm stopped (those still loaded: pending until put away). */
void sched_stop_vm(struct vm *vm);
/* Brings the harts that run a vCPU of vm out of the guest, so that they
 * notice a change of its state. */
void sched_kick_vm(struct vm *vm);
/* No hart has one of vm's vCPUs loaded, nor is still putting one away
 * (decided under the scheduler's lock, which release() holds while it
 * reads the vCPU): once true for a stopped VM, it may be freed. */
bool sched_vm_idle(const struct vm *vm);
void sched_kick_vcpu(struct vcpu *v);
/* Something for v happened (an interrupt for the guest, a fence request):
 * the hart that runs it looks at it now, or, if it waits in WFI and now
 * has an interrupt, it becomes runnable. */
void sched_notify(struct vcpu *v);
/* From the host timer interrupt: the slice ends if it is over or a boosted
 * vCPU asked for this hart (sched_notify), the vCPUs whose timer fired are
 * woken, and the hart's timer is set for what comes next. */
void sched_timer_interrupt(void);
/* Sets this hart's timer for the first event it must act on (after the
 * running vCPU changed its deadline, say). */
void sched_arm_timer(void);
/* `report` runs once every VM has stopped, before the machine powers off:
 * a device's counters, say (at most SCHED_FINISH_REPORTS of them). */
#define SCHED_FINISH_REPORTS 4
void sched_at_finish(void (*report)(void));

#endif
