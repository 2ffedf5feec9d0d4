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

/* Whether NAME is BASE or BASE@unit-address. */
static bool node_is(const char *name, const char *base)
{
	size_t n = strlen(base);
	return name && !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '@');
}

/* /memory@... (the one holding the image: QEMU virt and hvlab have one). */
static void read_memory(int node)
{
	const char *type = fdt_getprop(fdt, node, "device_type", NULL);
	uintptr_t here = (uintptr_t)&plat_fdt_init;
	uint64_t b, s;
	if (type && !strcmp(type, "memory") && reg_entry(node, here, &b, &s) && here >= b &&
	    here - b < s) {
		mem_base = b;
		mem_size = s;
	}
}

/* /cpus: the timebase, and the harts that are not disabled. */
static void read_cpus(int cpus)
{
	int len, node;
	const fdt32_t *tb = fdt_getprop(fdt, cpus, "timebase-frequency", &len);
	if (tb && len >= 4)
		timebase = read_cells(tb, len >= 8 ? 2 : 1);
	fdt_for_each_subnode(node, fdt, cpus)
	{
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		const char *status = fdt_getprop(fdt, node, "status", NULL);
		if (type && !strcmp(type, "cpu") && (!status || strcmp(status, "disabled")))
			hart_count++;
	}
}

/* One pass over the root's children, by name: libfdt walks the tree tag
 * by tag, so a search per property would walk it again each time. */
int plat_fdt_init(unsigned long hartid, const void *blob)
{
	boot_hartid = hartid;
	fdt = blob;
	if (fdt_check_header(fdt) != 0)
		return -1;
	int node;
	fdt_for_each_subnode(node, fdt, 0)
	{
		const char *name = fdt_get_name(fdt, node, NULL);
		if (node_is(name, "memory"))
			read_memory(node);
		else if (node_is(name, "cpus"))
			read_cpus(node);
	}
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
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *args = chosen >= 0 ? fdt_getprop(fdt, chosen, "bootargs", NULL) : NULL;
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
