/* Supervisor CSRs and their bits (RISC-V privileged spec, chapter 10
 * "Supervisor-Level ISA"), with helpers to read and write them. */
#ifndef ARCH_CSR_H
#define ARCH_CSR_H

#define BIT(n) (1UL << (n))

#define SSTATUS_SIE  BIT(1)
#define SSTATUS_SPIE BIT(5)
#define SSTATUS_SPP  BIT(8)
#define SSTATUS_SUM  BIT(18)

#define SSTATUS_FS       (3UL << 13) /* the FP registers' state */
#define SSTATUS_FS_OFF   (0UL << 13)
#define SSTATUS_FS_INIT  (1UL << 13)
#define SSTATUS_FS_CLEAN (2UL << 13)
#define SSTATUS_FS_DIRTY (3UL << 13)

/* Interrupt codes (scause with its interrupt bit set, table 10.2). Code n
 * is also the interrupt's bit in sie and sip (and in hideleg, hvip and hip). */
#define SCAUSE_INTERRUPT BIT(63)
#define IRQ_S_SOFT       1
#define IRQ_VS_SOFT      2
#define IRQ_S_TIMER      5
#define IRQ_VS_TIMER     6
#define IRQ_S_EXT        9
#define IRQ_VS_EXT       10

#define SIE_SSIE BIT(IRQ_S_SOFT)
#define SIE_STIE BIT(IRQ_S_TIMER)
#define SIE_SEIE BIT(IRQ_S_EXT)
#define SIP_SSIP BIT(IRQ_S_SOFT)
#define SIP_STIP BIT(IRQ_S_TIMER)
#define SIP_SEIP BIT(IRQ_S_EXT)

#define SATP_MODE_SV39 (8UL << 60) /* satp.MODE: Sv39 translation */

/* CSRs that older assemblers do not know by name: by number, which every
 * assembler takes. */
#define CSR_STIMECMP 0x14d /* the S-mode timer deadline ("Sstc" extension, privileged spec) */
#define CSR_SENVCFG  0x10a /* supervisor environment configuration (privileged spec §10.1.10) */

/* Two levels, so that a macro argument is expanded before it becomes a
 * string: csr_read(CSR_STIMECMP) reads "0x14d", csr_read(sstatus) "sstatus". */
#define XSTR(x) #x
#define STR(x)  XSTR(x)

#ifndef __ASSEMBLY__

#define csr_read(csr)                                                     \
	({                                                                \
		unsigned long __v;                                        \
		asm volatile("csrr %0, " STR(csr) : "=r"(__v)::"memory"); \
		__v;                                                      \
	})

#define csr_write(csr, val)                                                   \
	({                                                                    \
		unsigned long __v = (unsigned long)(val);                     \
		asm volatile("csrw " STR(csr) ", %0" ::"rK"(__v) : "memory"); \
	})

#define csr_set(csr, val)                                                     \
	({                                                                    \
		unsigned long __v = (unsigned long)(val);                     \
		asm volatile("csrs " STR(csr) ", %0" ::"rK"(__v) : "memory"); \
	})

#define csr_clear(csr, val)                                                   \
	({                                                                    \
		unsigned long __v = (unsigned long)(val);                     \
		asm volatile("csrc " STR(csr) ", %0" ::"rK"(__v) : "memory"); \
	})

/* Clears bits and returns the CSR's value from before, in one instruction. */
#define csr_read_clear(csr, val)                          \
	({                                                \
		unsigned long __old;                      \
		asm volatile("csrrc %0, " STR(csr) ", %1" \
		             : "=r"(__old)                \
		             : "rK"((unsigned long)(val)) \
		             : "memory");                 \
		__old;                                    \
	})

/* wfi's encoding, by which a trapped guest's WFI is recognised */
#define INSN_WFI 0x10500073u

static inline void wfi(void)
{
	asm volatile("wfi" ::: "memory");
}

static inline void cpu_relax(void)
{
	/* Zihintpause's pause, encoded as a FENCE hint so that any assembler takes it. */
	asm volatile(".4byte 0x0100000f" ::: "memory");
}

#endif /* __ASSEMBLY__ */
#endif
