/* The exception-fixup table, after Linux's __ex_table: an instruction that
 * may fault is listed with the address to resume at. When it faults, the
 * trap handler records the cause and stval in this_hart()->last_fault and
 * resumes at the fixup, which makes the helper return PROBE_FAULT instead
 * of taking the hypervisor down. Any exception counts: access and page
 * faults, misaligned accesses, illegal instructions (a CSR that the hart
 * lacks) and, from ch3 on, guest-page faults from hlv/hsv. */
#ifndef LIB_EXTABLE_H
#define LIB_EXTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/trap.h"

#define PROBE_OK    0
#define PROBE_FAULT (-1)

struct extable_entry {
	unsigned long insn;  /* the instruction that may fault */
	unsigned long fixup; /* where to go when it does */
};

/* Emits `insn` with a table entry. On a fault, `err` becomes PROBE_FAULT
 * and execution continues after the instruction. Operands are named
 * [val], [addr] and [err] in the surrounding asm statement. */
#define EXTABLE_INSN(insn)                    \
	"1:	" insn "\n"                   \
	"2:\n"                                \
	"	.pushsection .text.fixup, \"ax\"\n" \
	"3:	li %[err], -1\n"                  \
	"	j 2b\n"                             \
	"	.popsection\n"                      \
	"	.pushsection .extable, \"a\"\n"     \
	"	.balign 8\n"                        \
	"	.dword 1b, 3b\n"                    \
	"	.popsection\n"

#define DEFINE_PROBE_READ(name, type, insn)                           \
	static inline int name(uintptr_t addr, type *out)             \
	{                                                             \
		int err = PROBE_OK;                                   \
		unsigned long val = 0;                                \
		asm volatile(EXTABLE_INSN(insn " %[val], 0(%[addr])") \
		             : [val] "+r"(val), [err] "+r"(err)       \
		             : [addr] "r"(addr)                       \
		             : "memory");                             \
		*out = (type)val;                                     \
		return err;                                           \
	}

#define DEFINE_PROBE_WRITE(name, type, insn)                          \
	static inline int name(uintptr_t addr, type v)                \
	{                                                             \
		int err = PROBE_OK;                                   \
		unsigned long val = (unsigned long)v;                 \
		asm volatile(EXTABLE_INSN(insn " %[val], 0(%[addr])") \
		             : [err] "+r"(err)                        \
		             : [val] "r"(val), [addr] "r"(addr)       \
		             : "memory");                             \
		return err;                                           \
	}

DEFINE_PROBE_READ(probe_read8, uint8_t, "lbu")
DEFINE_PROBE_READ(probe_read16, uint16_t, "lhu")
DEFINE_PROBE_READ(probe_read32, uint32_t, "lwu")
DEFINE_PROBE_READ(probe_read64, uint64_t, "ld")
DEFINE_PROBE_WRITE(probe_write8, uint8_t, "sb")
DEFINE_PROBE_WRITE(probe_write16, uint16_t, "sh")
DEFINE_PROBE_WRITE(probe_write32, uint32_t, "sw")
DEFINE_PROBE_WRITE(probe_write64, uint64_t, "sd")

/* Called by the trap handler: true when the faulting pc has a fixup. */
bool extable_fixup(struct trap_frame *f);

#endif
