/* The device tree that a VM boots with. */
#ifndef VM_VM_FDT_H
#define VM_VM_FDT_H

#include "vm/vm.h"

/* Phandles in it: vCPU i's interrupt controller, and the PLIC (the
 * interrupt-parent of every device node that has interrupts). */
#define CPU_INTC_PHANDLE(i) (1 + (i))
#define PLIC_PHANDLE        (1 + MAX_VCPUS)

/* Builds it and writes it to vm->fdt_gpa; returns 0 or -1. */
int vm_fdt_build(struct vm *vm, const char *bootargs);

#endif
