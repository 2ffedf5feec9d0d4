/* The table of the hypervisor's parameters (boot/params.h): adding one is
 * a field in struct params and a row here. */
#include <stddef.h>

#include "boot/params.h"
#include "boot/platform.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/string.h"

struct params params;

enum param_kind {
	PARAM_FLAG,  /* present or not: `hsm_stale` */
	PARAM_ULONG, /* a number, decimal or 0x hex, within [min, max] */
	PARAM_WORD,  /* text; with `choices`, one of them */
};

struct param {
	const char *name;
	enum param_kind kind;
	size_t offset, size; /* of the field in struct params */
	const char *fallback;
	unsigned long min, max; /* PARAM_ULONG */
	const char *choices;    /* PARAM_WORD: "a|b", or NULL for any text */
	const char *help;
};

#define FIELD(f) offsetof(struct params, f), sizeof(((struct params *)0)->f)
#define FLAG(f, h)                                             \
	{                                                      \
#f, PARAM_FLAG, FIELD(f), "off", 0, 0, NULL, h \
	}
#define ULONG(f, dflt, lo, hi, h)                                 \
	{                                                         \
#f, PARAM_ULONG, FIELD(f), #dflt, lo, hi, NULL, h \
	}
#define WORD(f, dflt, ch, h)                                \
	{                                                   \
#f, PARAM_WORD, FIELD(f), dflt, 0, 0, ch, h \
	}

static const struct param table[] = {
    FLAG(help, "list these parameters and power off"),
    FLAG(hsm_stale, "start each secondary hart as OpenSBI 1.1's hart_start race does"),
    ULONG(tick_hz, 100, 1, 10000, "host timer ticks a second; one tick is a time slice"),
    ULONG(seed, 0x5eed, 0, ~0UL, "the values of the register self-test"),
    ULONG(timer_ms, 100, 1, 10000, "how long the timer self-test counts ticks"),
    WORD(panic, "", NULL, "panic on purpose: from where (see selftest/panic.c)"),
    WORD(lockcheck, "", NULL, "misuse a lock on purpose: how (see selftest/locks.c)"),
    WORD(gstage, "", NULL, "the G-stage self-test's layout, GPA:SIZE:PERMS,..."),
    ULONG(nonce, 0x1234, 0, ~0UL, "the data the G-stage self-test writes"),
    ULONG(unmapped, 0x40000000, 0, ~0UL, "a GPA the G-stage self-test must find unmapped"),
    WORD(selftest, "on", "on|off", "off: skip the earlier chapters' self-tests"),
    ULONG(run_ms, 0, 0, 86400000, "stop the VMs still running after this long; 0: never"),
    WORD(vtimer, "sstc", "sstc|hvip", "the guests' timers: Sstc's vstimecmp, or hvip.VSTIP"),
    ULONG(blk_probe, 0xffffffffffffffff, 0, ~0UL,
          "read this sector of the host's disk at boot and print a checksum of it (default: none)"),
    ULONG(blk_write, 0xffffffffffffffff, 0, ~0UL,
          "write this sector of the host's disk at boot, from blk_nonce (default: none)"),
    ULONG(blk_nonce, 0x1234, 0, ~0UL, "the data blk_write writes"),
    FLAG(net_probe,
         "send an ARP request for 10.0.2.2 from the host's NIC at boot, print the reply"),
};

#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

/* Whether `word` is one of "a|b|c". */
static bool one_of(const char *choices, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = choices; p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && !strncmp(p, word, n))
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

/* A decimal or 0x-hexadecimal number that fits in 64 bits, and nothing
 * else: strtoul alone would wrap a long one round to a small value. */
static bool parse_number(const char *text, unsigned long *v)
{
	bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	const char *digits = hex ? text + 2 : text, *end;
	size_t n = strlen(digits);
	if (!n || n > (hex ? 16 : 19))
		return false;
	*v = strtoul(text, &end, 0);
	return !*end;
}

static void set(const struct param *p, const char *text)
{
	void *field = (char *)&params + p->offset;
	switch (p->kind) {
	case PARAM_FLAG: {
		if (!one_of("on|off", text))
			panic("bootarg %s=%s: on or off (the word alone is on)", p->name, text);
		bool on = !strcmp(text, "on");
		memcpy(field, &on, p->size);
		break;
	}
	case PARAM_ULONG: {
		unsigned long v;
		if (!parse_number(text, &v) || v < p->min || v > p->max)
			panic("bootarg %s=%s: a number from %lu to %lu", p->name, text, p->min,
			      p->max);
		memcpy(field, &v, p->size);
		break;
	}
	case PARAM_WORD:
		if (p->choices && !one_of(p->choices, text))
			panic("bootarg %s=%s: one of %s", p->name, text, p->choices);
		if (strlen(text) >= p->size)
			panic("bootarg %s: longer than %lu characters", p->name, p->size - 1);
		memcpy(field, text, strlen(text) + 1);
		break;
	}
}

void params_parse(void)
{
	char value[256]; /* longer than any field: set() refuses what does not fit */
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		const struct param *p = &table[i];
		set(p, p->fallback);
		/* a flag's word alone means on; name=off turns it off */
		if (bootarg(p->name, value, sizeof(value)))
			set(p, p->kind == PARAM_FLAG && !value[0] ? "on" : value);
	}
}

void params_print_help(void)
{
	printf("parameters (bootargs, NAME=VALUE):\n");
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		const struct param *p = &table[i];
		printf("  %s=%s%s%s%s: %s\n", p->name, p->fallback[0] ? p->fallback : "\"\"",
		       p->choices ? " (" : "", p->choices ? p->choices : "", p->choices ? ")" : "",
		       p->help);
	}
}
