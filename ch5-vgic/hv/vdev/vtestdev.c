#include "lib/string.h"
#include "vdev/vplic.h"
#include "vdev/vtestdev.h"

void vtestdev_init(struct vtestdev *t, struct vplic *plic)
{
	memset(t, 0, sizeof(*t));
	t->plic = plic;
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
		if (source < VTESTDEV_IRQ_FIRST ||
		    source >= VTESTDEV_IRQ_FIRST + VTESTDEV_IRQ_COUNT)
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

const struct mmio_ops vtestdev_ops = {.read = vtestdev_read, .write = vtestdev_write};
