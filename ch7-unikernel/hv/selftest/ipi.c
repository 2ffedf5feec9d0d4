#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/ipi.h"
#include "arch/timer.h"
#include "boot/platform.h"
#include "boot/smp.h"
#include "lib/printf.h"
#include "selftest/selftest.h"

/* One IPI to each other online hart; each acknowledges from its handler.
 * The sender gives them a second of `time` before it reports a hart silent. */
void selftest_ipis(void)
{
	int slots = smp_hart_slots();
	unsigned long before[MAX_HARTS];
	int sent = 0, acked = 0;

	for (int i = 1; i < slots; i++)
		harts[i].ipi_verbose = true;
	for (int i = 1; i < slots; i++) {
		before[i] = harts[i].ipis;
		if (!harts[i].online)
			continue;
		if (ipi_send((unsigned)i))
			sent++;
		else
			printf("ipi: sending to hart %lu failed\n", harts[i].hartid);
	}
	uint64_t deadline = time_now() + platform.timebase_frequency;
	for (;;) {
		acked = 0;
		for (int i = 1; i < slots; i++)
			if (harts[i].online &&
			    __atomic_load_n(&harts[i].ipis, __ATOMIC_ACQUIRE) > before[i])
				acked++;
		if (acked == sent || time_now() >= deadline)
			break;
		cpu_relax();
	}
	for (int i = 1; i < slots; i++)
		harts[i].ipi_verbose = false;
	/* grader: test_stage2_trap.py parses this line */
	printf("ipi: %d sent, %d acknowledged\n", sent, acked);
}
