/* An interrupt storm that the guest never takes: its interrupt is enabled
 * in sie, so that it is "pending and enabled" for the hypervisor, but
 * sstatus.SIE stays clear, and the guest spins. For `ms` milliseconds of
 * `time`, on every vCPU of the VM, one source chosen by mode=:
 *   timer  sbi_set_timer(0), a deadline already past, once (sie.STIE)
 *   ipi    SBI IPIs to the next vCPU (to itself when it is alone), as
 *          fast as it can (sie.SSIE)
 *   plic   the UART's transmitter-empty interrupt switched on and off in
 *          IER as fast as it can, its vPLIC source enabled (sie.SEIE)
 * Each vCPU reports how long it had a hart (run_clock). The VMs beside
 * it must keep their share of the harts all the same. */
#include "guest.h"
#include "regmap/ns16550.h"

static char mode[8] = "timer";
static uint64_t until;
static unsigned long cpus;
static uint64_t us;
static volatile unsigned long rounds[GUEST_MAX_HARTS], ran_us[GUEST_MAX_HARTS], done;
static volatile uint8_t *uart;

static void storm(unsigned long hart)
{
	unsigned long n = 0;
	struct run_clock clock;
	irq_disable();
	run_clock_start(&clock, 1000 * us);
	if (!strcmp(mode, "ipi")) {
		asm volatile("csrs sie, %0" ::"r"(SIE_SSIE));
		unsigned long next = (hart + 1) % cpus;
		for (; run_clock_tick(&clock) < until; n++)
			sbi_call(SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, 1UL << next, 0, 0);
	} else if (!strcmp(mode, "plic")) {
		asm volatile("csrs sie, %0" ::"r"(SIE_SEIE));
		for (; run_clock_tick(&clock) < until; n++) {
			uart[UART_IER] = UART_IER_THRI;
			uart[UART_IER] = 0;
		}
	} else {
		asm volatile("csrs sie, %0" ::"r"(SIE_STIE));
		sbi_set_timer(0);
		for (; run_clock_tick(&clock) < until; n++)
			;
	}
	rounds[hart] = n;
	ran_us[hart] = clock.ran / us;
	__atomic_add_fetch(&done, 1, __ATOMIC_ACQ_REL);
}

void guest_secondary(unsigned long hartid, unsigned long opaque)
{
	(void)opaque;
	storm(hartid);
	sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_STOP, 0, 0, 0);
}

void guest_main(void)
{
	bootarg("mode", mode, sizeof(mode));
	cpus = (unsigned long)fdt_cpu_count();
	us = fdt_timebase() / 1000000 ?: 1;
	until = rdtime() + bootarg_ulong("ms", 1000) * 1000 * us;
	uart = (volatile uint8_t *)fdt_find_reg("ns16550a");
	uint32_t irq;
	if (!strcmp(mode, "plic") && fdt_interrupts("ns16550a", &irq, 1) == 1) {
		int ctx = plic_context(0);
		plic_set_priority(irq, 7);
		for (unsigned long h = 0; h < cpus; h++)
			plic_enable(plic_context(h), irq, true);
		plic_set_threshold(ctx, 0);
	}
	for (unsigned long h = 1; h < cpus; h++)
		sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, h, (unsigned long)secondary_start, 0);
	storm(0);
	while (done < cpus)
		;
	/* grader: test_stage5_hostile.py parses this line */
	for (unsigned long h = 0; h < cpus; h++)
		printf("irqstorm: %s, vcpu %lu, %lu rounds, ran %lu us\n", mode, h, rounds[h],
		       ran_us[h]);
}
