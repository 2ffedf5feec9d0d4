#include "arch/trap.h"
#include "boot/hart.h"
#include "lib/printf.h"
#include "selftest/selftest.h"

uint64_t selftest_registers_trap(uint64_t seed, uint64_t out[32]);

/* Register n should come back as seed * (n + 1); sp is the stack pointer. */
void selftest_registers(uint64_t seed)
{
	uint64_t out[32] = {0};
	this_hart()->expected_exceptions = 1UL << EXC_BREAKPOINT;
	selftest_registers_trap(seed, out);

	uint64_t checksum = 0;
	int intact = 0;
	for (int n = 1; n < 32; n++) {
		if (n == 2)
			continue;
		checksum = (checksum << 7 | checksum >> 57) ^ out[n];
		intact += out[n] == seed * (uint64_t)(n + 1);
	}
	printf("selftest registers: seed 0x%lx, checksum 0x%lx, %d of 30 intact\n",
	       (unsigned long)seed, (unsigned long)checksum, intact);
}
