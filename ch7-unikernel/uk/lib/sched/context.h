/* A thread's saved registers: what the C calling convention keeps across
 * a call (ra, sp, s0-s11), and tp (its TLS block). */
#ifndef UK_SCHED_CONTEXT_H
#define UK_SCHED_CONTEXT_H

struct uk_context {
	unsigned long ra, sp, s[12], tp;
};

/* Saves the running thread's registers in *from, loads *to's and returns
 * into the thread *to describes (switch.S). */
void uk_context_switch(struct uk_context *from, const struct uk_context *to);

#endif
