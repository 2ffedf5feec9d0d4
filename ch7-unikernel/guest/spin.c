/* Never yields and never ends: the other VMs must go on regardless. */
#include "guest.h"

void guest_main(void)
{
	/* grader: test_stage4_vcpu.py parses this line */
	printf("spinning forever\n");
	for (volatile unsigned long i = 0;; i++)
		;
}
