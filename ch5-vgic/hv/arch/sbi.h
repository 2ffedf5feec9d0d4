/* Calls from the hypervisor (HS-mode) down to the SBI firmware in M-mode
 * (RISC-V SBI specification v2.0: chapter 3 "Binary Encoding", 4 "Base",
 * 5 "Legacy", 9 "HSM", 10 "SRST"). */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

#include <stdint.h>

#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_IPI  0x735049
#define SBI_EXT_RFNC 0x52464E43
#define SBI_EXT_HSM  0x48534D
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_DBCN 0x4442434E

#define SBI_LEGACY_CONSOLE_PUTCHAR 0x01

#define SBI_SUCCESS               0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED   -7
#define SBI_ERR_ALREADY_STOPPED   -8

#define SBI_HSM_STARTED       0
#define SBI_HSM_STOPPED       1
#define SBI_HSM_START_PENDING 2
#define SBI_HSM_STOP_PENDING  3

#define SBI_SRST_SHUTDOWN       0
#define SBI_SRST_REASON_NONE    0
#define SBI_SRST_REASON_SYSFAIL 1

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
