#include "arch/csr.h"
#include "arch/hart.h"
#include "lib/extable.h"

/* Bounds of the table, from the linker script. */
extern const struct extable_entry __extable_start[], __extable_end[];

bool extable_fixup(struct trap_frame *f)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
		if (e->insn != f->sepc)
			continue;
		struct hart *h = this_hart();
		h->last_fault.cause = f->scause;
		h->last_fault.tval = f->stval;
		h->last_fault.htval = csr_read(htval);
		f->sepc = e->fixup;
		return true;
	}
	return false;
}
