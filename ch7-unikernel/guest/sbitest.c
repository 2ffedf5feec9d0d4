/* Asks the SBI implementation under it the questions whose answers the SBI
 * specification fixes, and prints every answer as a value for the grader
 * to judge. Also checks that what the guest may not do comes back to it as
 * an illegal-instruction exception, as on real hardware. */
/* grader: test_stage4_vcpu.py parses every line this guest prints */
#include "guest.h"

static volatile int secondary_ran;

void guest_secondary(unsigned long hartid, unsigned long opaque)
{
	printf("hsm: vcpu %lu running, opaque 0x%lx\n", hartid, opaque);
	secondary_ran = 1;
	sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_STOP, 0, 0, 0);
	printf("hsm: hart_stop returned\n"); /* must not happen */
}

/* The guest's own trap handler: record, step over, return. */
static volatile unsigned long trap_cause, trap_tval, trap_epc;
extern char guest_trap_vector[];
asm(".align 4\n"
    "guest_trap_vector:\n"
    "	csrw sscratch, t0\n"
    "	csrr t0, scause\n"
    "	sd t0, trap_cause, t1\n"
    "	csrr t0, stval\n"
    "	sd t0, trap_tval, t1\n"
    "	csrr t0, sepc\n"
    "	sd t0, trap_epc, t1\n"
    "	addi t0, t0, 4\n"
    "	csrw sepc, t0\n"
    "	csrr t0, sscratch\n"
    "	sret\n");

static void check_reflection(void)
{
	asm volatile("csrw stvec, %0" ::"r"(guest_trap_vector));
	/* cycle: hcounteren.CY is clear, a virtual-instruction exception for the
	 * hypervisor, an illegal instruction for the guest */
	unsigned long v = 0;
	asm volatile(".option push\n.option norvc\n csrr %0, cycle\n.option pop"
	             : "=r"(v)::"t0", "t1");
	printf("trap: csrr cycle -> scause %lu stval 0x%lx\n", trap_cause, trap_tval);
	trap_cause = 0;
	/* hgatp from VS-mode: a hypervisor CSR, likewise */
	asm volatile(".option push\n.option norvc\n csrr %0, hgatp\n.option pop"
	             : "=r"(v)::"t0", "t1");
	printf("trap: csrr hgatp -> scause %lu stval 0x%lx\n", trap_cause, trap_tval);
	trap_cause = 0;
	/* time and instret are allowed (hcounteren.TM, IR) */
	uint64_t t = rdtime(), i = rdinstret();
	printf("trap: rdtime and rdinstret -> scause %lu (%s)\n", trap_cause,
	       t && i ? "nonzero" : "zero");
}

void guest_main(void)
{
	static const unsigned long probes[] = {
	    SBI_EXT_BASE,
	    SBI_EXT_TIME,
	    SBI_EXT_IPI,
	    SBI_EXT_RFENCE,
	    SBI_EXT_HSM,
	    SBI_EXT_SRST,
	    SBI_EXT_DBCN,
	    SBI_EXT_0_1_CONSOLE_PUTCHAR,
	    SBI_EXT_0_1_CONSOLE_GETCHAR,
	    /* what hvlab does not offer */
	    SBI_EXT_PMU,
	    SBI_EXT_SUSP,
	    SBI_EXT_CPPC,
	    0x12345678,
	};
	struct sbiret r;

	r = sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_GET_SPEC_VERSION, 0, 0, 0);
	printf("base: spec_version error %ld value 0x%lx\n", r.error, r.value);
	r = sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_GET_IMP_ID, 0, 0, 0);
	printf("base: impl_id error %ld value 0x%lx\n", r.error, r.value);
	for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		r = sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_PROBE_EXT, probes[i], 0, 0);
		printf("base: probe 0x%lx error %ld value %ld\n", probes[i], r.error, r.value);
	}
	r = sbi_call(SBI_EXT_BASE, 99, 0, 0, 0);
	printf("base: unknown function error %ld\n", r.error);
	r = sbi_call(0x0a0b0c0d, 0, 0, 0, 0);
	printf("unknown extension error %ld\n", r.error);

	/* HSM: statuses, bad arguments, a start and a stop */
	unsigned long nonce = bootarg_ulong("nonce", 0x1234);
	r = sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_GET_STATUS, 1, 0, 0);
	printf("hsm: status(1) before start error %ld value %ld\n", r.error, r.value);
	r = sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_GET_STATUS, 99, 0, 0);
	printf("hsm: status(99) error %ld\n", r.error);
	r = sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, 99, (unsigned long)secondary_start, 0);
	printf("hsm: start(99) error %ld\n", r.error);
	r = sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, 1, 0x1000, 0);
	printf("hsm: start(1, unmapped address) error %ld\n", r.error);
	r = sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, 0, (unsigned long)secondary_start, 0);
	printf("hsm: start(0, itself) error %ld\n", r.error);
	r = sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, 1, (unsigned long)secondary_start, nonce);
	printf("hsm: start(1) error %ld\n", r.error);
	uint64_t deadline = rdtime() + fdt_timebase() * 5;
	while (!secondary_ran && rdtime() < deadline)
		;
	long status;
	do
		status = sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_GET_STATUS, 1, 0, 0).value;
	while (status != SBI_HSM_STATE_STOPPED && rdtime() < deadline);
	printf("hsm: status(1) after it stopped itself %ld\n", status);

	/* DBCN: memory outside the guest's RAM is refused */
	r = sbi_call(SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, 16, 0x1000, 0);
	printf("dbcn: write from 0x1000 error %ld\n", r.error);
	r = sbi_call(SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, 3, (unsigned long)"ok\n", 0);
	printf("dbcn: write of 3 bytes error %ld value %ld\n", r.error, r.value);

	/* IPI with a mask that names a vCPU that does not exist */
	r = sbi_call(SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, 1, 64, 0);
	printf("ipi: mask beyond the vcpus error %ld\n", r.error);

	check_reflection();
	printf("sbitest done\n");
}
