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
/* Brings the harts that run a vCPU of vm out of the guest, so that they
 * notice a change of its state. */
void sched_kick_vm(struct vm *vm);
void sched_kick_vcpu(struct vcpu *v);

#endif
