/* One access that the grader chooses, to an address that is not this
 * guest's to touch as it likes (the host's interrupt controllers, its test
 * finisher, virtio slots, far above RAM, across the end of an emulated
 * device):
 *   op=load|store  width=1|2|4|8  addr=GPA  value=V (for a store)
 * or, instead of addr=, cross=COMPATIBLE: across the end of that device of
 * its device tree (half the access beyond it; a 1-byte one just past it).
 * It says what it tries and whether a device of its own device tree
 * covers the address. Where none does, the hypervisor must stop the VM at
 * the access; where its own device does, it answers, and the guest
 * reports the value. */
#include <libfdt.h>

/* grader: test_stage4_hostile.py parses every line this guest prints */
#include "guest.h"

/* The devices of the guest's device tree: the nodes under /soc, with two
 * address and two size cells, as the hypervisor builds them. */
static bool device_reg(int node, uint64_t *base, uint64_t *size)
{
	int len;
	const fdt64_t *reg = fdt_getprop(guest_fdt, node, "reg", &len);
	if (!reg || len < 16)
		return false;
	*base = fdt64_to_cpu(reg[0]);
	*size = fdt64_to_cpu(reg[1]);
	return true;
}

/* The compatible of the device whose window holds [addr, addr+width), or NULL. */
static const char *own_device(uint64_t addr, unsigned width)
{
	int soc = fdt_path_offset(guest_fdt, "/soc"), node;
	uint64_t base, size;
	if (soc < 0)
		return NULL;
	fdt_for_each_subnode(node, guest_fdt, soc)
	{
		if (device_reg(node, &base, &size) && addr >= base && addr - base < size &&
		    width <= size - (addr - base))
			return fdt_getprop(guest_fdt, node, "compatible", NULL);
	}
	return NULL;
}

static uint64_t load(uintptr_t addr, unsigned width)
{
	uint64_t v = 0;
	switch (width) {
	case 1:
		asm volatile("lbu %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
		break;
	case 2:
		asm volatile("lhu %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
		break;
	case 4:
		asm volatile("lwu %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
		break;
	default:
		asm volatile("ld %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
	}
	return v;
}

static void store(uintptr_t addr, unsigned width, uint64_t v)
{
	switch (width) {
	case 1:
		asm volatile("sb %0, 0(%1)" ::"r"(v), "r"(addr) : "memory");
		break;
	case 2:
		asm volatile("sh %0, 0(%1)" ::"r"(v), "r"(addr) : "memory");
		break;
	case 4:
		asm volatile("sw %0, 0(%1)" ::"r"(v), "r"(addr) : "memory");
		break;
	default:
		asm volatile("sd %0, 0(%1)" ::"r"(v), "r"(addr) : "memory");
	}
}

void guest_main(void)
{
	char op[8] = "load";
	bootarg("op", op, sizeof(op));
	unsigned width = (unsigned)bootarg_ulong("width", 8);
	uintptr_t addr = bootarg_ulong("addr", 0x2000000);
	char cross[32];
	uint64_t base, size;
	if (bootarg("cross", cross, sizeof(cross))) {
		int node = fdt_node_offset_by_compatible(guest_fdt, -1, cross);
		if (node < 0 || !device_reg(node, &base, &size)) {
			printf("badmmio: no %s in my device tree\n", cross);
			return;
		}
		addr = base + size - width / 2;
	}
	uint64_t value = bootarg_ulong("value", 0);
	bool is_store = !strcmp(op, "store");
	const char *mine = own_device(addr, width);
	printf("badmmio: %u-byte %s at 0x%lx (%s%s)\n", width, is_store ? "store" : "load",
	       (unsigned long)addr, mine ? "my own " : "no device of mine", mine ? mine : "");
	if (is_store) {
		store(addr, width, value);
		printf("badmmio: survived the store\n");
	} else {
		printf("badmmio: survived the load, read 0x%lx\n",
		       (unsigned long)load(addr, width));
	}
}
