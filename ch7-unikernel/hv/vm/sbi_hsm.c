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
	/* It starts in VS-mode, MMU off, a0 = its id, a1 = opaque (§9.1). */
	return (struct sbiret){sched_start_vcpu(target, a[1], a[0], a[2]), 0};
}

SBI_HANDLER(hsm)
{
	struct vm *vm = v->vm;
	switch (fid) {
	case SBI_EXT_HSM_HART_START: /* (hartid, start_addr, opaque) */
		return hart_start(v, a);
	case SBI_EXT_HSM_HART_STOP: /* does not return on success */
		*resume = false;
		if (sched_stop_vcpu(v))
			vm_stop(vm, false, "every vCPU stopped itself (SBI HSM hart_stop)");
		return (struct sbiret){0, 0};
	case SBI_EXT_HSM_HART_GET_STATUS: { /* (hartid) */
		struct vcpu *target = find_vcpu(vm, a[0]);
		if (!target)
			return (struct sbiret){SBI_ERR_INVALID_PARAM, 0};
		return (struct sbiret){0, target->state};
	}
	case SBI_EXT_HSM_HART_SUSPEND:
		/* (type, ...): not offered; reserved types are invalid (§9.4) */
		if ((a[0] > SBI_HSM_SUSPEND_RET_DEFAULT && a[0] < SBI_HSM_SUSPEND_RET_PLATFORM) ||
		    (a[0] > SBI_HSM_SUSPEND_NON_RET_DEFAULT &&
		     a[0] < SBI_HSM_SUSPEND_NON_RET_PLATFORM) ||
		    a[0] > 0xffffffffUL)
			return (struct sbiret){SBI_ERR_INVALID_PARAM, 0};
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	default:
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	}
}

const struct sbi_extension sbi_ext_hsm = {SBI_EXT_HSM, "HSM", hsm, NULL};
