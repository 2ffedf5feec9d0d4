/* Virtual timers. A vCPU's deadline lives in the hart while it runs and in
 * struct vcpu while it does not, so that it follows the vCPU from hart to
 * hart and survives being descheduled:
 *
 *   - with Sstc, in vstimecmp: the hart raises VSTIP itself when `time`
 *     passes it (privileged spec §18.2.x "vstimecmp"; hip.VSTIP is the OR
 *     of hvip.VSTIP and that comparison), without a single exit; the guest
 *     moving the deadline lowers it.
 *   - without Sstc, the hypervisor sets hvip.VSTIP: on entry when the
 *     deadline has passed, or from a host timer event armed at the deadline
 *     while the vCPU runs.
 *
 * Either way a vCPU that waits in WFI is woken by a host timer event at
 * its deadline, armed on every hart (the first to fire wakes it). */
#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/hext.h"
#include "arch/timer.h"
#include "vm/sched.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vm/vtimer.h"

#define HENVCFG_STCE (1UL << 63)

bool vtimer_uses_sstc;

void vtimer_init(bool force_hvip)
{
	vtimer_uses_sstc = timer_uses_sstc() && !force_hvip;
}

void vtimer_init_hart(void)
{
	if (vtimer_uses_sstc) {
		csr_set(0x60a /* henvcfg */, HENVCFG_STCE);
		csr_write(0x24d /* vstimecmp */, ~0UL);
	} else if (timer_uses_sstc()) {
		csr_clear(0x60a /* henvcfg */, HENVCFG_STCE);
	}
}

void vtimer_load(struct vcpu *v)
{
	if (vtimer_uses_sstc)
		csr_write(0x24d /* vstimecmp */, v->timer_deadline);
}

void vtimer_put(struct vcpu *v)
{
	/* The guest may also have written stimecmp itself (it is vstimecmp
	 * with STCE set), so the hart has the last word. */
	if (vtimer_uses_sstc) {
		v->timer_deadline = csr_read(0x24d /* vstimecmp */);
		csr_write(0x24d /* vstimecmp */, ~0UL);
	}
	/* Reached while it ran: the guest has seen it, it is no news later. */
	if (vtimer_due(v))
		v->timer_reached = v->timer_deadline;
}

void vtimer_set(struct vcpu *v, uint64_t deadline)
{
	/* LAB 5 BEGIN: a new deadline: lower VSTIP and deliver it when time passes it */
	v->timer_deadline = deadline;
	if (vtimer_uses_sstc) {
		csr_write(0x24d /* vstimecmp */, deadline);
	} else {
		v->hvip &= ~HVIP_VSTIP;
		vtimer_arm(v);
	}
	/* LAB 5 END */
}

bool vtimer_due(const struct vcpu *v)
{
	return time_now() >= v->timer_deadline;
}

#define VSIE_STIE (1UL << 5)

/* A vCPU whose timer, when it fires, must bring it onto a hart: it waits
 * in WFI or for its turn, has its timer interrupt enabled, and its deadline
 * was not acted on yet (reaching it is an event once: a deadline left in
 * the past is not a reason to run, or to arm the host timer, again; see
 * vm/sched.c). Read without the scheduler's lock: sched_notify looks again
 * under it. */
static bool not_running_and_waiting_for_timer(const struct vcpu *w)
{
	return w->running_on < 0 && (w->waiting || w->runnable) && !w->boosted &&
	       w->timer_deadline != w->timer_reached && (w->vs.vsie & VSIE_STIE);
}

void vtimer_arm(struct vcpu *current)
{
	/* A deadline that has passed and was not acted on yet fires at once;
	 * one that was is not looked at again (see above). */
	uint64_t when = ~0UL;
	if (current && !vtimer_uses_sstc && !(current->hvip & HVIP_VSTIP))
		when = current->timer_deadline;
	for (int i = 0; i < MAX_VMS; i++) {
		if (vms[i].state != VM_RUNNING)
			continue;
		for (unsigned k = 0; k < vms[i].nvcpus; k++) {
			const struct vcpu *w = &vms[i].vcpus[k];
			if (not_running_and_waiting_for_timer(w) && w->timer_deadline < when)
				when = w->timer_deadline;
		}
	}
	if (this_hart()->current && this_hart()->preempt_at < when)
		when = this_hart()->preempt_at; /* sched.c's */
	timer_set_event(when);
}

void vtimer_wake_due(void)
{
	uint64_t now = time_now();
	for (int i = 0; i < MAX_VMS; i++) {
		if (vms[i].state != VM_RUNNING)
			continue;
		for (unsigned k = 0; k < vms[i].nvcpus; k++) {
			struct vcpu *w = &vms[i].vcpus[k];
			if (not_running_and_waiting_for_timer(w) && now >= w->timer_deadline) {
				w->timer_reached = w->timer_deadline;
				sched_notify(w);
			}
		}
	}
}
