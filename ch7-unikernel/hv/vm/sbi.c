/* The SBI dispatcher: a7 = extension id, a6 = function id, a0-a5 =
 * arguments; the answer goes back in a0 (error) and a1 (value), and the
 * guest resumes after its ecall (SBI spec §3). */
#include "vm/sbi.h"
#include "vm/vm.h"

static const struct sbi_extension *const extensions[] = {
    &sbi_ext_base,
    &sbi_ext_legacy_putchar,
    &sbi_ext_legacy_getchar,
    &sbi_ext_time,
    &sbi_ext_ipi,
    &sbi_ext_rfence,
    &sbi_ext_hsm,
    &sbi_ext_srst,
    &sbi_ext_dbcn,
    &sbi_ext_mgmt,
};

const struct sbi_extension *sbi_find_extension(unsigned long eid)
{
	for (unsigned i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		if (extensions[i]->eid == eid)
			return extensions[i];
	return NULL;
}

void sbi_handle(struct vcpu *v)
{
	/* LAB 4 BEGIN: find the extension, call it, return its answer in a0/a1 */
	unsigned long *regs = v->ctx.regs;
	const struct sbi_extension *ext = sbi_find_extension(regs[REG_A7]);
	bool resume = true;
	struct sbiret ret = {.error = SBI_ERR_NOT_SUPPORTED};
	if (ext)
		ret = ext->handle(v, regs[REG_A6], &regs[REG_A0], &resume);
	if (!resume)
		return;
	/* The legacy extensions return their result in a0 alone. */
	if (regs[REG_A7] == SBI_EXT_0_1_CONSOLE_PUTCHAR ||
	    regs[REG_A7] == SBI_EXT_0_1_CONSOLE_GETCHAR) {
		regs[REG_A0] = (unsigned long)ret.value;
	} else {
		regs[REG_A0] = (unsigned long)ret.error;
		regs[REG_A1] = (unsigned long)ret.value;
	}
	v->ctx.sepc += 4; /* ecall has no compressed form */
	                  /* LAB 4 END */
}
