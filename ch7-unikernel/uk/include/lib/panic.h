/* panic(), for the exercise stubs of the handout: tools/handout.py turns a
 * LAB region into `panic("lab N: ...")` with `#include "lib/panic.h"`, as
 * in the hypervisor. Here it says so on the console and powers off. */
#ifndef UK_LIB_PANIC_H
#define UK_LIB_PANIC_H

#include "plat/plat.h"

static inline __attribute__((noreturn)) void panic(const char *message)
{
	plat_puts("uk: panic: ");
	plat_puts(message);
	plat_puts("\n");
	plat_poweroff(true);
}

#endif
