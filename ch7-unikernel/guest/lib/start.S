/* Guest entry, the same contract as a kernel's under OpenSBI:
 * vCPU 0 at _start with a0 = hart id, a1 = device tree;
 * others, started through SBI HSM, at secondary_start with a0 = hart id,
 * a1 = the opaque value. Each vCPU takes the stack of its hart id. */
#include "guest.h"

	.section .text.entry, "ax"
	.globl _start
	.type _start, @function
_start:
	rdinstret tp		/* for make bench: when the guest began */
	li	t0, GUEST_MAX_HARTS
	bgeu	a0, t0, park
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	call	set_stack
	call	guest_start
	j	park
	.size _start, . - _start

	.globl secondary_start
	.type secondary_start, @function
secondary_start:
	rdinstret tp		/* for make bench: when the guest began */
	li	t0, GUEST_MAX_HARTS
	bgeu	a0, t0, park
	call	set_stack
	call	guest_secondary
	j	park
	.size secondary_start, . - secondary_start

/* sp = the top of the stack of hart a0; returns through ra */
set_stack:
	addi	t0, a0, 1
	li	t1, GUEST_STACK_SIZE
	mul	t0, t0, t1
	la	sp, guest_stacks
	add	sp, sp, t0
	li	fp, 0
	ret

park:
	wfi
	j	park

	.section .bss
	.balign 16
guest_stacks:
	.space	GUEST_MAX_HARTS * GUEST_STACK_SIZE
