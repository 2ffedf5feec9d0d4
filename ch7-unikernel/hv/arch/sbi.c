/* SBI calls: a0-a5 carry the arguments, a6 the function id, a7 the extension
 * id; the firmware returns an error code in a0 and a value in a1. */
#include "arch/sbi.h"

struct sbiret sbi_ecall(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2)
{
	register unsigned long r_a0 asm("a0") = a0;
	register unsigned long r_a1 asm("a1") = a1;
	register unsigned long r_a2 asm("a2") = a2;
	register unsigned long r_a6 asm("a6") = fid;
	register unsigned long r_a7 asm("a7") = ext;
	asm volatile("ecall" : "+r"(r_a0), "+r"(r_a1) : "r"(r_a2), "r"(r_a6), "r"(r_a7) : "memory");
	return (struct sbiret){.error = (long)r_a0, .value = (long)r_a1};
}

long sbi_spec_version(void)
{
	return sbi_ecall(SBI_EXT_BASE, SBI_EXT_BASE_GET_SPEC_VERSION, 0, 0, 0).value;
}

long sbi_impl_id(void)
{
	return sbi_ecall(SBI_EXT_BASE, SBI_EXT_BASE_GET_IMP_ID, 0, 0, 0).value;
}

long sbi_impl_version(void)
{
	return sbi_ecall(SBI_EXT_BASE, SBI_EXT_BASE_GET_IMP_VERSION, 0, 0, 0).value;
}

const char *sbi_impl_name(long id)
{
	static const char *const names[] = {
	    "BBL",    "OpenSBI", "Xvisor",        "KVM",      "RustSBI", "Diosix",
	    "Coffer", "Xen",     "PolarFire HSS", "coreboot", "oreboot", "bhyve",
	};
	if (id >= 0 && (unsigned long)id < sizeof(names) / sizeof(names[0]))
		return names[id];
	return "unknown";
}

/* Returns 0 when the extension is absent, else an extension-specific non-zero value. */
long sbi_probe_extension(unsigned long ext)
{
	struct sbiret r = sbi_ecall(SBI_EXT_BASE, SBI_EXT_BASE_PROBE_EXT, ext, 0, 0);
	return r.error ? 0 : r.value;
}

/* The legacy console (EID 0x01): the only output before the UART is known. */
void sbi_legacy_putchar(int c)
{
	sbi_ecall(SBI_EXT_0_1_CONSOLE_PUTCHAR, 0, (unsigned long)c, 0, 0);
}

struct sbiret sbi_hart_start(unsigned long hartid, unsigned long start_addr, unsigned long opaque)
{
	return sbi_ecall(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, hartid, start_addr, opaque);
}

struct sbiret sbi_hart_status(unsigned long hartid)
{
	return sbi_ecall(SBI_EXT_HSM, SBI_EXT_HSM_HART_GET_STATUS, hartid, 0, 0);
}

struct sbiret sbi_system_reset(uint32_t type, uint32_t reason)
{
	return sbi_ecall(SBI_EXT_SRST, SBI_EXT_SRST_RESET, type, reason, 0);
}

/* TIME: an S-mode timer interrupt once `time` reaches the deadline. */
struct sbiret sbi_set_timer(uint64_t deadline)
{
	return sbi_ecall(SBI_EXT_TIME, SBI_EXT_TIME_SET_TIMER, deadline, 0, 0);
}

/* IPI: a supervisor software interrupt to each hart hart_mask_base + i for
 * every bit i set in hart_mask. */
struct sbiret sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
	return sbi_ecall(SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, hart_mask, hart_mask_base, 0);
}
