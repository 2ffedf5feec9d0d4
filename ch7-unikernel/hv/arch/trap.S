/* Trap entry and exit. stvec points here in Direct mode; every trap taken
 * in HS-mode arrives with the interrupted context's registers intact.
 *
 * Invariant: while hvlab runs, sscratch holds this hart's struct hart
 * pointer. The entry swaps it into tp (so the interrupted tp is saved too,
 * whatever it held), pushes a full struct trap_frame on the current stack,
 * and calls trap_handler(frame). The exit restores everything from the
 * frame, which the handler may have changed (sepc to step over an
 * instruction, a0 for a fixup), and returns with sret. */
#include "arch/trap.h"

	.section .text
	.balign 4
	.globl trap_entry
	.type trap_entry, @function
trap_entry:
	/* LAB 2 BEGIN: save the interrupted context into a trap frame on this hart's stack */
	csrrw	tp, sscratch, tp
	addi	sp, sp, -FRAME_SIZE
	sd	x1, FRAME_REG(1)(sp)
	sd	x3, FRAME_REG(3)(sp)
	sd	x5, FRAME_REG(5)(sp)
	sd	x6, FRAME_REG(6)(sp)
	sd	x7, FRAME_REG(7)(sp)
	sd	x8, FRAME_REG(8)(sp)
	sd	x9, FRAME_REG(9)(sp)
	sd	x10, FRAME_REG(10)(sp)
	sd	x11, FRAME_REG(11)(sp)
	sd	x12, FRAME_REG(12)(sp)
	sd	x13, FRAME_REG(13)(sp)
	sd	x14, FRAME_REG(14)(sp)
	sd	x15, FRAME_REG(15)(sp)
	sd	x16, FRAME_REG(16)(sp)
	sd	x17, FRAME_REG(17)(sp)
	sd	x18, FRAME_REG(18)(sp)
	sd	x19, FRAME_REG(19)(sp)
	sd	x20, FRAME_REG(20)(sp)
	sd	x21, FRAME_REG(21)(sp)
	sd	x22, FRAME_REG(22)(sp)
	sd	x23, FRAME_REG(23)(sp)
	sd	x24, FRAME_REG(24)(sp)
	sd	x25, FRAME_REG(25)(sp)
	sd	x26, FRAME_REG(26)(sp)
	sd	x27, FRAME_REG(27)(sp)
	sd	x28, FRAME_REG(28)(sp)
	sd	x29, FRAME_REG(29)(sp)
	sd	x30, FRAME_REG(30)(sp)
	sd	x31, FRAME_REG(31)(sp)
	/* the interrupted sp and tp */
	addi	t0, sp, FRAME_SIZE
	sd	t0, FRAME_REG(2)(sp)
	csrrw	t0, sscratch, tp
	sd	t0, FRAME_REG(4)(sp)
	csrr	t0, sepc
	sd	t0, FRAME_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, FRAME_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, FRAME_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, FRAME_STVAL(sp)
	/* LAB 2 END */

	/* A frame record that links the backtrace through the trap: the
	 * interrupted pc as return address, the interrupted fp as parent. */
	addi	sp, sp, -16
	ld	t0, 16 + FRAME_SEPC(sp)
	sd	t0, 8(sp)
	sd	s0, 0(sp)
	addi	s0, sp, 16

	addi	a0, sp, 16
	call	trap_handler
	addi	sp, sp, 16

	/* LAB 2 BEGIN: restore the (possibly updated) context from the frame and return */
	ld	t0, FRAME_SEPC(sp)
	csrw	sepc, t0
	ld	t0, FRAME_SSTATUS(sp)
	csrw	sstatus, t0
	ld	x1, FRAME_REG(1)(sp)
	ld	x3, FRAME_REG(3)(sp)
	ld	x4, FRAME_REG(4)(sp)
	ld	x5, FRAME_REG(5)(sp)
	ld	x6, FRAME_REG(6)(sp)
	ld	x7, FRAME_REG(7)(sp)
	ld	x8, FRAME_REG(8)(sp)
	ld	x9, FRAME_REG(9)(sp)
	ld	x10, FRAME_REG(10)(sp)
	ld	x11, FRAME_REG(11)(sp)
	ld	x12, FRAME_REG(12)(sp)
	ld	x13, FRAME_REG(13)(sp)
	ld	x14, FRAME_REG(14)(sp)
	ld	x15, FRAME_REG(15)(sp)
	ld	x16, FRAME_REG(16)(sp)
	ld	x17, FRAME_REG(17)(sp)
	ld	x18, FRAME_REG(18)(sp)
	ld	x19, FRAME_REG(19)(sp)
	ld	x20, FRAME_REG(20)(sp)
	ld	x21, FRAME_REG(21)(sp)
	ld	x22, FRAME_REG(22)(sp)
	ld	x23, FRAME_REG(23)(sp)
	ld	x24, FRAME_REG(24)(sp)
	ld	x25, FRAME_REG(25)(sp)
	ld	x26, FRAME_REG(26)(sp)
	ld	x27, FRAME_REG(27)(sp)
	ld	x28, FRAME_REG(28)(sp)
	ld	x29, FRAME_REG(29)(sp)
	ld	x30, FRAME_REG(30)(sp)
	ld	x31, FRAME_REG(31)(sp)
	ld	x2, FRAME_REG(2)(sp)
	sret
	/* LAB 2 END */
	.size trap_entry, . - trap_entry

/* void capture_context(struct trap_frame *f): the caller's registers as
 * they are at the call, for a panic report; sepc = the return address. */
	.globl capture_context
	.type capture_context, @function
capture_context:
	sd	x1, FRAME_REG(1)(a0)
	sd	x2, FRAME_REG(2)(a0)
	sd	x3, FRAME_REG(3)(a0)
	sd	x4, FRAME_REG(4)(a0)
	sd	x5, FRAME_REG(5)(a0)
	sd	x6, FRAME_REG(6)(a0)
	sd	x7, FRAME_REG(7)(a0)
	sd	x8, FRAME_REG(8)(a0)
	sd	x9, FRAME_REG(9)(a0)
	sd	x10, FRAME_REG(10)(a0)
	sd	x11, FRAME_REG(11)(a0)
	sd	x12, FRAME_REG(12)(a0)
	sd	x13, FRAME_REG(13)(a0)
	sd	x14, FRAME_REG(14)(a0)
	sd	x15, FRAME_REG(15)(a0)
	sd	x16, FRAME_REG(16)(a0)
	sd	x17, FRAME_REG(17)(a0)
	sd	x18, FRAME_REG(18)(a0)
	sd	x19, FRAME_REG(19)(a0)
	sd	x20, FRAME_REG(20)(a0)
	sd	x21, FRAME_REG(21)(a0)
	sd	x22, FRAME_REG(22)(a0)
	sd	x23, FRAME_REG(23)(a0)
	sd	x24, FRAME_REG(24)(a0)
	sd	x25, FRAME_REG(25)(a0)
	sd	x26, FRAME_REG(26)(a0)
	sd	x27, FRAME_REG(27)(a0)
	sd	x28, FRAME_REG(28)(a0)
	sd	x29, FRAME_REG(29)(a0)
	sd	x30, FRAME_REG(30)(a0)
	sd	x31, FRAME_REG(31)(a0)
	sd	ra, FRAME_SEPC(a0)
	csrr	t0, sstatus
	sd	t0, FRAME_SSTATUS(a0)
	sd	zero, FRAME_SCAUSE(a0)
	sd	zero, FRAME_STVAL(a0)
	ret
	.size capture_context, . - capture_context
