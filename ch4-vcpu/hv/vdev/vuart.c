/* The 16550's registers (regmap/ns16550.h) a byte apart (reg-shift 0);
 * with LCR.DLAB set, the first two are the divisor latch. Transmission is
 * instant, so LSR always says the transmitter is empty; nothing is ever
 * received in this chapter. */
#include <libfdt.h>

#include "regmap/ns16550.h"
#include "vdev/vuart.h"
#include "vm/vm.h"

#define IDLE_POLLS_BEFORE_FLUSH 64
#define CLOCK_HZ                3686400 /* the usual 16550 crystal, QEMU's too */

static int vuart_init(struct vm *vm, void *state, const struct vdev_slot *slot)
{
	(void)vm, (void)slot;
	struct vuart *u = state;
	u->lcr = UART_LCR_WLEN8;
	return 0;
}

static bool vuart_read(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t *value)
{
	struct vuart *u = dev;
	bool dlab = u->lcr & UART_LCR_DLAB;
	if (width != 1)
		return false; /* the device tree says reg-io-width 1 */
	switch (offset) {
	case UART_RBR:
		*value = dlab ? u->dll : 0;
		break;
	case UART_IER:
		*value = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		*value = UART_IIR_NO_INT | (u->fcr & UART_FCR_ENABLE_FIFO ? UART_IIR_FIFO : 0);
		break;
	case UART_LCR:
		*value = u->lcr;
		break;
	case UART_MCR:
		*value = u->mcr;
		break;
	case UART_LSR:
		*value = UART_LSR_THRE | UART_LSR_TEMT;
		/* A guest that keeps reading LSR without sending waits for input,
		 * typically after a prompt that has no newline: show its line now. */
		if (++u->idle_polls == IDLE_POLLS_BEFORE_FLUSH)
			vm_console_flush(v);
		break;
	case UART_MSR:
		*value = 0;
		break;
	case UART_SCR:
		*value = u->scr;
		break;
	default:
		*value = 0; /* the rest of the window reads as zero */
	}
	return true;
}

static bool vuart_write(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t value)
{
	struct vuart *u = dev;
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t b = (uint8_t)value;
	if (width != 1)
		return false;
	switch (offset) {
	case UART_THR:
		if (dlab)
			u->dll = b;
		else
			vm_console_putc(v, (char)b);
		u->idle_polls = 0;
		break;
	case UART_IER:
		if (dlab)
			u->dlm = b;
		else
			u->ier = b & 0x0f;
		break;
	case UART_FCR:
		u->fcr = b & 0xc9; /* FIFO enable, DMA mode, trigger level; the resets self-clear */
		break;
	case UART_LCR:
		u->lcr = b;
		break;
	case UART_MCR:
		u->mcr = b & 0x1f;
		break;
	case UART_SCR:
		u->scr = b;
		break;
	default:
		break; /* LSR, MSR and the rest ignore writes */
	}
	return true;
}

/* A guest derives its divisor from the clock; it accesses the registers a
 * byte at a time, as vuart_read and vuart_write require. */
static int vuart_fdt_props(void *fdt, const struct vm *vm, const struct vdev_slot *slot)
{
	(void)vm, (void)slot;
	int err = fdt_property_u32(fdt, "clock-frequency", CLOCK_HZ);
	return err < 0 ? err : fdt_property_u32(fdt, "reg-io-width", 1);
}

const struct vdev_model vuart_model = {
    .compatible = "ns16550a",
    .console = true,
    .state_size = sizeof(struct vuart),
    .init = vuart_init,
    .mmio = {.read = vuart_read, .write = vuart_write},
    .fdt_props = vuart_fdt_props,
};
