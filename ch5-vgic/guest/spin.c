/* Never yields and never ends: the other VMs must go on regardless. */
#include "guest.h"

void guest_main(void)
{
	printf("spinning forever\n");
	for (volatile unsigned long i = 0;; i++)
		;
}
