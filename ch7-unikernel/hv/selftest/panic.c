/* A panic three calls deep, on request (bootargs panic=1 or panic=fault),
 * for the backtrace to name depth 3, 2 and 1 in that order. */
#include "lib/panic.h"
#include "mm/sv39.h"
#include "lib/string.h"
#include "selftest/selftest.h"

#define FRAME __attribute__((noinline, used))

#include "boot/platform.h"

FRAME void selftest_panic_depth3(const char *how)
{
	if (!strcmp(how, "fault"))
		(void)*(volatile unsigned long *)sv39_map_unclaimed();
	panic("deliberate panic (panic=%s)", how);
}

FRAME void selftest_panic_depth2(const char *how)
{
	selftest_panic_depth3(how);
	asm volatile(""); /* keep the call a call, not a tail jump */
}

FRAME void selftest_panic_depth1(const char *how)
{
	selftest_panic_depth2(how);
	asm volatile("");
}

void selftest_panic(const char *how)
{
	selftest_panic_depth1(how);
}
