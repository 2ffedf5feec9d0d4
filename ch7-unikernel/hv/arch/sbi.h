/* Calls from the hypervisor (HS-mode) down to the SBI firmware in M-mode
 * (RISC-V SBI specification v2.0: chapter 3 "Binary Encoding", 4 "Base",
 * 5 "Legacy", 9 "HSM", 10 "SRST"). */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

#include <stdint.h>

#include "arch/sbi_ecall_interface.h"

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_ecall(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2);

long sbi_spec_version(void);
long sbi_impl_id(void);
long sbi_impl_version(void);
const char *sbi_impl_name(long id);
long sbi_probe_extension(unsigned long ext);
void sbi_legacy_putchar(int c);
struct sbiret sbi_hart_start(unsigned long hartid, unsigned long start_addr, unsigned long opaque);
struct sbiret sbi_hart_status(unsigned long hartid);
struct sbiret sbi_system_reset(uint32_t type, uint32_t reason);
struct sbiret sbi_set_timer(uint64_t deadline);
struct sbiret sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);

#endif
