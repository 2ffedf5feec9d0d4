/* TIME (EID 0x54494D45, SBI spec chapter 6): set_timer(stime_value). The
 * guest's timer interrupt (VSTIP) comes when `time` passes the deadline
 * and goes when the guest sets a new one (vm/vtimer.c). */
#include "vm/sbi.h"
#include "vm/sched.h"
#include "vm/vtimer.h"

SBI_HANDLER(timer)
{
	if (fid != SBI_EXT_TIME_SET_TIMER)
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	vtimer_set(v, a[0]);
	sched_arm_timer(); /* without Sstc, this hart's timer watches the deadline */
	return (struct sbiret){0, 0};
}

const struct sbi_extension sbi_ext_time = {SBI_EXT_TIME, "TIME", timer, NULL};
