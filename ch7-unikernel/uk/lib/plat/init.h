/* The init table: a component registers `int fn(void)` with UK_INIT(fn,
 * LEVEL); the boot runs them by level (then in link order), before main.
 * A non-zero return stops the boot: the platform names the init and powers
 * off (failed). */
#ifndef UK_PLAT_INIT_H
#define UK_PLAT_INIT_H

#define UK_INIT_PLAT   1
#define UK_INIT_ALLOC  2
#define UK_INIT_IRQ    3
#define UK_INIT_SCHED  4
#define UK_INIT_DRIVER 5
#define UK_INIT_FS     6
#define UK_INIT_NET    7
#define UK_INIT_LAST   UK_INIT_NET

struct uk_init {
	int (*fn)(void);
	const char *name;
	long level;
};

/* The linker collects the .uk_init sections into one table (uk.ld). */
#define UK_INIT(fn, lvl)                         \
	static const struct uk_init uk_init_##fn \
	    __attribute__((used, section(".uk_init"), aligned(8))) = {fn, #fn, lvl}

#endif
