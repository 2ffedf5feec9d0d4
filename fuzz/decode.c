/* The MMIO path of a guest's load or store (vm/decode.c, vm/mmio.c).
 *
 * First, decode_mem_access on the input's first 32-bit word against a
 * reference decoder written from the instruction tables of the
 * unprivileged spec (RV64I loads and stores, RVC §16.3). Then the same
 * word as the instruction of a guest-page fault on an emulated device,
 * through mmio_handle_fault: fetched from the guest (which may fault) or
 * given by htinst in transformed form (privileged spec §18.6.3), with a
 * device that records what it is asked. Either the VM stops and nothing
 * changed, or exactly the access that the reference predicts reached the
 * device, the loaded value landed in the right register with the right
 * extension, and sepc moved past the instruction.
 *
 * Input: word (4), flags (1), region size selectors (1), offset mode (1),
 * offset (2), htinst (4), stval (8), sepc (8), device value (8), register
 * seed (4). */
#include <stdarg.h>
#include <string.h>

#include "fuzz.h"

#include "arch/trap.h"
#include "arch/hart.h"
#include "lib/printf.h"
#include "vm/decode.h"
#include "vm/mmio.h"
#include "vm/vdev.h"
#include "vm/vm.h"

struct reference {
	bool ok, store, sign_extend;
	unsigned width, reg, length;
};

/* RV64I LOAD (opcode 0000011) and STORE (0100011) by funct3, and the RVC
 * integer loads and stores by quadrant and funct3 (floating-point ones,
 * c.fld c.fsd c.fldsp c.fsdsp, are not integer accesses). */
static struct reference reference_decode(uint32_t insn)
{
	struct reference r = {0};
	if ((insn & 3) == 3) {
		unsigned opcode = insn & 0x7f, funct3 = (insn >> 12) & 7;
		r.length = 4;
		if (opcode == 0x03 && funct3 != 7) {
			r.ok = true;
			r.width = 1u << (funct3 & 3);
			r.sign_extend = funct3 < 4 && r.width < 8;
			r.reg = (insn >> 7) & 31; /* rd */
		} else if (opcode == 0x23 && funct3 < 4) {
			r.ok = r.store = true;
			r.width = 1u << funct3;
			r.reg = (insn >> 20) & 31; /* rs2 */
		}
		return r;
	}
	unsigned c = insn & 0xffff, quadrant = c & 3, funct3 = c >> 13;
	unsigned rdp = 8 + ((c >> 2) & 7), rd = (c >> 7) & 31, rs2 = (c >> 2) & 31;
	r.length = 2;
	if (quadrant == 0) {
		switch (funct3) {
		case 2: /* c.lw rd', uimm(rs1') */
			return (struct reference){true, false, true, 4, rdp, 2};
		case 3: /* c.ld */
			return (struct reference){true, false, false, 8, rdp, 2};
		case 6: /* c.sw rs2', uimm(rs1') */
			return (struct reference){true, true, false, 4, rdp, 2};
		case 7: /* c.sd */
			return (struct reference){true, true, false, 8, rdp, 2};
		}
	} else if (quadrant == 2) {
		switch (funct3) {
		case 2: /* c.lwsp rd, uimm(sp); rd = x0 reserved */
			return (struct reference){rd != 0, false, true, 4, rd, 2};
		case 3: /* c.ldsp */
			return (struct reference){rd != 0, false, false, 8, rd, 2};
		case 6: /* c.swsp rs2, uimm(sp) */
			return (struct reference){true, true, false, 4, rs2, 2};
		case 7: /* c.sdsp */
			return (struct reference){true, true, false, 8, rs2, 2};
		}
	}
	return r;
}

/* htinst for a trapping load or store (§18.6.3): the 32-bit form with the
 * address fields cleared, bit 1 clear when the original was compressed. */
static uint32_t transform(uint32_t insn)
{
	struct reference r = reference_decode(insn);
	if (!r.ok)
		return insn & ~2u;
	unsigned funct3 = r.width == 1 ? 0 : r.width == 2 ? 1 : r.width == 4 ? 2 : 3;
	if (!r.store && !r.sign_extend && r.width < 8)
		funct3 |= 4;
	uint32_t t = funct3 << 12 | (r.store ? 0x23 | r.reg << 20 : 0x03 | r.reg << 7);
	return r.length == 2 ? t & ~2u : t;
}

/* What the fake device saw, and how it answers. */
static struct {
	unsigned calls;
	bool store;
	uint64_t offset, value;
	unsigned width;
	bool refuse;
	uint64_t read_value;
	void *dev;
	struct vcpu *vcpu; /* the one the device was told made the access */
} device;

static bool device_read(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t *value)
{
	device.calls++;
	device = (typeof(device)){device.calls,      false, offset, 0, width, device.refuse,
	                          device.read_value, dev,   v};
	*value = device.read_value;
	return !device.refuse;
}

static bool device_write(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t value)
{
	device.calls++;
	device = (typeof(device)){device.calls,      true, offset, value, width, device.refuse,
	                          device.read_value, dev,  v};
	return !device.refuse;
}

static const struct vdev_model device_model = {
    .mmio = {.read = device_read, .write = device_write}};

/* The guest's instruction memory at sepc: the input's word, as hlvx sees it. */
static struct {
	uint64_t sepc;
	uint32_t word;
	int fault_at; /* halfword that faults: 0, 1, or -1 for none */
	unsigned fetches;
} text;

int fuzz_guest_load(uint64_t gva, void *out, unsigned size, bool execute)
{
	CHECK(execute && size == 2); /* an instruction fetch, as the hart made it */
	uint64_t half = gva - text.sepc;
	CHECK(half == 0 || half == 2);
	CHECK(text.fetches++ < 2);
	if ((int)(half / 2) == text.fault_at)
		return PROBE_FAULT;
	*(uint16_t *)out = (uint16_t)(text.word >> (8 * half));
	return PROBE_OK;
}

int fuzz_guest_store(uint64_t gva, uint64_t value, unsigned size)
{
	(void)gva, (void)value, (void)size;
	CHECK(!"the MMIO path stores to guest memory");
	return PROBE_FAULT;
}

static struct vm vm;
static bool vm_stopped;

void vm_stop(struct vm *stopped, bool failed, const char *fmt, ...)
{
	CHECK(stopped == &vm && failed);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	vm_stopped = true;
}

static uint64_t extend(uint64_t v, unsigned width, bool sign)
{
	if (width == 8)
		return v;
	uint64_t mask = (1ull << (8 * width)) - 1;
	v &= mask;
	if (sign && v >> (8 * width - 1))
		v |= ~mask;
	return v;
}

static const uint64_t region_sizes[8] = {1, 2, 4, 8, 3, 0x100, 0x1000, 0x400000};

static void check_decoder(uint32_t word)
{
	struct mem_access a;
	memset(&a, 0xa5, sizeof(a));
	bool ok = decode_mem_access(word, &a);
	struct reference r = reference_decode(word);
	CHECK(ok == r.ok);
	if (!ok)
		return;
	CHECK(a.store == r.store);
	CHECK(a.width == r.width);
	CHECK(a.reg == r.reg);
	if (!a.store && a.width < 8)
		CHECK(a.sign_extend == r.sign_extend);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint32_t word = take32(&in);
	check_decoder(word);

	uint8_t flags = take8(&in), sizes = take8(&in), offset_mode = take8(&in);
	int16_t offset = (int16_t)take16(&in);
	uint32_t raw_htinst = take32(&in);

	memset(&vm, 0, sizeof(vm));
	vm_stopped = false;
	vm.nvcpus = 1;
	struct vcpu *v = &vm.vcpus[0];
	v->vm = &vm;
	harts[0].current = v;
	/* One device, and maybe a second right after it: an access must not
	 * run from one into the next. */
	uint64_t base = 0x10000000, first_size = region_sizes[sizes & 7];
	const struct vdev_slot slots[2] = {
	    {.name = "a", .gpa = base, .size = first_size, .model = &device_model},
	    {.name = "b",
	     .gpa = base + first_size,
	     .size = region_sizes[(sizes >> 3) & 7],
	     .model = &device_model},
	};
	int dev_a, dev_b;
	mmio_add(&vm, &slots[0], &dev_a);
	if (flags & 0x80)
		mmio_add(&vm, &slots[1], &dev_b);

	uint64_t gpa = (offset_mode & 1 ? base + first_size : base) + (int64_t)offset;
	struct vcpu_context *c = &v->ctx;
	c->scause = flags & 0x10 ? EXC_STORE_GUEST_PAGE : EXC_LOAD_GUEST_PAGE;
	c->htval = gpa >> 2;
	c->stval = (take64(&in) << 12) | (gpa & 0xfff); /* the guest-virtual address */
	c->sepc = take64(&in);
	switch (flags & 3) {
	case 0: /* no htinst: the hypervisor fetches the instruction */
		c->htinst = 0;
		break;
	case 1:
		c->htinst = transform(word);
		break;
	case 2:
		c->htinst = raw_htinst;
		break;
	default:
		c->htinst = raw_htinst & ~1u; /* a pseudoinstruction: not a device access */
		break;
	}
	text = (typeof(text)){c->sepc, word, (flags >> 2) & 3 ? ((flags >> 2) & 3) - 1 : -1, 0};
	device = (typeof(device)){.refuse = flags & 0x40, .read_value = take64(&in)};
	uint32_t seed = take32(&in);
	for (int i = 0; i < 32; i++)
		c->regs[i] = (seed + (uint64_t)i * 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
	struct vcpu_context before = *c;

	mmio_handle_fault(v);

	/* What should have happened. */
	bool stop = false;
	uint32_t insn = 0;
	unsigned length = 0;
	if (before.htinst == 0) {
		if (text.fault_at == 0) {
			stop = true;
		} else if ((word & 3) != 3) {
			insn = word & 0xffff, length = 2;
		} else if (text.fault_at == 1) {
			stop = true;
		} else {
			insn = word, length = 4;
		}
	} else if (!(before.htinst & 1)) {
		stop = true;
	} else {
		insn = (uint32_t)before.htinst | 2, length = before.htinst & 2 ? 4 : 2;
	}
	struct reference r = reference_decode(insn);
	stop |= !r.ok || r.store != (before.scause == EXC_STORE_GUEST_PAGE);
	const struct mmio_region *region = NULL;
	for (int i = 0; i < vm.nmmio; i++)
		if (gpa >= vm.mmio[i].base && gpa < vm.mmio[i].base + vm.mmio[i].size)
			region = &vm.mmio[i];
	stop |= !region || gpa + r.width > region->base + region->size;
	CHECK(device.calls == !stop);
	if (before.htinst)
		CHECK(text.fetches == 0); /* htinst is enough */
	else if (region)
		CHECK(text.fetches >= 1);
	if (!stop) {
		CHECK(device.dev == region->dev && device.offset == gpa - region->base);
		CHECK(device.vcpu == v);
		CHECK(device.store == r.store && device.width == r.width);
		if (r.store)
			CHECK(device.value ==
			      (r.reg ? extend(before.regs[r.reg], r.width, false) : 0));
		stop = device.refuse;
	}
	CHECK(vm_stopped == stop);
	if (stop) {
		CHECK(!memcmp(c, &before, sizeof(before)));
		return 0;
	}
	CHECK(c->sepc == before.sepc + length);
	for (unsigned i = 0; i < 32; i++) {
		uint64_t expected = before.regs[i];
		if (!r.store && i == r.reg && i != 0)
			expected = extend(device.read_value, r.width, r.sign_extend);
		CHECK(c->regs[i] == expected);
	}
	return 0;
}
