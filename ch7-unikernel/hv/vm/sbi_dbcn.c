/* The console: DBCN (EID 0x4442434E, SBI spec chapter 12) and the legacy
 * console_putchar/getchar (EIDs 0x01, 0x02, chapter 5). DBCN names guest
 * *physical* memory, which is checked against the guest's RAM. */
#include "vm/guest_mem.h"
#include "vm/sbi.h"
#include "vm/vm.h"

#define DBCN_MAX_WRITE 256 /* per call: the guest calls again for the rest */

SBI_HANDLER(dbcn)
{
	char buf[DBCN_MAX_WRITE];
	switch (fid) {
	case SBI_EXT_DBCN_CONSOLE_WRITE: { /* (num_bytes, base_addr_lo, base_addr_hi) */
		unsigned long n = a[0] < sizeof(buf) ? a[0] : sizeof(buf);
		/* The whole buffer must be the guest's, not only what is copied. */
		if (a[2] || !guest_range_in_ram(v->vm, a[1], a[0]) ||
		    guest_read(v->vm, a[1], buf, n))
			return (struct sbiret){SBI_ERR_INVALID_PARAM, 0};
		for (unsigned long i = 0; i < n; i++)
			vm_console_putc(v, buf[i]);
		return (struct sbiret){0, (long)n};
	}
	case SBI_EXT_DBCN_CONSOLE_READ: { /* (num_bytes, base_addr_lo, base_addr_hi) */
		/* No input through the SBI console, but the buffer is checked as
		 * for a read: wholly the guest's RAM, and writable where it would
		 * be written. */
		unsigned long n = a[0] < sizeof(buf) ? a[0] : sizeof(buf);
		if (a[2] || !guest_range_in_ram(v->vm, a[1], a[0]) ||
		    guest_check(v->vm, a[1], n, PTE_W))
			return (struct sbiret){SBI_ERR_INVALID_PARAM, 0};
		return (struct sbiret){0, 0};
	}
	case SBI_EXT_DBCN_CONSOLE_WRITE_BYTE:
		vm_console_putc(v, (char)a[0]);
		return (struct sbiret){0, 0};
	default:
		return (struct sbiret){SBI_ERR_NOT_SUPPORTED, 0};
	}
}

SBI_HANDLER(putchar)
{
	vm_console_putc(v, (char)a[0]);
	return (struct sbiret){0, 0};
}

SBI_HANDLER(getchar)
{
	return (struct sbiret){0, -1}; /* nothing to read */
}

const struct sbi_extension sbi_ext_dbcn = {SBI_EXT_DBCN, "DBCN", dbcn, NULL};
const struct sbi_extension sbi_ext_legacy_putchar = {SBI_EXT_0_1_CONSOLE_PUTCHAR, "legacy putchar",
                                                     putchar, NULL};
const struct sbi_extension sbi_ext_legacy_getchar = {SBI_EXT_0_1_CONSOLE_GETCHAR, "legacy getchar",
                                                     getchar, NULL};
