/* Between the platform's own files: boot steps and the image's layout. */
#ifndef UK_PLAT_BOOT_H
#define UK_PLAT_BOOT_H

#include "plat/init.h"

/* uk.ld */
extern char _start[], _end[], __bss_start[], __bss_end[], __uk_tls_block[];
extern const struct uk_init __uk_init_start[], __uk_init_end[];

int plat_fdt_init(unsigned long hartid, const void *fdt);
void plat_trap_init(void);

#endif
