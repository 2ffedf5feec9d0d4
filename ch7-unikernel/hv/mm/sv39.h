/* The hypervisor's own address space: Sv39, identity-mapped (virtual =
 * physical), so that a frame's physical address is also a pointer to it. */
#ifndef MM_SV39_H
#define MM_SV39_H

#include <stdint.h>

/* Builds the table on the boot hart; call after frame_init. */
void sv39_init(void);
/* Switches this hart to the table (satp) and flushes its TLB. */
void sv39_enable_on_this_hart(void);
/* Maps two pages at an address that the device tree leaves unclaimed and
 * returns it (0 when there is none): accesses there reach the bus and fault. */
uint64_t sv39_map_unclaimed(void);
/* The root, for reports and GDB. */
uint64_t sv39_root(void);

#endif
