/* A vCPU's interrupts, as the guest sees them: VSSIP from SBI IPI (and the
 * guest's own writes to sip), VSTIP from its timer, VSEIP from its vPLIC
 * context. Other harts raise them by setting the vCPU's request and
 * notifying the scheduler, which kicks the hart that runs the vCPU (it
 * re-enters with hvip updated, vcpu_prepare_entry) or wakes it from WFI. */
#include "arch/hext.h"
#include "vm/sched.h"
#include "vm/vcpu.h"
#include "vm/vtimer.h"

unsigned long vcpu_pending_interrupts(const struct vcpu *v)
{
	unsigned long pending = v->hvip & HVIP_VSSIP;
	if (v->ipi_pending)
		pending |= HVIP_VSSIP;
	if (v->vseip)
		pending |= HVIP_VSEIP;
	if (vtimer_due(v))
		pending |= HVIP_VSTIP;
	return pending;
}

bool vcpu_has_wakeup(const struct vcpu *v)
{
	/* vsie has the guest's view of the bits (SSIE 1, STIE 5, SEIE 9), one
	 * below their VS positions in hvip (2, 6, 10). */
	return vcpu_pending_interrupts(v) & (v->vs.vsie << 1);
}

void vcpu_set_external_interrupt(struct vcpu *v, bool level)
{
	if (v->vseip == level)
		return;
	v->vseip = level;
	sched_notify(v);
}

void vcpu_raise_software_interrupt(struct vcpu *v)
{
	/* Only a new one is news: IPIs sent to a vCPU that has not taken the
	 * last one yet merge into it, as on a hart (sip.SSIP is one bit). */
	if (!__atomic_exchange_n(&v->ipi_pending, 1, __ATOMIC_ACQ_REL))
		sched_notify(v);
}
