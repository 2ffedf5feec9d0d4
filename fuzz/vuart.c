/* The emulated 16550 (vdev/vuart.c): sequences of guest accesses of any
 * offset in its window and any width, from any of the VM's vCPUs, mixed
 * with bytes typed for the VM, against a model of the 16550's registers
 * as vdev/vuart.c documents them: the divisor latch behind LCR.DLAB, a
 * receive FIFO (bytes come out in order, none invented, an overrun when
 * it is full), IIR's priorities among the causes that IER enables, THRE
 * acknowledged by reading IIR, LSR, and MSR reading as zero.
 *
 * Every read must return what the model says, every byte written to THR
 * must reach the console from the vCPU that wrote it, and the interrupt
 * line to the vPLIC must follow the model, with a call for each change
 * only.
 *
 * Input: vCPU count (1), source (1), then steps of 3 bytes: kind (1: the
 * step in the low six bits modulo 5, flags above), offset or vCPU (1),
 * value (1). */
#include <string.h>

#include "fuzz.h"

#include "arch/hart.h"
#include "vdev/vplic.h"
#include "vdev/vuart.h"
#include "vm/vm.h"

static struct vm vm;
static struct vuart uart;
static struct vdev_slot slot;
static struct vplic plic;     /* only its address: its lines are seen below */
static struct vcpu *accessor; /* the vCPU that makes the next accesses */

/* The 16550 of the comments in vdev/vuart.c. */
static struct {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre, overrun;
	uint8_t rx[VUART_RX_FIFO];
	unsigned head, count;
} m;

static struct {
	bool level; /* what the vPLIC was told last */
	unsigned calls;
	uint8_t printed;
	unsigned nprinted;
} seen;

struct vplic *vplic_of(struct vm *v)
{
	CHECK(v == &vm);
	return &plic;
}

void vplic_set_level(struct vplic *p, unsigned source, bool level)
{
	CHECK(p == &plic && source == slot.irq);
	CHECK(level != seen.level); /* only changes */
	seen.level = level;
	seen.calls++;
}

void vm_console_putc(struct vcpu *v, char c)
{
	CHECK(v == accessor); /* the one that wrote THR */
	seen.printed = (uint8_t)c;
	seen.nprinted++;
}

void vm_console_flush(struct vcpu *v)
{
	CHECK(v == accessor);
}

static uint8_t model_iir_cause(void)
{
	if (m.ier & 0x04 && m.overrun)
		return 0x06; /* receiver line status */
	if (m.ier & 0x01 && m.count)
		return 0x04; /* received data */
	if (m.ier & 0x02 && m.thre)
		return 0x02; /* transmitter empty */
	return 0x01;
}

static uint8_t model_read(unsigned off)
{
	bool dlab = m.lcr & 0x80;
	switch (off) {
	case 0: {
		if (dlab)
			return m.dll;
		if (!m.count)
			return 0;
		uint8_t b = m.rx[m.head];
		m.head = (m.head + 1) % VUART_RX_FIFO;
		m.count--;
		return b;
	}
	case 1:
		return dlab ? m.dlm : m.ier;
	case 2: {
		uint8_t cause = model_iir_cause();
		if (cause == 0x02)
			m.thre = false;
		return cause | (m.fcr & 1 ? 0xc0 : 0);
	}
	case 3:
		return m.lcr;
	case 4:
		return m.mcr;
	case 5: {
		uint8_t lsr = 0x60 | (m.count ? 0x01 : 0) | (m.overrun ? 0x02 : 0);
		m.overrun = false;
		return lsr;
	}
	case 7:
		return m.scr;
	default:
		return 0;
	}
}

/* Returns whether the write sends a byte. */
static bool model_write(unsigned off, uint8_t b)
{
	bool dlab = m.lcr & 0x80;
	switch (off) {
	case 0:
		if (dlab) {
			m.dll = b;
			return false;
		}
		m.thre = true; /* sent at once */
		return true;
	case 1:
		if (dlab) {
			m.dlm = b;
		} else {
			if (b & 0x02 && !(m.ier & 0x02))
				m.thre = true;
			m.ier = b & 0x0f;
		}
		return false;
	case 2:
		if (b & 0x02)
			m.count = 0;
		m.fcr = b & 0xc9;
		return false;
	case 3:
		m.lcr = b;
		return false;
	case 4:
		m.mcr = b & 0x1f;
		return false;
	case 7:
		m.scr = b;
		return false;
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	memset(&vm, 0, sizeof(vm));
	memset(&m, 0, sizeof(m));
	memset(&seen, 0, sizeof(seen));
	m.lcr = 0x03;
	vm.nvcpus = 1 + take8(&in) % MAX_VCPUS;
	for (unsigned i = 0; i < vm.nvcpus; i++)
		vm.vcpus[i] = (struct vcpu){.vm = &vm, .id = i};
	slot = (struct vdev_slot){.name = "serial",
	                          .size = VUART_SIZE,
	                          .irq = 1 + take8(&in) % (VPLIC_SOURCES - 1),
	                          .model = &vuart_model};
	struct vuart *u = &uart;
	memset(u, 0, sizeof(*u));
	CHECK(vuart_model.init(&vm, u, &slot) == 0);
	accessor = &vm.vcpus[0];
	harts[0].current = NULL; /* the device has the accessor as an argument */

	while (in.size) {
		uint8_t kind = take8(&in), where = take8(&in), value = take8(&in);
		unsigned printed = seen.nprinted;
		switch ((kind & 0x3f) % 5) {
		case 0: /* a byte typed for this VM */
			vuart_receive(u, value);
			if (m.count < VUART_RX_FIFO)
				m.rx[(m.head + m.count++) % VUART_RX_FIFO] = value;
			else
				m.overrun = true;
			break;
		case 1: /* another vCPU makes the next accesses */
			accessor = &vm.vcpus[where % vm.nvcpus];
			break;
		case 2:   /* a read */
		case 3: { /* a write */
			bool write = (kind & 0x3f) % 5 == 3;
			/* Mostly the eight registers; sometimes anywhere in the window,
			 * or another width, which the device refuses. */
			unsigned off = kind & 0x80 ? where % VUART_SIZE : where % 8;
			unsigned width = kind & 0x40 ? 1u << (value & 3) : 1;
			uint64_t got = 0x1234;
			bool ok = write ? vuart_model.mmio.write(accessor, u, off, width, value)
			                : vuart_model.mmio.read(accessor, u, off, width, &got);
			CHECK(ok == (width == 1));
			if (!ok) {
				CHECK(got == 0x1234);
			} else if (write) {
				bool sends = model_write(off, value);
				CHECK(seen.nprinted == printed + sends);
				if (sends)
					CHECK(seen.printed == value);
			} else {
				CHECK(got == model_read(off));
			}
			break;
		}
		default: /* the state the device keeps stays within its bounds */
			CHECK(u->rx_count <= VUART_RX_FIFO && u->rx_head < VUART_RX_FIFO);
		}
		if ((kind & 0x3f) % 5 != 3)
			CHECK(seen.nprinted == printed);
		CHECK(seen.level == (model_iir_cause() != 0x01));
	}
	return 0;
}
