/* What VS-mode may not do, one instruction at a time, each caught by the
 * guest's own trap handler: reads and writes of hypervisor, VS and
 * machine CSRs, the hypervisor's loads, stores and fences (hlv, hlvx,
 * hsv, hfence), mret. On real hardware without the H extension every one
 * is an illegal instruction for S-mode software, and so it must be for a
 * guest. Each line says what the handler saw: scause, stval, and whether
 * sepc was the instruction. */
/* grader: test_stage4_hostile.py parses every line this guest prints */
#include "guest.h"

#define CSR_READ(csr)  ((uint32_t)(csr) << 20 | 2 << 12 | 5 << 7 | 0x73) /* csrrs t0, csr, x0 */
#define CSR_WRITE(csr) ((uint32_t)(csr) << 20 | 1 << 12 | 0x73)          /* csrrw x0, csr, x0 */

static const struct {
	const char *name;
	unsigned csr;
} csrs[] = {
    {"hstatus", 0x600},    {"hedeleg", 0x602},    {"hideleg", 0x603},  {"hie", 0x604},
    {"htimedelta", 0x605}, {"hcounteren", 0x606}, {"hgeie", 0x607},    {"htval", 0x643},
    {"hip", 0x644},        {"hvip", 0x645},       {"htinst", 0x64a},   {"hgatp", 0x680},
    {"vsstatus", 0x200},   {"vstvec", 0x205},     {"vsatp", 0x280},    {"mstatus", 0x300},
    {"misa", 0x301},       {"medeleg", 0x302},    {"mideleg", 0x303},  {"mie", 0x304},
    {"mtvec", 0x305},      {"mscratch", 0x340},   {"mepc", 0x341},     {"mcause", 0x342},
    {"mip", 0x344},        {"pmpcfg0", 0x3a0},    {"pmpaddr0", 0x3b0}, {"mcycle", 0xb00},
    {"mhartid", 0xf14},
};

/* rd = t0, rs1 = sp, rs2 = zero */
static const struct {
	const char *name;
	uint32_t insn;
} others[] = {
    {"hlv.b", 0x600142f3},       {"hlv.d", 0x6c0142f3}, {"hlvx.hu", 0x643142f3},
    {"hsv.w", 0x6a014073},       {"hsv.d", 0x6e014073}, {"hfence.gvma", 0x62000073},
    {"hfence.vvma", 0x22000073}, {"mret", 0x30200073},
};

static void attempt(const char *what, const char *name, uint32_t insn)
{
	unsigned long before = caught.count;
	caught.scause = caught.stval = caught.sepc = 0;
	run_insn(insn);
	if (caught.count == before) {
		printf("privileged: %s %s 0x%08x -> no trap\n", what, name, insn);
		return;
	}
	printf("privileged: %s %s 0x%08x -> scause %lu stval 0x%lx sepc %s\n", what, name, insn,
	       caught.scause, caught.stval,
	       caught.sepc == insn_buffer_address() ? "at it" : "elsewhere");
}

void guest_main(void)
{
	catch_on();
	for (unsigned i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++) {
		attempt("csrr", csrs[i].name, CSR_READ(csrs[i].csr));
		attempt("csrw", csrs[i].name, CSR_WRITE(csrs[i].csr));
	}
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		attempt("insn", others[i].name, others[i].insn);
	printf("privileged: done, %lu traps\n", caught.count);
}
