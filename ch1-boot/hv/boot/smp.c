#include "arch/csr.h"
#include "arch/hart.h"
#include "arch/sbi.h"
#include "arch/hart.h"
#include "boot/params.h"
#include "boot/platform.h"
#include "boot/smp.h"
#include "lib/panic.h"
#include "lib/printf.h"

struct hart harts[MAX_HARTS];
static int hart_count = 1;
/* The index of the hart being started, for secondary_entry (entry.S). */
unsigned smp_starting_index;

extern char _start[], secondary_entry[];

void smp_init_boot_hart(unsigned long hartid)
{
	harts[0].hartid = hartid;
	harts[0].index = 0;
	set_this_hart(&harts[0]);
	harts[0].online = true;
}

/* Runs on each secondary hart, on its own stack, with a0 = hart id and
 * a1 = the index that smp_start_secondaries gave it. */
__attribute__((noreturn)) void secondary_main(unsigned long hartid, unsigned long index)
{
	if (index >= MAX_HARTS || harts[index].hartid != hartid)
		panic("hart %lu started with bad index %lu", hartid, index);
	set_this_hart(&harts[index]);
	/* grader: test_stage1_boot.py parses this line */
	printf("hart %lu online (index %lu)\n", hartid, index);
	__atomic_store_n(&harts[index].online, true, __ATOMIC_RELEASE);
	for (;;)
		wfi();
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
		harts[index].hartid = hartid;
		harts[index].index = index;
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
