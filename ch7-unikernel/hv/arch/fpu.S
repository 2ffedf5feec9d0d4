/* Saving and restoring the FP registers (D extension) of a guest. The
 * hypervisor itself is built without FP; only this file uses it, with
 * sstatus.FS made non-Off by the caller. */
	.option push
	.option arch, +d

/* void fp_save(struct fp_state *s) */
	.text
	.globl fp_save
	.type fp_save, @function
fp_save:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd	f\n, \n * 8(a0)
	.endr
	frcsr	t0
	sw	t0, 256(a0)
	ret
	.size fp_save, . - fp_save

/* void fp_restore(const struct fp_state *s) */
	.globl fp_restore
	.type fp_restore, @function
fp_restore:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fld	f\n, \n * 8(a0)
	.endr
	lw	t0, 256(a0)
	fscsr	t0
	ret
	.size fp_restore, . - fp_restore
	.option pop
