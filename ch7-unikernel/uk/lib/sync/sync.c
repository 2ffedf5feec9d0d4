/* Wait queues, and the mutex, semaphore and condition variable on them.
 * One hart: turning interrupts off makes a check and the block that
 * follows it one step, so no wake-up is lost between them. */
#include <stddef.h>

#include "plat/plat.h"
#include "sync/sync.h"

struct uk_waiter {
	struct uk_thread *thread;
	struct uk_waiter *next;
	bool woken;
};

/* A waiter lives on its thread's stack, in the queue only while the thread
 * waits (it leaves before returning): not inlined, so that GCC's
 * dangling-pointer check does not take it for an escaping local. */
static __attribute__((noinline)) void waitq_add(struct uk_waitq *q, struct uk_waiter *w)
{
	w->thread = uk_thread_current();
	w->next = NULL;
	w->woken = false;
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
}

static void waitq_remove(struct uk_waitq *q, struct uk_waiter *w)
{
	struct uk_waiter *prev = NULL;
	for (struct uk_waiter *p = q->head; p; prev = p, p = p->next) {
		if (p != w)
			continue;
		if (prev)
			prev->next = p->next;
		else
			q->head = p->next;
		if (q->tail == p)
			q->tail = prev;
		return;
	}
}

/* Wakes the first waiter; false when there was none. */
static bool waitq_wake_one(struct uk_waitq *q)
{
	struct uk_waiter *w = q->head;
	if (!w)
		return false;
	q->head = w->next;
	if (!q->head)
		q->tail = NULL;
	w->woken = true;
	uk_thread_wake(w->thread);
	return true;
}

/* Blocks until a wake_one names us (or the deadline passes): interrupts
 * are off on entry and on return. */
static bool wait(struct uk_waitq *q, uint64_t deadline)
{
	struct uk_waiter w;
	waitq_add(q, &w);
	while (!w.woken && (!deadline || plat_ticks() < deadline))
		uk_thread_block(deadline);
	if (!w.woken)
		waitq_remove(q, &w);
	return w.woken;
}

void uk_mutex_init(struct uk_mutex *m)
{
	*m = (struct uk_mutex){0};
}

void uk_mutex_lock(struct uk_mutex *m)
{
	unsigned long flags = plat_irq_save();
	while (m->owner)
		wait(&m->waiters, 0);
	m->owner = uk_thread_current();
	plat_irq_restore(flags);
}

void uk_mutex_unlock(struct uk_mutex *m)
{
	unsigned long flags = plat_irq_save();
	m->owner = NULL;
	waitq_wake_one(&m->waiters);
	plat_irq_restore(flags);
}

void uk_sem_init(struct uk_sem *s, long count)
{
	*s = (struct uk_sem){.count = count};
}

int uk_sem_down_timeout(struct uk_sem *s, uint64_t ns)
{
	uint64_t deadline = ns ? plat_ticks() + plat_ns_to_ticks(ns) : 0;
	unsigned long flags = plat_irq_save();
	while (s->count == 0) {
		if (!wait(&s->waiters, deadline) && s->count == 0) {
			plat_irq_restore(flags);
			return -1;
		}
	}
	s->count--;
	plat_irq_restore(flags);
	return 0;
}

void uk_sem_down(struct uk_sem *s)
{
	uk_sem_down_timeout(s, 0);
}

void uk_sem_up(struct uk_sem *s)
{
	unsigned long flags = plat_irq_save();
	s->count++;
	waitq_wake_one(&s->waiters);
	plat_irq_restore(flags);
}

void uk_cond_init(struct uk_cond *c)
{
	*c = (struct uk_cond){0};
}

void uk_cond_wait(struct uk_cond *c, struct uk_mutex *m)
{
	unsigned long flags = plat_irq_save();
	struct uk_waiter w;
	waitq_add(&c->waiters, &w);
	uk_mutex_unlock(m);
	while (!w.woken)
		uk_thread_block(0);
	plat_irq_restore(flags);
	uk_mutex_lock(m);
}

void uk_cond_signal(struct uk_cond *c)
{
	unsigned long flags = plat_irq_save();
	waitq_wake_one(&c->waiters);
	plat_irq_restore(flags);
}

void uk_cond_broadcast(struct uk_cond *c)
{
	unsigned long flags = plat_irq_save();
	while (waitq_wake_one(&c->waiters))
		;
	plat_irq_restore(flags);
}
