#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/ipi.h"
#include "arch/sbi.h"
#include "arch/timer.h"
#include "arch/hart.h"
#include "arch/trap.h"
#include "boot/params.h"
#include "boot/platform.h"
#include "boot/smp.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "mm/sv39.h"
#include "vm/sched.h"

struct hart harts[MAX_HARTS];
static int hart_count = 1;
/* The index of the hart being started, for secondary_entry (entry.S). */
unsigned smp_starting_index;

extern char _start[], secondary_entry[];
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
	/* grader: test_stage1_boot.py parses this line */
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

/* One hart at a time, each with its index as the opaque value. OpenSBI
 * before 1.3 (Debian 12 ships 1.1) has a race here: hart_start marks the
 * hart START_PENDING before it stores the address and opaque value for it,
 * and the hart, which polls for that state, can leave with the values it
 * had at boot: the boot hart's entry, _start, and the device tree's
 * address. It takes the calling hart being held up in between, which a
 * loaded host does to QEMU's threads; the two harts then shared the boot
 * stack and the second one cleared the BSS under the first. So _start
 * sends any hart after the first on to secondary_entry, which takes the
 * index published here when the opaque value is not one. The bootarg
 * hsm_stale starts every hart the way the race does, to show that it copes. */
int smp_start_secondaries(void)
{
	int online = 1;
	bool stale = params.hsm_stale;
	for (int i = 0; i < platform.hart_count; i++) {
		unsigned long hartid = platform.hart[i].hartid;
		if (hartid == harts[0].hartid)
			continue;
		unsigned index = (unsigned)hart_count;
		init_hart(index, hartid);
		hart_count++;
		__atomic_store_n(&smp_starting_index, index, __ATOMIC_RELEASE);
		if (stale) {
			struct sbiret r = sbi_hart_start(hartid, (unsigned long)_start,
			                                 (unsigned long)platform.fdt);
			BUG_ON(r.error);
		} else {
			/* LAB 1 BEGIN: start the hart at secondary_entry with its index as the opaque value */
			/* Spec: on an SBI error print "hart <id>: hart_start failed (error <n>)" and go on
			 * with the next hart (continue); a started hart prints "hart <id> online" itself. */
			struct sbiret r =
			    sbi_hart_start(hartid, (unsigned long)secondary_entry, index);
			if (r.error) {
				printf("hart %lu: hart_start failed (error %ld)\n", hartid,
				       r.error);
				continue;
			}
			/* LAB 1 END */
		}
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
