/* Every hart runs the same loop: take the next runnable vCPU in round-robin
 * order, run it until its slice ends (the host timer ticks), it stops, or
 * its VM stops; put it back; repeat. A guest that spins forever loses the
 * hart at the next tick like any other, so no VM can starve the rest. When
 * no VM is left, the hart that notices powers the machine off. */
#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/hext.h"
#include "arch/ipi.h"
#include "arch/timer.h"
#include "boot/poweroff.h"
#include "boot/smp.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "vm/hart_init.h"
#include "vm/sbi.h"
#include "vm/sched.h"
#include "vm/vm.h"

static struct spinlock sched_lock = SPINLOCK_INIT("sched");
static volatile bool started;
static uint64_t time_limit;
static volatile int finishing;

#define SLOTS (MAX_VMS * MAX_VCPUS)

/* An idle hart, if any, runs it now rather than at its next tick. */
static void wake_idle_hart(void)
{
	for (int i = 0; i < smp_hart_slots(); i++) {
		if (harts[i].online && harts[i].idle && &harts[i] != this_hart()) {
			ipi_send((unsigned)i);
			return;
		}
	}
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
	for (unsigned i = 0; i < v->vm->nvcpus; i++)
		all &= v->vm->vcpus[i].state == VCPU_STOPPED ||
		       v->vm->vcpus[i].state == VCPU_STOP_PENDING;
	spin_unlock(&sched_lock);
	return all;
}

static struct vcpu *pick(void)
{
	struct vcpu *found = NULL;
	spin_lock(&sched_lock);
	/* LAB 4 BEGIN: round-robin: the next runnable vCPU after the cursor */
	static unsigned cursor; /* where the search resumes; sched_lock guards it */
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
	spin_unlock(&sched_lock);
	return found;
}

static void release(struct vcpu *v)
{
	spin_lock(&sched_lock);
	v->running_on = -1;
	if (v->state == VCPU_STOP_PENDING)
		v->state = VCPU_STOPPED;
	if (v->state == VCPU_STARTED && v->vm->state == VM_RUNNING)
		v->runnable = true;
	spin_unlock(&sched_lock);
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
	printf("all VMs stopped, %d failed\n", failed);
	poweroff(failed != 0);
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
	for (;;) {
		if (time_limit && time_now() >= time_limit && this_hart()->index == 0)
			stop_all_at_limit();
		struct vcpu *v = pick();
		if (v) {
			run_slice(v);
			continue;
		}
		if (!vm_running_count())
			finish();
		/* Idle until an interrupt (a tick or a kick), and take it. */
		this_hart()->idle = true;
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
