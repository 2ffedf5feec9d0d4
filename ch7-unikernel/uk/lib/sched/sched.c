/* The scheduler: one hart, a FIFO run queue, sleepers woken by the timer.
 *
 * Every switch happens inside schedule(), with interrupts off: a thread
 * that yields or blocks saved its interrupt state before and restores it
 * after; a thread preempted by the timer switches from inside the trap
 * handler (its trap frame on its stack keeps sepc and sstatus) and returns
 * through it when it runs again; a new thread starts in thread_entry,
 * which turns interrupts on. */
#include <picolibc.h> /* PICOLIBC_TLS, which picotls.h tests */
#include <picotls.h>
#include <stdbool.h>

#include "alloc/alloc.h"
#include "plat/init.h"
#include "plat/plat.h"
#include "sched/context.h"
#include "sched/sched.h"
#include "uk/config.h"

#define DEFAULT_STACK (16 * 1024)
#define TICK_HZ       100 /* SCHED_PREEMPT: a 10 ms time slice */

#if CONFIG_SCHED_PREEMPT
#define IS_ENABLED_PREEMPT 1
#else
#define IS_ENABLED_PREEMPT 0
#endif

enum thread_state { READY, RUNNING, BLOCKED, EXITED };

struct uk_thread {
	struct uk_context ctx;
	const char *name;
	enum thread_state state;
	uint64_t wake_at; /* BLOCKED with a deadline (plat_ticks); 0: none */
	void (*fn)(void *);
	void *arg;
	void *stack, *tls; /* from the allocator (NULL for main) */
	struct uk_thread *next_ready, *next_all;
};

static struct uk_thread *current, *all_threads; /* main's from sched_init on */
static struct uk_thread *ready_head, *ready_tail;
static bool in_schedule; /* an interrupt then must not switch */
static uint64_t tick_period, next_tick, armed_at, switches;

static void ready_push(struct uk_thread *t)
{
	t->state = READY;
	t->next_ready = NULL;
	if (ready_tail)
		ready_tail->next_ready = t;
	else
		ready_head = t;
	ready_tail = t;
}

static struct uk_thread *ready_pop(void)
{
	struct uk_thread *t = ready_head;
	if (t) {
		ready_head = t->next_ready;
		if (!ready_head)
			ready_tail = NULL;
	}
	return t;
}

static void wake_sleepers(uint64_t now)
{
	for (struct uk_thread *t = all_threads; t; t = t->next_all)
		if (t->state == BLOCKED && t->wake_at && t->wake_at <= now) {
			t->wake_at = 0;
			ready_push(t);
		}
}

/* The timer, at the earliest of the next tick and the sleepers' deadlines;
 * the SBI is called only when that changes. */
static void rearm(void)
{
	uint64_t deadline = IS_ENABLED_PREEMPT ? next_tick : UINT64_MAX;
	for (struct uk_thread *t = all_threads; t; t = t->next_all)
		if (t->state == BLOCKED && t->wake_at && t->wake_at < deadline)
			deadline = t->wake_at;
	if (deadline == armed_at)
		return;
	armed_at = deadline;
	if (deadline == UINT64_MAX)
		plat_timer_disarm();
	else
		plat_timer_arm(deadline);
}

/* Runs the next ready thread (the current one again when it is the only
 * one), idling in wfi while none is ready. Interrupts are off. */
static void schedule(void)
{
	struct uk_thread *prev = current, *next;
	if (prev->state == RUNNING)
		ready_push(prev);
	in_schedule = true;
	while (!(next = ready_pop())) {
		rearm();
		plat_wait_for_interrupt();
		/* Take what woke us: the handlers wake threads, never switch. */
		plat_irq_enable();
		plat_irq_save();
		wake_sleepers(plat_ticks());
	}
	in_schedule = false;
	next->state = RUNNING;
	rearm();
	if (next != prev) {
		current = next;
		switches++;
		uk_context_switch(&prev->ctx, &next->ctx);
	}
}

void plat_timer_interrupt(void)
{
	uint64_t now = plat_ticks();
	bool tick = false;
	armed_at = 0; /* fired: the next rearm() programs it again */
	wake_sleepers(now);
	if (IS_ENABLED_PREEMPT && now >= next_tick) {
		next_tick = now + tick_period;
		tick = true;
	}
	rearm();
	if (tick && !in_schedule && ready_head)
		schedule();
}

static void thread_entry(void)
{
	plat_irq_enable();
	current->fn(current->arg);
	uk_thread_exit();
}

/* Frees what threads that ended left (never the running one's stack). */
static void reap(void)
{
	for (struct uk_thread **p = &all_threads; *p;) {
		struct uk_thread *t = *p;
		if (t->state == EXITED && t != current && t->stack) {
			*p = t->next_all;
			uk_free(t->stack);
			uk_free(t->tls);
			uk_free(t);
		} else {
			p = &t->next_all;
		}
	}
}

struct uk_thread *uk_thread_create(const char *name, void (*fn)(void *), void *arg,
                                   size_t stack_size)
{
	unsigned long flags = plat_irq_save();
	reap();
	plat_irq_restore(flags);
	if (!stack_size)
		stack_size = DEFAULT_STACK;
	stack_size = (stack_size + 15) & ~(size_t)15;
	size_t tls_align = _tls_align() < 16 ? 16 : _tls_align();
	struct uk_thread *t = uk_malloc(sizeof(*t));
	void *stack = uk_memalign(16, stack_size);
	void *tls = uk_memalign(tls_align, _tls_size() ? _tls_size() : 16);
	if (!t || !stack || !tls) {
		if (t)
			uk_free(t);
		if (stack)
			uk_free(stack);
		if (tls)
			uk_free(tls);
		return NULL;
	}
	_init_tls(tls);
	*t = (struct uk_thread){.name = name, .fn = fn, .arg = arg, .stack = stack, .tls = tls};
	t->ctx.ra = (unsigned long)thread_entry;
	t->ctx.sp = (unsigned long)stack + stack_size;
	t->ctx.tp = (unsigned long)tls;
	flags = plat_irq_save();
	t->next_all = all_threads;
	all_threads = t;
	ready_push(t);
	plat_irq_restore(flags);
	return t;
}

void uk_yield(void)
{
	unsigned long flags = plat_irq_save();
	schedule();
	plat_irq_restore(flags);
}

void uk_thread_block(uint64_t deadline_ticks)
{
	unsigned long flags = plat_irq_save();
	current->state = BLOCKED;
	current->wake_at = deadline_ticks;
	if (deadline_ticks && deadline_ticks <= plat_ticks())
		ready_push(current);
	schedule();
	plat_irq_restore(flags);
}

void uk_thread_wake(struct uk_thread *t)
{
	unsigned long flags = plat_irq_save();
	if (t->state == BLOCKED) {
		t->wake_at = 0;
		ready_push(t);
	}
	plat_irq_restore(flags);
}

void uk_sleep_ns(uint64_t ns)
{
	if (!ns) {
		uk_yield();
		return;
	}
	uint64_t deadline = plat_ticks() + plat_ns_to_ticks(ns);
	if (deadline == 0)
		deadline = 1;
	while (plat_ticks() < deadline)
		uk_thread_block(deadline);
}

void uk_thread_exit(void)
{
	plat_irq_save();
	current->state = EXITED;
	schedule();
	plat_poweroff(true); /* not reached: nothing runs an exited thread */
}

struct uk_thread *uk_thread_current(void)
{
	return current;
}

const char *uk_thread_name(const struct uk_thread *t)
{
	return t->name;
}

uint64_t uk_sched_switches(void)
{
	return switches;
}

/* main becomes the first thread: its record comes from the allocator (an
 * init of a lower level); its stack and TLS block are the boot's (plat). */
static int sched_init(void)
{
	struct uk_thread *main_thread = uk_malloc(sizeof(*main_thread));
	if (!main_thread)
		return -1;
	*main_thread = (struct uk_thread){.name = "main", .state = RUNNING};
	current = all_threads = main_thread;
	tick_period = plat_ticks_per_sec() / TICK_HZ;
	if (IS_ENABLED_PREEMPT) {
		next_tick = plat_ticks() + tick_period;
		rearm();
	}
	return 0;
}
UK_INIT(sched_init, UK_INIT_SCHED);
