/* Device-tree discovery: everything the hypervisor needs to know about the
 * machine comes from the blob, never from a hard-coded address. */
#include <libfdt.h>

#include "boot/platform.h"
#include "lib/string.h"

struct platform platform;

static inline uint64_t read_cells(const fdt32_t *cells, int count)
{
	uint64_t v = 0;
	for (int i = 0; i < count; i++)
		v = (v << 32) | fdt32_to_cpu(cells[i]);
	return v;
}

/* Entry `index` of a node's `reg`: an address and a size, each as many
 * 32-bit big-endian cells as the parent's #address-cells and #size-cells say. */
static int dt_read_reg(const void *fdt, int node, int index, uint64_t *base, uint64_t *size)
{
	/* LAB 1 BEGIN: decode one (address, size) pair of a node's reg property */
	/* Spec: return 0 with *base and *size set from pair `index`, or a negative libfdt error
	 * (-FDT_ERR_NOTFOUND past the last pair). The cell counts are the parent's #address-cells
	 * and #size-cells. The grader compares the memory, UART, PLIC and virtio lines with QEMU's
	 * own device tree. */
	int parent = fdt_parent_offset(fdt, node);
	if (parent < 0)
		return parent;
	int ac = fdt_address_cells(fdt, parent);
	int sc = fdt_size_cells(fdt, parent);
	if (ac < 1 || ac > 2 || sc < 0 || sc > 2)
		return -FDT_ERR_BADNCELLS;

	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
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

static uint32_t prop_u32(const void *fdt, int node, const char *name, uint32_t fallback)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);
	if (!p || len < (int)sizeof(*p))
		return fallback;
	return fdt32_to_cpu(*p);
}

static bool node_enabled(const void *fdt, int node)
{
	const char *status = fdt_getprop(fdt, node, "status", NULL);
	return !status || !strcmp(status, "okay") || !strcmp(status, "ok");
}

static void read_device(const void *fdt, int node, struct dt_device *dev)
{
	dev->present = true;
	dev->compatible = fdt_getprop(fdt, node, "compatible", NULL);
	dev->irq = prop_u32(fdt, node, "interrupts", 0);
	if (dt_read_reg(fdt, node, 0, &dev->base, &dev->size) < 0)
		dev->base = dev->size = 0;
}

/* The first enabled node compatible with any of `compatibles`, or -1. */
static int find_compatible(const void *fdt, const char *const *compatibles)
{
	for (; *compatibles; compatibles++) {
		int node = -1;
		while ((node = fdt_node_offset_by_compatible(fdt, node, *compatibles)) >= 0)
			if (node_enabled(fdt, node))
				return node;
	}
	return -1;
}

static void discover_memory(const void *fdt)
{
	int node = -1;
	while ((node = fdt_node_offset_by_prop_value(fdt, node, "device_type", "memory",
	                                             sizeof("memory"))) >= 0) {
		if (!node_enabled(fdt, node))
			continue;
		for (int i = 0; platform.ram_count < MAX_MEM_REGIONS; i++) {
			struct mem_range *r = &platform.ram[platform.ram_count];
			if (dt_read_reg(fdt, node, i, &r->base, &r->size) < 0)
				break;
			if (r->size)
				platform.ram_count++;
		}
	}
}

static void add_reserved(uint64_t base, uint64_t size, const char *name)
{
	if (platform.reserved_count >= MAX_RESERVED || !size)
		return;
	platform.reserved[platform.reserved_count] = (struct mem_range){base, size};
	platform.reserved_name[platform.reserved_count] = name;
	platform.reserved_count++;
}

/* Memory that is not ours to use: the blob's reservation block and the
 * children of /reserved-memory (where OpenSBI describes its own region). */
static void discover_reserved(const void *fdt)
{
	for (int i = 0; i < fdt_num_mem_rsv(fdt); i++) {
		uint64_t base, size;
		if (!fdt_get_mem_rsv(fdt, i, &base, &size))
			add_reserved(base, size, "/memreserve/");
	}
	int parent = fdt_path_offset(fdt, "/reserved-memory");
	if (parent < 0)
		return;
	int node;
	fdt_for_each_subnode(node, fdt, parent)
	{
		uint64_t base, size;
		for (int i = 0; dt_read_reg(fdt, node, i, &base, &size) == 0; i++)
			add_reserved(base, size, fdt_get_name(fdt, node, NULL));
	}
}

static void discover_harts(const void *fdt)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus < 0)
		return;
	platform.timebase_frequency = prop_u32(fdt, cpus, "timebase-frequency", 0);

	int node;
	fdt_for_each_subnode(node, fdt, cpus)
	{
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		if (!type || strcmp(type, "cpu") || !node_enabled(fdt, node))
			continue;
		uint64_t hartid, unused;
		if (dt_read_reg(fdt, node, 0, &hartid, &unused) < 0)
			continue;
		if (platform.hart_count >= MAX_HARTS) {
			platform.harts_ignored++;
			continue;
		}
		platform.hart[platform.hart_count].hartid = hartid;
		platform.hart[platform.hart_count].isa = fdt_getprop(fdt, node, "riscv,isa", NULL);
		platform.hart_count++;
		if (!platform.timebase_frequency)
			platform.timebase_frequency = prop_u32(fdt, node, "timebase-frequency", 0);
	}
}

/* The console is the node that /chosen/stdout-path names ("path:options"),
 * else the first ns16550-compatible UART. */
static void discover_uart(const void *fdt)
{
	int node = -1;
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *path = chosen >= 0 ? fdt_getprop(fdt, chosen, "stdout-path", NULL) : NULL;
	if (path) {
		const char *colon = strchr(path, ':');
		int len = colon ? (int)(colon - path) : (int)strlen(path);
		node = fdt_path_offset_namelen(fdt, path, len);
	}
	if (node < 0) {
		static const char *const uarts[] = {"ns16550a", "ns16550", NULL};
		node = find_compatible(fdt, uarts);
	}
	if (node < 0)
		return;
	read_device(fdt, node, &platform.uart);
	platform.uart_reg_shift = prop_u32(fdt, node, "reg-shift", 0);
	platform.uart_reg_io_width = prop_u32(fdt, node, "reg-io-width", 1);
	platform.uart_clock = prop_u32(fdt, node, "clock-frequency", 0);
}

static void discover_devices(const void *fdt)
{
	static const char *const intcs[] = {"riscv,plic0", "sifive,plic-1.0.0", "riscv,aplic",
	                                    NULL};
	int node = find_compatible(fdt, intcs);
	if (node >= 0) {
		read_device(fdt, node, &platform.intc);
		platform.intc_sources = prop_u32(fdt, node, "riscv,ndev", 0);
	}

	static const char *const finishers[] = {"sifive,test0", NULL};
	node = find_compatible(fdt, finishers);
	if (node >= 0)
		read_device(fdt, node, &platform.test_finisher);

	/* virtio-mmio slots, kept in address order (the tree lists them in reverse). */
	node = -1;
	while ((node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) >= 0) {
		if (!node_enabled(fdt, node) || platform.virtio_count >= MAX_VIRTIO_SLOTS)
			continue;
		struct dt_device dev = {0};
		read_device(fdt, node, &dev);
		int i = platform.virtio_count++;
		for (; i > 0 && platform.virtio[i - 1].base > dev.base; i--)
			platform.virtio[i] = platform.virtio[i - 1];
		platform.virtio[i] = dev;
	}
}

int dt_discover(const void *fdt)
{
	int err = fdt_check_header(fdt);
	if (err)
		return err;
	platform.fdt = fdt;
	platform.fdt_size = fdt_totalsize(fdt);
	platform.model = fdt_getprop(fdt, 0, "model", NULL);

	discover_memory(fdt);
	discover_reserved(fdt);
	discover_harts(fdt);
	discover_uart(fdt);
	discover_devices(fdt);

	int chosen = fdt_path_offset(fdt, "/chosen");
	platform.bootargs = chosen >= 0 ? fdt_getprop(fdt, chosen, "bootargs", NULL) : NULL;
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
