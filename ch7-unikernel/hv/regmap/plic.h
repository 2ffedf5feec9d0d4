/* The PLIC's registers (RISC-V Platform-Level Interrupt Controller
 * Specification v1.0.0, §3), as offsets from its base: the one register
 * map of the PLIC for the host's driver, the vPLIC and the test guests.
 * Every register is 32 bits. Plain #defines: guest code includes it too. */
#ifndef REGMAP_PLIC_H
#define REGMAP_PLIC_H

#define PLIC_PRIORITY_BASE  0x000000UL /* a word a source; source 0 does not exist */
#define PLIC_PENDING_BASE   0x001000UL /* a bit a source */
#define PLIC_ENABLE_BASE    0x002000UL /* a bit a source, for each context: */
#define PLIC_ENABLE_STRIDE  0x80UL
#define PLIC_CONTEXT_BASE   0x200000UL /* for each context: */
#define PLIC_CONTEXT_STRIDE 0x1000UL
#define PLIC_THRESHOLD_REG  0x0 /* within a context: its threshold */
#define PLIC_CLAIM_REG      0x4 /* claim (read), complete (write) */

#define PLIC_PRIORITY(src)    (PLIC_PRIORITY_BASE + 4UL * (src))
#define PLIC_PENDING(src)     (PLIC_PENDING_BASE + 4UL * ((src) / 32))
#define PLIC_ENABLE(ctx, src) (PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * (ctx) + 4UL * ((src) / 32))
#define PLIC_THRESHOLD(ctx)   (PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (ctx) + PLIC_THRESHOLD_REG)
#define PLIC_CLAIM(ctx)       (PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (ctx) + PLIC_CLAIM_REG)

/* In a PLIC node's interrupts-extended, the line that wires a context to a
 * hart's supervisor external interrupt (interrupt cause 9). */
#define PLIC_S_EXT_LINE 9

#endif
