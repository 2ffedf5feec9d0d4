/* What the hypervisor maps, and how (privileged spec §10.1.11 satp,
 * §10.2.1 SFENCE.VMA, §10.4 Sv39):
 *   - its image by section, with W^X: text R+X, read-only data R, data
 *     and BSS R+W; the symbol table after BSS is read-only;
 *   - the rest of RAM R+W, never X (1 GiB and 2 MiB pages where aligned);
 *   - the devices that the device tree names R+W, never X;
 *   - on request (sv39_map_unclaimed), two pages where no device is, for the
 *     access-fault self-tests, so that they meet the bus's access fault
 *     rather than a page fault of this table.
 * Reserved regions marked "no-map" (the firmware's own) are left unmapped:
 * the hypervisor has no business there, and a stray access faults instead
 * of hitting PMP. Other reserved memory is mapped but never allocated. */
#include "arch/csr.h"
#include "boot/platform.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "mm/frame.h"
#include "mm/pagetable.h"
#include "mm/sv39.h"

extern char __image_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __writable_end[], __symbols_start[], __image_end[];

static struct pagetable hv_pt = {.root_bits = 9};

static void map_or_panic(uint64_t start, uint64_t end, uint64_t flags, const char *what)
{
	start = ALIGN_DOWN(start, PAGE_SIZE);
	end = ALIGN_UP(end, PAGE_SIZE);
	if (end <= start)
		return;
	if (pt_map(&hv_pt, start, start, end - start, flags | PTE_G, true))
		panic("sv39: cannot map %s 0x%lx-0x%lx", what, start, end);
}

/* RAM between `start` and `end` that no "no-map" reserved region covers. */
static inline void map_ram_range(uint64_t start, uint64_t end)
{
	for (int i = 0; i < platform.reserved_count && start < end; i++) {
		if (!platform.reserved_nomap[i])
			continue;
		uint64_t rs = ALIGN_DOWN(platform.reserved[i].base, PAGE_SIZE);
		uint64_t re =
		    ALIGN_UP(platform.reserved[i].base + platform.reserved[i].size, PAGE_SIZE);
		if (re <= start || rs >= end)
			continue;
		map_ram_range(start, rs);
		start = re;
	}
	if (start < end)
		map_or_panic(start, end, PTE_R | PTE_W, "RAM");
}

static inline void map_device(const struct dt_device *dev)
{
	if (dev->present && dev->size)
		map_or_panic(dev->base, dev->base + dev->size, PTE_R | PTE_W, dev->compatible);
}

void sv39_init(void)
{
	hv_pt.root = frame_alloc();
	if (!hv_pt.root)
		panic("sv39: no frame for the root table");

	/* LAB 3 BEGIN: map the image by section with W^X, the rest of RAM, and the devices */
	/* Spec: text R+X, rodata R, data and BSS R+W, the symbol table R; the rest of RAM R+W; and
	 * every device the hypervisor touches: the UART, the interrupt controller, the test
	 * finisher (a panic powers off through it) and the virtio-mmio slots. */
	uint64_t img_start = (uint64_t)__image_start, img_end = (uint64_t)__image_end;
	map_or_panic((uint64_t)__text_start, (uint64_t)__text_end, PTE_R | PTE_X, "text");
	map_or_panic((uint64_t)__rodata_start, (uint64_t)__rodata_end, PTE_R, "rodata");
	map_or_panic((uint64_t)__data_start, (uint64_t)__writable_end, PTE_R | PTE_W, "data");
	map_or_panic((uint64_t)__symbols_start, img_end, PTE_R, "symbols");
	for (int i = 0; i < platform.ram_count; i++) {
		uint64_t s = platform.ram[i].base, e = s + platform.ram[i].size;
		map_ram_range(s, e < img_start ? e : img_start); /* below the image */
		map_ram_range(s > img_end ? s : img_end, e);     /* above it */
	}
	map_device(&platform.uart);
	map_device(&platform.intc);
	map_device(&platform.test_finisher);
	for (int i = 0; i < platform.virtio_count; i++)
		map_device(&platform.virtio[i]);
	/* LAB 3 END */
}

uint64_t sv39_map_unclaimed(void)
{
	static uint64_t hole;
	if (!hole) {
		hole = dt_unclaimed_address();
		if (hole) {
			map_or_panic(hole, hole + 2 * PAGE_SIZE, PTE_R | PTE_W,
			             "unclaimed probe page");
			asm volatile("sfence.vma" ::: "memory");
		}
	}
	return hole;
}

void sv39_enable_on_this_hart(void)
{
	/* Make the table's stores visible to the walker, switch, and drop
	 * whatever translations the hart may hold. */
	asm volatile("sfence.vma" ::: "memory");
	csr_write(satp, SATP_MODE_SV39 | (hv_pt.root >> PAGE_SHIFT));
	asm volatile("sfence.vma" ::: "memory");
}

uint64_t sv39_root(void)
{
	return hv_pt.root;
}
