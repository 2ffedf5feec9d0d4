/* void regs_hold(uint64_t seed, uint64_t until, uint64_t out[64])
 * xn = seed * (n + 1) for every n but 2 (sp), 30 (t5), 31 (t6);
 * fn = seed * (32 + n + 1); spin on `time` until `until`; store them all. */
	.option push
	.option arch, +d
	.text
	.globl regs_hold
	.type regs_hold, @function
regs_hold:
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
	sd	a2, 120(sp)
	mv	t5, a1		/* until */

	/* FP registers first, using t6 as the scratch */
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	li	t6, 32 + \n + 1
	mul	t6, a0, t6
	fmv.d.x	f\n, t6
	.endr
	.irp n, 1,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29
	li	t6, \n + 1
	mul	x\n, a0, t6
	.endr
	li	t6, 11
	mul	a0, a0, t6	/* x10 last: it held the seed */

1:	rdtime	t6
	bltu	t6, t5, 1b

	/* out[] back from the stack; x31 (t6) is free again */
	ld	t6, 120(sp)
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29
	sd	x\n, \n * 8(t6)
	.endr
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd	f\n, (32 + \n) * 8(t6)
	.endr

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
	.size regs_hold, . - regs_hold
	.option pop
