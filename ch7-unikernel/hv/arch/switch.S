/* The world switch: from the hypervisor (HS-mode, V=0) into a guest (V=1)
 * and back (privileged spec §18.6 "Traps", §18.6.4 "Trap return").
 *
 * vcpu_run(ctx) saves the hypervisor's callee-saved registers in ctx and
 * enters the guest: sscratch points at ctx, stvec at vm_exit_entry, the
 * guest's registers are loaded, and `sret` (hstatus.SPV = 1) enters V=1 at
 * sepc, in the privilege that sstatus.SPP names (VS or VU).
 *
 * Any trap that the guest takes to HS-mode lands at vm_exit_entry with
 * every guest register intact. It swaps a0 with sscratch to get ctx, saves
 * the guest's registers and the trap CSRs there, takes back the
 * hypervisor's stack and hart pointer (and its own sscratch and stvec), and
 * calls vm_exit(ctx) in C. When that returns 0 the guest is entered again at
 * once; otherwise the hypervisor's registers are restored and vcpu_run
 * returns to the scheduler. The hypervisor's callee-saved registers are so
 * saved once per time slice, not once per exit.
 *
 * Kept out of the round trip, for speed: hstatus (vcpu_load sets it, the
 * guest's trap keeps SPVP right, and enter_guest sets SPV again in case a
 * trap in HS-mode, say a fixed-up hlv, cleared it), htval and htinst (read by the exit handler
 * when the cause needs them, before anything can trap again), and the
 * hypervisor's gp (it is built with -mno-relax and never uses gp). */
#include "arch/hext.h"
#include "arch/trap.h"
#include "arch/switch.h"

	.text
	.globl vcpu_run
	.type vcpu_run, @function
	.balign 4
vcpu_run:
	/* LAB 4 BEGIN: save the hypervisor's registers in ctx */
	sd	sp, CTX_HOST_SP(a0)
	sd	ra, CTX_HOST_RA(a0)
	sd	tp, CTX_HOST_TP(a0)
	sd	s0, CTX_HOST_S(0)(a0)
	sd	s1, CTX_HOST_S(1)(a0)
	sd	s2, CTX_HOST_S(2)(a0)
	sd	s3, CTX_HOST_S(3)(a0)
	sd	s4, CTX_HOST_S(4)(a0)
	sd	s5, CTX_HOST_S(5)(a0)
	sd	s6, CTX_HOST_S(6)(a0)
	sd	s7, CTX_HOST_S(7)(a0)
	sd	s8, CTX_HOST_S(8)(a0)
	sd	s9, CTX_HOST_S(9)(a0)
	sd	s10, CTX_HOST_S(10)(a0)
	sd	s11, CTX_HOST_S(11)(a0)
	/* LAB 4 END */
enter_guest:
	/* LAB 4 BEGIN: point sscratch and stvec at the exit path, load the guest, sret */
	li	t0, HSTATUS_SPV	/* a trap taken in HS since the exit would have cleared it */
	csrs	hstatus, t0
	csrw	sscratch, a0
	la	t0, vm_exit_entry
	csrw	stvec, t0
	ld	t0, CTX_SEPC(a0)
	csrw	sepc, t0
	ld	t0, CTX_SSTATUS(a0)
	csrw	sstatus, t0
	ld	x1, CTX_REG(1)(a0)
	ld	x2, CTX_REG(2)(a0)
	ld	x3, CTX_REG(3)(a0)
	ld	x4, CTX_REG(4)(a0)
	ld	x5, CTX_REG(5)(a0)
	ld	x6, CTX_REG(6)(a0)
	ld	x7, CTX_REG(7)(a0)
	ld	x8, CTX_REG(8)(a0)
	ld	x9, CTX_REG(9)(a0)
	ld	x11, CTX_REG(11)(a0)
	ld	x12, CTX_REG(12)(a0)
	ld	x13, CTX_REG(13)(a0)
	ld	x14, CTX_REG(14)(a0)
	ld	x15, CTX_REG(15)(a0)
	ld	x16, CTX_REG(16)(a0)
	ld	x17, CTX_REG(17)(a0)
	ld	x18, CTX_REG(18)(a0)
	ld	x19, CTX_REG(19)(a0)
	ld	x20, CTX_REG(20)(a0)
	ld	x21, CTX_REG(21)(a0)
	ld	x22, CTX_REG(22)(a0)
	ld	x23, CTX_REG(23)(a0)
	ld	x24, CTX_REG(24)(a0)
	ld	x25, CTX_REG(25)(a0)
	ld	x26, CTX_REG(26)(a0)
	ld	x27, CTX_REG(27)(a0)
	ld	x28, CTX_REG(28)(a0)
	ld	x29, CTX_REG(29)(a0)
	ld	x30, CTX_REG(30)(a0)
	ld	x31, CTX_REG(31)(a0)
	ld	x10, CTX_REG(10)(a0)
	sret
	/* LAB 4 END */
	.size vcpu_run, . - vcpu_run

	.globl vm_exit_entry
	.type vm_exit_entry, @function
	.balign 4
vm_exit_entry:
	/* LAB 4 BEGIN: save the guest's registers and the trap, call vm_exit */
	csrrw	a0, sscratch, a0
	sd	x1, CTX_REG(1)(a0)
	sd	x2, CTX_REG(2)(a0)
	sd	x3, CTX_REG(3)(a0)
	sd	x4, CTX_REG(4)(a0)
	sd	x5, CTX_REG(5)(a0)
	sd	x6, CTX_REG(6)(a0)
	sd	x7, CTX_REG(7)(a0)
	sd	x8, CTX_REG(8)(a0)
	sd	x9, CTX_REG(9)(a0)
	sd	x11, CTX_REG(11)(a0)
	sd	x12, CTX_REG(12)(a0)
	sd	x13, CTX_REG(13)(a0)
	sd	x14, CTX_REG(14)(a0)
	sd	x15, CTX_REG(15)(a0)
	sd	x16, CTX_REG(16)(a0)
	sd	x17, CTX_REG(17)(a0)
	sd	x18, CTX_REG(18)(a0)
	sd	x19, CTX_REG(19)(a0)
	sd	x20, CTX_REG(20)(a0)
	sd	x21, CTX_REG(21)(a0)
	sd	x22, CTX_REG(22)(a0)
	sd	x23, CTX_REG(23)(a0)
	sd	x24, CTX_REG(24)(a0)
	sd	x25, CTX_REG(25)(a0)
	sd	x26, CTX_REG(26)(a0)
	sd	x27, CTX_REG(27)(a0)
	sd	x28, CTX_REG(28)(a0)
	sd	x29, CTX_REG(29)(a0)
	sd	x30, CTX_REG(30)(a0)
	sd	x31, CTX_REG(31)(a0)
	csrr	t0, sscratch
	sd	t0, CTX_REG(10)(a0)
	csrr	t0, sepc
	sd	t0, CTX_SEPC(a0)
	csrr	t0, sstatus
	sd	t0, CTX_SSTATUS(a0)
	csrr	t0, scause
	sd	t0, CTX_SCAUSE(a0)
	csrr	t0, stval
	sd	t0, CTX_STVAL(a0)

	/* The hypervisor's world: its stack, its hart, its trap vector; s0 as
	 * vcpu_run's caller had it, so that backtraces go on past the exit. */
	ld	sp, CTX_HOST_SP(a0)
	ld	tp, CTX_HOST_TP(a0)
	ld	s0, CTX_HOST_S(0)(a0)
	csrw	sscratch, tp
	la	t0, trap_entry
	csrw	stvec, t0
	mv	s1, a0			/* ctx, kept across the call */
	call	vm_exit
	bnez	a0, 1f
	mv	a0, s1
	j	enter_guest

1:	/* Back to the scheduler: the rest of the hypervisor's registers. */
	mv	t0, s1
	ld	ra, CTX_HOST_RA(t0)
	ld	s0, CTX_HOST_S(0)(t0)
	ld	s2, CTX_HOST_S(2)(t0)
	ld	s3, CTX_HOST_S(3)(t0)
	ld	s4, CTX_HOST_S(4)(t0)
	ld	s5, CTX_HOST_S(5)(t0)
	ld	s6, CTX_HOST_S(6)(t0)
	ld	s7, CTX_HOST_S(7)(t0)
	ld	s8, CTX_HOST_S(8)(t0)
	ld	s9, CTX_HOST_S(9)(t0)
	ld	s10, CTX_HOST_S(10)(t0)
	ld	s11, CTX_HOST_S(11)(t0)
	ld	s1, CTX_HOST_S(1)(t0)
	ret
	/* LAB 4 END */
	.size vm_exit_entry, . - vm_exit_entry
