/* Interrupts for a vCPU from outside it (vm/virq.c): they reach it through
 * the scheduler, so this layer sits above vm/sched.c. */
#ifndef VM_VIRQ_H
#define VM_VIRQ_H

#include <stdbool.h>

struct vcpu;

/* The vPLIC's output for the vCPU changed. */
void virq_set_external(struct vcpu *v, bool level);
/* SBI IPI: the guest's software interrupt. */
void virq_raise_software(struct vcpu *v);

#endif
