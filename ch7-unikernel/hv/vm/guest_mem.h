/* Copies between the hypervisor and guest-physical memory, checked leaf by
 * leaf (4 KiB, 2 MiB or 1 GiB pages) against the guest's G-stage table: a
 * guest can only name its own memory. */
#ifndef VM_GUEST_MEM_H
#define VM_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/* 0 when every byte of [gpa, gpa + len) is the guest's RAM with the
 * permission `need` (PTE_R, PTE_W), else -1; an empty range always is. */
int guest_check(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t need);
/* Return 0, or -1 when any byte of the range is not the guest's RAM with
 * the needed permission (nothing is copied then). */
int guest_read(struct vm *vm, uint64_t gpa, void *dst, uint64_t len);
int guest_write(struct vm *vm, uint64_t gpa, const void *src, uint64_t len);
/* Whether [gpa, gpa + len) lies inside the guest's RAM as a whole, without
 * walking it: for buffers that a guest names but the hypervisor uses in
 * part (an SBI call's whole buffer must be valid, SBI spec §3.2). */
bool guest_range_in_ram(const struct vm *vm, uint64_t gpa, uint64_t len);

/* The guest's instruction at gva, 2 or 4 bytes, as the hart fetched it
 * (hlvx: through vsatp, with the privilege in hstatus.SPVP, which a trap
 * from V=1 sets to the guest's). 0, or PROBE_FAULT when it cannot be read. */
int guest_fetch_insn(uint64_t gva, uint32_t *insn, unsigned *length);

#endif
