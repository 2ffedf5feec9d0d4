/* Traps: interrupts go to the components that handle them, anything else
 * is a fault in the image (one address space, one privilege level: there is
 * no one else to blame), reported and powered off. */
#include "plat/boot.h"
#include "plat/plat.h"

#define SSTATUS_SIE     (1ul << 1)
#define SIE_SSIE        (1ul << 1)
#define SIE_SEIE        (1ul << 9)
#define CAUSE_INTERRUPT (1ul << 63)
#define IRQ_S_SOFT      1
#define IRQ_S_TIMER     5
#define IRQ_S_EXT       9

void plat_trap_vector(void);

void plat_trap_init(void)
{
	asm volatile("csrw stvec, %0" ::"r"(plat_trap_vector));
	asm volatile("csrs sie, %0" ::"r"(SIE_SSIE));
}

/* Without sched, a timer interrupt is nobody's: stop it. */
__attribute__((weak)) void plat_timer_interrupt(void)
{
	plat_timer_disarm();
}

/* Without intc, nobody enabled external interrupts. */
__attribute__((weak)) void plat_external_interrupt(void)
{
	asm volatile("csrc sie, %0" ::"r"(SIE_SEIE));
}

void plat_trap(unsigned long cause, unsigned long tval, unsigned long *frame)
{
	if (cause & CAUSE_INTERRUPT) {
		switch (cause & ~CAUSE_INTERRUPT) {
		case IRQ_S_TIMER:
			plat_timer_interrupt();
			return;
		case IRQ_S_EXT:
			plat_external_interrupt();
			return;
		case IRQ_S_SOFT:
			asm volatile("csrc sip, %0" ::"r"(SIE_SSIE));
			return;
		}
	}
	plat_puts("uk: unexpected trap: scause ");
	plat_put_hex(cause);
	plat_puts(" sepc ");
	plat_put_hex(frame[16]);
	plat_puts(" stval ");
	plat_put_hex(tval);
	plat_puts("\n");
	plat_poweroff(true);
}

unsigned long plat_irq_save(void)
{
	unsigned long old;
	asm volatile("csrrc %0, sstatus, %1" : "=r"(old) : "r"(SSTATUS_SIE) : "memory");
	return old & SSTATUS_SIE;
}

void plat_irq_restore(unsigned long flags)
{
	asm volatile("csrs sstatus, %0" ::"r"(flags & SSTATUS_SIE) : "memory");
}

void plat_irq_enable(void)
{
	asm volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE) : "memory");
}

void plat_wait_for_interrupt(void)
{
	asm volatile("wfi" ::: "memory");
}

void plat_external_irq_enable(void)
{
	asm volatile("csrs sie, %0" ::"r"(SIE_SEIE));
}
