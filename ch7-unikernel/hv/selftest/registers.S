/* uint64_t selftest_registers_trap(uint64_t seed, uint64_t out[32])
 *
 * Fills every register the trap entry must preserve (all but zero and sp)
 * with seed * (n + 1) for register xn, takes a breakpoint, and stores what
 * the registers hold afterwards into out[n]. A trap path that loses or
 * swaps any register changes the checksum that the caller prints. */
#include "arch/trap.h"

	.text
	.globl selftest_registers_trap
	.type selftest_registers_trap, @function
selftest_registers_trap:
	/* Save what the ABI needs back: ra, gp, tp, s0-s11, and a1 (out). */
	addi	sp, sp, -128
	sd	ra, 0(sp)
	sd	gp, 8(sp)
	sd	tp, 16(sp)
	sd	s0, 24(sp)
	sd	s1, 32(sp)
	sd	s2, 40(sp)
	sd	s3, 48(sp)
	sd	s4, 56(sp)
	sd	s5, 64(sp)
	sd	s6, 72(sp)
	sd	s7, 80(sp)
	sd	s8, 88(sp)
	sd	s9, 96(sp)
	sd	s10, 104(sp)
	sd	s11, 112(sp)
	sd	a1, 120(sp)

	.macro fill reg, n
	li	t6, \n + 1
	mul	\reg, a0, t6
	.endm
	fill	x1, 1
	fill	x3, 3
	fill	x4, 4
	fill	x5, 5
	fill	x6, 6
	fill	x7, 7
	fill	x8, 8
	fill	x9, 9
	fill	x11, 11
	fill	x12, 12
	fill	x13, 13
	fill	x14, 14
	fill	x15, 15
	fill	x16, 16
	fill	x17, 17
	fill	x18, 18
	fill	x19, 19
	fill	x20, 20
	fill	x21, 21
	fill	x22, 22
	fill	x23, 23
	fill	x24, 24
	fill	x25, 25
	fill	x26, 26
	fill	x27, 27
	fill	x28, 28
	fill	x29, 29
	fill	x30, 30
	li	t6, 11
	mul	x10, a0, t6	/* a0 late: it held the seed */
	slli	x31, x1, 4	/* t6 last: it was the scratch; seed * 2 * 16 */

selftest_registers_ebreak:
	.option push
	.option norvc
	ebreak
	.option pop

	/* Spill x31 first to free a register for the out pointer. */
	addi	sp, sp, -8
	sd	x31, 0(sp)
	ld	x31, 128(sp)	/* out */
	sd	x1, 8(x31)
	sd	x3, 24(x31)
	sd	x4, 32(x31)
	sd	x5, 40(x31)
	sd	x6, 48(x31)
	sd	x7, 56(x31)
	sd	x8, 64(x31)
	sd	x9, 72(x31)
	sd	x10, 80(x31)
	sd	x11, 88(x31)
	sd	x12, 96(x31)
	sd	x13, 104(x31)
	sd	x14, 112(x31)
	sd	x15, 120(x31)
	sd	x16, 128(x31)
	sd	x17, 136(x31)
	sd	x18, 144(x31)
	sd	x19, 152(x31)
	sd	x20, 160(x31)
	sd	x21, 168(x31)
	sd	x22, 176(x31)
	sd	x23, 184(x31)
	sd	x24, 192(x31)
	sd	x25, 200(x31)
	sd	x26, 208(x31)
	sd	x27, 216(x31)
	sd	x28, 224(x31)
	sd	x29, 232(x31)
	sd	x30, 240(x31)
	ld	t0, 0(sp)
	sd	t0, 248(x31)
	addi	sp, sp, 8

	ld	ra, 0(sp)
	ld	gp, 8(sp)
	ld	tp, 16(sp)
	ld	s0, 24(sp)
	ld	s1, 32(sp)
	ld	s2, 40(sp)
	ld	s3, 48(sp)
	ld	s4, 56(sp)
	ld	s5, 64(sp)
	ld	s6, 72(sp)
	ld	s7, 80(sp)
	ld	s8, 88(sp)
	ld	s9, 96(sp)
	ld	s10, 104(sp)
	ld	s11, 112(sp)
	addi	sp, sp, 128
	ret
	.size selftest_registers_trap, . - selftest_registers_trap
