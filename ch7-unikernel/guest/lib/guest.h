/* The small runtime of hvlab's test guests: SBI calls, output through SBI
 * DBCN or the emulated UART, the device tree's bootargs. */
#ifndef GUEST_H
#define GUEST_H

/* The hypervisor's own definitions of the S-mode CSRs and their bits,
 * which are the guest's too (it runs in VS-mode, which looks like S). */
#include "arch/csr.h"
#include "arch/sbi_ecall_interface.h" /* the SBI's numbers */
#include "regmap/ns16550.h"           /* the emulated UART's registers */
#include "regmap/virtio_mmio.h"       /* the virtio devices' registers */
#include "regmap/virtio_ring.h"       /* and their queues */

#define GUEST_MAX_HARTS  8 /* start.S gives each its stack */
#define GUEST_STACK_SIZE 0x2000

#ifndef __ASSEMBLY__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/format.h"
#include "lib/string.h"

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2);

/* Every line that a guest prints goes through SBI DBCN console_write. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, byte by byte through the emulated 16550 of the device tree. */
void uart_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The value of `key=value` in /chosen/bootargs; false when absent. */
bool bootarg(const char *key, char *buf, size_t size);
unsigned long bootarg_ulong(const char *key, unsigned long fallback);
/* The guest's device tree, as passed in a1. */
extern const void *guest_fdt;
int fdt_cpu_count(void);
/* /cpus/timebase-frequency: `time` ticks per second. */
uint64_t fdt_timebase(void);
uint64_t fdt_find_reg(const char *compatible);

__attribute__((noreturn)) void shutdown(bool failure);

static inline uint64_t rdtime(void)
{
	uint64_t t;
	asm volatile("rdtime %0" : "=r"(t));
	return t;
}

static inline uint64_t rdinstret(void)
{
	uint64_t t;
	asm volatile("rdinstret %0" : "=r"(t));
	return t;
}

/* Interrupts: causes (scause without its top bit: csr.h's IRQ_S_*) and
 * their handlers. */
#define IRQ_CAUSES 16
typedef void (*irq_handler_fn)(void);
/* Taken so far, by cause. */
extern volatile unsigned long irq_counts[IRQ_CAUSES];
/* Installs the trap vector and the handler, and enables the cause in sie. */
void irq_on(unsigned cause, irq_handler_fn fn);
/* sstatus.SIE */
void irq_enable(void);
void irq_disable(void);
/* Waits in WFI until `cond` holds. The check runs with interrupts off, so
 * that one cannot slip in between it and the WFI (which wakes for a
 * pending interrupt whatever sstatus.SIE says); they are taken after. */
#define WAIT_FOR(cond)                 \
	do {                           \
		for (;;) {             \
			irq_disable(); \
			if (cond)      \
				break; \
			wfi();         \
			irq_enable();  \
		}                      \
		irq_enable();          \
	} while (0)

/* The PLIC of the guest's device tree; contexts as its interrupts-extended
 * says (the S-mode context of `hartid`). */
int plic_context(unsigned long hartid);
void plic_set_priority(unsigned source, unsigned priority);
void plic_enable(int ctx, unsigned source, bool on);
void plic_set_threshold(int ctx, unsigned threshold);
uint32_t plic_pending(void);
unsigned plic_claim(int ctx);
void plic_complete(int ctx, unsigned source);
/* The `interrupts` of the first node compatible with `compatible`. */
int fdt_interrupts(const char *compatible, uint32_t *out, int max);

static inline void sbi_set_timer(uint64_t deadline)
{
	sbi_call(SBI_EXT_TIME, SBI_EXT_TIME_SET_TIMER, deadline, 0, 0);
}

/* How long a vCPU has had a hart, as it sees it: call run_clock_tick
 * often (every few microseconds of work); the intervals between calls
 * that are shorter than `gap` add up to `ran`, the longer ones are time it
 * was not running (another vCPU had the hart) and count as `descheduled`.
 * All in `time` units. */
struct run_clock {
	uint64_t start, last, ran, gap;
	unsigned long descheduled;
};

static inline void run_clock_start(struct run_clock *c, uint64_t gap)
{
	*c = (struct run_clock){.start = rdtime(), .gap = gap};
	c->last = c->start;
}

static inline uint64_t run_clock_tick(struct run_clock *c)
{
	uint64_t now = rdtime(), d = now - c->last;
	if (d < c->gap)
		c->ran += d;
	else
		c->descheduled++;
	c->last = now;
	return now;
}

/* Exceptions provoked on purpose (lib/catch.c): catch_on() installs a trap
 * vector that records each trap in `caught` and resumes after the
 * instruction, or at the address catch_hook returns when it is set. */
struct caught_trap {
	unsigned long scause, stval, sepc, sstatus, count;
};
extern volatile struct caught_trap caught;
extern unsigned long (*catch_hook)(unsigned long scause, unsigned long sepc);
void catch_on(void);
/* Executes one instruction word (which may write t0 and read sp) from a
 * buffer at insn_buffer_address(); returns t0. */
unsigned long run_insn(uint32_t insn);
uintptr_t insn_buffer_address(void);

/* virtio-mmio devices (lib/virtio.c): found in the device tree, set up
 * with the status handshake, split queues of up to VIRTIO_GUEST_QUEUE_SIZE
 * entries in static memory (a page each), chains submitted and their used
 * entries polled for. */
#define VIRTIO_GUEST_QUEUES     2
#define VIRTIO_GUEST_QUEUE_SIZE 64

struct virtio_queue {
	uint16_t num;
	uint16_t next_free; /* the next descriptor virtio_submit uses */
	uint16_t avail_idx; /* the driver's avail.idx */
	uint16_t last_used; /* the used entries seen */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
};

struct virtio_drv {
	uintptr_t base; /* its registers */
	unsigned irq;   /* its PLIC source */
	uint64_t features;
	struct virtio_queue q[VIRTIO_GUEST_QUEUES];
};

/* A buffer of a chain: guest-physical address (the guests run without
 * paging), length, and whether the device writes it. */
struct virtio_buf {
	uint64_t addr;
	uint32_t len;
	bool write;
};

uint32_t virtio_read(const struct virtio_drv *d, unsigned offset);
void virtio_write(const struct virtio_drv *d, unsigned offset, uint32_t value);
/* The nth (from 0) device with this DeviceID (VIRTIO_ID_*), version 2. */
bool virtio_find(uint32_t device_id, unsigned nth, struct virtio_drv *d);
uint64_t virtio_device_features(const struct virtio_drv *d);
/* Reset, ACKNOWLEDGE, DRIVER, the features, FEATURES_OK: whether the
 * device kept FEATURES_OK. */
bool virtio_negotiate(struct virtio_drv *d, uint64_t features);
/* Queue q with up to `size` entries, made ready: 0, or -1. */
int virtio_queue_setup(struct virtio_drv *d, unsigned q, unsigned size);
int virtio_driver_ok(struct virtio_drv *d);
/* All three: 0 when the device runs with `features` and nqueues queues. */
int virtio_init(struct virtio_drv *d, uint64_t features, unsigned nqueues);
/* A chain of n buffers (readable ones first) made available and notified:
 * its head, or -1. */
int virtio_submit(struct virtio_drv *d, unsigned q, const struct virtio_buf *bufs, unsigned n);
/* Puts `head` in the available ring, publishes it, notifies queue q. */
void virtio_publish(struct virtio_drv *d, unsigned q, uint16_t head);
/* The next used entry of queue q: 1 (id, len set), 0 when there is none,
 * -1 when the device named an id beyond the queue. */
int virtio_poll_used(struct virtio_drv *d, unsigned q, uint32_t *id, uint32_t *len);
/* Polls until an entry comes: 1; -1 a bad id, -2 the device set
 * DEVICE_NEEDS_RESET, -3 nothing within timeout_ms. */
int virtio_wait_used(struct virtio_drv *d, unsigned q, uint32_t *id, uint32_t *len,
                     uint64_t timeout_ms);

/* Each guest provides guest_main; the SMP ones guest_secondary too. */
void guest_main(void);
void guest_secondary(unsigned long hartid, unsigned long opaque);
extern char secondary_start[];

#endif /* __ASSEMBLY__ */
#endif
