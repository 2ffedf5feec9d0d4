/* BASE (EID 0x10, SBI spec chapter 4). probe_extension answers 1 only for
 * what sbi_find_extension knows and the caller may use (the management
 * extension: the management VM only): an honest probe lets a guest fall
 * back. */
#include "vm/sbi.h"

SBI_HANDLER(base)
{
	switch (fid) {
	case SBI_EXT_BASE_GET_SPEC_VERSION:
		return (struct sbiret){0, (long)HVLAB_SBI_SPEC_VERSION};
	case SBI_EXT_BASE_GET_IMP_ID:
		return (struct sbiret){0, (long)HVLAB_SBI_IMPL_ID};
	case SBI_EXT_BASE_GET_IMP_VERSION:
		return (struct sbiret){0, HVLAB_SBI_IMPL_VERSION};
	case SBI_EXT_BASE_PROBE_EXT: {
		const struct sbi_extension *ext = sbi_find_extension(a[0]);
		return (struct sbiret){0, ext && (!ext->available || ext->available(v))};
	}
	case SBI_EXT_BASE_GET_MVENDORID:
	case SBI_EXT_BASE_GET_MARCHID:
	case SBI_EXT_BASE_GET_MIMPID:
		return (struct sbiret){0, 0}; /* a virtual machine: no vendor */
	default:
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	}
}

const struct sbi_extension sbi_ext_base = {SBI_EXT_BASE, "BASE", base, NULL};
