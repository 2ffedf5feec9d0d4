#include "arch/hext.h"
#include "lib/extable.h"
#include "lib/string.h"
#include "mm/gstage.h"
#include "vm/guest_mem.h"
#include "vm/vm.h"

int guest_check(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t need)
{
	if (!len)
		return 0; /* no byte to check (the loop would check gpa's page) */
	if (gpa + len < gpa)
		return -1;
	for (uint64_t p = ALIGN_DOWN(gpa, PAGE_SIZE); p < gpa + len; p += PAGE_SIZE) {
		uint64_t hpa;
		if ((gstage_translate(&vm->gs, p, &hpa) & need) != need)
			return -1;
	}
	return 0;
}

int guest_read(struct vm *vm, uint64_t gpa, void *dst, uint64_t len)
{
	if (guest_check(vm, gpa, len, PTE_R))
		return -1;
	uint8_t *d = dst;
	while (len) {
		uint64_t hpa, chunk = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
		chunk = chunk < len ? chunk : len;
		gstage_translate(&vm->gs, gpa, &hpa);
		memcpy(d, (const void *)hpa, chunk);
		d += chunk, gpa += chunk, len -= chunk;
	}
	return 0;
}

int guest_write(struct vm *vm, uint64_t gpa, const void *src, uint64_t len)
{
	if (guest_check(vm, gpa, len, PTE_W))
		return -1;
	const uint8_t *s = src;
	while (len) {
		uint64_t hpa, chunk = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
		chunk = chunk < len ? chunk : len;
		gstage_translate(&vm->gs, gpa, &hpa);
		memcpy((void *)hpa, s, chunk);
		s += chunk, gpa += chunk, len -= chunk;
	}
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
