/* The physical frame allocator: 4 KiB frames of the RAM that the device
 * tree describes, less everything already in use (the hypervisor image, the
 * device tree blob, the firmware's reserved regions). */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ALIGN_UP(x, a)   ALIGN_DOWN((x) + (a)-1, (a))

struct frame_stats {
	unsigned long total; /* frames of RAM */
	unsigned long free;
	unsigned long image;    /* held by the hypervisor image */
	unsigned long fdt;      /* held by the device tree blob */
	unsigned long reserved; /* held by reserved regions */
};

/* Builds the allocator from `platform`; call once, on the boot hart. */
void frame_init(void);
/* One zeroed frame; 0 when memory is exhausted. */
uint64_t frame_alloc(void);
/* `count` contiguous zeroed frames whose first is aligned to `align`
 * bytes (a power of two, at least PAGE_SIZE); 0 when none is free. */
uint64_t frame_alloc_contig(unsigned long count, unsigned long align);
void frame_free(uint64_t pa);
void frame_free_contig(uint64_t pa, unsigned long count);
bool frame_is_free(uint64_t pa);
struct frame_stats frame_stats(void);

#endif
