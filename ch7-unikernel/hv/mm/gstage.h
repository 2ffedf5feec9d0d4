/* A guest's physical address space: the G-stage (Sv39x4) table that
 * translates guest-physical addresses (GPA, 41 bits) to host-physical ones
 * (privileged spec §18.5 "Two-Stage Address Translation"). */
#ifndef MM_GSTAGE_H
#define MM_GSTAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pagetable.h"

#define GSTAGE_ROOT_SIZE (16 * 1024) /* 2048 entries, 16 KiB aligned */
#define GSTAGE_GPA_BITS  41

struct gstage {
	struct pagetable pt;
	uint16_t vmid;
};

/* Allocates the root; returns 0 or -1. */
int gstage_create(struct gstage *gs, uint16_t vmid);
/* Maps [gpa, gpa + size) onto newly allocated, zeroed frames that the
 * address space owns; `perms` is a mix of PTE_R, PTE_W, PTE_X. */
int gstage_map_alloc(struct gstage *gs, uint64_t gpa, uint64_t size, uint64_t perms);
/* Maps [gpa, gpa + size) onto host memory that stays its owner's. */
int gstage_map(struct gstage *gs, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t perms);
/* Unmaps and frees what the address space owns, then fences. */
void gstage_unmap(struct gstage *gs, uint64_t gpa, uint64_t size);
/* The software walk: the HPA for gpa, and the leaf's permissions (0 when unmapped). */
uint64_t gstage_translate(const struct gstage *gs, uint64_t gpa, uint64_t *hpa);
/* Returns every frame, the tables' and the owned ones. */
void gstage_destroy(struct gstage *gs);
/* Makes this hart translate guest accesses through gs (hgatp), or through nothing. */
void gstage_activate(const struct gstage *gs);
void gstage_deactivate(void);

#endif
