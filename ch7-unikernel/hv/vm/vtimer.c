/* Virtual timers. A vCPU's deadline lives in the hart while it runs and in
 * struct vcpu while it does not, so that it follows the vCPU from hart to
 * hart and survives being descheduled:
 *
 *   - with Sstc, in vstimecmp: the hart raises VSTIP itself when `time`
 *     passes it (privileged spec §18.2.x "vstimecmp"; hip.VSTIP is the OR
 *     of hvip.VSTIP and that comparison), without a single exit; the guest
 *     moving the deadline lowers it.
 *   - without Sstc, the hypervisor sets hvip.VSTIP on entry when the
 *     deadline has passed (vcpu_prepare_entry), and the hart that runs the
 *     vCPU has its own timer set for it (vtimer_host_deadline).
 *
 * Each vCPU's timer is its own: nothing here looks at another vCPU or at
 * the scheduler. The scheduler asks two questions (when must this hart's
 * timer fire for the vCPU it runs; when does a vCPU that is not running
 * need a hart for its timer) and keeps the answers in order itself
 * (vm/sched.c). */
#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/hext.h"
#include "arch/timer.h"
#include "vm/vcpu.h"
#include "vm/vtimer.h"

bool vtimer_uses_sstc;

void vtimer_init(bool force_hvip)
{
	vtimer_uses_sstc = timer_uses_sstc() && !force_hvip;
}

void vtimer_init_hart(void)
{
	if (vtimer_uses_sstc) {
		csr_set(CSR_HENVCFG, HENVCFG_STCE);
		csr_write(CSR_VSTIMECMP, ~0UL);
	} else if (timer_uses_sstc()) {
		csr_clear(CSR_HENVCFG, HENVCFG_STCE);
	}
}

void vtimer_load(struct vcpu *v)
{
	if (vtimer_uses_sstc)
		csr_write(CSR_VSTIMECMP, v->timer_deadline);
}

void vtimer_put(struct vcpu *v)
{
	/* The guest may also have written stimecmp itself (it is vstimecmp
	 * with STCE set), so the hart has the last word. */
	if (vtimer_uses_sstc) {
		v->timer_deadline = csr_read(CSR_VSTIMECMP);
		csr_write(CSR_VSTIMECMP, ~0UL);
	}
	/* Reached while it ran: the guest has seen it, it is no news later. */
	if (vtimer_due(v))
		v->timer_reached = v->timer_deadline;
}

void vtimer_set(struct vcpu *v, uint64_t deadline)
{
	/* LAB 5 BEGIN: a new deadline: the hart compares it (Sstc), or VSTIP is lowered */
	v->timer_deadline = deadline;
	if (vtimer_uses_sstc) {
		csr_write(CSR_VSTIMECMP, deadline);
	} else {
		/* raised again on entry once it has passed */
		v->hvip &= ~HVIP_VSTIP;
	}
	/* LAB 5 END */
}

bool vtimer_due(const struct vcpu *v)
{
	return time_now() >= v->timer_deadline;
}

uint64_t vtimer_host_deadline(const struct vcpu *v)
{
	/* With Sstc the hart needs no help; a raised VSTIP stays up until the
	 * guest moves its deadline, and one that is due is raised on the way
	 * back into the guest (vcpu_prepare_entry): no event for either. */
	if (vtimer_uses_sstc || (v->hvip & HVIP_VSTIP) || vtimer_due(v))
		return ~0UL;
	return v->timer_deadline;
}

uint64_t vtimer_wake_deadline(const struct vcpu *v)
{
	/* Reaching a deadline is an event once: one left in the past, or
	 * acted on already, is not a reason to run again (vm/sched.c). */
	if (!(v->vs.vsie & VSIE_STIE) || v->timer_deadline == v->timer_reached)
		return ~0UL;
	return v->timer_deadline;
}
