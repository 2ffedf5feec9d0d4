#include "dev/vtestdev.h"
#include "lib/string.h"

static bool aligned(uint64_t offset, unsigned width)
{
	return (width == 1 || width == 2 || width == 4 || width == 8) && !(offset & (width - 1)) &&
	       offset + width <= TESTDEV_REGS_SIZE;
}

static bool vtestdev_read(void *dev, uint64_t offset, unsigned width, uint64_t *value)
{
	struct vtestdev *t = dev;
	if (!aligned(offset, width))
		return false;
	*value = 0;
	memcpy(value, &t->bytes[offset], width); /* little-endian, like the hart */
	return true;
}

static bool vtestdev_write(void *dev, uint64_t offset, unsigned width, uint64_t value)
{
	struct vtestdev *t = dev;
	if (!aligned(offset, width))
		return false;
	memcpy(&t->bytes[offset], &value, width);
	return true;
}

const struct mmio_ops vtestdev_ops = {.read = vtestdev_read, .write = vtestdev_write};
