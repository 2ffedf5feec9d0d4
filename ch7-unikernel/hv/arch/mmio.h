/* Device register access. The fences order device accesses against normal
 * memory the way Linux's readl/writel do on RISC-V. */
#ifndef ARCH_MMIO_H
#define ARCH_MMIO_H

#include <stdint.h>

static inline uint8_t mmio_read8(uintptr_t addr)
{
	uint8_t v = *(volatile uint8_t *)addr;
	asm volatile("fence i,r" ::: "memory");
	return v;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
	uint32_t v = *(volatile uint32_t *)addr;
	asm volatile("fence i,r" ::: "memory");
	return v;
}

static inline void mmio_write8(uintptr_t addr, uint8_t v)
{
	asm volatile("fence w,o" ::: "memory");
	*(volatile uint8_t *)addr = v;
}

static inline void mmio_write16(uintptr_t addr, uint16_t v)
{
	asm volatile("fence w,o" ::: "memory");
	*(volatile uint16_t *)addr = v;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	asm volatile("fence w,o" ::: "memory");
	*(volatile uint32_t *)addr = v;
}

#endif
