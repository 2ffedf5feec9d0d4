/* The walk shared by the hypervisor's Sv39 table and the guests' G-stage
 * tables. A non-leaf PTE has V set and R, W, X clear; a leaf has at least
 * one of R or X. The callers fence: changing a table does not make the
 * hardware see it. */
#include <stddef.h>

#include "lib/panic.h"
#include "mm/pagetable.h"

static unsigned index_bits(const struct pagetable *pt, int level)
{
	return level == PT_LEVELS - 1 ? pt->root_bits : 9;
}

unsigned pt_va_bits(const struct pagetable *pt)
{
	return LEVEL_SHIFT(PT_LEVELS - 1) + pt->root_bits;
}

static unsigned long pt_index(const struct pagetable *pt, uint64_t va, int level)
{
	return (va >> LEVEL_SHIFT(level)) & ((1UL << index_bits(pt, level)) - 1);
}

static bool is_leaf(uint64_t pte)
{
	return pte & (PTE_R | PTE_W | PTE_X);
}

/* The PTE slot for va at `level`, creating the tables above it when `create`;
 * NULL when a table is missing (and not created) or a huge leaf is in the way. */
static uint64_t *walk(const struct pagetable *pt, uint64_t va, int level, bool create)
{
	/* LAB 3 BEGIN: walk from the root down to `level`, allocating tables on demand */
	/* Spec: return the address of the PTE for `va` at `level`, or NULL when a table is missing
	 * and !create, when no frame is left, or when a leaf above `level` maps `va` already. */
	uint64_t *table = (uint64_t *)pt->root;
	for (int l = PT_LEVELS - 1; l > level; l--) {
		uint64_t *pte = &table[pt_index(pt, va, l)];
		if (*pte & PTE_V) {
			if (is_leaf(*pte))
				return NULL;
		} else {
			if (!create)
				return NULL;
			uint64_t frame = frame_alloc();
			if (!frame)
				return NULL;
			*pte = PA_TO_PTE(frame) | PTE_V;
		}
		table = (uint64_t *)PTE_TO_PA(*pte);
	}
	return &table[pt_index(pt, va, level)];
	/* LAB 3 END */
}

int pt_map(struct pagetable *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags,
           bool allow_huge)
{
	BUG_ON((va | pa | size) & (PAGE_SIZE - 1));
	BUG_ON(!(flags & (PTE_R | PTE_X)));
	if (va + size > (1UL << pt_va_bits(pt)) || va + size < va)
		return -1;
	/* Hardware may or may not set A and D itself (Svadu); set them up front. */
	uint64_t leaf = flags | PTE_V | PTE_A | (flags & PTE_W ? PTE_D : 0);

	while (size) {
		int level = 0;
		if (allow_huge)
			for (level = PT_LEVELS - 1; level > 0; level--)
				if (!((va | pa) & (LEVEL_SIZE(level) - 1)) &&
				    size >= LEVEL_SIZE(level))
					break;
		uint64_t *pte = walk(pt, va, level, true);
		if (!pte)
			return -1;
		/* The entries that follow in the same table, one walk for all of
		 * them: until the end of the table, or of `size` at this level. */
		do {
			if (*pte & PTE_V)
				return -1;
			*pte++ = PA_TO_PTE(pa) | leaf;
			va += LEVEL_SIZE(level);
			pa += LEVEL_SIZE(level);
			size -= LEVEL_SIZE(level);
		} while (size >= LEVEL_SIZE(level) && pt_index(pt, va, level));
	}
	return 0;
}

/* Replaces a huge leaf by a table of the next level's pages, the same
 * memory with the same flags, so that part of it can be unmapped. */
static bool split_leaf(uint64_t *pte, int level)
{
	uint64_t table = frame_alloc();
	if (!table)
		return false;
	uint64_t flags = *pte & ((1UL << PTE_PPN_SHIFT) - 1);
	uint64_t pa = PTE_TO_PA(*pte);
	for (unsigned i = 0; i < 512; i++)
		((uint64_t *)table)[i] = PA_TO_PTE(pa + i * LEVEL_SIZE(level - 1)) | flags;
	*pte = PA_TO_PTE(table) | PTE_V;
	return true;
}

/* The 4 KiB leaf for va, splitting huge pages on the way; NULL when unmapped. */
static uint64_t *walk_split(const struct pagetable *pt, uint64_t va)
{
	uint64_t *table = (uint64_t *)pt->root;
	for (int level = PT_LEVELS - 1; level > 0; level--) {
		uint64_t *pte = &table[pt_index(pt, va, level)];
		if (!(*pte & PTE_V))
			return NULL;
		if (is_leaf(*pte) && !split_leaf(pte, level))
			return NULL;
		table = (uint64_t *)PTE_TO_PA(*pte);
	}
	return &table[pt_index(pt, va, 0)];
}

unsigned long pt_unmap(struct pagetable *pt, uint64_t va, uint64_t size)
{
	unsigned long n = 0;
	for (uint64_t end = va + size; va < end; va += PAGE_SIZE) {
		uint64_t *pte = walk_split(pt, va);
		if (!pte || !(*pte & PTE_V))
			continue;
		if (*pte & PTE_OWNED)
			frame_free(PTE_TO_PA(*pte));
		*pte = 0;
		n++;
	}
	return n;
}

uint64_t pt_lookup(const struct pagetable *pt, uint64_t va, uint64_t *pa)
{
	uint64_t left;
	return pt_lookup_leaf(pt, va, pa, &left);
}

uint64_t pt_lookup_leaf(const struct pagetable *pt, uint64_t va, uint64_t *pa, uint64_t *left)
{
	if (va >> pt_va_bits(pt))
		return 0;
	uint64_t *table = (uint64_t *)pt->root;
	for (int level = PT_LEVELS - 1; level >= 0; level--) {
		uint64_t pte = table[pt_index(pt, va, level)];
		if (!(pte & PTE_V))
			return 0;
		if (is_leaf(pte)) {
			uint64_t offset = va & (LEVEL_SIZE(level) - 1);
			*pa = PTE_TO_PA(pte) + offset;
			*left = LEVEL_SIZE(level) - offset;
			return pte;
		}
		table = (uint64_t *)PTE_TO_PA(pte);
	}
	return 0;
}

static void destroy_table(uint64_t table_pa, int level, unsigned entries)
{
	uint64_t *table = (uint64_t *)table_pa;
	for (unsigned i = 0; i < entries; i++) {
		uint64_t pte = table[i];
		if (!(pte & PTE_V))
			continue;
		if (!is_leaf(pte))
			destroy_table(PTE_TO_PA(pte), level - 1, 512);
		else if (pte & PTE_OWNED)
			frame_free_contig(PTE_TO_PA(pte), LEVEL_SIZE(level) >> PAGE_SHIFT);
	}
	if (level < PT_LEVELS - 1)
		frame_free(table_pa);
}

void pt_destroy(struct pagetable *pt)
{
	destroy_table(pt->root, PT_LEVELS - 1, 1U << pt->root_bits);
	frame_free_contig(pt->root, (8UL << pt->root_bits) >> PAGE_SHIFT);
	pt->root = 0;
}
