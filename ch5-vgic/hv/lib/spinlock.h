/* A test-and-test-and-set spinlock on the A extension's amoswap. */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "arch/csr.h"

struct spinlock {
	volatile int locked;
};

static inline void spin_lock(struct spinlock *l)
{
	for (;;) {
		if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
			return;
		while (l->locked)
			cpu_relax();
	}
}

/* Gives up after `spins` attempts: for paths (panic) that must print even
 * when the holder will never release the lock. */
static inline int spin_trylock_for(struct spinlock *l, unsigned long spins)
{
	while (spins--) {
		if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
			return 1;
		cpu_relax();
	}
	return 0;
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
