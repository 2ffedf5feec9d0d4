/* Host build of arch/timer.h: `time` is the harness's clock. */
#ifndef FUZZ_SHIM_ARCH_TIMER_H
#define FUZZ_SHIM_ARCH_TIMER_H

#define time_now target_time_now
#include_next "arch/timer.h"
#undef time_now

extern uint64_t fuzz_time;

static inline uint64_t time_now(void)
{
	return fuzz_time;
}

#endif
