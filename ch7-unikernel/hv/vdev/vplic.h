/* A virtual PLIC per VM, emulated register by register (trap-and-emulate):
 * the guest's device tree describes a PLIC whose context i is the S-mode
 * external interrupt of its vCPU i, and whose sources are the VM's
 * emulated devices. Its output for vCPU i is hvip.VSEIP of that vCPU. */
#ifndef VDEV_VPLIC_H
#define VDEV_VPLIC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"
#include "vm/vdev.h"

#define VPLIC_SOURCES      32 /* 1..31; 0 means "no interrupt" */
#define VPLIC_MAX_PRIORITY 7
#define VPLIC_MAX_CONTEXTS 8          /* one a vCPU */
#define VPLIC_SIZE         0x400000UL /* its window */

struct vm;

struct vplic {
	struct spinlock lock; /* vCPUs on several harts and the host's interrupts use it */
	struct vm *vm;
	unsigned ncontexts;
	uint8_t priority[VPLIC_SOURCES];
	uint32_t level;   /* the devices' interrupt lines, a bit a source */
	uint32_t pending; /* the gateways' requests to the core */
	uint32_t claimed; /* handed out by a claim and not yet completed */
	uint32_t enable[VPLIC_MAX_CONTEXTS];
	uint8_t threshold[VPLIC_MAX_CONTEXTS];
};

/* Its contexts are the VM's vCPUs, which exist when it is set up. The
 * machine's other devices find it (vplic_of) when they are set up: it
 * comes first in the table. */
extern const struct vdev_model vplic_model;
/* The VM's vPLIC, or NULL when its machine has none. */
struct vplic *vplic_of(struct vm *vm);
/* A device's interrupt line: level-triggered, as those of QEMU's PLIC. */
void vplic_set_level(struct vplic *p, unsigned source, bool level);

#endif
