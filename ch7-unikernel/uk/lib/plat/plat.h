/* The platform component: what every other component and app may call. */
#ifndef UK_PLAT_H
#define UK_PLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Console: SBI DBCN when the SBI implementation has it, else the legacy putchar. */
void plat_console_write(const char *s, size_t n);

/* Time: the `time` CSR, counting at /cpus/timebase-frequency. */
uint64_t plat_ticks(void);
uint64_t plat_ticks_per_sec(void);
uint64_t plat_now_ns(void);
uint64_t plat_ns_to_ticks(uint64_t ns);
void plat_timer_arm(uint64_t deadline_ticks); /* SBI TIME set_timer; enables STIE */
void plat_timer_disarm(void);

/* Another hart's supervisor software interrupt (SBI IPI). */
int plat_ipi_send(unsigned long hartid);

__attribute__((noreturn)) void plat_poweroff(bool failed); /* SBI SRST shutdown */

/* The device tree and what the platform read from it at boot. */
const void *plat_fdt(void);
unsigned long plat_boot_hartid(void);
uint64_t plat_mem_base(void);
uint64_t plat_mem_size(void);   /* the /memory node(s) containing the image */
unsigned plat_hart_count(void); /* /cpus/cpu@N nodes that are not disabled */

/* The first (address, size) of NODE's reg property, in the parent's cells:
 * 0, or -1 when it has none. For drivers finding their registers. */
int plat_fdt_reg(int node, uint64_t *base, uint64_t *size);

/* bootargs (/chosen/bootargs): the value of KEY in "... KEY=VALUE ...",
 * copied into buf (NUL-terminated); NULL when absent. */
const char *plat_arg(const char *key, char *buf, size_t len);
uint64_t plat_arg_u64(const char *key, uint64_t dflt); /* 0x.. or decimal */

/* RAM the allocator may use: after the image's end, below the device tree
 * and any reserved memory (/reserved-memory, OpenSBI's region). */
void plat_free_ram(uintptr_t *start, uintptr_t *end);

/* Interrupts (sstatus.SIE) */
unsigned long plat_irq_save(void); /* disables, returns previous */
void plat_irq_restore(unsigned long flags);
void plat_irq_enable(void);
void plat_wait_for_interrupt(void);  /* wfi */
void plat_external_irq_enable(void); /* sie.SEIE, for the interrupt controller */

/* Hooks other components provide (weak defaults in plat): */
void plat_timer_interrupt(void);    /* STIP fired: sched provides it */
void plat_external_interrupt(void); /* SEIP: intc provides it */

/* printf-free output for the platform's own messages (no libc needed). */
void plat_puts(const char *s);
void plat_put_hex(uint64_t v);

#endif
