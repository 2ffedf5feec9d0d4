/* hello: what the platform found, and values derived from the nonce that
 * the command line gives (nonce=N), so that a test can tell a real run from
 * a recorded one. */
#include <inttypes.h>
#include <stdio.h>

#include "plat/plat.h"

/* splitmix64 (grader/mix64.py): one step from state x. */
static uint64_t splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
	(void)argc;
	uint64_t nonce = plat_arg_u64("nonce", 0);
	printf("hello from the %s unikernel\n", argv[0]);
	printf("hello: nonce=%#" PRIx64 "\n", nonce);
	uint64_t x = nonce;
	for (int i = 1; i <= 3; i++) {
		x = splitmix64(x);
		printf("hello: mix%d=%016" PRIx64 "\n", i, x);
	}
	printf("hello: memory %" PRIu64 " MiB at %#" PRIx64 "\n", plat_mem_size() >> 20,
	       plat_mem_base());
	printf("hello: harts %u\n", plat_hart_count());
	printf("hello: boot hart %lu\n", plat_boot_hartid());
	printf("hello: timebase %" PRIu64 " Hz\n", plat_ticks_per_sec());
	printf("hello: done\n");
	return 0;
}
