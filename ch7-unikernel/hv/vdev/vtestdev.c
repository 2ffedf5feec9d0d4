#include "lib/printf.h"
#include "lib/string.h"
#include "vdev/vplic.h"
#include "vdev/vtestdev.h"
#include "vm/vm.h"

static int vtestdev_init(struct vm *vm, void *state, const struct vdev_slot *slot)
{
	struct vtestdev *t = state;
	t->plic = vplic_of(vm);
	t->first_irq = slot->irq;
	if (!t->plic || !slot->irq || slot->irq + VTESTDEV_LINES > VPLIC_SOURCES) {
		printf("vm %s: %s: needs vPLIC sources %u..%u\n", vm->name, slot->name, slot->irq,
		       slot->irq + VTESTDEV_LINES - 1);
		return -1;
	}
	return 0;
}

static bool aligned(uint64_t offset, unsigned width)
{
	return (width == 1 || width == 2 || width == 4 || width == 8) && !(offset & (width - 1)) &&
	       offset + width <= TESTDEV_REGS_SIZE;
}

static bool vtestdev_read(struct vcpu *v, void *dev, uint64_t offset, unsigned width,
                          uint64_t *value)
{
	(void)v;
	struct vtestdev *t = dev;
	if (offset == TESTDEV_RAISE && width == 4) {
		*value = t->lines; /* a 32-bit register holds any update atomically */
		return true;
	}
	if (!aligned(offset, width))
		return false;
	*value = 0;
	memcpy(value, &t->bytes[offset], width); /* little-endian, like the hart */
	return true;
}

static bool vtestdev_write(struct vcpu *v, void *dev, uint64_t offset, unsigned width,
                           uint64_t value)
{
	(void)v;
	struct vtestdev *t = dev;
	if ((offset == TESTDEV_RAISE || offset == TESTDEV_LOWER) && width == 4) {
		uint64_t source = (uint32_t)value;
		if (source < t->first_irq || source >= t->first_irq + VTESTDEV_LINES)
			return false;
		bool high = offset == TESTDEV_RAISE;
		__atomic_fetch_or(&t->lines, high ? 1u << source : 0, __ATOMIC_RELAXED);
		__atomic_fetch_and(&t->lines, high ? ~0u : ~(1u << source), __ATOMIC_RELAXED);
		vplic_set_level(t->plic, (unsigned)source, high);
		return true;
	}
	if (!aligned(offset, width))
		return false;
	memcpy(&t->bytes[offset], &value, width);
	return true;
}

const struct vdev_model vtestdev_model = {
    .compatible = "hvlab,mmio-test",
    .irqs = VTESTDEV_LINES,
    .state_size = sizeof(struct vtestdev),
    .init = vtestdev_init,
    .mmio = {.read = vtestdev_read, .write = vtestdev_write},
};
