/* The 16550's registers (offsets with reg-shift 0): with LCR.DLAB clear,
 * 0 is THR (write) / RBR (read) and 1 is IER; with DLAB set they are the
 * divisor latch DLL/DLM. 2 is IIR (read) / FCR (write), 3 LCR, 4 MCR,
 * 5 LSR, 6 MSR, 7 SCR. Transmission is instant, so LSR always says the
 * transmitter is empty. Received bytes wait in a FIFO until RBR is read.
 *
 * The interrupt output is the 16550's: IIR names the highest-priority
 * cause among those IER enables (receiver line status, received data,
 * transmitter empty), and the line to the vPLIC is high while there is
 * one. Modem status and loopback are not emulated (MSR reads as zero). */
#include "arch/hart.h"
#include "dev/vplic.h"
#include "dev/vuart.h"
#include "vm/vm.h"

#define IER_RDI  0x01 /* received data available */
#define IER_THRI 0x02 /* transmitter holding register empty */
#define IER_RLSI 0x04 /* receiver line status */

#define IIR_NO_IRQ  0x01
#define IIR_RLS     0x06
#define IIR_RDA     0x04
#define IIR_THRE    0x02
#define IIR_FIFO_ON 0xc0

#define LCR_DLAB     0x80
#define LSR_DR       0x01 /* data ready */
#define LSR_OE       0x02 /* overrun error */
#define LSR_THRE     0x20 /* transmit holding register empty */
#define LSR_TEMT     0x40 /* transmitter empty */
#define FCR_CLEAR_RX 0x02

#define IDLE_POLLS_BEFORE_FLUSH 64

void vuart_init(struct vuart *u, struct vm *vm, unsigned irq)
{
	*u = (struct vuart){.lock = SPINLOCK_IRQ_INIT("vuart"), .vm = vm, .irq = irq, .lcr = 0x03};
}

/* The pending interrupt of the highest priority, as IIR shows it. */
static uint8_t interrupt_id(const struct vuart *u)
{
	if (u->ier & IER_RLSI && u->overrun)
		return IIR_RLS;
	if (u->ier & IER_RDI && u->rx_count)
		return IIR_RDA;
	if (u->ier & IER_THRI && u->thr_empty_irq)
		return IIR_THRE;
	return IIR_NO_IRQ;
}

/* With the lock held, after any change of the state above. */
static void update_irq(struct vuart *u)
{
	bool level = interrupt_id(u) != IIR_NO_IRQ;
	if (level != u->irq_level) {
		u->irq_level = level;
		vplic_set_level(&u->vm->plic, u->irq, level);
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

static uint8_t read_lsr(struct vuart *u)
{
	uint8_t lsr = LSR_THRE | LSR_TEMT;
	if (u->rx_count)
		lsr |= LSR_DR;
	if (u->overrun)
		lsr |= LSR_OE;
	u->overrun = false;
	/* A guest that keeps reading LSR without sending waits for input,
	 * typically after a prompt that has no newline: show its line now. */
	if (!u->rx_count && ++u->idle_polls == IDLE_POLLS_BEFORE_FLUSH)
		vm_console_flush(this_hart()->current);
	return lsr;
}

static bool vuart_read(void *dev, uint64_t offset, unsigned width, uint64_t *value)
{
	struct vuart *u = dev;
	if (width != 1)
		return false; /* the device tree says reg-io-width 1 */
	spin_lock(&u->lock);
	bool dlab = u->lcr & LCR_DLAB;
	switch (offset) {
	case 0:
		*value = dlab ? u->dll : read_rbr(u);
		break;
	case 1:
		*value = dlab ? u->dlm : u->ier;
		break;
	case 2: {
		uint8_t id = interrupt_id(u);
		/* Reading IIR when it names THRE acknowledges that interrupt. */
		if (id == IIR_THRE)
			u->thr_empty_irq = false;
		*value = id | (u->fcr & 1 ? IIR_FIFO_ON : 0);
		break;
	}
	case 3:
		*value = u->lcr;
		break;
	case 4:
		*value = u->mcr;
		break;
	case 5:
		*value = read_lsr(u);
		break;
	case 7:
		*value = u->scr;
		break;
	default:
		*value = 0; /* MSR and the rest of the window read as zero */
	}
	update_irq(u);
	spin_unlock(&u->lock);
	return true;
}

static bool vuart_write(void *dev, uint64_t offset, unsigned width, uint64_t value)
{
	struct vuart *u = dev;
	uint8_t b = (uint8_t)value;
	if (width != 1)
		return false;
	spin_lock(&u->lock);
	bool dlab = u->lcr & LCR_DLAB;
	switch (offset) {
	case 0:
		if (dlab) {
			u->dll = b;
		} else {
			vm_console_putc(this_hart()->current, (char)b);
			u->thr_empty_irq = true; /* sent at once: THR is empty again */
		}
		u->idle_polls = 0;
		break;
	case 1:
		if (dlab) {
			u->dlm = b;
		} else {
			/* Enabling THRI while THR is empty raises it, as on a 16550
			 * (drivers start transmitting that way). */
			if (b & IER_THRI && !(u->ier & IER_THRI))
				u->thr_empty_irq = true;
			u->ier = b & 0x0f;
		}
		break;
	case 2:
		if (b & FCR_CLEAR_RX)
			u->rx_count = 0;
		u->fcr = b & 0xc9; /* FIFO enable, DMA mode, trigger level; the resets self-clear */
		break;
	case 3:
		u->lcr = b;
		break;
	case 4:
		u->mcr = b & 0x1f;
		break;
	case 7:
		u->scr = b;
		break;
	default:
		break; /* LSR, MSR and the rest ignore writes */
	}
	update_irq(u);
	spin_unlock(&u->lock);
	return true;
}

const struct mmio_ops vuart_ops = {.read = vuart_read, .write = vuart_write};
