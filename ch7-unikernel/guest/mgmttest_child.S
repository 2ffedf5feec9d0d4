/* The image of guest/mgmtchild.c, in guest/mgmttest.c's memory: what it
 * creates VMs from. */
	.section .rodata
	.balign 8
	.globl mgmt_child_start, mgmt_child_end
mgmt_child_start:
	.incbin "build/guest/mgmtchild.bin"
mgmt_child_end:
