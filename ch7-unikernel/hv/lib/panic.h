/* Stop everything with a report; the run ends with a failure status. */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

struct trap_frame;

/* From C: the message, the registers at the call and a backtrace. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
/* From a trap: the message, the trap's cause, sepc, stval, sstatus, the
 * interrupted registers and a backtrace from the faulting pc. */
__attribute__((noreturn)) void panic_frame(const struct trap_frame *f, const char *why);

#define BUG_ON(cond)                                                             \
	do {                                                                     \
		if (cond)                                                        \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
