/* Instruction counts for `make bench` (run under QEMU -icount shift=0,
 * where instret counts exactly): a null SBI call, an emulated MMIO read,
 * where this guest's first instruction fell, and how long an interrupt
 * takes to reach the guest's handler: its timer's, and its UART's for
 * bytes typed on the console (uart=N: that many). */
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

/* The interrupt's cost: the guest stores instret in a tight loop until
 * its handler has run; the handler's first reading minus the last value
 * stored before it (which the handler notes at once) is what it took (the hart's and the hypervisor's part,
 * plus the trap vector's register saves and at most a few loop
 * instructions, the same for every path). */
static volatile uint64_t last_seen, at_handler, seen_at_handler;
static volatile bool taken;

/* `taken` is cleared before whatever raises the interrupt (the timer set,
 * the prompt that makes the tester type): cleared after, it could wipe out
 * an interrupt that came in between, and the wait would never end. */
static void arm(void)
{
	taken = false;
}

static uint64_t until_taken(void)
{
	while (!taken)
		last_seen = rdinstret();
	return at_handler - seen_at_handler;
}

static void on_timer(void)
{
	at_handler = rdinstret();
	seen_at_handler = last_seen;
	sbi_set_timer(~0UL);
	taken = true;
}

static volatile uint8_t *uart;
static int ctx;
static unsigned uart_irq;

static void on_external(void)
{
	at_handler = rdinstret();
	seen_at_handler = last_seen;
	unsigned s = plic_claim(ctx);
	while (uart[UART_LSR] & UART_LSR_DR)
		(void)uart[UART_RBR];
	if (s)
		plic_complete(ctx, s);
	taken = s == uart_irq;
}

#define IRQ_ROUNDS 50

static void bench_interrupts(void)
{
	uint64_t min = ~0UL, total = 0, tick = fdt_timebase() / 10000; /* 100 us */
	irq_on(IRQ_S_TIMER, on_timer);
	irq_enable();
	for (int i = 0; i < IRQ_ROUNDS; i++) {
		arm();
		sbi_set_timer(rdtime() + tick);
		uint64_t d = until_taken();
		min = d < min ? d : min;
		total += d;
	}
	printf("bench: timer_irq_to_handler min %lu avg %lu instructions\n", (unsigned long)min,
	       (unsigned long)(total / IRQ_ROUNDS));

	unsigned long bytes = bootarg_ulong("uart", 0);
	uint32_t irq;
	if (!bytes || fdt_interrupts("ns16550a", &irq, 1) != 1)
		return;
	uart = (volatile uint8_t *)fdt_find_reg("ns16550a");
	uart_irq = irq;
	ctx = plic_context(0);
	plic_set_priority(uart_irq, 1);
	plic_enable(ctx, uart_irq, true);
	irq_on(IRQ_S_EXT, on_external);
	uart[UART_IER] = UART_IER_RDI;
	min = ~0UL, total = 0;
	arm();
	printf("bench: type %lu bytes\n", bytes);
	for (unsigned long i = 0; i < bytes; i++) {
		uint64_t d = until_taken();
		min = d < min ? d : min;
		total += d;
		arm(); /* each line asks for the next byte */
		printf("bench: got byte %lu\n", i + 1);
	}
	printf("bench: uart_irq_to_handler min %lu avg %lu instructions\n", (unsigned long)min,
	       (unsigned long)(total / bytes));
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

	bench_interrupts();
}
