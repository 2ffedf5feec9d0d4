/* The checks of a management call's arguments (vm/mgmt_desc.c): a
 * VM_CREATE description against the figures it is checked with, and a
 * buffer in the caller's RAM.
 *
 * A model written apart from the hypervisor's code (128-bit sums, no
 * shared helper) says which descriptions are acceptable; the check must
 * agree with it on every input. A refusal names a field, gives a
 * NUL-terminated reason and an SBI error that is INVALID_PARAM or
 * INVALID_ADDRESS. An accepted description loads an image that lies in
 * the VM's RAM below its device tree, enters it inside the image, copies
 * it (and an initrd) from inside the caller's RAM only, and has room for
 * both. mgmt_range_inside agrees with the 128-bit sum.
 *
 * Input: a selector of the caller's RAM (1), mem_max (1), harts (1), the
 * host disk's sectors (1), a mode (1); then, in mode 0, the description's
 * 416 bytes as they come; otherwise a valid description that the mode's
 * number of (field, value) pairs (1 + 8 bytes each) then change; last, a
 * buffer (8 + 8 bytes) for mgmt_range_inside. */
#include <string.h>

#include "fuzz.h"

#include "arch/sbi_ecall_interface.h"
#include "vm/mgmt_desc.h"

typedef unsigned __int128 u128;

static const uint64_t ram_bases[4] = {0x80000000, 0x80000000, 0x1000, ~0ULL << 21};
static const uint64_t ram_sizes[4] = {16 << 20, 1 << 30, 2 << 20, 2 << 20};
static const uint64_t mem_maxes[4] = {0, 64 << 20, 2 << 20, ~0ULL & ~((2ULL << 20) - 1)};
static const uint64_t disks[4] = {0, 8192, 1, ~0ULL};

static bool inside(uint64_t addr, uint64_t size, uint64_t base, uint64_t len)
{
	return addr >= base && (u128)addr + size <= (u128)base + len;
}

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* What the ABI (regmap/hvmgmt.h) and the design accept, from scratch. */
static bool model_accepts(const struct hvmgmt_vm_desc *d, const struct mgmt_limits *lim)
{
	if (d->magic != 0x444D5648u || d->version != 1 || d->size != 416)
		return false;
	if (d->flags & ~0xfu || (d->flags & 2 && !(d->flags & 1)) ||
	    (d->flags & 8 && !(d->flags & 4)))
		return false;
	size_t n = 0;
	while (n < 16 && d->name[n])
		n++;
	if (n == 0 || n == 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = d->name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	if (d->reserved0 || !zero(d->reserved1, sizeof(d->reserved1)) ||
	    !zero(d->reserved2, sizeof(d->reserved2)))
		return false;
	if (d->mem_gpa != 0x80000000 || d->mem_size == 0 || d->mem_size % (2 << 20) ||
	    d->mem_size > lim->mem_max)
		return false;
	u128 ram_end = (u128)d->mem_gpa + d->mem_size - lim->fdt_room;
	if (!d->image_size || d->load_gpa < d->mem_gpa ||
	    (u128)d->load_gpa + d->image_size > ram_end)
		return false;
	if (d->entry_gpa < d->load_gpa || (u128)d->entry_gpa >= (u128)d->load_gpa + d->image_size)
		return false;
	if (!inside(d->image_addr, d->image_size, lim->caller_ram_gpa, lim->caller_ram_size) ||
	    d->image_addr - lim->caller_ram_gpa >= lim->caller_ram_size)
		return false;
	if (d->initrd_addr || d->initrd_size) {
		if (!d->initrd_size ||
		    !inside(d->initrd_addr, d->initrd_size, lim->caller_ram_gpa,
		            lim->caller_ram_size) ||
		    d->initrd_addr - lim->caller_ram_gpa >= lim->caller_ram_size)
			return false;
		if ((u128)d->load_gpa + d->image_size + d->initrd_size > ram_end)
			return false;
	}
	if (d->vcpus == 0 || d->vcpus > lim->vcpus_max)
		return false;
	if (d->hart_mask != 0 && d->hart_mask != lim->all_harts)
		return false;
	if (d->flags & 1) {
		if (!d->disk_sectors || (u128)d->disk_start + d->disk_sectors > lim->disk_sectors)
			return false;
	} else if (d->disk_start || d->disk_sectors) {
		return false;
	}
	static const uint8_t none[6];
	if (d->flags & 8 ? (d->mac[0] & 1) || !memcmp(d->mac, none, 6) : !!memcmp(d->mac, none, 6))
		return false;
	return memchr(d->cmdline, 0, sizeof(d->cmdline)) != NULL;
}

static void valid_desc(struct hvmgmt_vm_desc *d, const struct mgmt_limits *lim)
{
	memset(d, 0, sizeof(*d));
	d->magic = HVMGMT_DESC_MAGIC;
	d->version = HVMGMT_DESC_VERSION;
	d->size = sizeof(*d);
	memcpy(d->name, "child", 6);
	d->mem_gpa = HVMGMT_MEM_GPA;
	d->mem_size = 4 << 20;
	d->load_gpa = d->entry_gpa = HVMGMT_MEM_GPA;
	d->image_addr = lim->caller_ram_gpa;
	d->image_size = 0x4000;
	d->vcpus = 1;
	memcpy(d->cmdline, "nonce=1", 8);
}

/* Field k of the description takes value v (its low bytes for the narrow
 * ones). */
static void set_field(struct hvmgmt_vm_desc *d, unsigned k, uint64_t v)
{
	uint64_t *wide[] = {&d->mem_gpa,    &d->mem_size,   &d->load_gpa,     &d->entry_gpa,
	                    &d->image_addr, &d->image_size, &d->initrd_addr,  &d->initrd_size,
	                    &d->hart_mask,  &d->disk_start, &d->disk_sectors, &d->reserved2[0]};
	uint32_t *narrow[] = {&d->magic, &d->version, &d->size,
	                      &d->flags, &d->vcpus,   &d->reserved0};
	unsigned nw = sizeof(wide) / sizeof(wide[0]), nn = sizeof(narrow) / sizeof(narrow[0]);
	k %= nw + nn + 4;
	if (k < nw)
		*wide[k] = v;
	else if (k < nw + nn)
		*narrow[k - nw] = (uint32_t)v;
	else if (k == nw + nn)
		d->name[v % sizeof(d->name)] = (char)(v >> 8);
	else if (k == nw + nn + 1)
		memcpy(d->mac, &v, sizeof(d->mac));
	else if (k == nw + nn + 2)
		d->cmdline[v % sizeof(d->cmdline)] = (char)(v >> 16);
	else
		d->reserved1[v & 1] = (uint8_t)(v >> 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint8_t ram = take8(&in), mem = take8(&in), harts = take8(&in), disk = take8(&in);
	struct mgmt_limits lim = {
	    .caller_ram_gpa = ram_bases[ram % 4],
	    .caller_ram_size = ram_sizes[(ram >> 2) % 4],
	    .mem_max = mem_maxes[mem % 4],
	    .vcpus_max = 8,
	    .all_harts = harts % 64 ? (1ULL << (harts % 64)) - 1 : ~0ULL,
	    .disk_sectors = disks[disk % 4],
	    .fdt_room = 0x4000,
	};
	struct hvmgmt_vm_desc d;
	uint8_t mode = take8(&in);
	if (!mode) {
		uint8_t *p = (uint8_t *)&d;
		for (size_t i = 0; i < sizeof(d); i++)
			p[i] = take8(&in);
	} else {
		valid_desc(&d, &lim);
		for (unsigned i = 0; i < mode % 8; i++) {
			uint8_t k = take8(&in);
			set_field(&d, k, take64(&in));
		}
	}
	const struct hvmgmt_vm_desc copy = d;
	struct mgmt_refusal r;
	memset(&r, 0x5a, sizeof(r));
	int got = mgmt_desc_check(&d, &lim, &r);
	CHECK(!memcmp(&copy, &d, sizeof(d))); /* only read */
	CHECK(got == 0 || got == -1);
	bool want = model_accepts(&d, &lim);
	if (getenv("FUZZ_VERBOSE") && got)
		fprintf(stderr, "refused: %s: %.*s\n", r.field, (int)sizeof(r.why), r.why);
	CHECK((got == 0) == want);
	if (got) {
		CHECK(r.field && r.field[0]);
		CHECK(memchr(r.why, 0, sizeof(r.why)) != NULL);
		CHECK(r.error == SBI_ERR_INVALID_PARAM || r.error == SBI_ERR_INVALID_ADDRESS);
	}

	uint64_t gpa = take64(&in), len = take64(&in);
	bool in_ram = mgmt_range_inside(gpa, len, lim.caller_ram_gpa, lim.caller_ram_size);
	CHECK(in_ram == (inside(gpa, len, lim.caller_ram_gpa, lim.caller_ram_size) &&
	                 (len || gpa - lim.caller_ram_gpa < lim.caller_ram_size)));
	return 0;
}
