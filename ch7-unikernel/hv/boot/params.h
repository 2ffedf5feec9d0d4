/* The hypervisor's command line: the words of /chosen's bootargs that are
 * its parameters, each described once in boot/params.c (name, kind,
 * default, range, help), parsed once at boot into `params`, and listed by
 * the bootarg `help` (and the console's `help`, from ch5 on). The rest of
 * the line (vm=..., vmN.KEY=..., anything else) is left to whoever reads
 * it: vm/config.c, or a guest. */
#ifndef BOOT_PARAMS_H
#define BOOT_PARAMS_H

#include <stdbool.h>

struct params {
	bool help;              /* list the parameters and stop */
	bool hsm_stale;         /* start secondary harts the way a firmware race does */
	unsigned long tick_hz;  /* host timer ticks a second (a time slice from ch4) */
	unsigned long seed;     /* the register self-test's values */
	unsigned long timer_ms; /* how long the timer self-test counts ticks */
	char panic[16];         /* a deliberate panic, to see the report */
	char lockcheck[16];     /* a deliberate lock misuse, to see it caught */
	char gstage[160];       /* the G-stage self-test's layout: GPA:SIZE:PERMS,... */
	unsigned long nonce;    /* the G-stage self-test's data */
	unsigned long unmapped; /* a GPA the G-stage self-test leaves unmapped */
	char selftest[4];       /* "off" skips the earlier chapters' self-tests */
	unsigned long run_ms;   /* stop the VMs still running after this long (0: never) */
	char vtimer[8];         /* the guests' timers: sstc (when the harts have it) or hvip */

	/* The host's virtio devices checked at boot (selftest/virtio.c) */
	unsigned long blk_probe; /* a disk sector to read and checksum; ~0: none */
	unsigned long blk_write; /* a disk sector to write from blk_nonce; ~0: none */
	unsigned long blk_nonce; /* what blk_write writes */
	bool net_probe;          /* ask QEMU's user network for 10.0.2.2's MAC */
};

extern struct params params;

/* Fills `params` from the bootargs (platform.bootargs: after dt_discover);
 * a value out of range or not among the choices panics, naming the
 * parameter and what it takes. */
void params_parse(void);
/* One line a parameter: name=default, then what it does. */
void params_print_help(void);

#endif
