/* What the hypervisor does when a guest traps to it. */
#ifndef VM_EXIT_H
#define VM_EXIT_H

#include "vm/vcpu.h"

/* Called by switch.S after each exit, on the hypervisor's stack: handles
 * it, and returns 0 to enter the guest again at once, or non-zero when the
 * vCPU must leave the hart (its slice ended, it stopped, its VM stopped). */
int vm_exit(struct vcpu_context *ctx);

#endif
