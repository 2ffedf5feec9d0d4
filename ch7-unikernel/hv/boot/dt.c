/* Device-tree discovery: everything the hypervisor needs to know about the
 * machine comes from the blob, never from a hard-coded address. */
#include <libfdt.h>

#include "boot/platform.h"
#include "lib/printf.h"
#include "lib/string.h"

struct platform platform;

/* The tree, read once. libfdt's lookups walk the blob again on every call,
 * and a walk costs some 60 instructions for each byte of a node's name that
 * it steps over: with a few lookups per node, discovery was the largest part
 * of the boot time (make bench). So one walk over the structure block records
 * every node, its parent and its properties, and discovery looks everything
 * up here. The walk is libfdt's fdt_next_tag, which checks every tag, name
 * and length against the blob's bounds, and fdt_get_string for the property
 * names: what is recorded has been validated once. The record holds
 * offsets into the blob, which stays where it is (its frames are reserved).
 * QEMU's virt machine with 8 harts has some 55 nodes and 240 properties. */
#define MAX_DT_NODES 128
#define MAX_DT_PROPS 512
#define MAX_DT_DEPTH 16

static const char *structure, *strings; /* the blob's two blocks */

static struct dt_node {
	int offset;                 /* in the structure block, as libfdt's calls take it */
	int parent;                 /* index in nodes[]; -1 for the root */
	int first_prop, prop_count; /* its properties in props[] */
} nodes[MAX_DT_NODES];
static int node_count;

static struct dt_prop {
	uint32_t offset; /* of its struct fdt_property in the structure block */
	uint32_t name;   /* offset in the strings block (the property's nameoff) */
} props[MAX_DT_PROPS];
static int prop_count;

/* "serial@10000000"; "" for the root: the name follows the node's tag. */
static const char *node_name(int k)
{
	return structure + nodes[k].offset + FDT_TAGSIZE;
}

static int index_tree(const void *fdt)
{
	int open[MAX_DT_DEPTH]; /* the nodes begun and not yet ended, outermost first */
	int depth = 0;
	node_count = prop_count = 0;
	structure = (const char *)fdt + fdt_off_dt_struct(fdt);
	strings = (const char *)fdt + fdt_off_dt_strings(fdt);
	for (int offset = 0, next;; offset = next) {
		switch (fdt_next_tag(fdt, offset, &next)) {
		case FDT_BEGIN_NODE:
			if (!depth && node_count)
				return -FDT_ERR_BADSTRUCTURE; /* a second root */
			if (node_count == MAX_DT_NODES || depth == MAX_DT_DEPTH)
				return -FDT_ERR_NOSPACE;
			nodes[node_count] = (struct dt_node){
			    .offset = offset,
			    .parent = depth ? open[depth - 1] : -1,
			    .first_prop = prop_count,
			};
			open[depth++] = node_count++;
			break;
		case FDT_PROP: {
			/* A node's properties come before its children (libfdt sees no others). */
			if (!depth || open[depth - 1] != node_count - 1)
				return -FDT_ERR_BADSTRUCTURE;
			if (prop_count == MAX_DT_PROPS)
				return -FDT_ERR_NOSPACE;
			/* fdt_next_tag found the property inside the structure block;
			 * fdt_get_string checks its name. */
			const struct fdt_property *fp = fdt_offset_ptr(fdt, offset, sizeof(*fp));
			int err;
			if (!fdt_get_string(fdt, fdt32_to_cpu(fp->nameoff), &err))
				return err;
			props[prop_count++] = (struct dt_prop){offset, fdt32_to_cpu(fp->nameoff)};
			nodes[node_count - 1].prop_count++;
			break;
		}
		case FDT_END_NODE:
			if (!depth)
				return -FDT_ERR_BADSTRUCTURE;
			depth--;
			break;
		case FDT_NOP:
			break;
		case FDT_END: /* also where fdt_next_tag found the blob malformed (next < 0) */
			if (next < 0)
				return next;
			return depth || !node_count ? -FDT_ERR_BADSTRUCTURE : 0;
		default:
			return -FDT_ERR_BADSTRUCTURE;
		}
	}
}

/* Property `name` of node k, or NULL (*len = -FDT_ERR_NOTFOUND), as fdt_getprop. */
static const void *node_prop(int k, const char *name, int *len)
{
	const struct dt_prop *p = &props[nodes[k].first_prop];
	for (int i = 0; i < nodes[k].prop_count; i++, p++) {
		if (!strcmp(strings + p->name, name)) {
			const struct fdt_property *fp = (const void *)(structure + p->offset);
			if (len)
				*len = (int)fdt32_to_cpu(fp->len);
			return fp->data;
		}
	}
	if (len)
		*len = -FDT_ERR_NOTFOUND;
	return NULL;
}

/* A string property: NULL unless it ends in its NUL (the pointer is printed). */
static const char *node_string(int k, const char *name)
{
	int len;
	const char *s = node_prop(k, name, &len);
	return s && len > 0 && s[len - 1] == '\0' ? s : NULL;
}

static uint32_t prop_u32(int k, const char *name, uint32_t fallback)
{
	int len;
	const fdt32_t *p = node_prop(k, name, &len);
	if (!p || len < (int)sizeof(*p))
		return fallback;
	return fdt32_to_cpu(*p);
}

/* #address-cells and #size-cells as libfdt's fdt_address_cells and
 * fdt_size_cells read them: 2 and 1 when absent, an error when malformed. */
static int node_cells(int k, const char *name, int absent)
{
	int len;
	const fdt32_t *c = node_prop(k, name, &len);
	if (!c)
		return absent;
	if (len != sizeof(*c) || fdt32_to_cpu(*c) > FDT_MAX_NCELLS)
		return -FDT_ERR_BADNCELLS;
	return (int)fdt32_to_cpu(*c);
}

static int address_cells(int k)
{
	int ac = node_cells(k, "#address-cells", 2);
	return ac ? ac : -FDT_ERR_BADNCELLS;
}

static int size_cells(int k)
{
	return node_cells(k, "#size-cells", 1);
}

/* The child of node k called `name` (len bytes), which may leave out the
 * unit address ("chosen", "serial" or "serial@10000000"), or -1. */
static int child_named(int k, const char *name, int len)
{
	bool has_unit = memchr(name, '@', len) != NULL;
	for (int c = k + 1; c < node_count; c++) {
		const char *n = node_name(c);
		if (nodes[c].parent == k && !strncmp(n, name, len) &&
		    (n[len] == '\0' || (!has_unit && n[len] == '@')))
			return c;
	}
	return -1;
}

/* The node a path names, as fdt_path_offset_namelen finds it: "/soc/uart@0",
 * or an alias of /aliases followed by the rest of a path ("serial0"). */
static int node_by_path(const char *path, int len)
{
	const char *end = path + len;
	int k = 0;
	if (!len)
		return -1;
	if (*path != '/') {
		const char *slash = memchr(path, '/', len);
		int alias_len = (int)((slash ? slash : end) - path);
		char alias[32];
		if (alias_len >= (int)sizeof(alias))
			return -1;
		memcpy(alias, path, alias_len);
		alias[alias_len] = '\0';
		int aliases = child_named(0, "aliases", 7);
		const char *target = aliases >= 0 ? node_string(aliases, alias) : NULL;
		if (!target || *target != '/')
			return -1;
		k = node_by_path(target, (int)strlen(target));
		path += alias_len;
	}
	while (k >= 0 && path < end) {
		if (*path == '/') {
			path++;
			continue;
		}
		const char *slash = memchr(path, '/', (size_t)(end - path));
		int n = (int)((slash ? slash : end) - path);
		k = child_named(k, path, n);
		path += n;
	}
	return k;
}

static inline uint64_t read_cells(const fdt32_t *cells, int count)
{
	uint64_t v = 0;
	for (int i = 0; i < count; i++)
		v = (v << 32) | fdt32_to_cpu(cells[i]);
	return v;
}

/* Entry `index` of node k's `reg`: an address and a size, each as many
 * 32-bit big-endian cells as the parent's #address-cells and #size-cells say. */
static int dt_read_reg(int node, int index, uint64_t *base, uint64_t *size)
{
	/* LAB 1 BEGIN: decode one (address, size) pair of a node's reg property */
	/* Spec: return 0 with *base and *size set from pair `index`, or a negative libfdt error
	 * (-FDT_ERR_NOTFOUND past the last pair). The cell counts are the parent's #address-cells
	 * and #size-cells. The grader compares the memory, UART, PLIC and virtio lines with QEMU's
	 * own device tree. */
	int parent = nodes[node].parent;
	if (parent < 0)
		return -FDT_ERR_NOTFOUND;
	int ac = address_cells(parent);
	int sc = size_cells(parent);
	if (ac < 1 || ac > 2 || sc < 0 || sc > 2)
		return -FDT_ERR_BADNCELLS;

	int len;
	const fdt32_t *reg = node_prop(node, "reg", &len);
	if (!reg)
		return len;
	int stride = ac + sc;
	if ((index + 1) * stride * (int)sizeof(fdt32_t) > len)
		return -FDT_ERR_NOTFOUND;
	reg += index * stride;
	*base = read_cells(reg, ac);
	*size = read_cells(reg + ac, sc);
	return 0;
	/* LAB 1 END */
}

static bool node_enabled(int k)
{
	const char *status = node_string(k, "status");
	return !status || !strcmp(status, "okay") || !strcmp(status, "ok");
}

static bool compatible_with(const char *list, int len, const char *name)
{
	return list && fdt_stringlist_contains(list, len, name);
}

static void read_device(int k, struct dt_device *dev)
{
	dev->present = true;
	dev->compatible = node_string(k, "compatible");
	dev->irq = prop_u32(k, "interrupts", 0);
	if (dt_read_reg(k, 0, &dev->base, &dev->size) < 0)
		dev->base = dev->size = 0;
}

/* The first enabled node compatible with any of `compatibles`, or -1. */
static int find_compatible(const char *const *compatibles)
{
	for (; *compatibles; compatibles++) {
		for (int k = 0; k < node_count; k++) {
			int len;
			const char *list = node_prop(k, "compatible", &len);
			if (compatible_with(list, len, *compatibles) && node_enabled(k))
				return k;
		}
	}
	return -1;
}

static void add_reserved(uint64_t base, uint64_t size, const char *name, bool nomap)
{
	if (platform.reserved_count >= MAX_RESERVED || !size)
		return;
	platform.reserved[platform.reserved_count] = (struct mem_range){base, size};
	platform.reserved_name[platform.reserved_count] = name;
	platform.reserved_nomap[platform.reserved_count] = nomap;
	platform.reserved_count++;
}

/* Memory that is not ours to use: the blob's reservation block and the
 * children of /reserved-memory (where OpenSBI describes its own region). */
static void discover_reserved(const void *fdt)
{
	for (int i = 0; i < fdt_num_mem_rsv(fdt); i++) {
		uint64_t base, size;
		if (!fdt_get_mem_rsv(fdt, i, &base, &size))
			add_reserved(base, size, "/memreserve/", false);
	}
	int parent = child_named(0, "reserved-memory", 15);
	for (int k = parent + 1; parent >= 0 && k < node_count; k++) {
		if (nodes[k].parent != parent)
			continue;
		uint64_t base, size;
		bool nomap = node_prop(k, "no-map", NULL) != NULL;
		for (int i = 0; dt_read_reg(k, i, &base, &size) == 0; i++)
			add_reserved(base, size, node_name(k), nomap);
	}
}

static void discover_harts(void)
{
	int cpus = child_named(0, "cpus", 4);
	if (cpus < 0)
		return;
	platform.timebase_frequency = prop_u32(cpus, "timebase-frequency", 0);

	for (int k = cpus + 1; k < node_count; k++) {
		if (nodes[k].parent != cpus)
			continue;
		const char *type = node_string(k, "device_type");
		if (!type || strcmp(type, "cpu") || !node_enabled(k))
			continue;
		uint64_t hartid, unused;
		if (dt_read_reg(k, 0, &hartid, &unused) < 0)
			continue;
		if (platform.hart_count >= MAX_HARTS) {
			platform.harts_ignored++;
			continue;
		}
		platform.hart[platform.hart_count].hartid = hartid;
		platform.hart[platform.hart_count].isa = node_string(k, "riscv,isa");
		int intc = child_named(k, "interrupt-controller", 20);
		platform.hart[platform.hart_count].intc_phandle =
		    intc >= 0 ? prop_u32(intc, "phandle", prop_u32(intc, "linux,phandle", 0)) : 0;
		platform.hart_count++;
		if (!platform.timebase_frequency)
			platform.timebase_frequency = prop_u32(k, "timebase-frequency", 0);
	}
}

/* The console is the node that /chosen/stdout-path names ("path:options"),
 * else the first ns16550-compatible UART. */
static void discover_uart(int chosen)
{
	int node = -1;
	const char *path = chosen >= 0 ? node_string(chosen, "stdout-path") : NULL;
	if (path) {
		const char *colon = strchr(path, ':');
		node = node_by_path(path, colon ? (int)(colon - path) : (int)strlen(path));
	}
	if (node < 0) {
		static const char *const uarts[] = {"ns16550a", "ns16550", NULL};
		node = find_compatible(uarts);
	}
	if (node < 0)
		return;
	read_device(node, &platform.uart);
	platform.uart_reg_shift = prop_u32(node, "reg-shift", 0);
	platform.uart_reg_io_width = prop_u32(node, "reg-io-width", 1);
	platform.uart_clock = prop_u32(node, "clock-frequency", 0);
}

static void add_virtio_slot(int k)
{
	if (platform.virtio_count >= MAX_VIRTIO_SLOTS)
		return;
	struct dt_device dev = {0};
	read_device(k, &dev);
	/* kept in address order (the tree lists them in reverse) */
	int i = platform.virtio_count++;
	for (; i > 0 && platform.virtio[i - 1].base > dev.base; i--)
		platform.virtio[i] = platform.virtio[i - 1];
	platform.virtio[i] = dev;
}

/* One look at every node: memory, the interrupt controller, QEMU's test
 * finisher, the virtio-mmio slots. (ch1 finds each with its own search;
 * with several searches over the whole tree, discovery was the largest part
 * of boot time, which make bench measures from here on.) */
static void scan_nodes(void)
{
	for (int k = 0; k < node_count; k++) {
		if (!node_enabled(k))
			continue;
		const char *type = node_string(k, "device_type");
		if (type && !strcmp(type, "memory")) {
			for (int i = 0; platform.ram_count < MAX_MEM_REGIONS; i++) {
				struct mem_range *r = &platform.ram[platform.ram_count];
				if (dt_read_reg(k, i, &r->base, &r->size) < 0)
					break;
				if (r->size)
					platform.ram_count++;
			}
			continue;
		}
		int len;
		const char *compat = node_prop(k, "compatible", &len);
		if (!compat)
			continue;
		if (!platform.intc.present && (compatible_with(compat, len, "riscv,plic0") ||
		                               compatible_with(compat, len, "sifive,plic-1.0.0") ||
		                               compatible_with(compat, len, "riscv,aplic"))) {
			read_device(k, &platform.intc);
			platform.intc_node = nodes[k].offset;
			platform.intc_sources = prop_u32(k, "riscv,ndev", 0);
		} else if (!platform.test_finisher.present &&
		           compatible_with(compat, len, "sifive,test0")) {
			read_device(k, &platform.test_finisher);
		} else if (compatible_with(compat, len, "virtio,mmio")) {
			add_virtio_slot(k);
		}
	}
}

int dt_discover(const void *fdt)
{
	int err = fdt_check_header(fdt);
	/* Before version 16 (2008) some values were padded: index_tree expects none. */
	if (!err && fdt_version(fdt) < 16)
		err = -FDT_ERR_BADVERSION;
	if (!err)
		err = index_tree(fdt);
	if (err == -FDT_ERR_NOSPACE)
		printf("device tree: more than %d nodes, %d properties or %d levels "
		       "(MAX_DT_* in boot/dt.c)\n",
		       MAX_DT_NODES, MAX_DT_PROPS, MAX_DT_DEPTH);
	if (err)
		return err;
	platform.fdt = fdt;
	platform.fdt_size = fdt_totalsize(fdt);
	platform.model = node_string(0, "model");

	scan_nodes();
	discover_reserved(fdt);
	discover_harts();
	int chosen = child_named(0, "chosen", 6);
	discover_uart(chosen);
	platform.bootargs = chosen >= 0 ? node_string(chosen, "bootargs") : NULL;
	return 0;
}

/* riscv,isa is "rv64" followed by single-letter extensions in canonical
 * order, then multi-letter ones, each after an underscore:
 * "rv64imafdch_zicsr_zifencei_sstc". */
bool isa_has_extension(const char *isa, char ext)
{
	/* LAB 1 BEGIN: find a single-letter extension in a riscv,isa string */
	/* Spec: true when `ext` is one of the single-letter extensions after "rv64" (those end at
	 * the first '_'), so that "rv64imafdch_zicsr" has 'h' and "rv64imac_zh" has not. */
	if (!isa || strncmp(isa, "rv", 2))
		return false;
	const char *p = isa + 2;
	while (*p >= '0' && *p <= '9')
		p++;
	for (; *p && *p != '_'; p++)
		if (*p == ext)
			return true;
	return false;
	/* LAB 1 END */
}

bool bootarg(const char *key, char *buf, unsigned long size)
{
	const char *p = platform.bootargs;
	size_t keylen = strlen(key);

	while (p && *p) {
		while (*p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ' ')
			end++;
		if (!strncmp(p, key, keylen) && (p + keylen == end || p[keylen] == '=')) {
			const char *v = p + keylen + (p + keylen < end);
			unsigned long n = (unsigned long)(end - v);
			if (size) {
				if (n >= size)
					n = size - 1;
				memcpy(buf, v, n);
				buf[n] = '\0';
			}
			return true;
		}
		p = end;
	}
	return false;
}

bool isa_has_multi_extension(const char *isa, const char *ext)
{
	size_t len = strlen(ext);
	for (const char *p = isa ? strchr(isa, '_') : NULL; p; p = strchr(p + 1, '_'))
		if (!strncmp(p + 1, ext, len) && (p[1 + len] == '_' || p[1 + len] == '\0'))
			return true;
	return false;
}

static bool in_range(uint64_t addr, uint64_t base, uint64_t size)
{
	return addr >= base && addr - base < size;
}

/* Whether node k claims addr through its `ranges` (a bus that maps a
 * window of its parent's address space onto its children). */
static bool ranges_claim(int k, uint64_t addr)
{
	int len;
	const fdt32_t *r = node_prop(k, "ranges", &len);
	if (!r || len <= 0 || nodes[k].parent < 0)
		return false;
	int child_ac = address_cells(k);
	int parent_ac = address_cells(nodes[k].parent);
	int sc = size_cells(k);
	int stride = child_ac + parent_ac + sc;
	if (stride <= 0 || parent_ac > 2 || sc > 2)
		return false;
	for (int i = 0; (i + 1) * stride * 4 <= len; i++) {
		const fdt32_t *e = r + i * stride;
		if (in_range(addr, read_cells(e + child_ac, parent_ac),
		             read_cells(e + child_ac + parent_ac, sc)))
			return true;
	}
	return false;
}

static bool claimed(uint64_t addr)
{
	for (int k = 0; k < node_count; k++) {
		uint64_t base, size;
		for (int i = 0; dt_read_reg(k, i, &base, &size) == 0; i++)
			if (in_range(addr, base, size))
				return true;
		if (ranges_claim(k, addr))
			return true;
	}
	return false;
}

uint64_t dt_unclaimed_address(void)
{
	/* Search 16 MiB steps below RAM, where platforms keep their devices;
	 * /cpus and its children have no address space of their own. */
	for (uint64_t a = 0x1000000; a < 0x80000000ULL; a += 0x1000000)
		if (!claimed(a))
			return a;
	return 0;
}
