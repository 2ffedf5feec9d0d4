/* The SBI calls and the services built on them: console, timer, IPI, power. */
#include "plat/plat.h"
#include "plat/sbi.h"

#define CSR_SIE_STIE (1ul << 5)

struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2)
{
	register unsigned long r0 asm("a0") = a0;
	register unsigned long r1 asm("a1") = a1;
	register unsigned long r2 asm("a2") = a2;
	register unsigned long r6 asm("a6") = fid;
	register unsigned long r7 asm("a7") = eid;
	asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){(long)r0, (long)r1};
}

bool sbi_probe(unsigned long eid)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0);
	return r.error == 0 && r.value != 0;
}

/* Probed once, at the first write: SBI implementations before v2.0
 * (QEMU 7.2's OpenSBI) lack DBCN. */
static int have_dbcn = -1;

void plat_console_write(const char *s, size_t n)
{
	if (have_dbcn < 0)
		have_dbcn = sbi_probe(SBI_EXT_DBCN);
	while (n > 0) {
		if (have_dbcn) {
			/* satp = 0: the pointer is the physical address DBCN wants. */
			struct sbiret r = sbi_call(SBI_EXT_DBCN, 0, n, (unsigned long)s, 0);
			if (r.error || r.value <= 0)
				return;
			s += r.value;
			n -= (size_t)r.value;
		} else {
			sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (unsigned char)*s++, 0, 0);
			n--;
		}
	}
}

void plat_puts(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	plat_console_write(s, n);
}

void plat_put_hex(uint64_t v)
{
	char buf[19] = "0x";
	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	plat_console_write(buf, 18);
}

uint64_t plat_ticks(void)
{
	uint64_t t;
	asm volatile("rdtime %0" : "=r"(t));
	return t;
}

void plat_timer_arm(uint64_t deadline_ticks)
{
	sbi_call(SBI_EXT_TIME, 0, deadline_ticks, 0, 0);
	asm volatile("csrs sie, %0" ::"r"(CSR_SIE_STIE));
}

void plat_timer_disarm(void)
{
	asm volatile("csrc sie, %0" ::"r"(CSR_SIE_STIE));
	sbi_call(SBI_EXT_TIME, 0, UINT64_MAX, 0, 0);
}

int plat_ipi_send(unsigned long hartid)
{
	return (int)sbi_call(SBI_EXT_IPI, 0, 1, hartid, 0).error;
}

void plat_poweroff(bool failed)
{
	/* SRST: type 0 = shutdown, reason 1 = system failure. */
	sbi_call(SBI_EXT_SRST, 0, 0, failed ? 1 : 0, 0);
	sbi_call(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0);
	for (;;)
		asm volatile("wfi");
}
