/* G-stage tables differ from the hypervisor's in three ways: the root is
 * four pages (two more GPA bits at the top level), every leaf has U set
 * (G-stage accesses are checked as user accesses, §18.5.1), and the fence
 * is HFENCE.GVMA, which acts on guest-physical translations. */
#include "arch/hext.h"
#include "lib/panic.h"
#include "mm/frame.h"
#include "mm/gstage.h"

int gstage_create(struct gstage *gs, uint16_t vmid)
{
	/* LAB 3 BEGIN: allocate the 16 KiB, 16 KiB-aligned Sv39x4 root */
	/* Spec: set gs->pt.root (0 when out of memory) and gs->pt.root_bits, the index bits of the
	 * root level (11 for Sv39x4, 9 for Sv39): the walk and pt_destroy() use it. */
	gs->pt.root = frame_alloc_contig(GSTAGE_ROOT_SIZE / PAGE_SIZE, GSTAGE_ROOT_SIZE);
	gs->pt.root_bits = 11;
	/* LAB 3 END */
	gs->vmid = vmid;
	return gs->pt.root ? 0 : -1;
}

static uint64_t leaf_flags(uint64_t perms)
{
	/* LAB 3 BEGIN: G-stage leaf flags: the guest's R/W/X, and U as the spec requires */
	return (perms & (PTE_R | PTE_W | PTE_X)) | PTE_U;
	/* LAB 3 END */
}

int gstage_map(struct gstage *gs, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t perms)
{
	int r = pt_map(&gs->pt, gpa, hpa, size, leaf_flags(perms), true);
	hfence_gvma_all();
	return r;
}

int gstage_map_alloc(struct gstage *gs, uint64_t gpa, uint64_t size, uint64_t perms)
{
	BUG_ON((gpa | size) & (PAGE_SIZE - 1));
	for (uint64_t off = 0; off < size;) {
		/* A 2 MiB block where alignment and free memory allow: one PTE
		 * instead of 512, and fewer TLB entries for the guest. */
		uint64_t block = LEVEL_SIZE(1);
		uint64_t frame = 0;
		if (!((gpa + off) & (block - 1)) && size - off >= block)
			frame = frame_alloc_contig(block / PAGE_SIZE, block);
		if (!frame) {
			block = PAGE_SIZE;
			frame = frame_alloc();
		}
		if (!frame)
			return -1;
		if (pt_map(&gs->pt, gpa + off, frame, block, leaf_flags(perms) | PTE_OWNED, true)) {
			frame_free_contig(frame, block / PAGE_SIZE);
			return -1;
		}
		off += block;
	}
	hfence_gvma_all();
	return 0;
}

void gstage_unmap(struct gstage *gs, uint64_t gpa, uint64_t size)
{
	pt_unmap(&gs->pt, gpa, size);
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		hfence_gvma_gpa(gpa + off);
}

uint64_t gstage_translate(const struct gstage *gs, uint64_t gpa, uint64_t *hpa)
{
	uint64_t pte = pt_lookup(&gs->pt, gpa, hpa);
	return pte & (PTE_R | PTE_W | PTE_X);
}

void gstage_destroy(struct gstage *gs)
{
	pt_destroy(&gs->pt);
	hfence_gvma_all();
}

void gstage_activate(const struct gstage *gs)
{
	csr_write(hgatp, HGATP_MODE_SV39X4 | ((uint64_t)gs->vmid << HGATP_VMID_SHIFT) |
	                     (gs->pt.root >> PAGE_SHIFT));
	hfence_gvma_all();
}

void gstage_deactivate(void)
{
	csr_write(hgatp, 0);
	hfence_gvma_all();
}
