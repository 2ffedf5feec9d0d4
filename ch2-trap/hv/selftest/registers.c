#include "arch/hart.h"
#include "arch/trap.h"
#include "lib/printf.h"
#include "selftest/selftest.h"

uint64_t selftest_registers_trap(uint64_t seed, uint64_t out[32]);

static const char *const abi_names[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                          "s0",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                          "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                          "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

/* Register n should come back as seed * (n + 1); sp is the stack pointer.
 * Each register that did not is named, with what it held after the trap. */
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
		if (out[n] == seed * (uint64_t)(n + 1))
			intact++;
		else
			printf("selftest registers: x%d (%s) came back as 0x%lx\n", n, abi_names[n],
			       (unsigned long)out[n]);
	}
	printf("selftest registers: seed 0x%lx, checksum 0x%lx, %d of 30 intact\n",
	       (unsigned long)seed, (unsigned long)checksum, intact);
}
