/* The numbers of the SBI's binary interface (RISC-V SBI specification
 * v2.0): extension and function IDs, error codes, HSM states, SRST types
 * and reasons, under the names of OpenSBI's sbi_ecall_interface.h.
 * Constants only, so that the hypervisor's calls to the firmware
 * (arch/sbi.h) and, in the chapters that run guests, the SBI it offers
 * them (vm/sbi.h) and the test guests (guest/lib/guest.h) share one
 * definition. */
#ifndef ARCH_SBI_ECALL_INTERFACE_H
#define ARCH_SBI_ECALL_INTERFACE_H

/* Extension IDs (a7). The legacy extensions (chapter 5) are one call each,
 * without a function ID. */
#define SBI_EXT_0_1_SET_TIMER       0x00
#define SBI_EXT_0_1_CONSOLE_PUTCHAR 0x01
#define SBI_EXT_0_1_CONSOLE_GETCHAR 0x02
#define SBI_EXT_0_1_SHUTDOWN        0x08
#define SBI_EXT_BASE                0x10
#define SBI_EXT_TIME                0x54494D45 /* "TIME" */
#define SBI_EXT_IPI                 0x735049   /* "sPI" */
#define SBI_EXT_RFENCE              0x52464E43 /* "RFNC" */
#define SBI_EXT_HSM                 0x48534D   /* "HSM" */
#define SBI_EXT_SRST                0x53525354 /* "SRST" */
#define SBI_EXT_PMU                 0x504D55   /* "PMU" */
#define SBI_EXT_DBCN                0x4442434E /* "DBCN" */
#define SBI_EXT_SUSP                0x53555350 /* "SUSP" */
#define SBI_EXT_CPPC                0x43505043 /* "CPPC" */

/* Function IDs (a6) of each extension */
#define SBI_EXT_BASE_GET_SPEC_VERSION 0
#define SBI_EXT_BASE_GET_IMP_ID       1
#define SBI_EXT_BASE_GET_IMP_VERSION  2
#define SBI_EXT_BASE_PROBE_EXT        3
#define SBI_EXT_BASE_GET_MVENDORID    4
#define SBI_EXT_BASE_GET_MARCHID      5
#define SBI_EXT_BASE_GET_MIMPID       6

#define SBI_EXT_TIME_SET_TIMER 0

#define SBI_EXT_IPI_SEND_IPI 0

#define SBI_EXT_RFENCE_REMOTE_FENCE_I          0
#define SBI_EXT_RFENCE_REMOTE_SFENCE_VMA       1
#define SBI_EXT_RFENCE_REMOTE_SFENCE_VMA_ASID  2
#define SBI_EXT_RFENCE_REMOTE_HFENCE_GVMA_VMID 3
#define SBI_EXT_RFENCE_REMOTE_HFENCE_GVMA      4
#define SBI_EXT_RFENCE_REMOTE_HFENCE_VVMA_ASID 5
#define SBI_EXT_RFENCE_REMOTE_HFENCE_VVMA      6

#define SBI_EXT_HSM_HART_START      0
#define SBI_EXT_HSM_HART_STOP       1
#define SBI_EXT_HSM_HART_GET_STATUS 2
#define SBI_EXT_HSM_HART_SUSPEND    3

#define SBI_EXT_SRST_RESET 0

#define SBI_EXT_DBCN_CONSOLE_WRITE      0
#define SBI_EXT_DBCN_CONSOLE_READ       1
#define SBI_EXT_DBCN_CONSOLE_WRITE_BYTE 2

/* Error codes (a0) */
#define SBI_SUCCESS               0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED   -7
#define SBI_ERR_ALREADY_STOPPED   -8

/* BASE get_spec_version: the major version above the minor (§4.1) */
#define SBI_SPEC_VERSION_MAJOR_OFFSET 24
#define SBI_SPEC_VERSION_MAJOR_MASK   0x7f
#define SBI_SPEC_VERSION_MINOR_MASK   0xffffff

/* HSM hart states (§9.1), as hart_get_status answers */
#define SBI_HSM_STATE_STARTED       0
#define SBI_HSM_STATE_STOPPED       1
#define SBI_HSM_STATE_START_PENDING 2
#define SBI_HSM_STATE_STOP_PENDING  3

/* HSM hart_suspend types (§9.4): the default and the first of the
 * platform's, retentive and not; the types between them are reserved. */
#define SBI_HSM_SUSPEND_RET_DEFAULT      0x00000000
#define SBI_HSM_SUSPEND_RET_PLATFORM     0x10000000
#define SBI_HSM_SUSPEND_NON_RET_DEFAULT  0x80000000
#define SBI_HSM_SUSPEND_NON_RET_PLATFORM 0x90000000

/* SRST system_reset types and reasons (§10.1) */
#define SBI_SRST_RESET_TYPE_SHUTDOWN    0
#define SBI_SRST_RESET_TYPE_COLD_REBOOT 1
#define SBI_SRST_RESET_TYPE_WARM_REBOOT 2
#define SBI_SRST_RESET_REASON_NONE      0
#define SBI_SRST_RESET_REASON_SYSFAIL   1

#endif
