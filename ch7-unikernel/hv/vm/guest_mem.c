#include "arch/hext.h"
#include "lib/extable.h"
#include "lib/string.h"
#include "mm/gstage.h"
#include "mm/pagetable.h"
#include "vm/guest_mem.h"
#include "vm/vm.h"

/* Leaf by leaf: guest RAM is mostly 2 MiB pages, so a large buffer costs a
 * walk per leaf, not one per 4 KiB page. */
int guest_check(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t need)
{
	if (!len)
		return 0; /* no byte to check */
	if (gpa + len < gpa)
		return -1;
	for (uint64_t p = gpa, end = gpa + len;;) {
		uint64_t hpa, left;
		if ((pt_lookup_leaf(&vm->gs.pt, p, &hpa, &left) & need) != need)
			return -1;
		if (left >= end - p)
			return 0;
		p += left;
	}
}

/* Copies between [gpa, gpa + len), checked, and the hypervisor's buf. */
static void copy(struct vm *vm, uint64_t gpa, uint8_t *buf, uint64_t len, bool to_guest)
{
	while (len) {
		uint64_t hpa, chunk;
		pt_lookup_leaf(&vm->gs.pt, gpa, &hpa, &chunk);
		chunk = chunk < len ? chunk : len;
		if (to_guest)
			memcpy((void *)hpa, buf, chunk);
		else
			memcpy(buf, (const void *)hpa, chunk);
		buf += chunk, gpa += chunk, len -= chunk;
	}
}

int guest_read(struct vm *vm, uint64_t gpa, void *dst, uint64_t len)
{
	if (guest_check(vm, gpa, len, PTE_R))
		return -1;
	copy(vm, gpa, dst, len, false);
	return 0;
}

int guest_write(struct vm *vm, uint64_t gpa, const void *src, uint64_t len)
{
	if (guest_check(vm, gpa, len, PTE_W))
		return -1;
	copy(vm, gpa, (uint8_t *)src, len, true);
	return 0;
}

bool guest_range_in_ram(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	/* Written so that nothing overflows: gpa - ram_gpa only once gpa is
	 * known to be above it. */
	return gpa >= vm->ram_gpa && gpa - vm->ram_gpa <= vm->ram_size &&
	       len <= vm->ram_size - (gpa - vm->ram_gpa);
}

int guest_fetch_insn(uint64_t gva, uint32_t *insn, unsigned *length)
{
	uint16_t lo, hi;
	if (guest_fetch16(gva, &lo))
		return PROBE_FAULT;
	if ((lo & 3) != 3) { /* compressed (RVC): the low two bits are not 11 */
		*insn = lo;
		*length = 2;
		return PROBE_OK;
	}
	if (guest_fetch16(gva + 2, &hi))
		return PROBE_FAULT;
	*insn = lo | (uint32_t)hi << 16;
	*length = 4;
	return PROBE_OK;
}
