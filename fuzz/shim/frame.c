/* The frame allocator of mm/frame.h over a host arena, for the page-table
 * code: frames are host memory whose address is the "physical" one (the
 * hypervisor maps RAM one to one). Free frames are poisoned for ASan, so
 * that a table used after it was freed is caught; freeing a frame twice,
 * or one that was never handed out, aborts. */
#include <sanitizer/asan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_frame.h"
#include "mm/frame.h"

#define ARENA_FRAMES 512 /* 2 MiB: page tables only; guest RAM is the harness's */

static uint8_t *arena;
static bool used[ARENA_FRAMES];
static unsigned long in_use;

static void frame_abort(const char *what, uint64_t pa)
{
	fprintf(stderr, "frame allocator: %s 0x%lx\n", what, (unsigned long)pa);
	abort();
}

void frame_init(void)
{
	if (arena)
		return;
	arena = aligned_alloc(LEVEL_2M, ARENA_FRAMES * PAGE_SIZE);
	if (!arena)
		frame_abort("no host memory for the arena at", 0);
	ASAN_POISON_MEMORY_REGION(arena, ARENA_FRAMES * PAGE_SIZE);
}

uint64_t frame_alloc_contig(unsigned long count, unsigned long align)
{
	frame_init();
	unsigned long step = align / PAGE_SIZE ? align / PAGE_SIZE : 1;
	for (unsigned long first = 0; first + count <= ARENA_FRAMES; first += step) {
		unsigned long i = 0;
		while (i < count && !used[first + i])
			i++;
		if (i < count)
			continue;
		for (i = 0; i < count; i++)
			used[first + i] = true;
		in_use += count;
		uint8_t *p = arena + first * PAGE_SIZE;
		ASAN_UNPOISON_MEMORY_REGION(p, count * PAGE_SIZE);
		memset(p, 0, count * PAGE_SIZE);
		return (uint64_t)(uintptr_t)p;
	}
	return 0;
}

uint64_t frame_alloc(void)
{
	return frame_alloc_contig(1, PAGE_SIZE);
}

static unsigned long frame_index(uint64_t pa)
{
	uint8_t *p = (uint8_t *)(uintptr_t)pa;
	if (!arena || p < arena || p >= arena + ARENA_FRAMES * PAGE_SIZE || pa % PAGE_SIZE)
		frame_abort("free of a frame outside the allocator:", pa);
	return (unsigned long)(p - arena) / PAGE_SIZE;
}

void frame_free_contig(uint64_t pa, unsigned long count)
{
	for (unsigned long i = 0; i < count; i++) {
		unsigned long f = frame_index(pa + i * PAGE_SIZE);
		if (!used[f])
			frame_abort("free of a frame that is free:", pa + i * PAGE_SIZE);
		used[f] = false;
		in_use--;
		ASAN_POISON_MEMORY_REGION(arena + f * PAGE_SIZE, PAGE_SIZE);
	}
}

void frame_free(uint64_t pa)
{
	frame_free_contig(pa, 1);
}

bool frame_is_free(uint64_t pa)
{
	return !used[frame_index(pa)];
}

struct frame_stats frame_stats(void)
{
	return (struct frame_stats){.total = ARENA_FRAMES, .free = ARENA_FRAMES - in_use};
}

unsigned long fuzz_frames_in_use(void)
{
	return in_use;
}
