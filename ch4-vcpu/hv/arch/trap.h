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
#include <stdint.h>

struct trap_frame {
	unsigned long regs[32]; /* regs[n] is xn; regs[0] unused */
	unsigned long sepc;
	unsigned long sstatus;
	unsigned long scause;
	unsigned long stval;
};

_Static_assert(sizeof(struct trap_frame) == FRAME_SIZE, "trap.S and struct trap_frame agree");
_Static_assert(FRAME_SIZE % 16 == 0, "the stack stays 16-byte aligned");

enum { REG_RA = 1, REG_SP = 2, REG_GP = 3, REG_TP = 4, REG_S0 = 8, REG_A0 = 10 };

void trap_init_hart(void);
void trap_handler(struct trap_frame *f);
const char *trap_cause_name(unsigned long scause);
/* Length in bytes of the instruction at `pc` (2 or 4). */
unsigned instruction_length(unsigned long pc);
/* Prints cause, sepc, stval, sstatus and every register. */
void trap_dump(const struct trap_frame *f);
/* Prints x1..x31 by ABI name. */
void trap_dump_registers(const struct trap_frame *f);

#endif
#endif
