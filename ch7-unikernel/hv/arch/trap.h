/* The trap frame and the trap handler (privileged spec §10.1.1 sstatus,
 * §10.1.2 stvec, §10.1.6 sscratch, §10.1.7 sepc, §10.1.8 scause,
 * §10.1.9 stval). */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include "arch/csr.h"

/* Frame layout, shared with trap.S: x1..x31 at their register number,
 * then the trap CSRs. The slot of x0 is unused. */
#define FRAME_REG(n)  ((n)*8)
#define FRAME_SEPC    (32 * 8)
#define FRAME_SSTATUS (33 * 8)
#define FRAME_SCAUSE  (34 * 8)
#define FRAME_STVAL   (35 * 8)
#define FRAME_SIZE    (36 * 8)

/* Exception codes (scause with the interrupt bit clear), table 10.2; the
 * interrupt codes, which are CSR bit numbers too, are in arch/csr.h. */
#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS      1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_ECALL_S          9
#define EXC_ECALL_VS         10
#define EXC_INST_PAGE        12
#define EXC_LOAD_PAGE        13
#define EXC_STORE_PAGE       15
#define EXC_INST_GUEST_PAGE  20
#define EXC_LOAD_GUEST_PAGE  21
#define EXC_VIRTUAL_INST     22
#define EXC_STORE_GUEST_PAGE 23

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct trap_frame {
	unsigned long regs[32]; /* regs[n] is xn; regs[0] unused */
	unsigned long sepc;
	unsigned long sstatus;
	unsigned long scause;
	unsigned long stval;
};

_Static_assert(offsetof(struct trap_frame, regs) == FRAME_REG(0), "trap.S offsets");
_Static_assert(offsetof(struct trap_frame, sepc) == FRAME_SEPC, "trap.S offsets");
_Static_assert(offsetof(struct trap_frame, sstatus) == FRAME_SSTATUS, "trap.S offsets");
_Static_assert(offsetof(struct trap_frame, scause) == FRAME_SCAUSE, "trap.S offsets");
_Static_assert(offsetof(struct trap_frame, stval) == FRAME_STVAL, "trap.S offsets");
_Static_assert(sizeof(struct trap_frame) == FRAME_SIZE, "trap.S and struct trap_frame agree");
_Static_assert(FRAME_SIZE % 16 == 0, "the stack stays 16-byte aligned");

/* regs[] of a trap frame or of a vCPU context (vm/vcpu.h) by ABI name:
 * regs[REG_A0] is x10. */
enum {
	REG_RA = 1,
	REG_SP = 2,
	REG_GP = 3,
	REG_TP = 4,
	REG_T0 = 5,
	REG_T1 = 6,
	REG_T2 = 7,
	REG_S0 = 8,
	REG_S1 = 9,
	REG_A0 = 10,
	REG_A1 = 11,
	REG_A2 = 12,
	REG_A3 = 13,
	REG_A4 = 14,
	REG_A5 = 15,
	REG_A6 = 16,
	REG_A7 = 17,
	REG_S2 = 18,
	REG_S3 = 19,
	REG_S4 = 20,
	REG_S5 = 21,
	REG_S6 = 22,
	REG_S7 = 23,
	REG_S8 = 24,
	REG_S9 = 25,
	REG_S10 = 26,
	REG_S11 = 27,
	REG_T3 = 28,
	REG_T4 = 29,
	REG_T5 = 30,
	REG_T6 = 31,
};

void trap_init_hart(void);
void trap_handler(struct trap_frame *f);
/* The handler of supervisor external interrupts (the host PLIC's driver). */
void trap_set_external(void (*handler)(void));
const char *trap_cause_name(unsigned long scause);
/* Length in bytes of the instruction at `pc` (2 or 4). */
unsigned instruction_length(unsigned long pc);
/* Prints cause, sepc, stval, sstatus and every register. */
void trap_dump(const struct trap_frame *f);
/* xn's ABI name: "ra" for REG_RA (1), "a0" for REG_A0 (10)... */
const char *reg_name(unsigned n);
/* Prints x1..x31 by ABI name. */
void trap_dump_registers(const struct trap_frame *f);

#endif
#endif
