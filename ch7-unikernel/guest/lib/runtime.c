#include <stdarg.h>

#include <libfdt.h>

#include "guest.h"
#include "regmap/ns16550.h"

const void *guest_fdt;
uint64_t guest_first_instret;

/* vCPU 0's way in (from start.S): main, then a clean shutdown. */
void guest_start(unsigned long hartid, const void *fdt);
void guest_start(unsigned long hartid __attribute__((unused)), const void *fdt)
{
	guest_fdt = fdt;
	asm volatile("sd tp, %0" : "=m"(guest_first_instret)); /* start.S put it there */
	guest_main();
	shutdown(false);
}

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2)
{
	register unsigned long r_a0 asm("a0") = a0;
	register unsigned long r_a1 asm("a1") = a1;
	register unsigned long r_a2 asm("a2") = a2;
	register unsigned long r_a6 asm("a6") = fid;
	register unsigned long r_a7 asm("a7") = ext;
	asm volatile("ecall" : "+r"(r_a0), "+r"(r_a1) : "r"(r_a2), "r"(r_a6), "r"(r_a7) : "memory");
	return (struct sbiret){(long)r_a0, (long)r_a1};
}

/* Set when DBCN answered "not supported": an SBI older than 2.0 (a raw
 * image on bare QEMU, under its OpenSBI) gets the legacy putchar instead.
 * The first call is the probe, so that under hvlab no call is added. */
static bool no_dbcn;

int printf(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	size_t len = strlen(buf), done = 0;
	/* The MMU is off: the buffer's address is its guest-physical address. */
	while (done < len && !no_dbcn) {
		struct sbiret r = sbi_call(SBI_EXT_DBCN, SBI_EXT_DBCN_CONSOLE_WRITE, len - done,
		                           (unsigned long)buf + done, 0);
		no_dbcn = r.error == SBI_ERR_NOT_SUPPORTED;
		if (r.error || r.value <= 0)
			break;
		done += (size_t)r.value;
	}
	while (done < len && no_dbcn)
		sbi_call(SBI_EXT_0_1_CONSOLE_PUTCHAR, 0, (unsigned char)buf[done++], 0, 0);
	return n;
}

static volatile uint8_t *uart;

static void uart_putc(char c)
{
	while (!(uart[UART_LSR] & UART_LSR_THRE))
		;
	uart[UART_THR] = (uint8_t)c;
}

void uart_printf(const char *fmt, ...)
{
	char buf[200];
	if (!uart)
		uart = (volatile uint8_t *)fdt_find_reg("ns16550a");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (const char *p = buf; *p; p++)
		uart_putc(*p);
}

bool bootarg(const char *key, char *buf, size_t size)
{
	int chosen = fdt_path_offset(guest_fdt, "/chosen");
	const char *p = chosen >= 0 ? fdt_getprop(guest_fdt, chosen, "bootargs", NULL) : NULL;
	size_t klen = strlen(key);
	while (p && *p) {
		while (*p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ' ')
			end++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = (size_t)(end - p) - klen - 1;
			n = n < size - 1 ? n : size - 1;
			memcpy(buf, p + klen + 1, n);
			buf[n] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}

unsigned long bootarg_ulong(const char *key, unsigned long fallback)
{
	char buf[32];
	return bootarg(key, buf, sizeof(buf)) ? strtoul(buf, NULL, 0) : fallback;
}

int fdt_cpu_count(void)
{
	int cpus = fdt_path_offset(guest_fdt, "/cpus"), node, n = 0;
	fdt_for_each_subnode(node, guest_fdt, cpus)
	{
		const char *type = fdt_getprop(guest_fdt, node, "device_type", NULL);
		n += type && !strcmp(type, "cpu");
	}
	return n;
}

uint64_t fdt_timebase(void)
{
	int cpus = fdt_path_offset(guest_fdt, "/cpus");
	const fdt32_t *tb = fdt_getprop(guest_fdt, cpus, "timebase-frequency", NULL);
	return tb ? fdt32_to_cpu(*tb) : 10000000;
}

uint64_t fdt_find_reg(const char *compatible)
{
	int node = fdt_node_offset_by_compatible(guest_fdt, -1, compatible);
	int len;
	const fdt64_t *reg = node >= 0 ? fdt_getprop(guest_fdt, node, "reg", &len) : NULL;
	return reg && len >= 8 ? fdt64_to_cpu(reg[0]) : 0;
}

void shutdown(bool failure)
{
	sbi_call(SBI_EXT_SRST, SBI_EXT_SRST_RESET, SBI_SRST_RESET_TYPE_SHUTDOWN,
	         failure ? SBI_SRST_RESET_REASON_SYSFAIL : SBI_SRST_RESET_REASON_NONE, 0);
	for (;;)
		asm volatile("wfi");
}

/* Weak: guests without secondary vCPUs need not provide it. */
__attribute__((weak)) void guest_secondary(unsigned long hartid __attribute__((unused)),
                                           unsigned long opaque __attribute__((unused)))
{
	sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_STOP, 0, 0, 0);
}
