/* The per-hart tick: a supervisor timer interrupt at a fixed rate. */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/* Picks the timer source (stimecmp when Sstc is usable, else SBI TIME) and
 * the rate; called once on the boot hart before any timer_start. */
void timer_init(unsigned long tick_hz, bool has_sstc);
/* Starts ticking on this hart. */
void timer_start(void);
void timer_stop(void);
void timer_interrupt(void);
bool timer_uses_sstc(void);
unsigned long timer_tick_hz(void);

static inline uint64_t time_now(void)
{
	uint64_t t;
	asm volatile("rdtime %0" : "=r"(t));
	return t;
}

#endif
