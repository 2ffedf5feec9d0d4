/* Ending a run: QEMU exits with 0 for success and non-zero for failure. */
#ifndef BOOT_POWEROFF_H
#define BOOT_POWEROFF_H

__attribute__((noreturn)) void poweroff(int failure);

#endif
