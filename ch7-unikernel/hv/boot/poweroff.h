/* Ending a run: QEMU exits with 0 for success and non-zero for failure. */
#ifndef BOOT_POWEROFF_H
#define BOOT_POWEROFF_H

__attribute__((noreturn)) void poweroff(int failure);
/* Only the SBI call: for a run whose devices cannot be trusted any more. */
__attribute__((noreturn)) void poweroff_firmware(int failure);

#endif
