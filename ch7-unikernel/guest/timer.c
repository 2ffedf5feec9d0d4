/* Timer interrupts on a schedule derived from the nonce. Every vCPU takes
 * STEPS deadlines in turn; for each it first sets a decoy deadline and
 * moves it later at once (the decoy must never fire: moving the deadline
 * takes back the interrupt), then waits for the real one, spinning on
 * even steps and in WFI on odd ones, and reports how late it came. With a
 * VM that spins beside it, its vCPUs are descheduled and move between
 * harts while they wait. */
/* grader: test_stage5_irq.py parses every line this guest prints */
#include "guest.h"

#define STEPS 8

static volatile uint64_t fired_at[GUEST_MAX_HARTS];
static volatile unsigned long fired[GUEST_MAX_HARTS];
static volatile unsigned finished;

static inline unsigned long hart_of_this_vcpu(void)
{
	unsigned long h;
	asm volatile("csrr %0, sscratch" : "=r"(h));
	return h;
}

static void on_timer(void)
{
	unsigned long h = hart_of_this_vcpu();
	fired_at[h] = rdtime();
	fired[h]++;
	sbi_set_timer(~0UL); /* disarmed: takes the interrupt back */
}

/* splitmix64: the grader computes the same schedule from the nonce. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15UL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

static void run_schedule(unsigned long hart)
{
	uint64_t nonce = bootarg_ulong("nonce", 1), tb = fdt_timebase();
	asm volatile("csrw sscratch, %0" ::"r"(hart));
	irq_on(IRQ_S_TIMER, on_timer);
	irq_enable();
	for (unsigned step = 0; step < STEPS; step++) {
		/* 1 ms to 21 ms ahead */
		uint64_t offset = tb / 1000 + mix(nonce ^ hart << 32 ^ step) % (tb / 50);
		unsigned long before = fired[hart];
		irq_disable();
		uint64_t deadline = rdtime() + offset;
		sbi_set_timer(deadline - offset / 2); /* the decoy */
		sbi_set_timer(deadline);
		irq_enable();
		bool in_wfi = step & 1;
		if (in_wfi)
			WAIT_FOR(fired[hart] != before);
		else
			while (fired[hart] == before)
				;
		printf("timer: vcpu %lu step %u offset %lu late %ld (%s)\n", hart, step,
		       (unsigned long)offset, (long)(fired_at[hart] - deadline),
		       in_wfi ? "wfi" : "spinning");
	}
	/* Long enough for a stray interrupt to show up in the count. */
	uint64_t quiet = rdtime() + tb / 50;
	while (rdtime() < quiet)
		;
	printf("timer: vcpu %lu done, %lu timer interrupts\n", hart, fired[hart]);
	__atomic_add_fetch(&finished, 1, __ATOMIC_ACQ_REL);
}

void guest_secondary(unsigned long hartid, unsigned long opaque)
{
	(void)opaque;
	run_schedule(hartid);
	sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_STOP, 0, 0, 0);
}

void guest_main(void)
{
	int cpus = fdt_cpu_count();
	for (int i = 1; i < cpus; i++)
		sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, (unsigned long)i,
		         (unsigned long)secondary_start, 0);
	run_schedule(0);
	while (finished < (unsigned)cpus)
		;
}
