/* The image's entry and the trap vector. */

/* _start: a0 = hart id, a1 = the device tree, in S-mode with satp = 0
 * (OpenSBI, or hvlab for a VM). Interrupts off, the boot stack, then C.
 * a2: instret at the first instruction, for the boot's count (uk.bench). */
	.section .text.boot, "ax"
	.globl _start
_start:
	rdinstret a2
	csrw	sie, zero
	csrci	sstatus, 2		/* SIE */
	la	sp, __boot_stack_top
	mv	tp, zero
	mv	s0, zero
	call	plat_boot
1:	wfi
	j	1b

/* A trap saves every register the C handler may clobber, and sepc and
 * sstatus: a handler may switch to another thread (preemption), which takes
 * traps of its own before this one returns. */
#define FRAME 160
	.text
	.balign 4
	.globl plat_trap_vector
plat_trap_vector:
	addi	sp, sp, -FRAME
	sd	ra, 0(sp)
	sd	t0, 8(sp)
	sd	t1, 16(sp)
	sd	t2, 24(sp)
	sd	a0, 32(sp)
	sd	a1, 40(sp)
	sd	a2, 48(sp)
	sd	a3, 56(sp)
	sd	a4, 64(sp)
	sd	a5, 72(sp)
	sd	a6, 80(sp)
	sd	a7, 88(sp)
	sd	t3, 96(sp)
	sd	t4, 104(sp)
	sd	t5, 112(sp)
	sd	t6, 120(sp)
	csrr	t0, sepc
	sd	t0, 128(sp)
	csrr	t0, sstatus
	sd	t0, 136(sp)
	csrr	a0, scause
	csrr	a1, stval
	mv	a2, sp
	call	plat_trap
	ld	t0, 128(sp)
	csrw	sepc, t0
	ld	t0, 136(sp)
	csrw	sstatus, t0
	ld	ra, 0(sp)
	ld	t0, 8(sp)
	ld	t1, 16(sp)
	ld	t2, 24(sp)
	ld	a0, 32(sp)
	ld	a1, 40(sp)
	ld	a2, 48(sp)
	ld	a3, 56(sp)
	ld	a4, 64(sp)
	ld	a5, 72(sp)
	ld	a6, 80(sp)
	ld	a7, 88(sp)
	ld	t3, 96(sp)
	ld	t4, 104(sp)
	ld	t5, 112(sp)
	ld	t6, 120(sp)
	addi	sp, sp, FRAME
	sret
