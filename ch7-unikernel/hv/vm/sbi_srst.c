/* SRST (EID 0x53525354, SBI spec chapter 10): a guest's shutdown or reboot
 * ends its own VM, never the machine; the machine powers off when no VM is
 * left (vm/sched.c). */
#include "vm/sbi.h"
#include "vm/vm.h"

SBI_HANDLER(srst)
{
	if (fid != SBI_EXT_SRST_RESET)
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	unsigned long type = a[0], reason = a[1];
	/* Reserved: the types after warm reboot up to the vendors' (0xf0000000
	 * on), the reasons after system failure up to the implementation's
	 * (0xe0000000 on). */
	if (type > SBI_SRST_RESET_TYPE_WARM_REBOOT && type < 0xf0000000UL)
		return (struct sbiret){SBI_ERR_INVALID_PARAM, 0};
	if (reason > SBI_SRST_RESET_REASON_SYSFAIL && reason < 0xe0000000UL)
		return (struct sbiret){SBI_ERR_INVALID_PARAM, 0};
	if (type != SBI_SRST_RESET_TYPE_SHUTDOWN)
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0}; /* no reboot of a VM yet */
	*resume = false;
	bool failure = reason == SBI_SRST_RESET_REASON_SYSFAIL;
	/* grader: test_stage4_vcpu.py, test_stage4_hostile.py and benign.py parse this reason */
	vm_stop(v->vm, failure, "SBI system reset: shutdown%s", failure ? " (system failure)" : "");
	return (struct sbiret){0, 0};
}

const struct sbi_extension sbi_ext_srst = {SBI_EXT_SRST, "SRST", srst, NULL};
