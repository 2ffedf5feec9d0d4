/* threads: preemption made visible, and the synchronisation primitives at
 * work on values derived from the nonce (nonce=N; ticks=N: how many ticks).
 *
 * The spinner never yields: once main blocks it would run forever without
 * SCHED_PREEMPT. The ticker sleeps 20 ms between ticks and prints how far
 * the spinner counted: both advance. The producer hands splitmix64 values
 * to the consumer through a one-slot mailbox (mutex + condition variable);
 * the consumer folds them and posts the result with a semaphore. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "plat/plat.h"
#include "sched/sched.h"
#include "sync/sync.h"

#define VALUES 64

static uint64_t splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static volatile uint64_t spins;
static uint64_t nonce, ticks;
static struct uk_sem ticker_done, result_ready;

static struct {
	struct uk_mutex lock;
	struct uk_cond changed;
	bool full;
	uint64_t value;
} mailbox;
static uint64_t result;

/* Each thread's own (its TLS block): how many values it handled. */
static __thread int handled;

static void spinner(void *arg)
{
	(void)arg;
	printf("threads: spinner starts (it never yields)\n");
	for (;;)
		spins++;
}

static void ticker(void *arg)
{
	(void)arg;
	for (uint64_t i = 1; i <= ticks; i++) {
		uk_sleep_ns(20 * 1000 * 1000);
		printf("threads: tick %" PRIu64 "/%" PRIu64 " spinner at %" PRIu64 "\n", i, ticks,
		       spins);
	}
	uk_sem_up(&ticker_done);
}

static void producer(void *arg)
{
	(void)arg;
	uint64_t x = nonce;
	for (int i = 0; i < VALUES; i++) {
		x = splitmix64(x);
		uk_mutex_lock(&mailbox.lock);
		while (mailbox.full)
			uk_cond_wait(&mailbox.changed, &mailbox.lock);
		mailbox.value = x;
		mailbox.full = true;
		uk_cond_broadcast(&mailbox.changed);
		uk_mutex_unlock(&mailbox.lock);
		handled++;
	}
	printf("threads: producer handled %d values\n", handled);
}

static void consumer(void *arg)
{
	(void)arg;
	uint64_t acc = 0, *seen = calloc(VALUES, sizeof(*seen)); /* malloc: alloc's */
	if (!seen)
		printf("threads: consumer: out of memory\n");
	for (int i = 0; i < VALUES; i++) {
		uk_mutex_lock(&mailbox.lock);
		while (!mailbox.full)
			uk_cond_wait(&mailbox.changed, &mailbox.lock);
		/* Order matters: a lost or repeated value changes the result. */
		acc = (acc << 7 | acc >> 57) ^ mailbox.value;
		if (seen)
			seen[i] = mailbox.value;
		mailbox.full = false;
		uk_cond_broadcast(&mailbox.changed);
		uk_mutex_unlock(&mailbox.lock);
		handled++;
	}
	printf("threads: consumer handled %d values\n", handled);
	/* Kept values: the producer's sequence, none lost or repeated. */
	for (int i = 1; seen && i < VALUES; i++)
		if (seen[i] == seen[i - 1])
			printf("threads: value %d repeated\n", i);
	free(seen);
	result = acc;
	uk_sem_up(&result_ready);
}

int main(void)
{
	nonce = plat_arg_u64("nonce", 0);
	ticks = plat_arg_u64("ticks", 5);
	printf("threads: nonce=%#" PRIx64 ", %" PRIu64 " ticks\n", nonce, ticks);
	uk_sem_init(&ticker_done, 0);
	uk_sem_init(&result_ready, 0);
	uk_mutex_init(&mailbox.lock);
	uk_cond_init(&mailbox.changed);
	if (!uk_thread_create("spinner", spinner, NULL, 0) ||
	    !uk_thread_create("ticker", ticker, NULL, 0) ||
	    !uk_thread_create("producer", producer, NULL, 0) ||
	    !uk_thread_create("consumer", consumer, NULL, 0)) {
		printf("threads: out of memory\n");
		return 1;
	}
	uk_sem_down(&result_ready);
	printf("threads: result=%016" PRIx64 "\n", result);
	uk_sem_down(&ticker_done);
	uint64_t echo = plat_arg_u64("echo", 0);
	if (echo) {
		printf("threads: type %" PRIu64 " characters\n", echo);
		fflush(stdout);
		for (uint64_t i = 0; i < echo; i++) {
			int c = getchar();
			printf("threads: got %#x (spinner at %" PRIu64 ")\n", (unsigned)c, spins);
		}
	}
	printf("threads: done after %" PRIu64 " context switches\n", uk_sched_switches());
	return 0;
}
