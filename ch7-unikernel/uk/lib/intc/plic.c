/* The PLIC (the RISC-V PLIC specification): a priority per source, and per
 * context (a hart's privilege mode) enable bits, a threshold and the
 * claim/complete register. We use one context: the boot hart's S-mode,
 * found in the PLIC node's interrupts-extended (pairs of a hart's
 * interrupt controller and its line: 9 is the supervisor external one). */
#include <libfdt.h>
#include <stdint.h>

#include "intc/intc.h"
#include "plat/init.h"
#include "plat/plat.h"

#define MAX_IRQS          128
#define IRQ_S_EXT         9
#define PLIC_PRIORITY     0x0
#define PLIC_ENABLE       0x2000
#define PLIC_ENABLE_SIZE  0x80
#define PLIC_CONTEXT      0x200000
#define PLIC_CONTEXT_SIZE 0x1000
#define PLIC_THRESHOLD    0x0
#define PLIC_CLAIM        0x4

static volatile uint32_t *plic;
static unsigned ndev;
static long context = -1;
static struct {
	void (*fn)(void *);
	void *arg;
} handlers[MAX_IRQS];

static volatile uint32_t *reg(uintptr_t off)
{
	return (volatile uint32_t *)((uintptr_t)plic + off);
}

static volatile uint32_t *context_reg(uintptr_t off)
{
	return reg(PLIC_CONTEXT + (uintptr_t)context * PLIC_CONTEXT_SIZE + off);
}

static volatile uint32_t *enable_word(unsigned irq)
{
	return reg(PLIC_ENABLE + (uintptr_t)context * PLIC_ENABLE_SIZE + irq / 32 * 4);
}

/* The index of the boot hart's S-mode context in interrupts-extended. */
static long find_context(const void *fdt, int node)
{
	int len;
	const fdt32_t *cells = fdt_getprop(fdt, node, "interrupts-extended", &len);
	for (int i = 0; cells && (i + 1) * 8 <= len; i++) {
		int intc = fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(cells[2 * i]));
		int cpu = intc >= 0 ? fdt_parent_offset(fdt, intc) : -1;
		const fdt32_t *hart = cpu >= 0 ? fdt_getprop(fdt, cpu, "reg", NULL) : NULL;
		if (hart && fdt32_to_cpu(*hart) == plat_boot_hartid() &&
		    fdt32_to_cpu(cells[2 * i + 1]) == IRQ_S_EXT)
			return i;
	}
	return -1;
}

static int intc_init(void)
{
	const void *fdt = plat_fdt();
	int node = fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0");
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "sifive,plic-1.0.0");
	uint64_t base, size;
	if (node < 0 || plat_fdt_reg(node, &base, &size) != 0) {
		plat_puts("intc: no PLIC in the device tree: no external interrupts\n");
		return 0;
	}
	const fdt32_t *n = fdt_getprop(fdt, node, "riscv,ndev", NULL);
	ndev = n ? fdt32_to_cpu(*n) : 0;
	if (ndev >= MAX_IRQS)
		ndev = MAX_IRQS - 1;
	context = find_context(fdt, node);
	if (context < 0) {
		plat_puts("intc: the PLIC has no S-mode context for the boot hart\n");
		return 0;
	}
	plic = (volatile uint32_t *)(uintptr_t)base;
	for (unsigned irq = 0; irq <= ndev; irq += 32)
		*enable_word(irq) = 0;
	*context_reg(PLIC_THRESHOLD) = 0;
	plat_external_irq_enable();
	return 0;
}
UK_INIT(intc_init, UK_INIT_IRQ);

int intc_register(unsigned irq, void (*handler)(void *arg), void *arg)
{
	if (!plic || irq == 0 || irq > ndev)
		return -1;
	unsigned long flags = plat_irq_save();
	handlers[irq].fn = handler;
	handlers[irq].arg = arg;
	*reg(PLIC_PRIORITY + irq * 4) = 1;
	*enable_word(irq) |= 1u << (irq % 32);
	plat_irq_restore(flags);
	return 0;
}

void plat_external_interrupt(void)
{
	uint32_t irq;
	while (plic && (irq = *context_reg(PLIC_CLAIM)) != 0) {
		if (irq <= ndev && handlers[irq].fn)
			handlers[irq].fn(handlers[irq].arg);
		else if (irq < MAX_IRQS)
			*enable_word(irq) &= ~(1u << (irq % 32)); /* nobody's: off */
		*context_reg(PLIC_CLAIM) = irq;
	}
}
