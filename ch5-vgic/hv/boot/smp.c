#include "arch/csr.h"
#include "arch/sbi.h"
#include "arch/trap.h"
#include "arch/ipi.h"
#include "arch/timer.h"
#include "boot/hart.h"
#include "boot/platform.h"
#include "boot/smp.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "mm/sv39.h"
#include "vm/sched.h"

struct hart harts[MAX_HARTS];
static int hart_count = 1;

extern char secondary_entry[];
extern char hart_stacks[];

static void init_hart(unsigned index, unsigned long hartid)
{
	struct hart *h = &harts[index];
	h->hartid = hartid;
	h->index = index;
	h->stack_base = (unsigned long)hart_stacks + index * HART_STACK_SIZE;
	h->stack_top = h->stack_base + HART_STACK_SIZE;
}

void smp_init_boot_hart(unsigned long hartid)
{
	init_hart(0, hartid);
	set_this_hart(&harts[0]);
	trap_init_hart();
	harts[0].online = true;
}

/* Runs on each secondary hart, on its own stack, with a0 = hart id and
 * a1 = the index that smp_start_secondaries gave it. */
__attribute__((noreturn)) void secondary_main(unsigned long hartid, unsigned long index)
{
	if (index >= MAX_HARTS || harts[index].hartid != hartid)
		panic("hart %lu started with bad index %lu", hartid, index);
	sv39_enable_on_this_hart();
	set_this_hart(&harts[index]);
	trap_init_hart();
	ipi_enable();
	timer_start();
	csr_set(sstatus, SSTATUS_SIE);
	printf("hart %lu online (index %lu)\n", hartid, index);
	__atomic_store_n(&harts[index].online, true, __ATOMIC_RELEASE);
	/* From here on this hart answers interrupts, until there are vCPUs to run. */
	for (;;) {
		wfi();
		sched_join_if_started();
	}
}

/* Polls for `index` to come online; the hart has a generous but bounded time. */
static bool wait_online(unsigned index)
{
	for (unsigned long spins = 0; spins < 200000000UL; spins++) {
		if (__atomic_load_n(&harts[index].online, __ATOMIC_ACQUIRE))
			return true;
		cpu_relax();
	}
	return false;
}

int smp_start_secondaries(void)
{
	int online = 1;
	for (int i = 0; i < platform.hart_count; i++) {
		unsigned long hartid = platform.hart[i].hartid;
		if (hartid == harts[0].hartid)
			continue;
		unsigned index = (unsigned)hart_count;
		init_hart(index, hartid);
		hart_count++;
		/* LAB 1 BEGIN: start the hart at secondary_entry with its index as the opaque value */
		/* Spec: on an SBI error print "hart <id>: hart_start failed (error <n>)" and go on
		 * with the next hart (continue); a started hart prints "hart <id> online" itself. */
		struct sbiret r = sbi_hart_start(hartid, (unsigned long)secondary_entry, index);
		if (r.error) {
			printf("hart %lu: hart_start failed (error %ld)\n", hartid, r.error);
			continue;
		}
		/* LAB 1 END */
		if (wait_online(index))
			online++;
		else
			printf("hart %lu: no sign of life\n", hartid);
	}
	return online;
}

int smp_hart_slots(void)
{
	return hart_count;
}
