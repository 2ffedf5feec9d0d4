/* The SBI that guests see (RISC-V SBI specification v2.0), answered by the
 * hypervisor itself: a guest's ecall never reaches the firmware. One file
 * per extension, as in OpenSBI's lib/sbi/sbi_ecall_*.c. */
#ifndef VM_SBI_H
#define VM_SBI_H

#include "arch/sbi.h"
#include "vm/vcpu.h"

/* The version hvlab implements: 2.0. */
#define HVLAB_SBI_SPEC_VERSION (2UL << SBI_SPEC_VERSION_MAJOR_OFFSET)
/* Not an assigned implementation id (those are for firmware that ships
 * widely); "hvlb" in ASCII, so that a guest can tell. */
#define HVLAB_SBI_IMPL_ID      0x68766c62UL
#define HVLAB_SBI_IMPL_VERSION 1

struct sbi_extension {
	unsigned long eid;
	const char *name;
	/* Returns the answer for a0/a1; sets *resume = false when the vCPU must
	 * not continue after the ecall (it stopped, or its VM did). */
	struct sbiret (*handle)(struct vcpu *v, unsigned long fid, const unsigned long *args,
	                        bool *resume);
	/* Whether probe_extension says it is there for v; NULL: for every VM. */
	bool (*available)(const struct vcpu *v);
};

/* The signature of every handler; not every handler needs every argument. */
#define SBI_HANDLER(name)                                                                      \
	static struct sbiret name(                                                             \
	    struct vcpu *v __attribute__((unused)), unsigned long fid __attribute__((unused)), \
	    const unsigned long *a __attribute__((unused)), bool *resume __attribute__((unused)))

/* Every extension, for the dispatcher and for probe_extension. */
extern const struct sbi_extension sbi_ext_base, sbi_ext_legacy_putchar, sbi_ext_legacy_getchar,
    sbi_ext_time, sbi_ext_ipi, sbi_ext_rfence, sbi_ext_hsm, sbi_ext_srst, sbi_ext_dbcn,
    sbi_ext_mgmt;

const struct sbi_extension *sbi_find_extension(unsigned long eid);
/* An ecall from VS-mode: dispatch, answer in a0/a1, step over the ecall. */
void sbi_handle(struct vcpu *v);

#endif
