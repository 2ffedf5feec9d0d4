/* Three-level RISC-V page tables (privileged spec §10.3 "Sv32", §10.4
 * "Sv39"; §18.5.1 for the x4 variant of the G-stage). Sv39 and Sv39x4 share
 * the PTE format and the walk; Sv39x4's root has 2048 entries (16 KiB) and
 * takes two more address bits. */
#ifndef MM_PAGETABLE_H
#define MM_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/frame.h"

#define PTE_V     (1UL << 0)
#define PTE_R     (1UL << 1)
#define PTE_W     (1UL << 2)
#define PTE_X     (1UL << 3)
#define PTE_U     (1UL << 4)
#define PTE_G     (1UL << 5)
#define PTE_A     (1UL << 6)
#define PTE_D     (1UL << 7)
/* RSW bit 8, ignored by hardware: the table owns the frame and frees it. */
#define PTE_OWNED (1UL << 8)

#define PTE_PPN_SHIFT  10
#define PTE_TO_PA(pte) (((pte) >> PTE_PPN_SHIFT) << PAGE_SHIFT)
#define PA_TO_PTE(pa)  (((pa) >> PAGE_SHIFT) << PTE_PPN_SHIFT)

#define PT_LEVELS          3
#define LEVEL_SHIFT(level) (PAGE_SHIFT + 9 * (level)) /* 12, 21, 30 */
#define LEVEL_SIZE(level)  (1UL << LEVEL_SHIFT(level))

struct pagetable {
	uint64_t root;      /* physical address */
	unsigned root_bits; /* index bits at the top level: 9 (Sv39) or 11 (Sv39x4) */
};

/* Maps [va, va + size) onto [pa, pa + size) with `flags` (R/W/X/U/G/OWNED;
 * V, A and D are added), using 1 GiB and 2 MiB pages where alignment allows
 * and `allow_huge`. Returns 0, or -1 when a table frame cannot be had or the
 * range overlaps an existing mapping. */
int pt_map(struct pagetable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags,
           bool allow_huge);
/* Removes the mappings of [va, va + size), splitting huge pages that it
 * covers in part, and frees OWNED frames; returns how many 4 KiB pages were
 * mapped. */
unsigned long pt_unmap(struct pagetable *pt, uint64_t va, uint64_t size);
/* The leaf PTE that translates va, or 0; *pa gets the translation. */
uint64_t pt_lookup(const struct pagetable *pt, uint64_t va, uint64_t *pa);
/* pt_lookup, and the bytes the leaf maps from va on (to the end of its 4 KiB,
 * 2 MiB or 1 GiB page): a range checker steps by that, not by 4 KiB. */
uint64_t pt_lookup_leaf(const struct pagetable *pt, uint64_t va, uint64_t *pa, uint64_t *left);
/* Frees every table frame and every OWNED frame. */
void pt_destroy(struct pagetable *pt);
/* The address bits a table of this format translates (39 or 41). */
unsigned pt_va_bits(const struct pagetable *pt);

#endif
