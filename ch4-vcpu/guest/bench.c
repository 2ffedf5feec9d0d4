/* Instruction counts for `make bench` (run under QEMU -icount shift=0,
 * where instret counts exactly): a null SBI call, an emulated MMIO read,
 * and where this guest's first instruction fell. */
/* tools/bench.py parses every line this guest prints */
#include "guest.h"
#include "regmap/ns16550.h"

extern uint64_t guest_first_instret;

#define ROUNDS 200

/* sbi_get_spec_version, inline: the figure is the ecall's round trip, not
 * the guest's function call around it. */
static inline void null_sbi_call(void)
{
	register unsigned long a0 asm("a0");
	register unsigned long a1 asm("a1");
	register unsigned long a6 asm("a6") = SBI_EXT_BASE_GET_SPEC_VERSION;
	register unsigned long a7 asm("a7") = SBI_EXT_BASE;
	asm volatile("ecall" : "=r"(a0), "=r"(a1) : "r"(a6), "r"(a7) : "memory");
}

static void report(const char *what, uint64_t min, uint64_t total)
{
	printf("bench: %s min %lu avg %lu instructions\n", what, (unsigned long)min,
	       (unsigned long)(total / ROUNDS));
}

void guest_main(void)
{
	printf("bench: first guest instruction at instret %lu\n",
	       (unsigned long)guest_first_instret);

	/* The cost of reading instret twice, taken off every sample. */
	uint64_t a = rdinstret(), b = rdinstret(), overhead = b - a;

	uint64_t min = ~0UL, total = 0;
	for (int i = 0; i < ROUNDS; i++) {
		a = rdinstret();
		null_sbi_call();
		b = rdinstret();
		uint64_t d = b - a - overhead;
		min = d < min ? d : min;
		total += d;
	}
	report("sbi_null_roundtrip", min, total);

	volatile uint8_t *uart = (volatile uint8_t *)fdt_find_reg("ns16550a");
	min = ~0UL, total = 0;
	for (int i = 0; i < ROUNDS; i++) {
		a = rdinstret();
		(void)uart[UART_LSR];
		b = rdinstret();
		uint64_t d = b - a - overhead;
		min = d < min ? d : min;
		total += d;
	}
	report("mmio_read_roundtrip", min, total);
}
