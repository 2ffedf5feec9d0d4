/* The VM that the hostile guests run beside. It computes, round after
 * round, values seeded by its nonce that the grader recomputes: round i
 * starts from splitmix64(nonce + i) mod p (p = 2^61 - 1) and multiplies it
 * by MULTIPLIER modulo p, STEPS times; the checksum folds in every round's
 * result. It never yields: it goes on for `ms` milliseconds of `time` (or
 * for `rounds` rounds when that is given), then prints how many rounds it
 * did, the checksum, and how much of that time it had the hart (as it
 * measured it: guest/lib/guest.h, run_clock), and shuts down. */
#include "guest.h"

#define PRIME      ((1UL << 61) - 1)
#define MULTIPLIER (0x2545f4914f6cdd1dUL % PRIME)
#define STEPS      4096

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15UL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

/* a * b mod 2^61 - 1, for a, b below it */
static uint64_t mulmod(uint64_t a, uint64_t b)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	uint64_t r = ((uint64_t)p & PRIME) + (uint64_t)(p >> 61);
	return r >= PRIME ? r - PRIME : r;
}

void guest_main(void)
{
	uint64_t nonce = bootarg_ulong("nonce", 1);
	unsigned long rounds = bootarg_ulong("rounds", 0);
	uint64_t us = fdt_timebase() / 1000000 ?: 1, now;
	uint64_t until = rdtime() + bootarg_ulong("ms", 500) * 1000 * us;
	uint64_t checksum = 0;
	unsigned long i;
	struct run_clock clock;
	run_clock_start(&clock, 1000 * us);
	for (i = 0, now = clock.start; rounds ? i < rounds : now < until; i++) {
		uint64_t y = splitmix(nonce + i) % PRIME;
		for (int k = 0; k < STEPS; k++)
			y = mulmod(y, MULTIPLIER);
		checksum = (checksum << 5 | checksum >> 59) ^ y;
		now = run_clock_tick(&clock);
	}
	/* grader: benign.py parses this line */
	printf("benign: %lu rounds, checksum 0x%lx, ran %lu of %lu us, descheduled %lu times\n", i,
	       (unsigned long)checksum, (unsigned long)(clock.ran / us),
	       (unsigned long)((now - clock.start) / us), clock.descheduled);
}
