/* exit() (atexit handlers, then _exit) ends the whole image: power off,
 * failed unless the status is 0. */
#include <stdio.h>

#include "plat/plat.h"

__attribute__((noreturn)) void _exit(int status)
{
	fflush(stdout);
	plat_poweroff(status != 0);
}
