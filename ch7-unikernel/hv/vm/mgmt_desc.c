/* The checks of a VM_CREATE description (vm/mgmt_desc.h): every field,
 * on a copy that the guest can no longer change. The first field that
 * fails is the refusal; the SBI handler prints it. */
#include "arch/sbi_ecall_interface.h"
#include "lib/format.h"
#include "lib/string.h"
#include "vm/mgmt_desc.h"

bool mgmt_range_inside(uint64_t gpa, uint64_t size, uint64_t ram_gpa, uint64_t ram_size)
{
	return gpa >= ram_gpa && gpa - ram_gpa <= ram_size && size <= ram_size - (gpa - ram_gpa) &&
	       (size || gpa - ram_gpa < ram_size);
}

#define REFUSE(f, err, ...)                                    \
	do {                                                   \
		r->field = f;                                  \
		r->error = err;                                \
		snprintf(r->why, sizeof(r->why), __VA_ARGS__); \
		return -1;                                     \
	} while (0)
#define BAD(f, ...)      REFUSE(f, SBI_ERR_INVALID_PARAM, __VA_ARGS__)
#define BAD_ADDR(f, ...) REFUSE(f, SBI_ERR_INVALID_ADDRESS, __VA_ARGS__)

/* The helpers of the lab's checks: unused while the lab is a stub. */
__attribute__((unused)) static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* The bytes of the caller's RAM named by addr and size: inside it, whole. */
__attribute__((unused)) static int check_source(const char *field, uint64_t addr, uint64_t size,
                                                const struct mgmt_limits *lim,
                                                struct mgmt_refusal *r)
{
	uint64_t base = lim->caller_ram_gpa, ram = lim->caller_ram_size;
	if (addr < base || addr - base >= ram)
		BAD_ADDR(field, "0x%lx is outside the MVM's RAM (0x%lx+0x%lx)", (unsigned long)addr,
		         (unsigned long)base, (unsigned long)ram);
	if (size > ram - (addr - base))
		BAD_ADDR(field, "0x%lx+0x%lx crosses the end of the MVM's RAM", (unsigned long)addr,
		         (unsigned long)size);
	return 0;
}

int mgmt_desc_check(const struct hvmgmt_vm_desc *d, const struct mgmt_limits *lim,
                    struct mgmt_refusal *r)
{
	/* LAB 7 BEGIN: the checks of a VM_CREATE description, field by field */
	if (d->magic != HVMGMT_DESC_MAGIC)
		BAD("magic", "0x%x is not \"HVMD\"", d->magic);
	if (d->version != HVMGMT_DESC_VERSION)
		BAD("version", "%u, only %u is known", d->version, HVMGMT_DESC_VERSION);
	if (d->size != sizeof(*d))
		BAD("size", "%u, not %u", d->size, (unsigned)sizeof(*d));
	if (d->flags & ~HVMGMT_FLAGS)
		BAD("flags", "unknown bits 0x%x", d->flags & ~HVMGMT_FLAGS);
	if ((d->flags & HVMGMT_DISK_RO) && !(d->flags & HVMGMT_DISK))
		BAD("flags", "HVMGMT_DISK_RO without HVMGMT_DISK");
	if ((d->flags & HVMGMT_MAC) && !(d->flags & HVMGMT_NET))
		BAD("flags", "HVMGMT_MAC without HVMGMT_NET");

	size_t len = strnlen(d->name, sizeof(d->name));
	if (len == sizeof(d->name))
		BAD("name", "not NUL-terminated");
	if (!len)
		BAD("name", "empty");
	for (size_t i = 0; i < len; i++)
		if (!name_char(d->name[i]))
			BAD("name", "byte %u is not one of a-z 0-9 _ -", (unsigned)i);

	if (d->reserved0 || d->reserved1[0] || d->reserved1[1] || d->reserved2[0] ||
	    d->reserved2[1] || d->reserved2[2])
		BAD("reserved", "nonzero");

	if (d->mem_gpa != HVMGMT_MEM_GPA)
		BAD_ADDR("mem_gpa", "0x%lx, not 0x%lx", (unsigned long)d->mem_gpa, HVMGMT_MEM_GPA);
	if (!d->mem_size || d->mem_size % HVMGMT_MEM_ALIGN)
		BAD("mem_size", "0x%lx is not a nonzero multiple of 2 MiB",
		    (unsigned long)d->mem_size);
	if (d->mem_size > lim->mem_max)
		BAD("mem_size", "%lu MiB, at most %lu MiB are free",
		    (unsigned long)(d->mem_size >> 20), (unsigned long)(lim->mem_max >> 20));

	/* The image lies in the VM's RAM below its device tree, entry inside it. */
	uint64_t usable = d->mem_size - lim->fdt_room; /* mem_size >= 2 MiB > fdt_room */
	if (!d->image_size)
		BAD("image_size", "0");
	if (d->load_gpa < d->mem_gpa || d->load_gpa - d->mem_gpa >= usable)
		BAD_ADDR("load_gpa", "0x%lx is outside the VM's RAM", (unsigned long)d->load_gpa);
	if (d->image_size > usable - (d->load_gpa - d->mem_gpa))
		BAD("image_size", "%lu bytes from load_gpa do not fit the VM's %lu MiB",
		    (unsigned long)d->image_size, (unsigned long)(d->mem_size >> 20));
	if (d->entry_gpa < d->load_gpa || d->entry_gpa - d->load_gpa >= d->image_size)
		BAD_ADDR("entry_gpa", "0x%lx is outside the image", (unsigned long)d->entry_gpa);
	if (check_source("image", d->image_addr, d->image_size, lim, r))
		return -1;
	if (d->initrd_addr || d->initrd_size) {
		if (!d->initrd_size)
			BAD("initrd_size", "0 with an initrd_addr");
		if (check_source("initrd", d->initrd_addr, d->initrd_size, lim, r))
			return -1;
		if (d->initrd_size > usable - (d->load_gpa - d->mem_gpa) - d->image_size)
			BAD("initrd_size", "%lu bytes do not fit beside the image",
			    (unsigned long)d->initrd_size);
	}

	if (!d->vcpus || d->vcpus > lim->vcpus_max)
		BAD("vcpus", "%u, 1..%u possible", d->vcpus, lim->vcpus_max);
	/* The scheduler runs any vCPU on any hart: a mask is all or nothing. */
	if (d->hart_mask && d->hart_mask != lim->all_harts)
		BAD("hart_mask", "0x%lx: only 0 or every hart (0x%lx), vCPUs are not pinned",
		    (unsigned long)d->hart_mask, (unsigned long)lim->all_harts);

	if (d->flags & HVMGMT_DISK) {
		if (!lim->disk_sectors)
			BAD("disk", "the host has no disk");
		if (!d->disk_sectors)
			BAD("disk_sectors", "0");
		if (d->disk_start >= lim->disk_sectors ||
		    d->disk_sectors > lim->disk_sectors - d->disk_start)
			BAD("disk", "sectors %lu+%lu beyond the host disk's %lu",
			    (unsigned long)d->disk_start, (unsigned long)d->disk_sectors,
			    (unsigned long)lim->disk_sectors);
	} else if (d->disk_start || d->disk_sectors) {
		BAD("disk", "a slice without HVMGMT_DISK");
	}
	static const uint8_t zero_mac[6];
	if (d->flags & HVMGMT_MAC) {
		if ((d->mac[0] & 1) || !memcmp(d->mac, zero_mac, sizeof(zero_mac)))
			BAD("mac", "not a station's address (even first byte, not zero)");
	} else if (memcmp(d->mac, zero_mac, sizeof(zero_mac))) {
		BAD("mac", "an address without HVMGMT_MAC");
	}

	if (strnlen(d->cmdline, sizeof(d->cmdline)) == sizeof(d->cmdline))
		BAD("cmdline", "not NUL-terminated");
	/* LAB 7 END */
	return 0;
}
