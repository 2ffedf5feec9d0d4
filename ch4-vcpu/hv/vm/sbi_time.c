/* TIME (EID 0x54494D45, SBI spec chapter 6): set_timer(stime_value). The
 * guest's timer interrupt (hvip.VSTIP) is raised when `time` passes the
 * deadline, checked each time the vCPU enters; a new deadline clears it. */
#include "arch/hext.h"
#include "vm/sbi.h"

SBI_HANDLER(timer)
{
	if (fid != SBI_EXT_TIME_SET_TIMER)
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	v->timer_deadline = a[0];
	v->hvip &= ~HVIP_VSTIP;
	return (struct sbiret){0, 0};
}

const struct sbi_extension sbi_ext_time = {SBI_EXT_TIME, "TIME", timer};
