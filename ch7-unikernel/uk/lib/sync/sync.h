/* Synchronisation between threads: waiters block (sched) until woken. */
#ifndef UK_SYNC_H
#define UK_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "sched/sched.h" /* uk_sleep_ns */

struct uk_waiter;
struct uk_waitq {
	struct uk_waiter *head, *tail;
};

struct uk_mutex {
	struct uk_thread *owner;
	struct uk_waitq waiters;
};

struct uk_sem {
	long count;
	struct uk_waitq waiters;
};

struct uk_cond {
	struct uk_waitq waiters;
};

void uk_mutex_init(struct uk_mutex *m);
void uk_mutex_lock(struct uk_mutex *m);
void uk_mutex_unlock(struct uk_mutex *m);

void uk_sem_init(struct uk_sem *s, long count);
void uk_sem_down(struct uk_sem *s);
int uk_sem_down_timeout(struct uk_sem *s, uint64_t ns); /* 0, or -1: timed out (ns 0: never) */
void uk_sem_up(struct uk_sem *s);                       /* also from interrupt handlers */

void uk_cond_init(struct uk_cond *c);
void uk_cond_wait(struct uk_cond *c, struct uk_mutex *m); /* m held; held again on return */
void uk_cond_signal(struct uk_cond *c);
void uk_cond_broadcast(struct uk_cond *c);

#endif
