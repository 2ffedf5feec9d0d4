/* Where OpenSBI hands over: HS-mode, MMU off, a0 = hart id, a1 = the
 * physical address of the device tree. Only the boot hart should arrive
 * here; the others are started later through SBI HSM at secondary_entry,
 * but some firmware sends one here by mistake (boot/smp.c). */
#include "arch/csr.h"
#include "arch/hart.h"

	.section .text.entry, "ax"
	.globl _start
	.type _start, @function
_start:
	/* For make bench: how far the hart had counted when the hypervisor began. */
	rdinstret s2
	/* No interrupts until there is a handler; no per-hart pointer yet. */
	csrw	sie, zero
	csrci	sstatus, SSTATUS_SIE
	li	tp, 0
	/* Only the first hart here is the boot hart; another one is a
	 * secondary that the firmware misdirected, before it touches the boot
	 * hart's stack or the BSS. The flag is in .data: the BSS is cleared. */
	la	t0, boot_hart_arrived
	li	t1, 1
	amoswap.w.aqrl	t1, t1, (t0)
	bnez	t1, secondary_entry

	/* LAB 1 BEGIN: give the boot hart stack slot 0 and clear the BSS */
	la	sp, hart_stacks + HART_STACK_SIZE
	la	t0, __bss_start
	la	t1, __bss_end
	bgeu	t0, t1, 2f
1:	sd	zero, 0(t0)	/* 64 bytes a turn: the linker script aligns both ends to 64 */
	sd	zero, 8(t0)
	sd	zero, 16(t0)
	sd	zero, 24(t0)
	sd	zero, 32(t0)
	sd	zero, 40(t0)
	sd	zero, 48(t0)
	sd	zero, 56(t0)
	addi	t0, t0, 64
	bltu	t0, t1, 1b
2:
	/* LAB 1 END */
	la	t0, boot_instret
	sd	s2, 0(t0)
	/* An all-zero frame record ends every backtrace. */
	li	fp, 0
	li	ra, 0
	call	hv_main
3:	wfi
	j	3b
	.size _start, . - _start

/* Secondary harts, from SBI hart_start: a0 = hart id, a1 = the opaque value,
 * which hvlab sets to the hart's index so that it can find its stack. A
 * hart that the firmware started with a stale opaque value (out of range:
 * it was the device tree's address) is the one that boot/smp.c is
 * starting, whose index it has published. */
	.globl secondary_entry
	.type secondary_entry, @function
secondary_entry:
	csrw	sie, zero
	csrci	sstatus, SSTATUS_SIE
	li	tp, 0
	addi	t0, a1, -1
	li	t1, MAX_HARTS - 1
	bltu	t0, t1, 5f	/* 1 <= a1 < MAX_HARTS */
	fence	rw, rw
	la	t0, smp_starting_index
	lwu	a1, 0(t0)
5:	addi	t0, a1, 1
	li	t1, HART_STACK_SIZE
	mul	t0, t0, t1
	la	sp, hart_stacks
	add	sp, sp, t0
	li	fp, 0
	li	ra, 0
	call	secondary_main
4:	wfi
	j	4b
	.size secondary_entry, . - secondary_entry

	.section .data
	.balign	4
boot_hart_arrived:
	.word	0

	.section .stacks, "aw", @nobits
	.balign	16
	.globl hart_stacks
hart_stacks:
	.space	MAX_HARTS * HART_STACK_SIZE
