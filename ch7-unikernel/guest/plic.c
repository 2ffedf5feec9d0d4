/* The vPLIC's priority, threshold and claim/complete semantics, on the
 * test device's interrupt lines, with values the grader chooses:
 *   prio=P1,...,P8   the priority of each line (in the order of the
 *                    device's `interrupts`), 0 for "never"
 *   threshold=T      this vCPU's context threshold at first
 *   order=S,...      the lines raised, in this order, interrupts off
 *   repend=S         a line left high when first claimed: completing it
 *                    must make it pending again
 * Then interrupts on: the handler records each claim and what was pending
 * right after it. Then threshold 0, and the same again. */
/* grader: test_stage5_irq.py parses every line this guest prints */
#include "guest.h"
#include "regmap/testdev.h"

static int ctx;
static volatile uint32_t *testdev_raise, *testdev_lower;
static unsigned repend;
static bool repend_done;
static volatile unsigned claims[64], nclaims;
static volatile uint32_t pending_after[64];

static void on_external(void)
{
	unsigned s = plic_claim(ctx);
	if (nclaims < 64) {
		claims[nclaims] = s;
		pending_after[nclaims++] = plic_pending();
	}
	if (!s)
		return;
	if (s == repend && !repend_done)
		repend_done = true; /* still high: it must come back after the completion */
	else
		*testdev_lower = s;
	plic_complete(ctx, s);
}

static int parse_list(const char *key, unsigned *out, int max)
{
	char buf[96];
	int n = 0;
	if (!bootarg(key, buf, sizeof(buf)))
		return 0;
	for (const char *p = buf; *p && n < max;) {
		const char *end;
		out[n++] = (unsigned)strtoul(p, &end, 0);
		p = *end == ',' ? end + 1 : end;
		if (end == p && *p != ',')
			break;
	}
	return n;
}

/* Interrupts on for a while (1 ms): every deliverable one is taken. */
static void take_interrupts(const char *phase)
{
	nclaims = 0;
	irq_enable();
	uint64_t until = rdtime() + fdt_timebase() / 1000;
	while (rdtime() < until)
		;
	irq_disable();
	char line[200];
	int n = snprintf(line, sizeof(line), "plic: %s: claims", phase);
	for (unsigned i = 0; i < nclaims; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %u/0x%x", claims[i],
		              pending_after[i]);
	printf("%s\n", line);
}

void guest_main(void)
{
	uint32_t lines[8];
	unsigned prio[8], order[8];
	int nlines = fdt_interrupts("hvlab,mmio-test", lines, 8);
	uint64_t dev = fdt_find_reg("hvlab,mmio-test");
	testdev_raise = (volatile uint32_t *)(dev + TESTDEV_RAISE);
	testdev_lower = (volatile uint32_t *)(dev + TESTDEV_LOWER);
	ctx = plic_context(0);
	int nprio = parse_list("prio", prio, 8), norder = parse_list("order", order, 8);
	repend = (unsigned)bootarg_ulong("repend", 0);
	printf("plic: context %d, %d lines, %d priorities, %d raised\n", ctx, nlines, nprio,
	       norder);

	for (int i = 0; i < nlines && i < nprio; i++) {
		plic_set_priority(lines[i], prio[i]);
		plic_enable(ctx, lines[i], true);
	}
	plic_set_threshold(ctx, (unsigned)bootarg_ulong("threshold", 0));
	irq_on(IRQ_S_EXT, on_external); /* sstatus.SIE stays clear until take_interrupts */
	for (int i = 0; i < norder; i++)
		*testdev_raise = order[i];
	printf("plic: pending 0x%x\n", plic_pending());
	take_interrupts("above the threshold");
	plic_set_threshold(ctx, 0);
	take_interrupts("threshold 0");

	unsigned long sip;
	asm volatile("csrr %0, sip" : "=r"(sip));
	printf("plic: finally pending 0x%x, claim %u, sip.SEIP %lu, %lu external interrupts\n",
	       plic_pending(), plic_claim(ctx), (sip >> IRQ_S_EXT) & 1, irq_counts[IRQ_S_EXT]);
}
