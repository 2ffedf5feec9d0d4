/* The vPLIC (vdev/vplic.c): sequences of guest accesses to its registers,
 * of any offset and width, mixed with its sources' lines going up and
 * down, against a model written from the PLIC specification and the
 * choices vdev/vplic.c documents (4-byte accesses only, priorities and
 * thresholds 0..7, level-triggered gateways, completion of an id that is
 * not claimed or not enabled ignored).
 *
 * Every read must return what the model says. A claim must return a
 * source that was pending, enabled for the context and above its
 * threshold, of the highest priority among those (the lowest id among
 * equals), or 0 when there is none. After every step, each context's
 * output (VSEIP of its vCPU) must say whether it has such a source.
 *
 * Input: context count (1), then steps of 7 bytes: kind (1), index (1),
 * width selector (1), value (4). */
#include <string.h>

#include "fuzz.h"

#include "vdev/vplic.h"
#include "vm/virq.h"
#include "vm/vm.h"

#define PRIORITY_LIMIT 7

/* The PLIC as the specification and the vPLIC's comments describe it. */
struct model {
	unsigned contexts;
	uint8_t priority[VPLIC_SOURCES];
	uint32_t level, pending, claimed;
	uint32_t enable[VPLIC_MAX_CONTEXTS];
	uint8_t threshold[VPLIC_MAX_CONTEXTS];
};

static struct vm vm;
static struct vplic plic;
static struct model m;
static bool output[VPLIC_MAX_CONTEXTS];

void virq_set_external(struct vcpu *v, bool level)
{
	CHECK(v >= vm.vcpus && v < vm.vcpus + m.contexts);
	output[v - vm.vcpus] = level;
	v->vseip = level;
}

static unsigned model_best(unsigned ctx)
{
	unsigned best = 0;
	for (unsigned s = 1; s < VPLIC_SOURCES; s++) {
		bool eligible = m.pending >> s & 1 && m.enable[ctx] >> s & 1 &&
		                m.priority[s] > m.threshold[ctx];
		if (eligible && (!best || m.priority[s] > m.priority[best]))
			best = s;
	}
	return best;
}

static void model_gateway(unsigned s)
{
	if (m.level >> s & 1 && !(m.claimed >> s & 1))
		m.pending |= 1u << s;
}

static uint8_t clamp(uint32_t v)
{
	return v > PRIORITY_LIMIT ? PRIORITY_LIMIT : (uint8_t)v;
}

/* The register at `off`: what a read returns (claiming when it is a
 * claim register), or what a write does. */
static uint32_t model_access(uint64_t off, bool write, uint32_t value)
{
	if (off < 0x1000) {
		unsigned s = (unsigned)(off / 4);
		if (s >= VPLIC_SOURCES)
			return 0;
		if (write && s)
			m.priority[s] = clamp(value);
		return m.priority[s];
	}
	if (off < 0x2000)
		return off == 0x1000 ? m.pending : 0; /* pending is read-only */
	if (off < 0x200000) {
		uint64_t ctx = (off - 0x2000) / 0x80;
		if (ctx >= m.contexts || (off - 0x2000) % 0x80)
			return 0; /* sources 32 and up do not exist */
		if (write)
			m.enable[ctx] = value & ~1u;
		return m.enable[ctx];
	}
	uint64_t ctx = (off - 0x200000) / 0x1000, reg = (off - 0x200000) % 0x1000;
	if (ctx >= m.contexts)
		return 0;
	if (reg == 0) {
		if (write)
			m.threshold[ctx] = clamp(value);
		return m.threshold[ctx];
	}
	if (reg != 4)
		return 0;
	if (!write) {
		unsigned s = model_best((unsigned)ctx);
		if (s) {
			m.pending &= ~(1u << s);
			m.claimed |= 1u << s;
		}
		return s;
	}
	if (value && value < VPLIC_SOURCES && m.claimed >> value & 1 &&
	    m.enable[ctx] >> value & 1) {
		m.claimed &= ~(1u << value);
		model_gateway(value);
	}
	return 0;
}

static uint64_t pick_offset(uint8_t kind, uint8_t index, uint32_t value)
{
	unsigned ctx = index % (VPLIC_MAX_CONTEXTS + 2);
	switch ((kind >> 2) % 7) {
	case 0:
		return 4 * (index % (VPLIC_SOURCES + 2)); /* priority */
	case 1:
		return 0x1000 + 4 * (index & 1); /* pending */
	case 2:
		return 0x2000 + 0x80 * ctx + 4 * (index >> 7); /* enable */
	case 3:
		return 0x200000 + 0x1000 * ctx; /* threshold */
	case 4:
		return 0x200000 + 0x1000 * ctx + 4; /* claim/complete */
	case 5:
		return 0x200000 + 0x1000 * ctx + (value & 0xffc); /* the rest of a context */
	default:
		return value % VPLIC_SIZE; /* anywhere, aligned or not */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	memset(&vm, 0, sizeof(vm));
	memset(&m, 0, sizeof(m));
	memset(output, 0, sizeof(output));
	m.contexts = 1 + take8(&in) % VPLIC_MAX_CONTEXTS;
	vm.nvcpus = m.contexts;
	for (unsigned i = 0; i < vm.nvcpus; i++)
		vm.vcpus[i] = (struct vcpu){.vm = &vm, .id = i};
	struct vplic *p = &plic;
	const struct vdev_slot slot = {.name = "plic", .size = VPLIC_SIZE, .model = &vplic_model};
	memset(p, 0, sizeof(*p));
	CHECK(vplic_model.init(&vm, p, &slot) == 0);

	while (in.size) {
		uint8_t kind = take8(&in), index = take8(&in), wsel = take8(&in);
		uint32_t value = take32(&in);
		unsigned width = wsel < 0xf0 ? 4 : 1u << (wsel & 3);
		if ((kind & 3) == 3) { /* a device's line: sources 0 and 32+ do not exist */
			unsigned s = index % (VPLIC_SOURCES + 4);
			bool level = value & 1;
			vplic_set_level(p, s, level);
			if (s && s < VPLIC_SOURCES) {
				m.level = level ? m.level | 1u << s : m.level & ~(1u << s);
				if (level)
					model_gateway(s);
				else
					m.pending &= ~(1u << s); /* withdrawn before a claim */
			}
		} else {
			bool write = kind & 1;
			uint64_t off = pick_offset(kind, index, value);
			bool accepted = width == 4 && !(off & 3);
			/* A claim's rule, said once more apart from the model. */
			bool claim = !write && accepted && off >= 0x200000 &&
			             (off - 0x200000) % 0x1000 == 4 &&
			             (off - 0x200000) / 0x1000 < m.contexts;
			unsigned ctx = (unsigned)((off - 0x200000) / 0x1000);
			uint32_t pending = m.pending;
			uint64_t got = 0x1234;
			struct vcpu *v = &vm.vcpus[index % vm.nvcpus]; /* any may claim */
			bool ok = write ? vplic_model.mmio.write(v, p, off, width, value)
			                : vplic_model.mmio.read(v, p, off, width, &got);
			CHECK(ok == accepted);
			if (accepted) {
				uint32_t expected = model_access(off, write, value);
				if (claim && got) {
					CHECK(got < VPLIC_SOURCES && pending >> got & 1);
					CHECK(m.enable[ctx] >> got & 1 &&
					      m.priority[got] > m.threshold[ctx]);
				}
				if (!write)
					CHECK(got == expected);
			} else if (!write) {
				CHECK(got == 0x1234); /* refused: nothing read */
			}
		}
		for (unsigned c = 0; c < m.contexts; c++)
			CHECK(output[c] == (model_best(c) != 0));
	}
	return 0;
}
