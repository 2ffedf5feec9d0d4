/* IPI (EID 0x735049, SBI spec chapter 7) and RFENCE (EID 0x52464E43,
 * chapter 8) take the same hart mask: bit i stands for vCPU base + i, and a
 * base of -1 means every vCPU. A vCPU that does not exist is an error. */
#include "arch/hext.h"
#include "vm/sbi.h"
#include "vm/sched.h"
#include "vm/virq.h"
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

SBI_HANDLER(ipi)
{
	if (fid != SBI_EXT_IPI_SEND_IPI)
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	return (struct sbiret){for_each_in_mask(v, a[0], a[1], virq_raise_software), 0};
}

/* Simple and safe: whatever the range, the target flushes all its guest
 * translations (and its instruction cache): at its next entry if it runs,
 * or when it is next loaded (vcpu_load flushes anyway). */
static void fence_target(struct vcpu *t)
{
	__atomic_store_n(&t->fence_pending, 1, __ATOMIC_RELEASE);
	sched_notify(t);
}

/* The call returns once every target has flushed (SBI spec §8: "remote"
 * fences are complete when the call returns), so that the guest may free
 * what they mapped. A target that runs on another hart flushes when the
 * kick brings it out of the guest; one that is not loaded, when it next
 * is. While we wait, another hart may be waiting for our vCPU: answer
 * its request here, or the two would wait for each other for ever. */
static void wait_for_fences(struct vcpu *self)
{
	struct vm *vm = self->vm;
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];
		if (t == self)
			continue;
		int hart = t->running_on;
		while (hart >= 0 && t->running_on == hart &&
		       __atomic_load_n(&t->fence_pending, __ATOMIC_ACQUIRE)) {
			if (__atomic_exchange_n(&self->fence_pending, 0, __ATOMIC_ACQ_REL)) {
				asm volatile("fence.i" ::: "memory");
				hfence_vvma_all();
			}
		}
	}
}

SBI_HANDLER(rfence)
{
	/* 0 fence.i, 1 sfence.vma, 2 sfence.vma.asid; 3-6 are the hfence
	 * functions, for guests with H, which these guests are not (§8.5-8.8). */
	if (fid > SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID)
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	long err = for_each_in_mask(v, a[0], a[1], fence_target);
	if (!err)
		wait_for_fences(v);
	return (struct sbiret){err, 0};
}

const struct sbi_extension sbi_ext_ipi = {SBI_EXT_IPI, "IPI", ipi, NULL};
const struct sbi_extension sbi_ext_rfence = {SBI_EXT_RFENCE, "RFENCE", rfence, NULL};
