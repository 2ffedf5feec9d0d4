/* Fills every integer register but sp, t5 and t6, and every FP register,
 * with values derived from the nonce, keeps them there for `ms`
 * milliseconds of `time` while the hypervisor preempts it over and over,
 * then reports how many came back intact and their checksum. */
#include "guest.h"

/* regs_hold.S: returns after `until` (in `time` units) with out[] filled:
 * out[n] = xn for n in 1..31 (sp, t5, t6 left 0), out[32 + n] = fn. */
void regs_hold(uint64_t seed, uint64_t until, uint64_t out[64]);

void guest_main(void)
{
	uint64_t seed = bootarg_ulong("nonce", 0x12345) | 1;
	unsigned long ms = bootarg_ulong("ms", 500);
	uint64_t out[64] = {0};
	/* let the guest use FP: sstatus.FS = Initial */
	asm volatile("li t0, " STR(SSTATUS_FS_INIT) "\n csrs sstatus, t0" ::: "t0");
	regs_hold(seed, rdtime() + ms * fdt_timebase() / 1000, out);
	int intact = 0;
	uint64_t checksum = 0;
	for (int n = 1; n < 64; n++) {
		if (n == 2 || n == 30 || n == 31)
			continue;
		uint64_t want = seed * (uint64_t)(n + 1);
		intact += out[n] == want;
		checksum = (checksum << 5 | checksum >> 59) ^ out[n];
	}
	/* grader: test_stage4_vcpu.py parses this line */
	printf("regs: %d of 60 registers intact, checksum 0x%lx\n", intact,
	       (unsigned long)checksum);
}
