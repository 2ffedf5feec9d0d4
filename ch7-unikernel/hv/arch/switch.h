/* The world switch (arch/switch.S): what it saves and restores of a guest
 * and of the hypervisor around it (privileged spec chapter 18: entering a
 * guest is an sret with hstatus.SPV set). The context is the CPU's; the
 * vCPU (vm/vcpu.h) holds one. */
#ifndef ARCH_SWITCH_H
#define ARCH_SWITCH_H

/* Offsets into struct vcpu_context, shared with switch.S. */
#define CTX_REG(n)    ((n)*8)
#define CTX_HOST_SP   (32 * 8)
#define CTX_HOST_RA   (33 * 8)
#define CTX_HOST_TP   (34 * 8)
#define CTX_HOST_S(n) ((35 + (n)) * 8) /* s0..s11 */
#define CTX_SEPC      (47 * 8)
#define CTX_SSTATUS   (48 * 8)
#define CTX_SCAUSE    (50 * 8)
#define CTX_STVAL     (51 * 8)
#define CTX_SIZE      (54 * 8)

#ifndef __ASSEMBLY__
#include <stddef.h>

/* What the world switch saves and restores. */
struct vcpu_context {
	unsigned long regs[32]; /* guest x1..x31, regs[REG_RA] on; regs[0] unused */
	/* The hypervisor's, while the guest runs (not gp: it is built with
	 * -mno-relax and never uses it). */
	unsigned long host_sp, host_ra, host_tp, host_s[12];
	unsigned long sepc;    /* guest pc */
	unsigned long sstatus; /* SPP: the guest's privilege (VS or VU); FS: FP use */
	unsigned long hstatus; /* SPV, SPVP, VTW...: in the CSR while loaded */
	/* Filled in by an exit (htval and htinst by the exit handler, for the
	 * causes that set them): */
	unsigned long scause, stval, htval, htinst;
};

_Static_assert(offsetof(struct vcpu_context, regs) == CTX_REG(0), "switch.S offsets");
_Static_assert(offsetof(struct vcpu_context, host_sp) == CTX_HOST_SP, "switch.S offsets");
_Static_assert(offsetof(struct vcpu_context, host_s) == CTX_HOST_S(0), "switch.S offsets");
_Static_assert(offsetof(struct vcpu_context, host_tp) == CTX_HOST_TP, "switch.S offsets");
_Static_assert(offsetof(struct vcpu_context, sepc) == CTX_SEPC, "switch.S offsets");
_Static_assert(offsetof(struct vcpu_context, sstatus) == CTX_SSTATUS, "switch.S offsets");
_Static_assert(offsetof(struct vcpu_context, scause) == CTX_SCAUSE, "switch.S offsets");
_Static_assert(offsetof(struct vcpu_context, stval) == CTX_STVAL, "switch.S offsets");
_Static_assert(sizeof(struct vcpu_context) == CTX_SIZE, "switch.S offsets");

/* switch.S: runs the guest, calling vm_exit (vm/exit.c) after each exit,
 * until vm_exit returns non-zero. */
void vcpu_run(struct vcpu_context *ctx);
#endif /* __ASSEMBLY__ */
#endif
