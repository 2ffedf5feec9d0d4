/* What a hart sets up once before it runs guests: the H-extension CSRs
 * that do not change from one vCPU to the next (which exceptions and
 * interrupts go straight to VS-mode, which counters the guest reads), the
 * host PLIC's context of the hart, and whether it has senvcfg. */
#include "arch/csr.h"
#include "arch/hext.h"
#include "arch/trap.h"
#include "dev/plic.h"
#include "lib/extable.h"
#include "vm/hart_init.h"
#include "vm/vcpu.h"

bool hart_has_senvcfg;

/* senvcfg exists from privileged spec 1.12 on; reading it on an older hart
 * is an illegal instruction, which the fixup table turns into an answer. */
static bool probe_senvcfg(void)
{
	int err = PROBE_OK;
	unsigned long val = 0, addr = 0;
	asm volatile(EXTABLE_INSN("csrr %[val], " STR(CSR_SENVCFG))
	             : [val] "+r"(val), [err] "+r"(err)
	             : [addr] "r"(addr)
	             : "memory");
	return err == PROBE_OK;
}

void vm_hart_init(void)
{
	plic_init_hart();
	hart_has_senvcfg = probe_senvcfg();
	/* Exceptions that the guest handles itself, as on bare hardware. */
	csr_write(hedeleg, BIT(EXC_INST_MISALIGNED) | BIT(EXC_BREAKPOINT) | BIT(EXC_ECALL_U) |
	                       BIT(EXC_INST_PAGE) | BIT(EXC_LOAD_PAGE) | BIT(EXC_STORE_PAGE));
	/* The guest's software, timer and external interrupts go to VS-mode. */
	csr_write(hideleg, HVIP_VSSIP | HVIP_VSTIP | HVIP_VSEIP);
	/* The guest reads time and instret directly; cycle traps (virtual
	 * instruction) and is reflected as illegal. */
	csr_write(hcounteren, HCOUNTEREN_TM | HCOUNTEREN_IR);
	csr_write(htimedelta, 0);
	csr_write(hvip, 0);
	csr_write(hgatp, 0);
}
