/* Guest-memory range checks (vm/guest_mem.c) on a real G-stage table
 * (mm/gstage.c, mm/pagetable.c) whose layout the input chooses: regions of
 * any size and permission anywhere in the 41-bit guest-physical space, at
 * its edges and beyond them, some on 2 MiB pages, some unmapped again in
 * part (which splits huge pages). An oracle, a sorted list of the mapped
 * pages, says which reads and writes must succeed: every byte of the
 * range on a page with the permission, the range not wrapping. A refused
 * access copies nothing; an accepted one copies exactly the guest's bytes,
 * and a write changes nothing else. Guest RAM is a host arena whose pages
 * are poisoned for ASan while no region maps them.
 *
 * Input: region count (1), then per region: selector (1), page offset (2),
 * pages (2), arena page (2), permissions (1); then operations: kind (1),
 * region (1), address mode (1), address (8), length mode (1), length (8). */
#include <sanitizer/asan_interface.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_frame.h"

#include "mm/gstage.h"
#include "vm/guest_mem.h"
#include "vm/vm.h"

#define ARENA_PAGES 1024 /* 4 MiB of guest RAM */
#define ARENA_SIZE  (ARENA_PAGES * PAGE_SIZE)
#define MAX_REGIONS 7
#define GPA_LIMIT   (1ULL << GSTAGE_GPA_BITS)

static uint8_t *arena;    /* what the G-stage maps */
static uint8_t *shadow;   /* what the arena should hold */
static uint8_t *pristine; /* what it holds at the start of every input */
static uint8_t *io;       /* the hypervisor's side of a copy */
static bool touched[ARENA_PAGES];

struct page {
	uint64_t gpn;
	unsigned host; /* arena page */
	unsigned perms;
};
static struct page pages[ARENA_PAGES * MAX_REGIONS];
static unsigned npages;

static int page_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct page *)a)->gpn, y = ((const struct page *)b)->gpn;
	return (x > y) - (x < y);
}

static struct page *model_lookup(uint64_t gpn)
{
	struct page key = {.gpn = gpn};
	return bsearch(&key, pages, npages, sizeof(pages[0]), page_cmp);
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 12) * 7 + 1);
}

/* Whether every byte of [gpa, gpa + len) is on a page with `need`. */
static bool model_allows(uint64_t gpa, uint64_t len, unsigned need)
{
	if (len == 0)
		return true; /* an empty range names no byte */
	uint64_t last = gpa + (len - 1);
	if (last < gpa)
		return false;
	for (uint64_t gpn = gpa >> PAGE_SHIFT;; gpn++) {
		struct page *p = model_lookup(gpn);
		if (!p || (p->perms & need) != need)
			return false;
		if (gpn == last >> PAGE_SHIFT)
			return true;
	}
}

/* The shadow bytes of [gpa, gpa + len), which the model allows. */
static uint8_t *shadow_at(uint64_t gpa)
{
	struct page *p = model_lookup(gpa >> PAGE_SHIFT);
	return shadow + (size_t)p->host * PAGE_SIZE + (gpa & (PAGE_SIZE - 1));
}

static uint64_t chunk(uint64_t gpa, uint64_t len)
{
	uint64_t left = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
	return left < len ? left : len;
}

static const uint64_t region_bases[8] = {
    0,
    GUEST_RAM_GPA,
    GPA_LIMIT - (2UL << 20),
    1ULL << 32,
    0x10000000, /* where the guests' UART sits */
    0x40000000,
    GPA_LIMIT, /* beyond the guest-physical space */
    ~0ULL << PAGE_SHIFT,
};

struct region {
	uint64_t gpa, size;
};

static void setup(void)
{
	frame_init();
	arena = aligned_alloc(2UL << 20, ARENA_SIZE);
	shadow = malloc(ARENA_SIZE);
	pristine = malloc(ARENA_SIZE + 1);
	io = malloc(ARENA_SIZE);
	for (size_t i = 0; i <= ARENA_SIZE; i++)
		pristine[i] = pattern(i);
	memcpy(arena, pristine, ARENA_SIZE);
	memcpy(shadow, pristine, ARENA_SIZE);
	ASAN_POISON_MEMORY_REGION(arena, ARENA_SIZE);
}

static bool overlaps(uint64_t gpa, uint64_t size)
{
	for (unsigned i = 0; i < npages; i++)
		if (pages[i].gpn >= gpa >> PAGE_SHIFT && pages[i].gpn < (gpa + size) >> PAGE_SHIFT)
			return true;
	return false;
}

static unsigned map_regions(struct input *in, struct gstage *gs, struct region *regions)
{
	unsigned count = take8(in) % (MAX_REGIONS + 1), mapped = 0;
	for (unsigned r = 0; r < count; r++) {
		uint8_t sel = take8(in);
		uint64_t offset = (take16(in) % 1024) * PAGE_SIZE;
		uint64_t gpa = sel & 8 ? region_bases[sel & 7] - offset - PAGE_SIZE
		                       : region_bases[sel & 7] + offset;
		unsigned n = 1 + take16(in) % (sel & 0x10 ? ARENA_PAGES : 16);
		unsigned host = take16(in) % ARENA_PAGES;
		if (sel & 0x20) /* a 2 MiB-aligned host block: huge pages where gpa allows */
			host = host & ~511u;
		n = host + n > ARENA_PAGES ? ARENA_PAGES - host : n;
		unsigned perms = take8(in) & (PTE_R | PTE_W | PTE_X);
		if (!(perms & (PTE_R | PTE_X)))
			perms |= PTE_R;
		uint64_t size = (uint64_t)n * PAGE_SIZE, hpa = (uintptr_t)arena + host * PAGE_SIZE;
		if (gpa + size > GPA_LIMIT || gpa + size < gpa) {
			CHECK(gstage_map(gs, gpa, hpa, size, perms) == -1);
			continue;
		}
		if (overlaps(gpa, size))
			continue;
		ASAN_UNPOISON_MEMORY_REGION(arena + host * PAGE_SIZE, size);
		CHECK(gstage_map(gs, gpa, hpa, size, perms) == 0);
		for (unsigned i = 0; i < n; i++) {
			pages[npages++] = (struct page){(gpa >> PAGE_SHIFT) + i, host + i, perms};
			touched[host + i] = true;
		}
		qsort(pages, npages, sizeof(pages[0]), page_cmp);
		regions[mapped++] = (struct region){gpa, size};
	}
	return mapped;
}

static void unmap(struct gstage *gs, uint64_t gpa, uint64_t count)
{
	gstage_unmap(gs, gpa, count * PAGE_SIZE);
	unsigned kept = 0;
	for (unsigned i = 0; i < npages; i++)
		if (pages[i].gpn - (gpa >> PAGE_SHIFT) >= count)
			pages[kept++] = pages[i];
	npages = kept;
}

static void access(struct vm *vm, bool write, uint64_t gpa, uint64_t len)
{
	bool allowed = model_allows(gpa, len, write ? PTE_W : PTE_R);
	/* Room for what the model allows (at most the arena), at the end of
	 * the heap block: a wrong "yes" for a longer range overflows it, which
	 * ASan reports. */
	size_t room = len <= ARENA_SIZE ? (size_t)len : 16;
	uint8_t *buf = io + ARENA_SIZE - room;
	memcpy(buf, pristine + 1, room); /* any bytes unlike the arena's at the same place */
	int r = write ? guest_write(vm, gpa, buf, len) : guest_read(vm, gpa, buf, len);
	CHECK(r == (allowed ? 0 : -1));
	if (!allowed) {
		CHECK(!memcmp(buf, pristine + 1, room)); /* nothing copied */
	} else {
		uint8_t *b = buf;
		for (uint64_t n; len; gpa += n, b += n, len -= n) {
			n = chunk(gpa, len);
			if (write)
				memcpy(shadow_at(gpa), b, n);
			else
				CHECK(!memcmp(b, shadow_at(gpa), n));
		}
	}
}

static uint64_t pick_address(struct input *in, const struct region *regions, unsigned nregions)
{
	uint8_t r = take8(in), mode = take8(in);
	uint64_t raw = take64(in);
	if (!nregions || (mode & 3) == 3)
		return raw;
	const struct region *g = &regions[r % nregions];
	uint64_t near = (uint64_t)(int64_t)(int16_t)raw;
	switch (mode & 3) {
	case 0:
		return g->gpa + near;
	case 1:
		return g->gpa + g->size + near;
	default:
		return g->gpa + raw % g->size;
	}
}

static uint64_t pick_length(struct input *in, uint64_t gpa, const struct region *regions,
                            unsigned nregions)
{
	uint8_t mode = take8(in);
	uint64_t raw = take64(in);
	switch (mode & 3) {
	case 0:
		return raw & 0xff;
	case 1:
		return raw & 0xffff;
	case 2: /* up to the end of a region, give or take a little */
		return nregions ? regions[mode % nregions].gpa + regions[mode % nregions].size -
		                      gpa + (uint64_t)(int64_t)(int8_t)raw
		                : raw;
	default:
		return raw;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	if (!arena)
		setup();
	struct input in = {data, size};
	npages = 0;
	memset(touched, 0, sizeof(touched));
	CHECK(gstage_create(&vm.gs, 1) == 0);

	struct region regions[MAX_REGIONS];
	unsigned nregions = map_regions(&in, &vm.gs, regions);
	for (unsigned ops = 0; in.size && ops < 64; ops++) {
		uint8_t kind = take8(&in);
		uint64_t gpa = pick_address(&in, regions, nregions);
		uint64_t len = pick_length(&in, gpa, regions, nregions);
		switch (kind & 3) {
		case 0:
			access(&vm, false, gpa, len);
			break;
		case 1:
			access(&vm, true, gpa, len);
			break;
		case 2: /* unmap some pages, maybe half of a 2 MiB page (callers stay
		         * inside the guest-physical space) */
			gpa &= (GPA_LIMIT - 1) & ~(PAGE_SIZE - 1);
			len = 1 + len % 600;
			unmap(&vm.gs, gpa,
			      len < (GPA_LIMIT - gpa) >> PAGE_SHIFT
			          ? len
			          : (GPA_LIMIT - gpa) >> PAGE_SHIFT);
			break;
		default: { /* the walk itself */
			uint64_t hpa = 0;
			unsigned perms = (unsigned)gstage_translate(&vm.gs, gpa, &hpa);
			struct page *p = model_lookup(gpa >> PAGE_SHIFT);
			CHECK(perms == (p ? p->perms : 0));
			if (p)
				CHECK(hpa == (uintptr_t)arena + (uint64_t)p->host * PAGE_SIZE +
				                 (gpa & (PAGE_SIZE - 1)));
		}
		}
	}

	gstage_destroy(&vm.gs);
	CHECK(fuzz_frames_in_use() == 0);
	/* Writes landed where the model says, and nowhere else; then back to
	 * the pattern for the next input. */
	for (size_t p = 0; p < ARENA_PAGES; p++) {
		if (!touched[p])
			continue;
		uint8_t *a = arena + p * PAGE_SIZE, *s = shadow + p * PAGE_SIZE;
		CHECK(!memcmp(a, s, PAGE_SIZE));
		memcpy(a, pristine + p * PAGE_SIZE, PAGE_SIZE);
		memcpy(s, pristine + p * PAGE_SIZE, PAGE_SIZE);
		ASAN_POISON_MEMORY_REGION(a, PAGE_SIZE);
	}
	return 0;
}
