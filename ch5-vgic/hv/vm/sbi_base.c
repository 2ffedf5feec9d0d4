/* BASE (EID 0x10, SBI spec chapter 4). probe_extension answers 1 only for
 * what sbi_find_extension knows: an honest probe lets a guest fall back. */
#include "vm/sbi.h"

SBI_HANDLER(base)
{
	switch (fid) {
	case 0: /* get_spec_version */
		return (struct sbiret){0, (long)HVLAB_SBI_SPEC_VERSION};
	case 1: /* get_impl_id */
		return (struct sbiret){0, (long)HVLAB_SBI_IMPL_ID};
	case 2: /* get_impl_version */
		return (struct sbiret){0, HVLAB_SBI_IMPL_VERSION};
	case 3: /* probe_extension */
		return (struct sbiret){0, sbi_find_extension(a[0]) != NULL};
	case 4:                               /* get_mvendorid */
	case 5:                               /* get_marchid */
	case 6:                               /* get_mimpid */
		return (struct sbiret){0, 0}; /* a virtual machine: no vendor */
	default:
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	}
}

const struct sbi_extension sbi_ext_base = {SBI_EXT_BASE, "BASE", base};
