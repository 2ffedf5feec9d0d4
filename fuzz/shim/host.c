/* What the hypervisor's code gets from the rest of the hypervisor when it
 * runs inside a fuzzer: printf through its own formatting engine (quiet
 * unless FUZZ_VERBOSE is set), panic that aborts (a crash for libFuzzer),
 * one hart, a clock. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/hext.h"
#include "arch/hart.h"
#include "lib/extable.h"
#include "lib/format.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/spinlock.h"

struct hart harts[MAX_HARTS];
uint64_t fuzz_time;

/* Lines as the console would print them, to stderr when asked for. */
struct line {
	char text[256];
	unsigned len;
	int verbose;
};

static void line_putc(void *ctx, char c)
{
	struct line *l = ctx;
	if (l->len < sizeof(l->text) - 1)
		l->text[l->len++] = c;
	if (c == '\n' || l->len == sizeof(l->text) - 1) {
		l->text[l->len] = '\0';
		if (l->verbose)
			fprintf(stderr, "[hv] %s%s", l->text, c == '\n' ? "" : "\n");
		l->len = 0;
	}
}

int hv_vprintf(const char *fmt, va_list ap)
{
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	struct line l = {.verbose = verbose};
	int n = format(line_putc, &l, fmt, ap);
	if (l.len)
		line_putc(&l, '\n');
	return n;
}

int hv_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = hv_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

static void stderr_putc(void *ctx, char c)
{
	(void)ctx;
	fputc(c, stderr);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("hypervisor panic: ", stderr);
	format(stderr_putc, NULL, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

void panic_frame(const struct trap_frame *f, const char *why)
{
	(void)f;
	fprintf(stderr, "hypervisor panic from a trap: %s\n", why);
	abort();
}

const char *trap_cause_name(unsigned long scause)
{
	(void)scause;
	return "exception";
}

void fuzz_deadlock(const char *where)
{
	fprintf(stderr, "%s in a single-threaded harness: it would wait for ever\n", where);
	abort();
}

/* Accesses through the guest's own translation (hlv, hlvx, hsv): the
 * harnesses that model a guest's memory define these; for the others such
 * an access faults, as it would on a guest address that maps nothing. */
__attribute__((weak)) int fuzz_guest_load(uint64_t gva, void *out, unsigned size, bool execute)
{
	(void)gva, (void)out, (void)size, (void)execute;
	return PROBE_FAULT;
}

__attribute__((weak)) int fuzz_guest_store(uint64_t gva, uint64_t value, unsigned size)
{
	(void)gva, (void)value, (void)size;
	return PROBE_FAULT;
}

/* A device that looks for another device of its VM (vplic_of, vuart_of)
 * in a harness, which links no vm/vm.c: the harnesses' VMs have no other
 * device, or the harness defines the lookup itself. */
struct vm;
struct vdev_model;
__attribute__((weak)) void *vdev_state(struct vm *vm, const struct vdev_model *model)
{
	(void)vm, (void)model;
	return NULL;
}

/* The fuzzers run on one thread: a lock that is taken is held by this
 * thread, which is a misuse the hypervisor's checks would report. */
void spin_misuse(const struct spinlock *l, const char *what)
{
	(void)l;
	fprintf(stderr, "lock misuse: %s\n", what);
	abort();
}

void spin_lock_contended(struct spinlock *l)
{
	spin_misuse(l, "taken again on the one thread");
}
