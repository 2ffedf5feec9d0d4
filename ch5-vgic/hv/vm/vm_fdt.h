/* The device tree that a VM boots with. */
#ifndef VM_VM_FDT_H
#define VM_VM_FDT_H

struct vm;

/* Builds it and writes it to vm->fdt_gpa; returns 0 or -1. */
int vm_fdt_build(struct vm *vm, const char *bootargs);

#endif
