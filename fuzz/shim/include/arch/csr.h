/* Host build of the hypervisor's arch/csr.h: the real header's constants,
 * with CSR accesses that do nothing and read as zero (no parser that is
 * fuzzed depends on a CSR), and no instruction that only a hart has. */
#ifndef FUZZ_SHIM_ARCH_CSR_H
#define FUZZ_SHIM_ARCH_CSR_H

/* The target's inline functions get other names, and are never emitted. */
#define wfi       target_wfi
#define cpu_relax target_cpu_relax
#include_next "arch/csr.h"
#undef wfi
#undef cpu_relax

#ifndef __ASSEMBLY__
#undef csr_read
#undef csr_write
#undef csr_set
#undef csr_clear
#define csr_read(csr)       ((unsigned long)0)
#define csr_write(csr, val) ((void)(val))
#define csr_set(csr, val)   ((void)(val))
#define csr_clear(csr, val) ((void)(val))

/* One thread runs the harness: waiting here would be waiting for itself
 * (a lock taken twice, a loop that nothing else can end). */
__attribute__((noreturn)) void fuzz_deadlock(const char *where);

static inline void wfi(void)
{
	fuzz_deadlock("wfi");
}

static inline void cpu_relax(void)
{
	fuzz_deadlock("cpu_relax (spinning on a lock or a flag)");
}
#endif

#endif
