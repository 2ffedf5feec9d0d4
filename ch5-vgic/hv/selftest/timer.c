#include "arch/csr.h"
#include "arch/timer.h"
#include "boot/hart.h"
#include "boot/platform.h"
#include "boot/smp.h"
#include "lib/printf.h"
#include "selftest/selftest.h"

/* Every online hart ticks on its own; the boot hart samples all counters
 * at both ends of a window measured with the shared `time` CSR. */
void selftest_timer(unsigned long ms)
{
	unsigned long tb = platform.timebase_frequency;
	int slots = smp_hart_slots();
	unsigned long before[MAX_HARTS], after[MAX_HARTS];

	printf("timer: source %s, rate %lu Hz, timebase %lu Hz\n",
	       timer_uses_sstc() ? "stimecmp (Sstc)" : "SBI set_timer", timer_tick_hz(), tb);
	uint64_t start = time_now();
	for (int i = 0; i < slots; i++)
		before[i] = harts[i].ticks;
	uint64_t end = start + tb * ms / 1000;
	while (time_now() < end)
		wfi();
	uint64_t stop = time_now();
	for (int i = 0; i < slots; i++)
		after[i] = harts[i].ticks;

	unsigned long elapsed_us = (unsigned long)((stop - start) * 1000000 / tb);
	printf("timer: window %lu us\n", elapsed_us);
	for (int i = 0; i < slots; i++)
		if (harts[i].online)
			printf("timer: hart %lu: %lu ticks\n", harts[i].hartid,
			       after[i] - before[i]);
}
