/* Raising a vCPU's interrupts from outside it: VSSIP from SBI IPI, VSEIP
 * from its vPLIC context (VSTIP is its own timer's, vm/vtimer.c). Other
 * harts raise them by setting the vCPU's request and notifying the
 * scheduler, which kicks the hart that runs the vCPU (it re-enters with
 * hvip updated, vcpu_prepare_entry) or wakes it from WFI. */
#include "vm/sched.h"
#include "vm/virq.h"

void virq_set_external(struct vcpu *v, bool level)
{
	if (v->vseip == level)
		return;
	v->vseip = level;
	sched_notify(v);
}

void virq_raise_software(struct vcpu *v)
{
	/* Only a new one is news: IPIs sent to a vCPU that has not taken the
	 * last one yet merge into it, as on a hart (sip.SSIP is one bit). */
	if (!__atomic_exchange_n(&v->ipi_pending, 1, __ATOMIC_ACQ_REL))
		sched_notify(v);
}
