/* What the platform reads from the device tree (libfdt): memory, harts,
 * the timebase, the boot arguments, the RAM left to an allocator. */
#include <libfdt.h>
#include <string.h>

#include "plat/boot.h"
#include "plat/plat.h"

static const void *fdt;
static unsigned long boot_hartid;
static uint64_t mem_base, mem_size, timebase;
static unsigned hart_count;

static uint64_t read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;
	for (int i = 0; i < cells; i++)
		v = v << 32 | fdt32_to_cpu(p[i]);
	return v;
}

/* The reg entry of NODE that holds ADDR (or the first one): base and size. */
static bool reg_entry(int node, uint64_t addr, uint64_t *base, uint64_t *size)
{
	int parent = fdt_parent_offset(fdt, node);
	int ac = fdt_address_cells(fdt, parent), sc = fdt_size_cells(fdt, parent), len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || ac < 1 || ac > 2 || sc < 0 || sc > 2)
		return false;
	bool found = false;
	for (int i = 0; (i + 1) * (ac + sc) * 4 <= len; i++) {
		uint64_t b = read_cells(reg + i * (ac + sc), ac);
		uint64_t s = read_cells(reg + i * (ac + sc) + ac, sc);
		if (!found || (addr >= b && addr - b < s)) {
			*base = b;
			*size = s;
			found = true;
		}
	}
	return found;
}

/* The boot's scan: one pass over the structure block, by hand. libfdt
 * checks every tag it steps over and reads node names byte by byte, so
 * finding /cpus alone took some 50,000 instructions on QEMU's tree; the
 * boot needs a handful of properties, read here in about a tenth of that.
 * libfdt serves every later lookup (drivers, reserved memory). */
#define TAG_BEGIN_NODE 1
#define TAG_END_NODE   2
#define TAG_PROP       3
#define TAG_NOP        4
#define TAG_END        9

enum node_kind { NODE_OTHER, NODE_ROOT, NODE_MEMORY, NODE_CPUS, NODE_CPU, NODE_CHOSEN };

static const char *bootargs;

struct scan {
	const fdt32_t *p, *end;
	const char *strings;
	uint32_t strings_size;
	int root_ac, root_sc;
	/* the node being read (memory or cpu): what decides at its end */
	const fdt32_t *reg;
	int reg_len;
	bool is_type, disabled;
	bool seen_cpus, seen_chosen;
};

/* Whether the node name at NAME is BASE or BASE@unit-address. */
static bool node_is(const char *name, const char *base)
{
	size_t n = strlen(base);
	return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '@');
}

/* Skips a NUL-terminated name padded to 4 bytes, a word at a time. */
static bool skip_name(struct scan *sc)
{
	while (sc->p < sc->end) {
		uint32_t w = *(const uint32_t *)sc->p++;
		if ((w - 0x01010101u) & ~w & 0x80808080u) /* a zero byte */
			return true;
	}
	return false;
}

static void read_prop(struct scan *sc, enum node_kind kind, const char *name, const void *val,
                      int len)
{
	switch (kind) {
	case NODE_ROOT:
		if (!strcmp(name, "#address-cells") && len == 4)
			sc->root_ac = (int)fdt32_to_cpu(*(const fdt32_t *)val);
		else if (!strcmp(name, "#size-cells") && len == 4)
			sc->root_sc = (int)fdt32_to_cpu(*(const fdt32_t *)val);
		break;
	case NODE_MEMORY:
	case NODE_CPU:
		if (!strcmp(name, "device_type"))
			sc->is_type =
			    !strncmp(val, kind == NODE_CPU ? "cpu" : "memory", (size_t)len);
		else if (!strcmp(name, "status"))
			sc->disabled = !strncmp(val, "disabled", (size_t)len);
		else if (!strcmp(name, "reg")) {
			sc->reg = val;
			sc->reg_len = len;
		}
		break;
	case NODE_CPUS:
		if (!strcmp(name, "timebase-frequency") && (len == 4 || len == 8))
			timebase = read_cells(val, len / 4);
		break;
	case NODE_CHOSEN:
		if (!strcmp(name, "bootargs") && len > 0 && ((const char *)val)[len - 1] == '\0')
			bootargs = val;
		break;
	case NODE_OTHER:
		break;
	}
}

/* A memory node ends: the entry of its reg that holds the image. */
static void end_memory(struct scan *sc)
{
	int cells = sc->root_ac + sc->root_sc;
	uintptr_t here = (uintptr_t)&plat_fdt_init;
	if (!sc->is_type || !sc->reg || sc->root_ac < 1 || sc->root_ac > 2 || sc->root_sc < 1 ||
	    sc->root_sc > 2)
		return;
	for (int i = 0; (i + 1) * cells * 4 <= sc->reg_len; i++) {
		uint64_t b = read_cells(sc->reg + i * cells, sc->root_ac);
		uint64_t s = read_cells(sc->reg + i * cells + sc->root_ac, sc->root_sc);
		if (here >= b && here - b < s) {
			mem_base = b;
			mem_size = s;
		}
	}
}

static int scan_tree(void)
{
	const char *blob = fdt;
	struct scan sc = {.root_ac = 2, .root_sc = 1};
	sc.p = (const fdt32_t *)(blob + fdt_off_dt_struct(fdt));
	sc.end = sc.p + fdt_size_dt_struct(fdt) / 4;
	sc.strings = blob + fdt_off_dt_strings(fdt);
	sc.strings_size = fdt_size_dt_strings(fdt);
	enum node_kind stack[4]; /* the kinds of the open nodes down to depth 4 */
	int depth = 0;
	while (sc.p < sc.end) {
		uint32_t tag = fdt32_to_cpu(*sc.p++);
		if (tag == TAG_BEGIN_NODE) {
			const char *name = (const char *)sc.p;
			if (!skip_name(&sc))
				return -1;
			enum node_kind parent =
			    depth > 0 && depth <= 4 ? stack[depth - 1] : NODE_OTHER;
			enum node_kind kind = depth == 0 ? NODE_ROOT : NODE_OTHER;
			if (parent == NODE_ROOT && node_is(name, "memory"))
				kind = NODE_MEMORY;
			else if (parent == NODE_ROOT && node_is(name, "cpus"))
				kind = NODE_CPUS;
			else if (parent == NODE_ROOT && node_is(name, "chosen"))
				kind = NODE_CHOSEN;
			else if (parent == NODE_CPUS && node_is(name, "cpu"))
				kind = NODE_CPU;
			if (kind == NODE_MEMORY || kind == NODE_CPU) {
				sc.reg = NULL;
				sc.is_type = sc.disabled = false;
			}
			if (depth < 4)
				stack[depth] = kind;
			depth++;
		} else if (tag == TAG_END_NODE) {
			if (depth <= 0)
				return -1;
			enum node_kind kind = --depth < 4 ? stack[depth] : NODE_OTHER;
			if (kind == NODE_MEMORY)
				end_memory(&sc);
			else if (kind == NODE_CPU && sc.is_type && !sc.disabled)
				hart_count++;
			else if (kind == NODE_CPUS)
				sc.seen_cpus = true;
			else if (kind == NODE_CHOSEN)
				sc.seen_chosen = true;
			/* A tree has one /cpus and one /chosen: with those and the
			 * memory that holds the image, the rest (QEMU's /soc, the
			 * largest part) has nothing for the boot. */
			if (sc.seen_cpus && sc.seen_chosen && mem_size)
				break;
		} else if (tag == TAG_PROP) {
			if (sc.end - sc.p < 2)
				return -1;
			uint32_t len = fdt32_to_cpu(sc.p[0]), nameoff = fdt32_to_cpu(sc.p[1]);
			const void *val = sc.p + 2;
			if (len > (uint32_t)((const char *)sc.end - (const char *)val) ||
			    nameoff >= sc.strings_size)
				return -1;
			sc.p += 2 + (len + 3) / 4;
			enum node_kind kind =
			    depth > 0 && depth <= 4 ? stack[depth - 1] : NODE_OTHER;
			if (kind != NODE_OTHER &&
			    memchr(sc.strings + nameoff, '\0', sc.strings_size - nameoff))
				read_prop(&sc, kind, sc.strings + nameoff, val, (int)len);
		} else if (tag == TAG_END) {
			break;
		} else if (tag != TAG_NOP) {
			return -1;
		}
	}
	return 0;
}

int plat_fdt_init(unsigned long hartid, const void *blob)
{
	boot_hartid = hartid;
	fdt = blob;
	if (fdt_check_header(fdt) != 0 || scan_tree() != 0)
		return -1;
	return timebase && mem_size ? 0 : -1;
}

int plat_fdt_reg(int node, uint64_t *base, uint64_t *size)
{
	return reg_entry(node, 0, base, size) ? 0 : -1;
}

const void *plat_fdt(void)
{
	return fdt;
}

unsigned long plat_boot_hartid(void)
{
	return boot_hartid;
}

uint64_t plat_mem_base(void)
{
	return mem_base;
}

uint64_t plat_mem_size(void)
{
	return mem_size;
}

unsigned plat_hart_count(void)
{
	return hart_count;
}

uint64_t plat_ticks_per_sec(void)
{
	return timebase;
}

uint64_t plat_ns_to_ticks(uint64_t ns)
{
	/* Split so that neither product overflows for any realistic timebase. */
	return ns / 1000000000u * timebase + ns % 1000000000u * timebase / 1000000000u;
}

uint64_t plat_now_ns(void)
{
	uint64_t t = plat_ticks();
	return t / timebase * 1000000000u + t % timebase * 1000000000u / timebase;
}

const char *plat_arg(const char *key, char *buf, size_t len)
{
	const char *args = bootargs;
	size_t klen = strlen(key);
	if (!args || !len)
		return NULL;
	for (const char *p = args; *p;) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - word) > klen && !strncmp(word, key, klen) && word[klen] == '=') {
			size_t n = (size_t)(p - word) - klen - 1;
			if (n >= len)
				n = len - 1;
			memcpy(buf, word + klen + 1, n);
			buf[n] = '\0';
			return buf;
		}
	}
	return NULL;
}

uint64_t plat_arg_u64(const char *key, uint64_t dflt)
{
	char buf[32];
	const char *s = plat_arg(key, buf, sizeof(buf));
	if (!s || !*s)
		return dflt;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned d = *s >= '0' && *s <= '9'   ? (unsigned)(*s - '0')
		             : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10)
		             : *s >= 'A' && *s <= 'F' ? (unsigned)(*s - 'A' + 10)
		                                      : 99;
		if (d >= base)
			return dflt;
		v = v * base + d;
	}
	return v;
}

/* Shrinks [*start, *end) so that it does not overlap [b, b + s): keeps the
 * larger side. */
static void carve(uintptr_t *start, uintptr_t *end, uint64_t b, uint64_t s)
{
	if (b >= *end || b + s <= *start)
		return;
	uint64_t left = b > *start ? b - *start : 0;
	uint64_t right = b + s < *end ? *end - (b + s) : 0;
	if (left >= right)
		*end = *start + left;
	else
		*start = b + s;
}

void plat_free_ram(uintptr_t *start, uintptr_t *end)
{
	*start = ((uintptr_t)_end + 4095) & ~(uintptr_t)4095;
	*end = mem_base + mem_size;
	carve(start, end, (uintptr_t)fdt, fdt_totalsize(fdt));
	for (int i = 0; i < fdt_num_mem_rsv(fdt); i++) {
		uint64_t b, s;
		if (fdt_get_mem_rsv(fdt, i, &b, &s) == 0)
			carve(start, end, b, s);
	}
	int rsv = fdt_path_offset(fdt, "/reserved-memory"), node;
	if (rsv >= 0) {
		fdt_for_each_subnode(node, fdt, rsv)
		{
			uint64_t b, s;
			if (reg_entry(node, 0, &b, &s))
				carve(start, end, b, s);
		}
	}
	if (*end < *start)
		*end = *start;
}
