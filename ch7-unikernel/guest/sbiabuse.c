/* SBI calls with the arguments that an implementation must refuse: unknown
 * extensions (eid= from the grader) and functions, hart ids and masks that
 * name no vCPU, a huge hart_mask_base, console buffers outside RAM, across
 * its end, wrapping around the address space, reserved reset and suspend
 * types. Each answer is printed for the grader to compare with the SBI
 * specification (the legacy shutdown, which this hypervisor does not
 * offer, must not stop the VM); then set_timer(~0), which must not fire. */
#include <libfdt.h>

/* grader: test_stage4_hostile.py parses every line this guest prints */
#include "guest.h"

struct call {
	const char *what;
	unsigned long eid, fid, a0, a1, a2;
};

static void ram(uint64_t *base, uint64_t *size)
{
	int node = fdt_node_offset_by_prop_value(guest_fdt, -1, "device_type", "memory", 7);
	const fdt64_t *reg = node >= 0 ? fdt_getprop(guest_fdt, node, "reg", NULL) : NULL;
	*base = reg ? fdt64_to_cpu(reg[0]) : 0x80000000;
	*size = reg ? fdt64_to_cpu(reg[1]) : 16 << 20;
}

void guest_main(void)
{
	static char text[] = "abcdefghijklmnop";
	uint64_t ram_base, ram_size;
	ram(&ram_base, &ram_size);
	uint64_t ram_end = ram_base + ram_size, uart = fdt_find_reg("ns16550a");
	unsigned long eid = bootarg_ulong("eid", 0x0a0b0c0d);
	const struct call calls[] = {
	    {"unknown extension", eid, 0, 0, 0, 0},
	    {"base function 7", SBI_EXT_BASE, 7, 0, 0, 0},
	    {"base function ~0", SBI_EXT_BASE, ~0UL, 0, 0, 0},
	    {"time function 1", SBI_EXT_TIME, 1, 0, 0, 0},
	    {"ipi function 1", SBI_EXT_IPI, 1, 0, 0, 0},
	    {"rfence hfence.gvma", SBI_EXT_RFENCE, SBI_EXT_RFENCE_REMOTE_HFENCE_GVMA_VMID, 1, 0, 0},
	    {"rfence function 7", SBI_EXT_RFENCE, 7, 1, 0, 0},
	    {"hsm function 4", SBI_EXT_HSM, 4, 0, 0, 0},
	    {"srst function 1", SBI_EXT_SRST, 1, 0, 0, 0},
	    {"dbcn function 3", SBI_EXT_DBCN, 3, 0, 0, 0},
	    {"hsm start hart ~0", SBI_EXT_HSM, SBI_EXT_HSM_HART_START, ~0UL,
	     (unsigned long)secondary_start, 0},
	    {"hsm start hart 1", SBI_EXT_HSM, SBI_EXT_HSM_HART_START, 1,
	     (unsigned long)secondary_start, 0},
	    {"hsm start hart 1<<32", SBI_EXT_HSM, SBI_EXT_HSM_HART_START, 1UL << 32,
	     (unsigned long)secondary_start, 0},
	    {"hsm status hart ~0", SBI_EXT_HSM, SBI_EXT_HSM_HART_GET_STATUS, ~0UL, 0, 0},
	    {"hsm status hart 1<<32", SBI_EXT_HSM, SBI_EXT_HSM_HART_GET_STATUS, 1UL << 32, 0, 0},
	    {"hsm suspend type 1", SBI_EXT_HSM, SBI_EXT_HSM_HART_SUSPEND, 1, 0, 0},
	    {"hsm suspend type 0x80000001", SBI_EXT_HSM, SBI_EXT_HSM_HART_SUSPEND, 0x80000001UL, 0,
	     0},
	    {"ipi mask 1 base 1<<63", SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, 1, 1UL << 63, 0},
	    {"ipi mask 1 base ~0-1", SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, 1, ~0UL - 1, 0},
	    {"ipi mask ~0 base 0", SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, ~0UL, 0, 0},
	    {"ipi mask 1<<63 base 0", SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, 1UL << 63, 0, 0},
	    {"rfence fence.i mask 2 base 0", SBI_EXT_RFENCE, SBI_EXT_RFENCE_REMOTE_FENCE_I, 2, 0,
	     0},
	    {"rfence sfence.vma mask 1 base 1<<40", SBI_EXT_RFENCE,
	     SBI_EXT_RFENCE_REMOTE_SFENCE_VMA, 1, 1UL << 40, 0},
	    {"dbcn write from gpa 0", SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, 16, 0, 0},
	    {"dbcn write from the uart", SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, 4, uart, 0},
	    {"dbcn write across the end of ram", SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, 16,
	     ram_end - 8, 0},
	    {"dbcn write from above ram", SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, 16, ram_end, 0},
	    {"dbcn write with base_hi 1", SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, 4,
	     (unsigned long)text, 1},
	    {"dbcn write wrapping around", SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, 32, ~0UL - 15,
	     0},
	    {"dbcn read into gpa 0", SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_READ, 16, 0, 0},
	    {"dbcn read across the end of ram", SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_READ, 16,
	     ram_end - 8, 0},
	    {"dbcn read with base_hi 1", SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_READ, 4,
	     (unsigned long)text, 1},
	    {"srst type 3", SBI_EXT_SRST, SBI_EXT_SRST_RESET, 3, 0, 0},
	    {"srst type 0xefffffff", SBI_EXT_SRST, SBI_EXT_SRST_RESET, 0xefffffffUL, 0, 0},
	    {"srst reason 2", SBI_EXT_SRST, SBI_EXT_SRST_RESET, 0, 2, 0},
	    {"srst reason 0xdfffffff", SBI_EXT_SRST, SBI_EXT_SRST_RESET, 0, 0xdfffffffUL, 0},
	    {"legacy set_timer", SBI_EXT_0_1_SET_TIMER, 0, ~0UL, 0, 0},
	    {"legacy shutdown", SBI_EXT_0_1_SHUTDOWN, 0, 0, 0, 0},
	};
	for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct call *c = &calls[i];
		struct sbiret r = sbi_call(c->eid, c->fid, c->a0, c->a1, c->a2);
		printf("sbi: %s: error %ld value %ld\n", c->what, r.error, r.value);
	}

	/* ~0 bytes from RAM wrap around the address space: refused as a whole,
	 * not written in part (what a partial write would print is dots). */
	static char dots[512];
	memset(dots, '.', sizeof(dots));
	struct sbiret w =
	    sbi_call(SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, ~0UL, (unsigned long)dots, 0);
	printf("\nsbi: dbcn write of ~0 bytes: error %ld value %ld\n", w.error, w.value);

	/* A deadline that never comes: no timer interrupt, not even pending. */
	struct sbiret r = sbi_call(SBI_EXT_TIME, SBI_EXT_TIME_SET_TIMER, ~0UL, 0, 0);
	unsigned long sip = 0;
	uint64_t until = rdtime() + fdt_timebase() / 50;
	while (rdtime() < until) {
		unsigned long now;
		asm volatile("csrr %0, sip" : "=r"(now));
		sip |= now;
	}
	printf("sbi: set_timer(~0): error %ld, sip.STIP %s in 20 ms\n", r.error,
	       sip & SIP_STIP ? "set" : "clear");
	printf("sbiabuse: done\n");
}
