/* The host PLIC driver (registers: regmap/plic.h). Which context is which
 * hart's S-mode comes from the node's interrupts-extended: entry i names
 * the interrupt controller of a hart and the line (9, supervisor external)
 * of context i. */
#include <libfdt.h>

#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/mmio.h"
#include "boot/platform.h"
#include "dev/plic.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "regmap/plic.h"

#define PLIC_MAX_SOURCES  1024
#define PLIC_MAX_HANDLERS 64

static bool present;
static unsigned sources;         /* 1..sources-1 exist; source 0 means "none" */
static int s_context[MAX_HARTS]; /* by hart index; -1 when it has none */
static struct {
	plic_handler_fn fn;
	void *arg;
} handlers[PLIC_MAX_HANDLERS];

static uintptr_t reg(unsigned long offset)
{
	return (uintptr_t)platform.intc.base + offset;
}

static int hart_index_of(unsigned long hartid)
{
	for (int i = 0; i < MAX_HARTS; i++)
		if (harts[i].online && harts[i].hartid == hartid)
			return i;
	return -1;
}

/* interrupts-extended = <&cpuN_intc line>...: the S-mode context of each
 * hart (line IRQ_S_EXT: a hart controller's lines are the interrupt
 * codes), matched by the phandle of the hart's interrupt controller (found
 * with the harts, so that no search of the whole tree is needed here). */
static void find_contexts(const void *fdt)
{
	int len;
	const fdt32_t *cells = fdt_getprop(fdt, platform.intc_node, "interrupts-extended", &len);
	for (int ctx = 0; cells && (ctx + 1) * 8 <= len; ctx++) {
		uint32_t phandle = fdt32_to_cpu(cells[2 * ctx]);
		if (fdt32_to_cpu(cells[2 * ctx + 1]) != IRQ_S_EXT)
			continue;
		for (int i = 0; i < platform.hart_count; i++) {
			int index = hart_index_of(platform.hart[i].hartid);
			if (platform.hart[i].intc_phandle == phandle && index >= 0)
				s_context[index] = ctx;
		}
	}
}

bool plic_init(void)
{
	const char *compat = platform.intc.compatible;
	present = platform.intc.present && compat && strcmp(compat, "riscv,aplic") != 0;
	if (!present)
		return false;
	sources = platform.intc_sources + 1;
	if (sources > PLIC_MAX_SOURCES)
		sources = PLIC_MAX_SOURCES;
	for (int i = 0; i < MAX_HARTS; i++)
		s_context[i] = -1;
	find_contexts(platform.fdt);
	/* Every source off until a driver routes it. */
	for (unsigned src = 1; src < sources; src++)
		mmio_write32(reg(PLIC_PRIORITY(src)), 0);
	for (int i = 0; i < MAX_HARTS; i++) {
		if (s_context[i] < 0)
			continue;
		for (unsigned w = 0; w < (sources + 31) / 32; w++)
			mmio_write32(reg(PLIC_ENABLE(s_context[i], 32 * w)), 0);
	}
	return true;
}

void plic_init_hart(void)
{
	int ctx = present ? s_context[this_hart()->index] : -1;
	if (ctx < 0)
		return;
	mmio_write32(reg(PLIC_THRESHOLD(ctx)), 0);
	csr_set(sie, SIE_SEIE);
}

void plic_route(unsigned irq, unsigned priority, unsigned hart, plic_handler_fn fn, void *arg)
{
	BUG_ON(!present || !irq || irq >= sources || irq >= PLIC_MAX_HANDLERS || hart >= MAX_HARTS);
	int ctx = s_context[hart];
	BUG_ON(ctx < 0);
	handlers[irq].fn = fn;
	handlers[irq].arg = arg;
	mmio_write32(reg(PLIC_PRIORITY(irq)), priority);
	uintptr_t word = reg(PLIC_ENABLE(ctx, irq));
	mmio_write32(word, mmio_read32(word) | 1u << (irq % 32));
}

void plic_interrupt(void)
{
	int ctx = present ? s_context[this_hart()->index] : -1;
	BUG_ON(ctx < 0);
	/* Each claim hands out the highest-priority pending source and takes
	 * it off the pending list until it is completed (PLIC spec §7-§8). */
	for (;;) {
		uint32_t irq = mmio_read32(reg(PLIC_CLAIM(ctx)));
		if (!irq)
			return;
		if (irq < PLIC_MAX_HANDLERS && handlers[irq].fn)
			handlers[irq].fn(irq, handlers[irq].arg);
		else
			printf("plic: interrupt %u has no handler\n", irq);
		mmio_write32(reg(PLIC_CLAIM(ctx)), irq);
	}
}
