/* Interrupts in the test guests: a handler per cause (software 1, timer 5,
 * external 9), a count of each, and the guest's view of its PLIC, found
 * in its device tree as a kernel would find it. */
#include <libfdt.h>

#include "guest.h"
#include "regmap/plic.h"

volatile unsigned long irq_counts[IRQ_CAUSES];
static irq_handler_fn handlers[IRQ_CAUSES];
extern char guest_trap_vector[];

void guest_trap(unsigned long scause, unsigned long sepc);
void guest_trap(unsigned long scause, unsigned long sepc)
{
	unsigned long code = scause & ~SCAUSE_INTERRUPT;
	if (!(scause & SCAUSE_INTERRUPT) || code >= IRQ_CAUSES) {
		unsigned long stval;
		asm volatile("csrr %0, stval" : "=r"(stval));
		printf("unexpected trap: scause 0x%lx sepc 0x%lx stval 0x%lx\n", scause, sepc,
		       stval);
		shutdown(true);
	}
	irq_counts[code]++;
	if (handlers[code]) {
		handlers[code]();
		return;
	}
	/* No handler: silence the source so that it does not come back at once. */
	if (code == IRQ_S_SOFT)
		asm volatile("csrc sip, %0" ::"r"(SIP_SSIP));
	else if (code == IRQ_S_TIMER)
		sbi_call(SBI_EXT_TIME, SBI_EXT_TIME_SET_TIMER, ~0UL, 0, 0);
	else
		asm volatile("csrc sie, %0" ::"r"(BIT(code)));
}

void irq_on(unsigned cause, irq_handler_fn fn)
{
	handlers[cause] = fn;
	asm volatile("csrw stvec, %0" ::"r"(guest_trap_vector));
	asm volatile("csrs sie, %0" ::"r"(BIT(cause)));
}

void irq_enable(void)
{
	asm volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
}

void irq_disable(void)
{
	asm volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE));
}

/* --- the PLIC (regmap/plic.h) --- */

static volatile uint32_t *plic;

static volatile uint32_t *plic_reg(unsigned long offset)
{
	if (!plic)
		plic = (volatile uint32_t *)fdt_find_reg("sifive,plic-1.0.0");
	return (volatile uint32_t *)((uintptr_t)plic + offset);
}

int plic_context(unsigned long hartid)
{
	int node = fdt_node_offset_by_compatible(guest_fdt, -1, "sifive,plic-1.0.0");
	int len;
	const fdt32_t *cells = fdt_getprop(guest_fdt, node, "interrupts-extended", &len);
	for (int ctx = 0; cells && (ctx + 1) * 8 <= len; ctx++) {
		int intc = fdt_node_offset_by_phandle(guest_fdt, fdt32_to_cpu(cells[2 * ctx]));
		int cpu = fdt_parent_offset(guest_fdt, intc);
		const fdt32_t *reg = fdt_getprop(guest_fdt, cpu, "reg", NULL);
		if (reg && fdt32_to_cpu(*reg) == hartid &&
		    fdt32_to_cpu(cells[2 * ctx + 1]) == PLIC_S_EXT_LINE)
			return ctx;
	}
	return -1;
}

int fdt_interrupts(const char *compatible, uint32_t *out, int max)
{
	int node = fdt_node_offset_by_compatible(guest_fdt, -1, compatible);
	int len, n = 0;
	const fdt32_t *cells = node >= 0 ? fdt_getprop(guest_fdt, node, "interrupts", &len) : NULL;
	for (; cells && n < max && (n + 1) * 4 <= len; n++)
		out[n] = fdt32_to_cpu(cells[n]);
	return n;
}

void plic_set_priority(unsigned source, unsigned priority)
{
	*plic_reg(PLIC_PRIORITY(source)) = priority;
}

void plic_enable(int ctx, unsigned source, bool on)
{
	volatile uint32_t *word = plic_reg(PLIC_ENABLE((unsigned)ctx, source));
	if (on)
		*word |= 1u << (source % 32);
	else
		*word &= ~(1u << (source % 32));
}

void plic_set_threshold(int ctx, unsigned threshold)
{
	*plic_reg(PLIC_THRESHOLD((unsigned)ctx)) = threshold;
}

uint32_t plic_pending(void)
{
	return *plic_reg(PLIC_PENDING(0));
}

unsigned plic_claim(int ctx)
{
	return *plic_reg(PLIC_CLAIM((unsigned)ctx));
}

void plic_complete(int ctx, unsigned source)
{
	*plic_reg(PLIC_CLAIM((unsigned)ctx)) = source;
}
