/* The 16550's registers (offsets with reg-shift 0): with LCR.DLAB clear,
 * 0 is THR (write) / RBR (read) and 1 is IER; with DLAB set they are the
 * divisor latch DLL/DLM. 2 is IIR (read) / FCR (write), 3 LCR, 4 MCR,
 * 5 LSR, 6 MSR, 7 SCR. Transmission is instant, so LSR always says the
 * transmitter is empty; nothing is ever received in this chapter. */
#include "arch/hart.h"
#include "dev/vuart.h"
#include "vm/vm.h"

#define LCR_DLAB    0x80
#define LSR_THRE    0x20 /* transmit holding register empty */
#define LSR_TEMT    0x40 /* transmitter empty */
#define IIR_NO_IRQ  0x01
#define IIR_FIFO_ON 0xc0

#define IDLE_POLLS_BEFORE_FLUSH 64

void vuart_init(struct vuart *u, struct vm *vm)
{
	*u = (struct vuart){.vm = vm, .lcr = 0x03};
}

static bool vuart_read(void *dev, uint64_t offset, unsigned width, uint64_t *value)
{
	struct vuart *u = dev;
	bool dlab = u->lcr & LCR_DLAB;
	if (width != 1)
		return false; /* the device tree says reg-io-width 1 */
	switch (offset) {
	case 0:
		*value = dlab ? u->dll : 0;
		break;
	case 1:
		*value = dlab ? u->dlm : u->ier;
		break;
	case 2:
		*value = IIR_NO_IRQ | (u->fcr & 1 ? IIR_FIFO_ON : 0);
		break;
	case 3:
		*value = u->lcr;
		break;
	case 4:
		*value = u->mcr;
		break;
	case 5:
		*value = LSR_THRE | LSR_TEMT;
		/* A guest that keeps reading LSR without sending waits for input,
		 * typically after a prompt that has no newline: show its line now. */
		if (++u->idle_polls == IDLE_POLLS_BEFORE_FLUSH)
			vm_console_flush(this_hart()->current);
		break;
	case 6:
		*value = 0;
		break;
	case 7:
		*value = u->scr;
		break;
	default:
		*value = 0; /* the rest of the window reads as zero */
	}
	return true;
}

static bool vuart_write(void *dev, uint64_t offset, unsigned width, uint64_t value)
{
	struct vuart *u = dev;
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t b = (uint8_t)value;
	if (width != 1)
		return false;
	switch (offset) {
	case 0:
		if (dlab)
			u->dll = b;
		else
			vm_console_putc(this_hart()->current, (char)b);
		u->idle_polls = 0;
		break;
	case 1:
		if (dlab)
			u->dlm = b;
		else
			u->ier = b & 0x0f;
		break;
	case 2:
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
	return true;
}

const struct mmio_ops vuart_ops = {.read = vuart_read, .write = vuart_write};
