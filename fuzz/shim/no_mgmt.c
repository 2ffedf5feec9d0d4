/* The sbi target's management extension: not there, as for every VM but
 * the management VM (probe 0; the real handler, hv/vm/sbi_mgmt.c, needs
 * the whole hypervisor and denies rather than answering NOT_SUPPORTED).
 * Its checks are the mgmt target's (fuzz/mgmt.c). */
#include "regmap/hvmgmt.h"
#include "vm/sbi.h"

static struct sbiret none(struct vcpu *v, unsigned long fid, const unsigned long *a, bool *resume)
{
	(void)v, (void)fid, (void)a, (void)resume;
	return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
}

static bool never(const struct vcpu *v)
{
	(void)v;
	return false;
}

const struct sbi_extension sbi_ext_mgmt = {HVMGMT_EID, "HVMGMT", none, never};
