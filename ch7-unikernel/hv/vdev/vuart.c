/* The 16550's registers (regmap/ns16550.h) a byte apart (reg-shift 0);
 * with LCR.DLAB set, the first two are the divisor latch. Transmission is
 * instant, so LSR always says the transmitter is empty. Received bytes wait
 * in a FIFO until RBR is read.
 *
 * The interrupt output is the 16550's: IIR names the highest-priority
 * cause among those IER enables (receiver line status, received data,
 * transmitter empty), and the line to the vPLIC is high while there is
 * one. Modem status and loopback are not emulated (MSR reads as zero). */
#include <libfdt.h>

#include "lib/printf.h"
#include "regmap/ns16550.h"
#include "vdev/vplic.h"
#include "vdev/vuart.h"
#include "vm/vm.h"

#define IDLE_POLLS_BEFORE_FLUSH 64
#define CLOCK_HZ                3686400 /* the usual 16550 crystal, QEMU's too */

static int vuart_init(struct vm *vm, void *state, const struct vdev_slot *slot)
{
	struct vplic *plic = vplic_of(vm);
	if (!plic) {
		printf("vm %s: %s: no vPLIC before it in the machine\n", vm->name, slot->name);
		return -1;
	}
	*(struct vuart *)state = (struct vuart){.lock = SPINLOCK_IRQ_INIT("vuart"),
	                                        .plic = plic,
	                                        .irq = slot->irq,
	                                        .lcr = UART_LCR_WLEN8};
	return 0;
}

struct vuart *vuart_of(struct vm *vm)
{
	return vdev_state(vm, &vuart_model);
}

/* The pending interrupt of the highest priority, as IIR shows it. */
static uint8_t interrupt_id(const struct vuart *u)
{
	if (u->ier & UART_IER_RLSI && u->overrun)
		return UART_IIR_RLSI;
	if (u->ier & UART_IER_RDI && u->rx_count)
		return UART_IIR_RDI;
	if (u->ier & UART_IER_THRI && u->thr_empty_irq)
		return UART_IIR_THRI;
	return UART_IIR_NO_INT;
}

/* With the lock held, after any change of the state above. */
static void update_irq(struct vuart *u)
{
	bool level = interrupt_id(u) != UART_IIR_NO_INT;
	if (level != u->irq_level) {
		u->irq_level = level;
		vplic_set_level(u->plic, u->irq, level);
	}
}

void vuart_receive(struct vuart *u, uint8_t byte)
{
	spin_lock(&u->lock);
	if (u->rx_count < VUART_RX_FIFO) {
		u->rx[(u->rx_head + u->rx_count++) % VUART_RX_FIFO] = byte;
	} else {
		u->overrun = true;
	}
	u->idle_polls = 0;
	update_irq(u);
	spin_unlock(&u->lock);
}

static uint8_t read_rbr(struct vuart *u)
{
	if (!u->rx_count)
		return 0;
	uint8_t b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_RX_FIFO;
	u->rx_count--;
	return b;
}

static uint8_t read_lsr(struct vuart *u, struct vcpu *v)
{
	uint8_t lsr = UART_LSR_THRE | UART_LSR_TEMT;
	if (u->rx_count)
		lsr |= UART_LSR_DR;
	if (u->overrun)
		lsr |= UART_LSR_OE;
	u->overrun = false;
	/* A guest that keeps reading LSR without sending waits for input,
	 * typically after a prompt that has no newline: show its line now. */
	if (!u->rx_count && ++u->idle_polls == IDLE_POLLS_BEFORE_FLUSH)
		vm_console_flush(v);
	return lsr;
}

static bool vuart_read(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t *value)
{
	struct vuart *u = dev;
	if (width != 1)
		return false; /* the device tree says reg-io-width 1 */
	spin_lock(&u->lock);
	bool dlab = u->lcr & UART_LCR_DLAB;
	switch (offset) {
	case UART_RBR:
		*value = dlab ? u->dll : read_rbr(u);
		break;
	case UART_IER:
		*value = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR: {
		uint8_t id = interrupt_id(u);
		/* Reading IIR when it names THRE acknowledges that interrupt. */
		if (id == UART_IIR_THRI)
			u->thr_empty_irq = false;
		*value = id | (u->fcr & UART_FCR_ENABLE_FIFO ? UART_IIR_FIFO : 0);
		break;
	}
	case UART_LCR:
		*value = u->lcr;
		break;
	case UART_MCR:
		*value = u->mcr;
		break;
	case UART_LSR:
		*value = read_lsr(u, v);
		break;
	case UART_SCR:
		*value = u->scr;
		break;
	default:
		*value = 0; /* MSR and the rest of the window read as zero */
	}
	update_irq(u);
	spin_unlock(&u->lock);
	return true;
}

static bool vuart_write(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t value)
{
	struct vuart *u = dev;
	uint8_t b = (uint8_t)value;
	if (width != 1)
		return false;
	spin_lock(&u->lock);
	bool dlab = u->lcr & UART_LCR_DLAB;
	switch (offset) {
	case UART_THR:
		if (dlab) {
			u->dll = b;
		} else {
			vm_console_putc(v, (char)b);
			u->thr_empty_irq = true; /* sent at once: THR is empty again */
		}
		u->idle_polls = 0;
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = b;
		} else {
			/* Enabling THRI while THR is empty raises it, as on a 16550
			 * (drivers start transmitting that way). */
			if (b & UART_IER_THRI && !(u->ier & UART_IER_THRI))
				u->thr_empty_irq = true;
			u->ier = b & 0x0f;
		}
		break;
	case UART_FCR:
		if (b & UART_FCR_CLEAR_RCVR)
			u->rx_count = 0;
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
	update_irq(u);
	spin_unlock(&u->lock);
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
    .irqs = 1,
    .state_size = sizeof(struct vuart),
    .init = vuart_init,
    .mmio = {.read = vuart_read, .write = vuart_write},
    .fdt_props = vuart_fdt_props,
};
