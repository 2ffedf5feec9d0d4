/* The host's PLIC (RISC-V Platform-Level Interrupt Controller Specification
 * v1.0.0): a priority per source, and per context (a hart's M- or S-mode
 * interrupt line) an enable bit per source, a threshold and a
 * claim/complete register. hvlab uses the S-mode context of each hart. */
#ifndef DEV_PLIC_H
#define DEV_PLIC_H

#include <stdbool.h>
#include <stdint.h>

/* Handles interrupt `irq` of the host; called between claim and complete. */
typedef void (*plic_handler_fn)(unsigned irq, void *arg);

/* Finds each hart's S-mode context in the device tree and masks every
 * source; false when there is no PLIC (the hypervisor then polls). */
bool plic_init(void);
/* This hart takes interrupts of priority > 0 from its context (sie.SEIE). */
void plic_init_hart(void);
/* Routes source irq, at `priority` (1..7), to the hart of index `hart`. */
void plic_route(unsigned irq, unsigned priority, unsigned hart, plic_handler_fn fn, void *arg);
/* A supervisor external interrupt: claims, handles and completes every
 * pending source of this hart's context. */
void plic_interrupt(void);

#endif
