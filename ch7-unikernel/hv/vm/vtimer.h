/* The guest's timer: SBI set_timer (SBI spec chapter 6), delivered as the
 * guest's supervisor timer interrupt, VSTIP. */
#ifndef VM_VTIMER_H
#define VM_VTIMER_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* With Sstc the hart compares vstimecmp itself (henvcfg.STCE); without it
 * the hypervisor sets hvip.VSTIP from its own timer. */
extern bool vtimer_uses_sstc;

/* Chooses the mechanism: Sstc when the host timer uses it, unless
 * `force_hvip` (the vtimer=hvip bootarg, for comparison). Boot hart. */
void vtimer_init(bool force_hvip);
/* henvcfg.STCE on this hart, to match. */
void vtimer_init_hart(void);
/* The deadline into the hart (vcpu_load) and back (vcpu_put). */
void vtimer_load(struct vcpu *v);
void vtimer_put(struct vcpu *v);
/* SBI set_timer from v, loaded on this hart (the caller has the hart's
 * timer armed again: sched_arm_timer). */
void vtimer_set(struct vcpu *v, uint64_t deadline);
/* Whether v's deadline has passed. */
bool vtimer_due(const struct vcpu *v);
/* When the hart that runs v must take a timer interrupt for v's deadline
 * (without Sstc: to raise VSTIP), or ~0. */
uint64_t vtimer_host_deadline(const struct vcpu *v);
/* When v, not running, needs a hart because its timer fires (it has its
 * timer interrupt enabled, and the deadline was not acted on yet), or ~0.
 * Constant while v is not running: only a running guest changes either. */
uint64_t vtimer_wake_deadline(const struct vcpu *v);

#endif
