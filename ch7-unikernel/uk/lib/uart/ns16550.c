/* The ns16550 receiver: polled, or through its receive interrupt (intc)
 * into a ring that a waiting thread (sched) is woken for. */
#include <libfdt.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "plat/init.h"
#include "plat/plat.h"
#include "uart/uart.h"
#include "uk/config.h"

#define IRQ_DRIVEN (CONFIG_LIBINTC && CONFIG_LIBSCHED)
#if IRQ_DRIVEN
#include "intc/intc.h"
#include "sched/sched.h"
#elif CONFIG_LIBSCHED
#include "sched/sched.h"
#endif

#define RBR     0 /* receive buffer */
#define IER     1 /* interrupt enable */
#define IER_RDA 0x01
#define LSR     5 /* line status */
#define LSR_DR  0x01
#define RING    256

static volatile uint8_t *regs;
static unsigned shift, width;

static uint8_t read_reg(unsigned r)
{
	uintptr_t at = (uintptr_t)regs + ((uintptr_t)r << shift);
	return width == 4 ? (uint8_t) * (volatile uint32_t *)at : *(volatile uint8_t *)at;
}

static void write_reg(unsigned r, uint8_t v)
{
	uintptr_t at = (uintptr_t)regs + ((uintptr_t)r << shift);
	if (width == 4)
		*(volatile uint32_t *)at = v;
	else
		*(volatile uint8_t *)at = v;
}

static int poll_byte(void)
{
	if (!regs || !(read_reg(LSR) & LSR_DR))
		return -1;
	return read_reg(RBR);
}

#if IRQ_DRIVEN
static bool irq_driven;
static uint8_t ring[RING];
static unsigned head, tail; /* free-running: tail - head bytes wait */
static struct uk_thread *waiter;

static void uart_irq(void *arg)
{
	(void)arg;
	int c;
	while ((c = poll_byte()) >= 0)
		if (tail - head < RING)
			ring[tail++ % RING] = (uint8_t)c;
	if (waiter)
		uk_thread_wake(waiter);
}
#endif

int uart_getc(void)
{
#if IRQ_DRIVEN
	if (irq_driven) {
		unsigned long flags = plat_irq_save();
		int c = head != tail ? ring[head++ % RING] : -1;
		plat_irq_restore(flags);
		return c;
	}
#endif
	return poll_byte();
}

int uart_getc_wait(void)
{
	int c;
#if IRQ_DRIVEN
	if (irq_driven) {
		unsigned long flags = plat_irq_save();
		while ((c = uart_getc()) < 0) {
			waiter = uk_thread_current();
			uk_thread_block(0);
			waiter = NULL;
		}
		plat_irq_restore(flags);
		return c;
	}
#endif
	while ((c = uart_getc()) < 0) {
#if CONFIG_LIBSCHED
		uk_sleep_ns(1000 * 1000);
#endif
	}
	return c;
}

/* /chosen/stdout-path, without its ":options", as a node. */
static int console_node(const void *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen"), len;
	const char *path = chosen >= 0 ? fdt_getprop(fdt, chosen, "stdout-path", &len) : NULL;
	if (!path || len <= 0)
		return -1;
	const char *colon = memchr(path, ':', (size_t)len);
	return fdt_path_offset_namelen(fdt, path, colon ? (int)(colon - path) : (int)strlen(path));
}

static int uart_init(void)
{
	const void *fdt = plat_fdt();
	int node = console_node(fdt);
	uint64_t base, size;
	if (node < 0 ||
	    (fdt_node_check_compatible(fdt, node, "ns16550a") != 0 &&
	     fdt_node_check_compatible(fdt, node, "ns16550") != 0) ||
	    plat_fdt_reg(node, &base, &size) != 0) {
		plat_puts("uart: no ns16550 at /chosen/stdout-path: no console input\n");
		return 0;
	}
	const fdt32_t *p = fdt_getprop(fdt, node, "reg-shift", NULL);
	shift = p ? fdt32_to_cpu(*p) : 0;
	p = fdt_getprop(fdt, node, "reg-io-width", NULL);
	width = p ? fdt32_to_cpu(*p) : 1;
	regs = (volatile uint8_t *)(uintptr_t)base;
	write_reg(IER, 0);
#if IRQ_DRIVEN
	p = fdt_getprop(fdt, node, "interrupts", NULL);
	if (p && intc_register(fdt32_to_cpu(*p), uart_irq, NULL) == 0) {
		irq_driven = true;
		write_reg(IER, IER_RDA);
	}
#endif
	return 0;
}
UK_INIT(uart_init, UK_INIT_DRIVER);
