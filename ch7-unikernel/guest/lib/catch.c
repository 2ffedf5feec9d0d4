/* Exceptions that a test guest provokes on purpose: a trap vector that
 * records each trap in `caught` and resumes after the instruction that
 * caused it (2 or 4 bytes, as read at sepc), or where catch_hook says.
 * And a way to run one instruction word built at run time: it is written
 * into a buffer followed by `ret`, so the trap's sepc is the buffer. */
#include "guest.h"

volatile struct caught_trap caught;
unsigned long (*catch_hook)(unsigned long scause, unsigned long sepc);

unsigned long catch_trap(unsigned long scause, unsigned long sepc);
unsigned long catch_trap(unsigned long scause, unsigned long sepc)
{
	unsigned long stval, sstatus;
	asm volatile("csrr %0, stval" : "=r"(stval));
	asm volatile("csrr %0, sstatus" : "=r"(sstatus));
	caught.scause = scause;
	caught.stval = stval;
	caught.sepc = sepc;
	caught.sstatus = sstatus;
	caught.count++;
	if (catch_hook)
		return catch_hook(scause, sepc);
	if (scause >> 63)
		return sepc; /* an interrupt: nothing to step over */
	uint16_t low = *(volatile uint16_t *)sepc;
	return sepc + ((low & 3) == 3 ? 4 : 2);
}

/* Saves what a C function may clobber, calls catch_trap(scause, sepc) and
 * returns with sret to the address it gives. */
asm(".section .text\n"
    ".balign 4\n"
    ".globl catch_vector\n"
    "catch_vector:\n"
    "	addi sp, sp, -128\n"
    "	sd ra, 0(sp)\n"
    "	sd t0, 8(sp)\n"
    "	sd t1, 16(sp)\n"
    "	sd t2, 24(sp)\n"
    "	sd a0, 32(sp)\n"
    "	sd a1, 40(sp)\n"
    "	sd a2, 48(sp)\n"
    "	sd a3, 56(sp)\n"
    "	sd a4, 64(sp)\n"
    "	sd a5, 72(sp)\n"
    "	sd a6, 80(sp)\n"
    "	sd a7, 88(sp)\n"
    "	sd t3, 96(sp)\n"
    "	sd t4, 104(sp)\n"
    "	sd t5, 112(sp)\n"
    "	sd t6, 120(sp)\n"
    "	csrr a0, scause\n"
    "	csrr a1, sepc\n"
    "	call catch_trap\n"
    "	csrw sepc, a0\n"
    "	ld ra, 0(sp)\n"
    "	ld t0, 8(sp)\n"
    "	ld t1, 16(sp)\n"
    "	ld t2, 24(sp)\n"
    "	ld a0, 32(sp)\n"
    "	ld a1, 40(sp)\n"
    "	ld a2, 48(sp)\n"
    "	ld a3, 56(sp)\n"
    "	ld a4, 64(sp)\n"
    "	ld a5, 72(sp)\n"
    "	ld a6, 80(sp)\n"
    "	ld a7, 88(sp)\n"
    "	ld t3, 96(sp)\n"
    "	ld t4, 104(sp)\n"
    "	ld t5, 112(sp)\n"
    "	ld t6, 120(sp)\n"
    "	addi sp, sp, 128\n"
    "	sret\n");

extern char catch_vector[];

void catch_on(void)
{
	asm volatile("csrw stvec, %0" ::"r"(catch_vector));
}

/* The word, then `ret`; aligned so that it is one buffer per call site. */
static uint32_t insn_buffer[2] __attribute__((aligned(8)));

unsigned long run_insn(uint32_t insn)
{
	insn_buffer[0] = insn;
	insn_buffer[1] = 0x00008067; /* ret (jalr x0, 0(ra)) */
	asm volatile("fence.i" ::: "memory");
	/* Called through a register: the word may use t0 as rd and sp as rs1,
	 * so say that t0 changes. */
	register unsigned long t0 asm("t0") = 0;
	asm volatile("jalr ra, 0(%1)" : "+r"(t0) : "r"(insn_buffer) : "ra", "memory");
	return t0;
}

uintptr_t insn_buffer_address(void)
{
	return (uintptr_t)insn_buffer;
}
