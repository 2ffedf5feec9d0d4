/* Spinlocks that check how they are used (xv6-riscv's acquire, release and
 * holding are the model).
 *
 * The lock word is its owner: the struct hart of the hart that holds it,
 * NULL while it is free, installed with lr/sc. Every lock has a name, and a
 * mistake that would hang the machine panics instead, naming the lock and
 * the hart that holds it:
 *   - taking a lock that this hart already holds (it would wait for itself);
 *   - releasing a lock that this hart does not hold;
 *   - taking, with interrupts enabled (sstatus.SIE), a lock that interrupt
 *     handlers take too (SPINLOCK_IRQ_INIT): a handler on this hart could
 *     interrupt the holder and wait for it forever.
 * Taking a lock needs this_hart(): boot code sets tp before it takes any.
 *
 * Interrupts. xv6's acquire turns interrupts off until the last release;
 * hvlab's locks leave them as they are and check instead. A lock that no
 * interrupt handler takes is safe with interrupts on; one that handlers take
 * must be taken with them off, and the check enforces it. Turning them off
 * in every lock would buy nothing more: from ch4 on, hvlab runs with SIE
 * clear except where it holds no lock (the scheduler's idle loop), and every
 * exit would pay for CSR accesses that change nothing. The one lock that
 * turns interrupts off itself is the console's (lib/console.c): boot code
 * prints with interrupts on, and interrupt handlers print too.
 *
 * Nesting order, outermost first. A hart that holds a lock takes only
 * locks further down this list: two harts that nested two locks in opposite
 * orders could each wait for the other forever. "irq" marks the locks that
 * interrupt handlers take.
 *   mgmt     vm/sbi_mgmt.c  one management call at a time; it creates,
 *                           stops and destroys VMs under it
 *   console mux  vdev/console_mux.c  the focus and the prompt; irq: typed
 *                           bytes come that way
 *   vm       vm/vm.c        a VM's state (vm_stop); irq: the console's
 *                           prompt stops VMs from the UART's interrupt
 *   vuart    vdev/vuart.c   a VM's 16550; irq: typed bytes come that way
 *   virtio   vdev/virtio_mmio.c  an emulated virtio device's registers and
 *                           queues; irq: the host's disk completes its requests
 *   vplic    vdev/vplic.c   a VM's vPLIC; irq: the vUART and virtio devices
 *                           raise their lines
 *   sched    vm/sched.c     the vCPUs' run states; irq: under vm and vplic
 *   vm log   vm/vm.c        a VM's console log; irq: under vm (vm_stop
 *                           flushes the vCPUs' lines); a leaf
 *   vms      vm/vm.c        the VM slots                      } leaves: they
 *   vm_fdt   vm/vm_fdt.c    the buffer for guest device trees } take no
 *   frames   mm/frame.c     the frame allocator               } other lock
 *   vswitch  vdev/vswitch.c the switch's learned addresses    } (vswitch:
 *                           irq, the uplink's frames come from the host
 *                           NIC's interrupt)
 *   hblk     dev/virtio_blk.c  the host disk's ring, request slots and
 *                           waiting requests; irq: its completions, whose
 *                           done() runs after the lock is released; a leaf
 *   hnet_tx  dev/virtio_net.c  the host NIC's transmit ring; irq: its
 *                           interrupt takes sent buffers back; a leaf
 *   console  lib/console.c  the serial console; innermost: printf works under
 *                           any other lock, and takes none itself; irq:
 *                           handlers print
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "arch/csr.h"
#include "arch/hart.h"

struct spinlock {
	struct hart *owner; /* NULL while free */
	const char *name;   /* for the panic that reports a misuse */
	bool irq;           /* interrupt handlers take it too */
};

/* Static initialisers; an unnamed lock is reported by its address. */
#define SPINLOCK_INIT(lock_name)    \
	{                           \
		.name = (lock_name) \
	}
#define SPINLOCK_IRQ_INIT(lock_name)             \
	{                                        \
		.name = (lock_name), .irq = true \
	}

static inline void spin_init(struct spinlock *l, const char *name, bool irq)
{
	*l = (struct spinlock){.owner = NULL, .name = name, .irq = irq};
}

/* Out of line, so that the inline paths stay a few instructions long. */
__attribute__((noreturn, cold)) void spin_misuse(const struct spinlock *l, const char *what);
void spin_lock_contended(struct spinlock *l);

static inline bool spin_holding(const struct spinlock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == this_hart();
}

static inline void spin_lock(struct spinlock *l)
{
	/* SIE first: outside boot, hvlab runs with it clear. */
	if ((csr_read(sstatus) & SSTATUS_SIE) && l->irq)
		spin_misuse(l, "taken with interrupts enabled, and interrupt handlers take it too");
	struct hart *expected = NULL;
	/* One attempt here; waiting, and the check for a hart that waits for
	 * itself, are in spin_lock_contended. */
	if (!__atomic_compare_exchange_n(&l->owner, &expected, this_hart(), true, __ATOMIC_ACQUIRE,
	                                 __ATOMIC_RELAXED))
		spin_lock_contended(l);
}

static inline void spin_unlock(struct spinlock *l)
{
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != this_hart())
		spin_misuse(l, "released by a hart that does not hold it");
	__atomic_store_n(&l->owner, NULL, __ATOMIC_RELEASE);
}

/* Takes the lock unless it stays busy for `spins` attempts; false then, and
 * when this hart holds it already. */
bool spin_trylock_for(struct spinlock *l, unsigned long spins);

/* For panic only: makes this hart the owner, whoever held the lock. The
 * hart that held it panics if it releases it. */
void spin_take_over(struct spinlock *l);

#endif
