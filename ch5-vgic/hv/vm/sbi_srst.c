/* SRST (EID 0x53525354, SBI spec chapter 10): a guest's shutdown or reboot
 * ends its own VM, never the machine; the machine powers off when no VM is
 * left (vm/sched.c). */
#include "vm/sbi.h"
#include "vm/vm.h"

SBI_HANDLER(srst)
{
	if (fid != 0)
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	unsigned long type = a[0], reason = a[1];
	if (type > 2 && type < 0xf0000000UL)
		return (struct sbiret){SBI_ERR_INVALID_PARAM, 0};
	if (reason > 1 && reason < 0xe0000000UL)
		return (struct sbiret){SBI_ERR_INVALID_PARAM, 0};
	if (type != 0)
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0}; /* no reboot of a VM yet */
	*resume = false;
	vm_stop(v->vm, reason == 1, "SBI system reset: shutdown%s",
	        reason == 1 ? " (system failure)" : "");
	return (struct sbiret){0, 0};
}

const struct sbi_extension sbi_ext_srst = {SBI_EXT_SRST, "SRST", srst};
