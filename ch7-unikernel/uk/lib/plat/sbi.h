/* SBI calls (the SBI specification, v2.0): the platform's only way to the
 * console, the timer, other harts and the power. */
#ifndef UK_PLAT_SBI_H
#define UK_PLAT_SBI_H

#include <stdbool.h>

#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR   0x01
#define SBI_EXT_LEGACY_SHUTDOWN  0x08
#define SBI_EXT_BASE             0x10
#define SBI_EXT_TIME             0x54494D45
#define SBI_EXT_IPI              0x735049
#define SBI_EXT_SRST             0x53525354
#define SBI_EXT_DBCN             0x4442434E

#define SBI_BASE_PROBE_EXTENSION 3

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2);
bool sbi_probe(unsigned long eid);

#endif
