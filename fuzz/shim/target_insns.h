/* Included first in every hypervisor source built for the host: the
 * RISC-V instructions that its C files write out in inline assembly
 * become assembler macros that expand to nothing on x86 (those in headers
 * are replaced by the shims in shim/include/ instead). */
#ifndef FUZZ_SHIM_TARGET_INSNS_H
#define FUZZ_SHIM_TARGET_INSNS_H

__asm__(".macro fence.i\n.endm");

#endif
