/* Threads: main runs as the first; one hart, one run queue, round robin. */
#ifndef UK_SCHED_H
#define UK_SCHED_H

#include <stddef.h>
#include <stdint.h>

struct uk_thread;

/* A thread running fn(arg) on a stack of stack_size bytes (0: 16 KiB);
 * NULL when out of memory. It ends when fn returns. */
struct uk_thread *uk_thread_create(const char *name, void (*fn)(void *), void *arg,
                                   size_t stack_size);
void uk_yield(void);
void uk_sleep_ns(uint64_t ns); /* other threads run meanwhile; idle: wfi */
__attribute__((noreturn)) void uk_thread_exit(void);
struct uk_thread *uk_thread_current(void);
const char *uk_thread_name(const struct uk_thread *t);

/* For sync and drivers: block the current thread until woken (or until the
 * deadline, in plat_ticks(); 0: none). */
void uk_thread_block(uint64_t deadline_ticks);
void uk_thread_wake(struct uk_thread *t); /* callable from interrupt handlers */

/* Context switches so far (every switch to another thread). */
uint64_t uk_sched_switches(void);

#endif
