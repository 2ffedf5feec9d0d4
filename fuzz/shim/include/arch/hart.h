/* Host build of arch/hart.h: the harness runs as hart 0 (no `tp`). */
#ifndef FUZZ_SHIM_ARCH_HART_H
#define FUZZ_SHIM_ARCH_HART_H

#define this_hart     target_this_hart
#define set_this_hart target_set_this_hart
#include_next "arch/hart.h"
#undef this_hart
#undef set_this_hart

#ifndef __ASSEMBLY__
static inline struct hart *this_hart(void)
{
	return &harts[0];
}
#endif

#endif
