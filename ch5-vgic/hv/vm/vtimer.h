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
/* SBI set_timer from v, loaded on this hart. */
void vtimer_set(struct vcpu *v, uint64_t deadline);
/* Whether v's deadline has passed. */
bool vtimer_due(const struct vcpu *v);
/* Programs this hart's timer event for the earliest deadline it must act
 * on: that of `current` (the vCPU it runs, or NULL) without Sstc, and
 * those of the vCPUs that wait in WFI. */
void vtimer_arm(struct vcpu *current);
/* Wakes the waiting vCPUs whose deadline has passed. */
void vtimer_wake_due(void);

#endif
