#include "lib/string.h"
#include "vdev/vtestdev.h"

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
	if (!aligned(offset, width))
		return false;
	memcpy(&t->bytes[offset], &value, width);
	return true;
}

const struct vdev_model vtestdev_model = {
    .compatible = "hvlab,mmio-test",
    .state_size = sizeof(struct vtestdev),
    .mmio = {.read = vtestdev_read, .write = vtestdev_write},
};
