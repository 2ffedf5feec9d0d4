/* Boot-time self-tests: each makes a mechanism of the chapter do its work
 * and prints what it observed, for the grader to check against values it
 * chose (bootargs) or can compute (the image's own symbol table). */
#ifndef SELFTEST_SELFTEST_H
#define SELFTEST_SELFTEST_H

#include <stdint.h>

/* Raises each kind of exception on purpose; each must be reported and survived. */
void selftest_exceptions(void);
/* Loads 30 registers from `seed`, traps, and prints a checksum of what came back. */
void selftest_registers(uint64_t seed);
/* Counts each hart's ticks over a window of `ms` milliseconds of `time`. */
void selftest_timer(unsigned long ms);
/* Sends an IPI to every other online hart and waits for the acknowledgements. */
void selftest_ipis(void);
/* Writes to the hypervisor's text and read-only data, which W^X refuses. */
void selftest_wx(void);
/* Builds a guest address space and checks it through the hardware walk. */
void selftest_gstage(void);
/* A deliberate panic three calls deep: "1" by panic(), "fault" by a fatal load. */
void selftest_panic(const char *how);
/* A lock misused on purpose ("relock", "unlock", "irq", "console"): each panics. */
void selftest_lock_misuse(const char *how);
/* Reads `sector` of the host's disk through the virtio-blk driver and
 * prints a checksum of it; then reads the sectors from there on, each its
 * own request, all submitted at once, and prints a checksum of them all. */
void selftest_blk_probe(uint64_t sector);
/* Writes `sector` of the host's disk with words derived from `nonce`, and
 * flushes. */
void selftest_blk_write(uint64_t sector, uint64_t nonce);
/* Asks QEMU's user network, through the virtio-net driver, who has
 * 10.0.2.2 (ARP), and prints who answered. */
void selftest_net_probe(void);

#endif
