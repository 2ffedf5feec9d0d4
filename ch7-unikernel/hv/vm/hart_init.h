/* What a hart sets up once before it runs guests (vm/hart_init.c). */
#ifndef VM_HART_INIT_H
#define VM_HART_INIT_H

#include <stdbool.h>

/* Sets this hart's delegation and counter CSRs for running guests. */
void vm_hart_init(void);

/* Whether the harts have senvcfg (privileged spec 1.12), which guests use. */
extern bool hart_has_senvcfg;

#endif
