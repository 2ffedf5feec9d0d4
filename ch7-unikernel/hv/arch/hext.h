/* The hypervisor extension's CSRs and instructions (privileged spec
 * chapter 18: §18.2.1 hstatus, §18.2.10 hgatp, §18.3.2 HFENCE.GVMA,
 * §18.3.3 hypervisor virtual-machine loads and stores). The assembler is
 * told about H only around the instructions that need it. */
#ifndef ARCH_HEXT_H
#define ARCH_HEXT_H

#include "arch/csr.h"

#define HSTATUS_GVA  BIT(6)  /* stval holds a guest virtual address */
#define HSTATUS_SPV  BIT(7)  /* the trap came from V=1; sret returns there */
#define HSTATUS_SPVP BIT(8)  /* HLV/HSV access with VS privilege (1) or VU (0) */
#define HSTATUS_VTVM BIT(20) /* trap the guest's sfence.vma and satp */
#define HSTATUS_VTW  BIT(21) /* trap the guest's wfi */
#define HSTATUS_VTSR BIT(22) /* trap the guest's sret */

/* hideleg/hvip/hip bits: the guest's software, timer and external interrupts */
#define HVIP_VSSIP BIT(IRQ_VS_SOFT)
#define HVIP_VSTIP BIT(IRQ_VS_TIMER)
#define HVIP_VSEIP BIT(IRQ_VS_EXT)

#define HCOUNTEREN_CY BIT(0)
#define HCOUNTEREN_TM BIT(1)
#define HCOUNTEREN_IR BIT(2)

#define HGATP_MODE_SV39X4 (8UL << 60)
#define HGATP_VMID_SHIFT  44

/* CSRs that older assemblers do not know by name (as in arch/csr.h) */
#define CSR_HENVCFG   0x60a /* hypervisor environment configuration (privileged spec §18.2.5) */
#define CSR_VSTIMECMP 0x24d /* the guest's timer deadline ("Sstc" extension, privileged spec) */

#define HENVCFG_STCE BIT(63) /* Sstc for the guest: its stimecmp is vstimecmp */

/* vsie is the guest's sie: its bits are at the S positions, one below
 * their VS positions in hvip (IRQ_S_TIMER 5, IRQ_VS_TIMER 6). */
#define VSIE_SSIE SIE_SSIE
#define VSIE_STIE SIE_STIE
#define VSIE_SEIE SIE_SEIE

#ifndef __ASSEMBLY__
#include <stdint.h>

#include "lib/extable.h"

#define H_INSN(insn) ".option push\n.option arch, +h\n" insn ".option pop\n"

/* Every guest translation of every VMID. */
static inline void hfence_gvma_all(void)
{
	asm volatile(H_INSN("hfence.gvma zero, zero\n")::: "memory");
}

/* The translations of one guest-physical address (rs1 holds GPA >> 2). */
static inline void hfence_gvma_gpa(uint64_t gpa)
{
	asm volatile(H_INSN("hfence.gvma %0, zero\n")::"r"(gpa >> 2) : "memory");
}

/* hfence.vvma: the guest's own (VS-stage) translations for the current VMID. */
static inline void hfence_vvma_all(void)
{
	asm volatile(H_INSN("hfence.vvma zero, zero\n")::: "memory");
}

/* Guest accesses through the current hgatp/vsatp, as the guest would
 * make them; a fault returns PROBE_FAULT with this_hart()->last_fault. */
#define DEFINE_GUEST_READ(name, type, insn)                                  \
	static inline int name(uint64_t gva, type *out)                      \
	{                                                                    \
		int err = PROBE_OK;                                          \
		unsigned long val = 0;                                       \
		asm volatile(H_INSN(EXTABLE_INSN(insn " %[val], (%[addr])")) \
		             : [val] "+r"(val), [err] "+r"(err)              \
		             : [addr] "r"(gva)                               \
		             : "memory");                                    \
		*out = (type)val;                                            \
		return err;                                                  \
	}

#define DEFINE_GUEST_WRITE(name, type, insn)                                 \
	static inline int name(uint64_t gva, type v)                         \
	{                                                                    \
		int err = PROBE_OK;                                          \
		unsigned long val = (unsigned long)v;                        \
		asm volatile(H_INSN(EXTABLE_INSN(insn " %[val], (%[addr])")) \
		             : [err] "+r"(err)                               \
		             : [val] "r"(val), [addr] "r"(gva)               \
		             : "memory");                                    \
		return err;                                                  \
	}

DEFINE_GUEST_READ(guest_read8, uint8_t, "hlv.bu")
DEFINE_GUEST_READ(guest_read16, uint16_t, "hlv.hu")
DEFINE_GUEST_READ(guest_read32, uint32_t, "hlv.wu")
DEFINE_GUEST_READ(guest_read64, uint64_t, "hlv.d")
/* A read with execute permission: how a hypervisor fetches a guest's instruction. */
DEFINE_GUEST_READ(guest_fetch16, uint16_t, "hlvx.hu")
DEFINE_GUEST_WRITE(guest_write8, uint8_t, "hsv.b")
DEFINE_GUEST_WRITE(guest_write16, uint16_t, "hsv.h")
DEFINE_GUEST_WRITE(guest_write32, uint32_t, "hsv.w")
DEFINE_GUEST_WRITE(guest_write64, uint64_t, "hsv.d")

#endif /* __ASSEMBLY__ */
#endif
