/* IPI (EID 0x735049, SBI spec chapter 7) and RFENCE (EID 0x52464E43,
 * chapter 8) take the same hart mask: bit i stands for vCPU base + i, and a
 * base of -1 means every vCPU. A vCPU that does not exist is an error. */
#include "arch/hext.h"
#include "vm/sbi.h"
#include "vm/sched.h"
#include "vm/vm.h"

/* Calls fn on every vCPU in the mask; SBI_ERR_INVALID_PARAM when the mask
 * names one that does not exist. */
static long for_each_in_mask(struct vcpu *v, unsigned long mask, unsigned long base,
                             void (*fn)(struct vcpu *target))
{
	struct vm *vm = v->vm;
	if (base == ~0UL) {
		for (unsigned i = 0; i < vm->nvcpus; i++)
			fn(&vm->vcpus[i]);
		return 0;
	}
	if (base >= vm->nvcpus)
		return SBI_ERR_INVALID_PARAM;
	for (unsigned i = 0; i < 64; i++)
		if (mask & (1UL << i) && base + i >= vm->nvcpus)
			return SBI_ERR_INVALID_PARAM;
	for (unsigned i = 0; i < 64; i++)
		if (mask & (1UL << i))
			fn(&vm->vcpus[base + i]);
	return 0;
}

/* The guest's software interrupt, raised when the target next enters. */
static void raise_ssip(struct vcpu *t)
{
	__atomic_store_n(&t->ipi_pending, 1, __ATOMIC_RELEASE);
	/* The store before the read of running_on in the kick; run_slice
	 * orders the other way round. Else both could miss each other. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	sched_kick_vcpu(t);
}

SBI_HANDLER(ipi)
{
	if (fid != SBI_EXT_IPI_SEND_IPI)
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	return (struct sbiret){for_each_in_mask(v, a[0], a[1], raise_ssip), 0};
}

/* Simple and safe: whatever the range, the target flushes all its guest
 * translations (and its instruction cache) before it next enters. The call
 * returns once the request is posted and the target kicked, not once it has
 * flushed: a guest that frees page tables right after the call can be
 * raced by a vCPU still running on another hart until its exit. The next
 * chapter waits for the targets. */
static void fence_target(struct vcpu *t)
{
	__atomic_store_n(&t->fence_pending, 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	sched_kick_vcpu(t);
}

SBI_HANDLER(rfence)
{
	/* 0 fence.i, 1 sfence.vma, 2 sfence.vma.asid; 3-6 are the hfence
	 * functions, for guests with H, which these guests are not (§8.5-8.8). */
	if (fid > SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID)
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	return (struct sbiret){for_each_in_mask(v, a[0], a[1], fence_target), 0};
}

const struct sbi_extension sbi_ext_ipi = {SBI_EXT_IPI, "IPI", ipi};
const struct sbi_extension sbi_ext_rfence = {SBI_EXT_RFENCE, "RFENCE", rfence};
