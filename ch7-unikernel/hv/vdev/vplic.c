/* The vPLIC's registers are those of the real one (regmap/plic.h, PLIC
 * spec §3), 4-byte accesses only. What the guest cannot reach (contexts
 * and sources that do not exist) reads as zero and ignores writes, as on
 * hardware; an access of another width stops the VM.
 *
 * Each source has a level-triggered gateway: while the line is high and the
 * source is not claimed, it is pending. A claim returns the pending source
 * enabled for the context with the highest priority above the context's
 * threshold (the lowest id among equals) and takes it off the pending
 * list; its completion lets the gateway forward it again, at once if the
 * line is still high. After every change the vPLIC recomputes each
 * context's output, VSEIP of that context's vCPU. */
#include <libfdt.h>

#include "regmap/plic.h"
#include "vdev/vplic.h"
#include "vm/vcpu.h"
#include "vm/virq.h"
#include "vm/vm.h"
#include "vm/vm_fdt.h"

#define SOURCE_MASK 0xfffffffeu /* source 0 does not exist */

_Static_assert(VPLIC_MAX_CONTEXTS >= MAX_VCPUS, "a vPLIC context for every vCPU");

static int vplic_init(struct vm *vm, void *state, const struct vdev_slot *slot)
{
	(void)slot;
	*(struct vplic *)state =
	    (struct vplic){.lock = SPINLOCK_IRQ_INIT("vplic"), .vm = vm, .ncontexts = vm->nvcpus};
	return 0;
}

struct vplic *vplic_of(struct vm *vm)
{
	return vdev_state(vm, &vplic_model);
}

/* The source that a claim on `ctx` would return, or 0. */
static inline unsigned best_source(const struct vplic *p, unsigned ctx)
{
	/* LAB 5 BEGIN: the highest-priority pending enabled source above the threshold */
	uint32_t candidates = p->pending & p->enable[ctx];
	unsigned best = 0, best_priority = p->threshold[ctx];
	for (unsigned src = 1; src < VPLIC_SOURCES; src++) {
		/* strictly greater: among equal priorities the lowest id wins */
		if (candidates & (1u << src) && p->priority[src] > best_priority) {
			best = src;
			best_priority = p->priority[src];
		}
	}
	return best;
	/* LAB 5 END */
}

/* Every context's output to its vCPU; called with the lock held after any
 * change of pending, claimed, enable, priority or threshold. */
static void update_outputs(struct vplic *p)
{
	/* LAB 5 BEGIN: drive each vCPU's VSEIP from its context */
	for (unsigned ctx = 0; ctx < p->ncontexts; ctx++)
		virq_set_external(&p->vm->vcpus[ctx], best_source(p, ctx) != 0);
	/* LAB 5 END */
}

void vplic_set_level(struct vplic *p, unsigned source, bool level)
{
	if (!source || source >= VPLIC_SOURCES)
		return;
	uint32_t bit = 1u << source;
	spin_lock(&p->lock);
	if (level) {
		p->level |= bit;
		if (!(p->claimed & bit))
			p->pending |= bit;
	} else {
		/* A request that the device withdrew before anyone claimed it is
		 * gone (as in QEMU's PLIC): no spurious claim for it. */
		p->level &= ~bit;
		p->pending &= ~bit;
	}
	update_outputs(p);
	spin_unlock(&p->lock);
}

static uint32_t claim(struct vplic *p, unsigned ctx)
{
	/* LAB 5 BEGIN: claim: hand out the best source and take it off the pending list */
	unsigned src = best_source(p, ctx);
	if (src) {
		p->pending &= ~(1u << src);
		p->claimed |= 1u << src;
	}
	update_outputs(p);
	return src;
	/* LAB 5 END */
}

static void complete(struct vplic *p, unsigned ctx, uint32_t src)
{
	/* LAB 5 BEGIN: complete: the gateway forwards the source again */
	/* An id that is not claimed, or not enabled for this context, is
	 * ignored (PLIC spec §8). */
	if (src == 0 || src >= VPLIC_SOURCES)
		return;
	uint32_t bit = 1u << src;
	if (!(p->claimed & bit) || !(p->enable[ctx] & bit))
		return;
	p->claimed &= ~bit;
	if (p->level & bit)
		p->pending |= bit; /* still high: a level-triggered source asks again */
	update_outputs(p);
	/* LAB 5 END */
}

static bool vplic_read(struct vcpu *v, void *dev, uint64_t off, unsigned width, uint64_t *value)
{
	(void)v; /* any vCPU may claim for any context, as any hart may on a PLIC */
	struct vplic *p = dev;
	if (width != 4 || off & 3)
		return false;
	*value = 0;
	spin_lock(&p->lock);
	if (off < PLIC_PENDING_BASE) {
		if (off / 4 < VPLIC_SOURCES)
			*value = p->priority[off / 4];
	} else if (off == PLIC_PENDING_BASE) {
		*value = p->pending;
	} else if (off >= PLIC_ENABLE_BASE && off < PLIC_CONTEXT_BASE) {
		uint64_t ctx = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
		if (ctx < p->ncontexts && (off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE == 0)
			*value = p->enable[ctx];
	} else if (off >= PLIC_CONTEXT_BASE) {
		uint64_t ctx = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
		uint64_t reg = (off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE;
		if (ctx < p->ncontexts && reg == PLIC_THRESHOLD_REG)
			*value = p->threshold[ctx];
		else if (ctx < p->ncontexts && reg == PLIC_CLAIM_REG)
			*value = claim(p, (unsigned)ctx);
	}
	spin_unlock(&p->lock);
	return true;
}

static bool vplic_write(struct vcpu *v, void *dev, uint64_t off, unsigned width, uint64_t value)
{
	(void)v;
	struct vplic *p = dev;
	uint32_t v32 = (uint32_t)value;
	if (width != 4 || off & 3)
		return false;
	spin_lock(&p->lock);
	if (off < PLIC_PENDING_BASE) {
		if (off / 4 && off / 4 < VPLIC_SOURCES) {
			p->priority[off / 4] =
			    v32 > VPLIC_MAX_PRIORITY ? VPLIC_MAX_PRIORITY : (uint8_t)v32;
			update_outputs(p);
		}
	} else if (off >= PLIC_ENABLE_BASE && off < PLIC_CONTEXT_BASE) {
		uint64_t ctx = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
		if (ctx < p->ncontexts && (off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE == 0) {
			p->enable[ctx] = v32 & SOURCE_MASK;
			update_outputs(p);
		}
	} else if (off >= PLIC_CONTEXT_BASE) {
		uint64_t ctx = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
		uint64_t reg = (off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE;
		if (ctx < p->ncontexts && reg == PLIC_THRESHOLD_REG) {
			p->threshold[ctx] =
			    v32 > VPLIC_MAX_PRIORITY ? VPLIC_MAX_PRIORITY : (uint8_t)v32;
			update_outputs(p);
		} else if (ctx < p->ncontexts && reg == PLIC_CLAIM_REG) {
			complete(p, (unsigned)ctx, v32);
		}
	}
	/* the pending bits are read-only */
	spin_unlock(&p->lock);
	return true;
}

/* An interrupt controller with a source a cell, whose context i is vCPU
 * i's supervisor external interrupt; the other nodes name it as their
 * interrupt-parent by its phandle. */
static int vplic_fdt_props(void *fdt, const struct vm *vm, const struct vdev_slot *slot)
{
	(void)slot;
	int err = 0;
	fdt32_t *contexts;
	if ((err = fdt_property_u32(fdt, "#address-cells", 0)) < 0 ||
	    (err = fdt_property_u32(fdt, "#interrupt-cells", 1)) < 0 ||
	    (err = fdt_property(fdt, "interrupt-controller", NULL, 0)) < 0 ||
	    (err = fdt_property_u32(fdt, "riscv,ndev", VPLIC_SOURCES - 1)) < 0 ||
	    (err = fdt_property_placeholder(fdt, "interrupts-extended",
	                                    (int)(2 * vm->nvcpus * sizeof(*contexts)),
	                                    (void **)&contexts)) < 0)
		return err;
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		contexts[2 * i] = cpu_to_fdt32(CPU_INTC_PHANDLE(i));
		contexts[2 * i + 1] = cpu_to_fdt32(PLIC_S_EXT_LINE);
	}
	return fdt_property_u32(fdt, "phandle", PLIC_PHANDLE);
}

const struct vdev_model vplic_model = {
    .compatible = "sifive,plic-1.0.0",
    .state_size = sizeof(struct vplic),
    .init = vplic_init,
    .mmio = {.read = vplic_read, .write = vplic_write},
    .fdt_props = vplic_fdt_props,
};
