/* Stop everything with a message; the run ends with a failure status. */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define BUG_ON(cond)                                                             \
	do {                                                                     \
		if (cond)                                                        \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
