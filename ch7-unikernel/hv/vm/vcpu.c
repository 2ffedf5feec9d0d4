/* Running a vCPU on this hart. The guest's VS CSRs stay in the hart while
 * it runs here (vcpu_load/vcpu_put), so that an exit and re-entry costs
 * only the world switch; its FP registers are restored unless this hart was
 * the last to load them, and saved only when the guest dirtied them. */
#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/hext.h"
#include "arch/timer.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "vm/hart_init.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vm/vtimer.h"

void fp_save(struct fp_state *s);
void fp_restore(const struct fp_state *s);

void vcpu_reset(struct vcpu *v, unsigned long pc, unsigned long a0, unsigned long a1)
{
	memset(&v->ctx.regs, 0, sizeof(v->ctx.regs));
	memset(&v->vs, 0, sizeof(v->vs));
	memset(&v->fp, 0, sizeof(v->fp));
	/* As firmware leaves it for an S-mode kernel (OpenSBI enables every
	 * counter): the guest's programs may read time and instret (hcounteren
	 * lets the VM have those two), which Linux's vDSO does with rdtime and
	 * never enables itself without the SBI PMU extension (scounteren's
	 * bits are hcounteren's). */
	v->vs.scounteren = HCOUNTEREN_TM | HCOUNTEREN_IR;
	v->ctx.regs[REG_A0] = a0;
	v->ctx.regs[REG_A1] = a1;
	v->ctx.sepc = pc;
	/* sret goes to VS-mode (SPP = 1) with V = 1 (hstatus.SPV); the guest
	 * may use FP once it enables it in its own sstatus (vsstatus.FS). */
	v->ctx.sstatus = SSTATUS_SPP | SSTATUS_FS_INIT;
	v->ctx.hstatus =
	    (csr_read(hstatus) & ~(HSTATUS_VTW | HSTATUS_VTSR | HSTATUS_VTVM | HSTATUS_GVA)) |
	    HSTATUS_SPV | HSTATUS_SPVP;
	/* WFI traps (virtual instruction): a waiting vCPU gives up its hart. */
	v->ctx.hstatus |= HSTATUS_VTW;
	v->hvip = 0;
	v->timer_deadline = ~0UL;
	v->wfi = v->waiting = false;
	v->fp_hart = -1; /* FP registers start at zero, wherever it runs */
}

void vcpu_load(struct vcpu *v)
{
	struct hart *h = this_hart();
	const struct vs_csrs *vs = &v->vs;

	csr_write(vsstatus, vs->vsstatus);
	csr_write(vsie, vs->vsie);
	csr_write(vstvec, vs->vstvec);
	csr_write(vsscratch, vs->vsscratch);
	csr_write(vsepc, vs->vsepc);
	csr_write(vscause, vs->vscause);
	csr_write(vstval, vs->vstval);
	csr_write(vsatp, vs->vsatp);
	csr_write(hstatus, v->ctx.hstatus);
	csr_write(scounteren, vs->scounteren);
	if (hart_has_senvcfg)
		csr_write(CSR_SENVCFG, vs->senvcfg);
	gstage_activate(&v->vm->gs);
	vtimer_load(v);
	/* Translations cached for the guest's own page tables may belong to
	 * another vCPU, or be this one's from before it ran elsewhere: drop
	 * them, once a time slice. That answers any fence request too. */
	__atomic_store_n(&v->fence_pending, 0, __ATOMIC_RELEASE);
	asm volatile("fence.i" ::: "memory");
	hfence_vvma_all();

	/* This hart holds our FP registers only if it was the last to load
	 * them: fp_owner alone is not enough once the vCPU ran elsewhere. */
	if ((v->ctx.sstatus & SSTATUS_FS) != SSTATUS_FS_OFF &&
	    (h->fp_owner != v || v->fp_hart != (int)h->index)) {
		csr_set(sstatus, SSTATUS_FS_INIT);
		fp_restore(&v->fp);
		csr_clear(sstatus, SSTATUS_FS);
		h->fp_owner = v;
		v->fp_hart = (int)h->index;
		v->ctx.sstatus = (v->ctx.sstatus & ~SSTATUS_FS) | SSTATUS_FS_CLEAN;
	}
}

void vcpu_put(struct vcpu *v)
{
	struct vs_csrs *vs = &v->vs;
	vs->vsstatus = csr_read(vsstatus);
	vs->vsie = csr_read(vsie);
	vs->vstvec = csr_read(vstvec);
	vs->vsscratch = csr_read(vsscratch);
	vs->vsepc = csr_read(vsepc);
	vs->vscause = csr_read(vscause);
	vs->vstval = csr_read(vstval);
	vs->vsatp = csr_read(vsatp);
	v->ctx.hstatus = csr_read(hstatus);
	vtimer_put(v);
	vs->scounteren = csr_read(scounteren);
	if (hart_has_senvcfg)
		vs->senvcfg = csr_read(CSR_SENVCFG);
	/* The guest changed its FP registers: keep them before another vCPU,
	 * or this one on another hart, needs the hart's. */
	if ((v->ctx.sstatus & SSTATUS_FS) == SSTATUS_FS_DIRTY) {
		csr_set(sstatus, SSTATUS_FS_INIT);
		fp_save(&v->fp);
		csr_clear(sstatus, SSTATUS_FS);
		v->ctx.sstatus = (v->ctx.sstatus & ~SSTATUS_FS) | SSTATUS_FS_CLEAN;
	}
}

void vcpu_inject_exception(struct vcpu *v, unsigned long cause, unsigned long tval)
{
	BUG_ON(v->running_on != (int)this_hart()->index);
	/* LAB 4 BEGIN: raise an exception in VS-mode as the hardware would */
	unsigned long vsstatus = csr_read(vsstatus);
	bool from_vs = v->ctx.sstatus & SSTATUS_SPP;
	/* vsstatus: SPP = the privilege it came from, SPIE = SIE, SIE = 0 */
	vsstatus &= ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
	if (from_vs)
		vsstatus |= SSTATUS_SPP;
	if (csr_read(vsstatus) & SSTATUS_SIE)
		vsstatus |= SSTATUS_SPIE;
	csr_write(vsstatus, vsstatus);
	csr_write(vsepc, v->ctx.sepc);
	csr_write(vscause, cause);
	csr_write(vstval, tval);
	/* Exceptions go to the base of vstvec, whatever its mode; the handler
	 * runs in VS-mode. */
	v->ctx.sepc = csr_read(vstvec) & ~3UL;
	v->ctx.sstatus |= SSTATUS_SPP;
	/* LAB 4 END */
}

/* The guest's interrupts, as it sees them: VSSIP from SBI IPI (and its
 * own writes to sip), VSTIP from its timer, VSEIP from its vPLIC context. */
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
