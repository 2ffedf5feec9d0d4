/* HSM (EID 0x48534D, SBI spec chapter 9): the guest starts and stops its
 * own vCPUs. Every argument is checked: the vCPU id exists, the start
 * address is in the guest's RAM and executable, the state allows it. */
#include "vm/sbi.h"
#include "vm/sched.h"
#include "vm/vm.h"

static struct vcpu *find_vcpu(struct vm *vm, unsigned long id)
{
	return id < vm->nvcpus ? &vm->vcpus[id] : NULL;
}

static struct sbiret hart_start(struct vcpu *v, const unsigned long *a)
{
	struct vm *vm = v->vm;
	struct vcpu *target = find_vcpu(vm, a[0]);
	uint64_t hpa;
	if (!target)
		return (struct sbiret){SBI_ERR_INVALID_PARAM, 0};
	if (!(gstage_translate(&vm->gs, a[1], &hpa) & PTE_X))
		return (struct sbiret){SBI_ERR_INVALID_ADDRESS, 0};
	spin_lock(&vm->lock);
	if (target->state != VCPU_STOPPED) {
		spin_unlock(&vm->lock);
		return (struct sbiret){SBI_ERR_ALREADY_AVAILABLE, 0};
	}
	/* The new vCPU starts in VS-mode, MMU off, a0 = its id, a1 = opaque. */
	target->state = VCPU_START_PENDING;
	vcpu_reset(target, a[1], a[0], a[2]);
	target->state = VCPU_STARTED;
	spin_unlock(&vm->lock);
	sched_make_runnable(target);
	return (struct sbiret){0, 0};
}

SBI_HANDLER(hsm)
{
	struct vm *vm = v->vm;
	switch (fid) {
	case 0: /* hart_start(hartid, start_addr, opaque) */
		return hart_start(v, a);
	case 1: { /* hart_stop(): does not return on success */
		spin_lock(&vm->lock);
		v->state = VCPU_STOPPED;
		bool all_stopped = true;
		for (unsigned i = 0; i < vm->nvcpus; i++)
			all_stopped &= vm->vcpus[i].state == VCPU_STOPPED;
		spin_unlock(&vm->lock);
		*resume = false;
		if (all_stopped)
			vm_stop(vm, false, "every vCPU stopped itself (SBI HSM hart_stop)");
		return (struct sbiret){0, 0};
	}
	case 2: { /* hart_get_status(hartid) */
		struct vcpu *target = find_vcpu(vm, a[0]);
		if (!target)
			return (struct sbiret){SBI_ERR_INVALID_PARAM, 0};
		return (struct sbiret){0, target->state};
	}
	default: /* hart_suspend is not offered */
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	}
}

const struct sbi_extension sbi_ext_hsm = {SBI_EXT_HSM, "HSM", hsm};
