/* Every hart runs the same loop: take the next runnable vCPU in round-robin
 * order, run it until its slice ends (the host timer ticks), it stops, it
 * waits in WFI, or its VM stops; put it back; repeat. A vCPU in WFI is not
 * runnable until it has an interrupt to take: waiting costs no slices. When
 * no VM is left, the hart that notices powers the machine off.
 *
 * Interrupts make this less simple: a vCPU that gets one while it is not
 * running should run soon (a guest's timer fires on time even when the
 * harts are busy), yet no guest may use that to take the harts from the
 * others. Three rules keep both:
 *
 *   - A vCPU has a credit: what it may still run before the round-robin
 *     cursor comes round to it again. The cursor passing it refills it to
 *     one slice; running spends it.
 *   - A new event (an interrupt that was not pending, a deadline reached
 *     for the first time, a wake from WFI) boosts a vCPU that is not
 *     running: it runs before the cursor's choice, but only while it has
 *     credit. A state that stays true (a deadline long past, an interrupt
 *     left pending and masked) is no new event.
 *   - A vCPU cut short for a boosted one keeps its place: it runs again
 *     right after, until its own credit is spent.
 *
 * So between two passes of the cursor every vCPU gets at most one slice,
 * boosted or not, and every runnable one gets its turn.
 *
 * Timers: a vCPU that is not running but needs a hart when its timer fires
 * (vtimer_wake_deadline) waits in a queue ordered by that deadline, put
 * there when it leaves its hart and taken out when it is picked or
 * stopped. A hart's timer fires at the first of its slice's end, the
 * deadline of the vCPU it runs (without Sstc) and the queue's head, so
 * one look at the head replaces a search of every vCPU. */
#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/hext.h"
#include "arch/ipi.h"
#include "arch/timer.h"
#include "boot/poweroff.h"
#include "boot/smp.h"
#include "dev/virtio.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "vm/hart_init.h"
#include "vm/sbi.h"
#include "vm/sched.h"
#include "vm/vm.h"
#include "vm/vtimer.h"

static struct spinlock sched_lock = SPINLOCK_IRQ_INIT("sched");
/* vCPUs not running, by the deadline at which their timer wakes them;
 * under sched_lock. `timerq_first` is the head's deadline (or ~0), read
 * without the lock by harts that arm their timer: a hart that puts an
 * earlier one at the head arms its own timer for it. */
static struct vcpu *timerq;
static volatile uint64_t timerq_first = ~0UL;
static volatile bool started;
static uint64_t time_limit;
static volatile int finishing;
static void (*finish_reports[SCHED_FINISH_REPORTS])(void);

#define SLOTS (MAX_VMS * MAX_VCPUS)

/* An idle hart, if any, runs it now rather than at its next tick; false
 * when every other hart is busy. */
static bool wake_idle_hart(void)
{
	for (int i = 0; i < smp_hart_slots(); i++) {
		if (harts[i].online && harts[i].idle && &harts[i] != this_hart()) {
			ipi_send((unsigned)i);
			return true;
		}
	}
	return false;
}

static void timerq_remove(struct vcpu *v)
{
	if (!v->timer_queued)
		return;
	struct vcpu **p = &timerq;
	while (*p != v)
		p = &(*p)->timer_next;
	*p = v->timer_next;
	v->timer_queued = false;
	timerq_first = timerq ? timerq->timer_wake : ~0UL;
}

/* In deadline order; a vCPU whose timer cannot wake it is not queued. */
static void timerq_insert(struct vcpu *v)
{
	timerq_remove(v);
	uint64_t wake = vtimer_wake_deadline(v);
	if (wake == ~0UL)
		return;
	struct vcpu **p = &timerq;
	while (*p && (*p)->timer_wake <= wake)
		p = &(*p)->timer_next;
	v->timer_wake = wake;
	v->timer_next = *p;
	v->timer_queued = true;
	*p = v;
	timerq_first = timerq->timer_wake;
}

/* Sets this hart's timer for the first thing it must act on: the end of
 * the slice it runs, the deadline of the vCPU it runs (without Sstc), a
 * deadline in the queue. */
void sched_arm_timer(void)
{
	struct hart *h = this_hart();
	uint64_t when = timerq_first;
	if (h->current) {
		uint64_t own = vtimer_host_deadline(h->current);
		if (own < when)
			when = own;
		if (h->preempt_at < when)
			when = h->preempt_at;
	}
	timer_set_event(when);
}

/* The vCPUs whose timer fired, out of the queue and notified: reaching the
 * deadline is their event (sched_notify). */
static void wake_due_timers(void)
{
	struct vcpu *due[SLOTS];
	int n = 0;
	uint64_t now = time_now();
	if (timerq_first > now)
		return;
	spin_lock(&sched_lock);
	while (timerq && timerq->timer_wake <= now && n < SLOTS) {
		struct vcpu *v = timerq;
		timerq_remove(v);
		v->timer_reached = v->timer_deadline;
		due[n++] = v;
	}
	spin_unlock(&sched_lock);
	for (int i = 0; i < n; i++)
		sched_notify(due[i]);
}

void sched_make_runnable(struct vcpu *v)
{
	spin_lock(&sched_lock);
	if (v->state == VCPU_STARTED && v->running_on < 0)
		v->runnable = true;
	spin_unlock(&sched_lock);
	wake_idle_hart();
}

/* The vCPU's lifecycle changes under sched_lock, so that a vCPU is never
 * reset, restarted or picked while some hart still has it loaded. */
long sched_start_vcpu(struct vcpu *v, unsigned long pc, unsigned long a0, unsigned long a1)
{
	spin_lock(&sched_lock);
	if (v->state != VCPU_STOPPED || v->running_on >= 0 || v->vm->state != VM_RUNNING) {
		spin_unlock(&sched_lock);
		return SBI_ERR_ALREADY_AVAILABLE;
	}
	timerq_remove(v); /* out already when it stopped; a reset must not leave it in */
	vcpu_reset(v, pc, a0, a1);
	v->state = VCPU_STARTED;
	v->runnable = true;
	spin_unlock(&sched_lock);
	wake_idle_hart();
	return SBI_SUCCESS;
}

void sched_stop_vm(struct vm *vm)
{
	spin_lock(&sched_lock);
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->state = v->running_on >= 0 ? VCPU_STOP_PENDING : VCPU_STOPPED;
		v->runnable = false;
		timerq_remove(v);
	}
	spin_unlock(&sched_lock);
}

bool sched_stop_vcpu(struct vcpu *v)
{
	bool all = true;
	spin_lock(&sched_lock);
	/* Loaded on its hart until run_slice puts it: stopped "pending" till then. */
	v->state = v->running_on >= 0 ? VCPU_STOP_PENDING : VCPU_STOPPED;
	v->runnable = false;
	timerq_remove(v);
	for (unsigned i = 0; i < v->vm->nvcpus; i++)
		all &= v->vm->vcpus[i].state == VCPU_STOPPED ||
		       v->vm->vcpus[i].state == VCPU_STOP_PENDING;
	spin_unlock(&sched_lock);
	return all;
}

/* The vCPU in a slot of the round-robin order, or NULL. */
static struct vcpu *slot_vcpu(unsigned slot)
{
	struct vm *vm = &vms[slot / MAX_VCPUS];
	if (vm->state != VM_RUNNING || slot % MAX_VCPUS >= vm->nvcpus)
		return NULL;
	return &vm->vcpus[slot % MAX_VCPUS];
}

/* A boosted vCPU with credit left, searched from the cursor on so that
 * boosted vCPUs take turns too; the cursor stays where it is. */
static struct vcpu *pick_boosted(unsigned cursor)
{
	for (unsigned n = 1; n <= SLOTS; n++) {
		struct vcpu *v = slot_vcpu((cursor + n) % SLOTS);
		if (v && v->boosted && v->credit && v->runnable && v->state == VCPU_STARTED)
			return v;
	}
	return NULL;
}

/* The cursor went from `from` to `to`: it passed those vCPUs, whose turn
 * it was, so each has a slice to spend until it comes round again. */
static void refill_passed(unsigned from, unsigned to)
{
	unsigned n = (to + SLOTS - from) % SLOTS;
	for (unsigned i = 1; i <= (n ? n : SLOTS); i++) {
		struct vcpu *v = slot_vcpu((from + i) % SLOTS);
		/* Not one that another hart runs: its turn is that run. */
		if (v && (v->running_on < 0 || v->running_on == (int)this_hart()->index))
			v->credit = timer_period();
	}
}

static struct vcpu *pick(void)
{
	static unsigned cursor; /* where the search resumes; sched_lock guards it */
	spin_lock(&sched_lock);
	unsigned from = cursor;
	struct vcpu *found = pick_boosted(cursor);
	if (found) {
		timerq_remove(found);
		found->runnable = found->boosted = false;
		found->running_on = (int)this_hart()->index;
		spin_unlock(&sched_lock);
		return found;
	}
	/* LAB 4 BEGIN: round-robin: the next runnable vCPU after the cursor */
	for (unsigned n = 1; n <= SLOTS && !found; n++) {
		unsigned slot = (cursor + n) % SLOTS;
		struct vm *vm = &vms[slot / MAX_VCPUS];
		if (vm->state != VM_RUNNING || slot % MAX_VCPUS >= vm->nvcpus)
			continue;
		struct vcpu *v = &vm->vcpus[slot % MAX_VCPUS];
		if (v->runnable && v->state == VCPU_STARTED) {
			v->runnable = false;
			v->running_on = (int)this_hart()->index;
			cursor = slot;
			found = v;
		}
	}
	/* LAB 4 END */
	if (found)
		timerq_remove(found);
	refill_passed(from, cursor); /* all of them when it found none */
	spin_unlock(&sched_lock);
	return found;
}

static void release(struct vcpu *v)
{
	struct hart *h = this_hart();
	unsigned long ran = time_now() - h->slice_start;
	spin_lock(&sched_lock);
	v->running_on = -1;
	v->credit = ran < v->credit ? v->credit - ran : 0;
	v->boosted = false; /* it ran: a boost it had is used */
	if (v->state == VCPU_STOP_PENDING)
		v->state = VCPU_STOPPED;
	/* LAB 5 BEGIN: a vCPU in WFI waits unless it has an interrupt to take */
	/* Under the lock: whoever raises its interrupt after this sees
	 * `waiting` in sched_notify, and what was raised before, we see here. */
	if (v->wfi) {
		v->wfi = false;
		v->waiting = !vcpu_has_wakeup(v);
	}
	/* LAB 5 END */
	if (v->state == VCPU_STARTED && v->vm->state == VM_RUNNING && !v->waiting) {
		v->runnable = true;
		/* Cut short for a boosted vCPU, not done: it keeps its place,
		 * with what is left of its credit. */
		v->boosted = h->preempted_for_boost && v->credit;
	}
	/* Waiting, or waiting for its turn: its timer may call it sooner. */
	if ((v->waiting || v->runnable) && !v->boosted && v->state == VCPU_STARTED &&
	    v->vm->state == VM_RUNNING)
		timerq_insert(v);
	spin_unlock(&sched_lock);
}

bool sched_vm_idle(const struct vm *vm)
{
	bool idle = true;
	spin_lock(&sched_lock);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		idle &= vm->vcpus[i].running_on < 0;
	spin_unlock(&sched_lock);
	return idle;
}

/* Ends this hart's slice for a boosted vCPU, but not before the vCPU here
 * has had a quarter of its slice: however many timers a guest sets, the
 * vCPUs it preempts keep that much of the hart. */
static void preempt_for_boosted(struct hart *h)
{
	h->preempted_for_boost = true;
	uint64_t at = h->slice_start + timer_period() / 4;
	if (time_now() >= at) {
		h->resched = true;
	} else if (at < h->preempt_at) {
		h->preempt_at = at;
		sched_arm_timer();
	}
}

void sched_timer_interrupt(void)
{
	struct hart *h = this_hart();
	if (time_now() >= h->preempt_at) {
		h->preempt_at = ~0UL;
		h->resched = true;
	}
	wake_due_timers();
	sched_arm_timer();
}

/* A vCPU that gets an interrupt while it is not running (it waits in WFI,
 * or waits for its turn) runs next, on an idle hart or, failing one, on
 * this hart soon (preempt_for_boosted): so a guest's timer fires on time
 * even when the harts are busy. */
void sched_notify(struct vcpu *v)
{
	bool woken = false, boost = false;
	spin_lock(&sched_lock);
	if (v->running_on >= 0) {
		if (v->running_on != (int)this_hart()->index)
			ipi_send((unsigned)v->running_on);
	} else if ((v->waiting || v->runnable) && !v->boosted && vcpu_has_wakeup(v) &&
	           v->state == VCPU_STARTED && v->vm->state == VM_RUNNING) {
		woken = v->waiting;
		v->waiting = false;
		v->runnable = true;
		/* Without credit it waits for its turn like any other. */
		v->boosted = boost = v->credit > 0;
	}
	spin_unlock(&sched_lock);
	/* An idle hart runs it now; failing one, this hart soon, if boosted. */
	if ((woken || boost) && !wake_idle_hart() && boost && this_hart()->current)
		preempt_for_boosted(this_hart());
}

static void run_slice(struct vcpu *v)
{
	struct hart *h = this_hart();
	v->slices++;
	/* Order our running_on (set in pick) before reading the requests that
	 * other harts post to the vCPU before they read running_on (sbi_ipi.c). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vcpu_load(v);
	h->current = v;
	h->resched = false;
	h->slice_start = time_now();
	h->preempt_at = ~0UL;
	h->preempted_for_boost = false;
	if (v->credit < timer_period()) /* what is left of its turn */
		h->preempt_at = h->slice_start + v->credit;
	sched_arm_timer();
	if (v->state == VCPU_STARTED && v->vm->state == VM_RUNNING) {
		vcpu_prepare_entry(v);
		vcpu_run(&v->ctx); /* until vm_exit says the slice is over */
	}
	h->current = NULL;
	vcpu_put(v);
	release(v);
}

static void finish(void)
{
	if (__atomic_exchange_n(&finishing, 1, __ATOMIC_ACQ_REL))
		for (;;)
			wfi();
	int failed = vm_failed_count();
	for (int i = 0; i < MAX_VMS; i++) {
		if (!vms[i].id || vms[i].state != VM_STOPPED)
			continue;
		unsigned long slices = 0, exits = 0;
		for (unsigned k = 0; k < vms[i].nvcpus; k++) {
			slices += vms[i].vcpus[k].slices;
			exits += vms[i].vcpus[k].exits;
		}
		/* grader: test_stage4_vcpu.py, test_stage5_irq.py and benign.py parse this line */
		printf("vm%d (%s): %lu time slices, %lu exits\n", vms[i].id, vms[i].name, slices,
		       exits);
	}
	virtio_report(); /* the host's disk and NIC */
	for (int i = 0; i < SCHED_FINISH_REPORTS; i++)
		if (finish_reports[i])
			finish_reports[i]();
	printf("all VMs stopped, %d failed\n", failed);
	poweroff(failed != 0);
}

void sched_at_finish(void (*report)(void))
{
	for (int i = 0; i < SCHED_FINISH_REPORTS; i++) {
		if (!finish_reports[i]) {
			finish_reports[i] = report;
			return;
		}
	}
	panic("more than %d end-of-run reports", SCHED_FINISH_REPORTS);
}

static void stop_all_at_limit(void)
{
	for (int i = 0; i < MAX_VMS; i++)
		/* grader: test_stage4_vcpu.py parses this reason */
		if (vms[i].state == VM_RUNNING)
			vm_stop(&vms[i], false, "run time limit (run_ms) reached");
}

__attribute__((noreturn)) static void sched_loop(void)
{
	/* The hypervisor handles exits with interrupts off; a guest is always
	 * interruptible by HS-level interrupts, whatever sstatus.SIE says. */
	csr_clear(sstatus, SSTATUS_SIE);
	vm_hart_init();
	vtimer_init_hart();
	for (;;) {
		if (time_limit && time_now() >= time_limit && this_hart()->index == 0)
			stop_all_at_limit();
		/* Idle from before the search: a vCPU made runnable after it
		 * kicks this hart, and the kick ends the wfi below at once. */
		this_hart()->idle = true;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		wake_due_timers();
		struct vcpu *v = pick();
		if (v) {
			this_hart()->idle = false;
			run_slice(v);
			continue;
		}
		if (!vm_running_count())
			finish();
		/* Idle until an interrupt (a tick, a kick, a waiting vCPU's
		 * deadline), and take it. */
		sched_arm_timer();
		wfi();
		this_hart()->idle = false;
		csr_set(sstatus, SSTATUS_SIE);
		csr_clear(sstatus, SSTATUS_SIE);
	}
}

void sched_start(uint64_t limit)
{
	time_limit = limit;
	__atomic_store_n(&started, true, __ATOMIC_RELEASE);
	for (int i = 1; i < smp_hart_slots(); i++)
		if (harts[i].online)
			ipi_send((unsigned)i);
	sched_loop();
}

void sched_join_if_started(void)
{
	if (__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		sched_loop();
}

void sched_kick_vcpu(struct vcpu *v)
{
	int hart = v->running_on;
	if (hart >= 0 && hart != (int)this_hart()->index)
		ipi_send((unsigned)hart);
}

void sched_kick_vm(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++)
		sched_kick_vcpu(&vm->vcpus[i]);
}
