/* vm-config.json -> struct hvmgmt_vm_desc. The format is Rust-Shyper's
 * where the concepts match (a config ports with small edits); every field
 * is known by name: one that hvlab has no use for is refused with the
 * reason, one nobody knows is refused as unknown, never skipped. Values
 * are checked only as far as the description needs (types, sizes that fit,
 * the devices' places in hvlab's guest machine); whether they make a VM
 * (RAM bounds, the entry inside the image, the disk slice) is the
 * hypervisor's check, which prints its reason. */
#include "vm_config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json/json.h"

/* A vm-config.json of Rust-Shyper has about 100 tokens. */
#define VM_CONFIG_MAX_TOKENS 512

/* hvlab's guest machine (hv/vdev/machine.c): where its devices are. */
#define MACHINE_PLIC_BASE 0x0c000000
#define MACHINE_BLK_BASE  0x10001000
#define MACHINE_BLK_IRQ   16
#define MACHINE_NET_BASE  0x10002000
#define MACHINE_NET_IRQ   17
#define MACHINE_MMIO_SIZE 0x1000

struct field {
	const char *key;
	const char *unsupported; /* NULL: hvlab uses it; else why not */
};

struct ctx {
	struct json_doc doc;
	struct vm_config *cfg;
	char *err;
	size_t err_size;
};

static int refuse(struct ctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->err_size, "vm config: %s: ", path);
	if (n >= 0 && (size_t)n < c->err_size) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->err_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A name from the text, as it goes into a message: escapes such as \n
 * are undone by then, and a message is one line. */
static void printable(char *s)
{
	for (; *s; s++)
		if (*s < ' ' || *s > '~')
			*s = '?';
}

static void join(char *out, size_t size, const char *path, const char *key)
{
	snprintf(out, size, "%s%s%s", path, *path ? "." : "", key);
}

/* Every member of obj must be in fields, once, and supported. */
static int check_fields(struct ctx *c, int obj, const char *path, const struct field *fields)
{
	int members = json_count(&c->doc, obj);
	for (int m = 0; m < members; m++) {
		char key[40], where[96];
		int k = json_key_at(&c->doc, obj, m);
		if (json_string(&c->doc, k, key, sizeof(key)) < 0)
			return refuse(c, *path ? path : "(top)", "a field with a too long name");
		printable(key);
		join(where, sizeof(where), path, key);
		for (int e = 0; e < m; e++)
			if (json_equals(&c->doc, json_key_at(&c->doc, obj, e), key))
				return refuse(c, where, "given twice");
		const struct field *f = fields;
		while (f->key && strcmp(f->key, key))
			f++;
		if (!f->key)
			return refuse(c, where, "unknown field");
		if (f->unsupported)
			return refuse(c, where, "not supported by hvlab (%s)", f->unsupported);
	}
	return 0;
}

/* An object member that must be an object (or is absent: JSON_NONE). */
static int get_object(struct ctx *c, int obj, const char *path, const char *key, bool required,
                      int *out)
{
	char where[96];
	join(where, sizeof(where), path, key);
	*out = json_member(&c->doc, obj, key);
	if (*out == JSON_NONE)
		return required ? refuse(c, where, "missing") : 0;
	if (!json_is_object(&c->doc, *out))
		return refuse(c, where, "is %s, not an object", json_kind(&c->doc, *out));
	return 0;
}

static int get_string(struct ctx *c, int obj, const char *path, const char *key, bool required,
                      char *buf, size_t cap)
{
	char where[96];
	join(where, sizeof(where), path, key);
	int tok = json_member(&c->doc, obj, key);
	buf[0] = '\0';
	if (tok == JSON_NONE)
		return required ? refuse(c, where, "missing") : 0;
	if (!json_is_string(&c->doc, tok))
		return refuse(c, where, "is %s, not a string", json_kind(&c->doc, tok));
	if (json_string(&c->doc, tok, buf, cap) < 0)
		return refuse(c, where, "longer than %zu characters, or a \\u escape beyond ASCII",
		              cap - 1);
	return 0;
}

static int number_at(struct ctx *c, int tok, const char *where, uint64_t *out)
{
	const char *text;
	if (json_u64(&c->doc, tok, out) == 0)
		return 0;
	const char *kind = json_kind(&c->doc, tok);
	int len = json_raw(&c->doc, tok, &text);
	if (strcmp(kind, "a number") && strcmp(kind, "a string"))
		return refuse(c, where, "is %s, not a number", kind);
	return refuse(c, where,
	              "%.*s is not a whole number of 64 bits (decimal, or a \"0x...\" or "
	              "\"0b...\" string)",
	              len > 24 ? 24 : len, text);
}

/* *present says whether it was there (NULL: it must be). */
static int get_number(struct ctx *c, int obj, const char *path, const char *key, bool *present,
                      uint64_t *out)
{
	char where[96];
	join(where, sizeof(where), path, key);
	int tok = json_member(&c->doc, obj, key);
	if (present)
		*present = tok != JSON_NONE;
	if (tok == JSON_NONE)
		return present ? 0 : refuse(c, where, "missing");
	return number_at(c, tok, where, out);
}

/* A number that must fit a field of max. */
static int get_bounded(struct ctx *c, int obj, const char *path, const char *key, bool *present,
                       uint64_t max, uint64_t *out)
{
	char where[96];
	if (get_number(c, obj, path, key, present, out) < 0)
		return -1;
	join(where, sizeof(where), path, key);
	if ((!present || *present) && *out > max)
		return refuse(c, where, "%#llx is more than %#llx", (unsigned long long)*out,
		              (unsigned long long)max);
	return 0;
}

static const struct field image_fields[] = {
    {"kernel_filename", NULL},
    {"kernel_load_ipa", NULL},
    {"kernel_entry_point", NULL},
    {"ramdisk_filename", NULL},
    {"device_tree_filename", "the hypervisor writes each VM's device tree"},
    {"device_tree_load_ipa", "the hypervisor places each VM's device tree"},
    {"ramdisk_load_ipa", "the hypervisor places the initrd"},
    {NULL, NULL},
};

static int convert_image(struct ctx *c, int root)
{
	struct vm_config *cfg = c->cfg;
	int image;
	if (get_object(c, root, "", "image", true, &image) < 0 ||
	    check_fields(c, image, "image", image_fields) < 0 ||
	    get_string(c, image, "image", "kernel_filename", true, cfg->kernel_file,
	               sizeof(cfg->kernel_file)) < 0 ||
	    get_number(c, image, "image", "kernel_load_ipa", NULL, &cfg->desc.load_gpa) < 0 ||
	    get_number(c, image, "image", "kernel_entry_point", NULL, &cfg->desc.entry_gpa) < 0 ||
	    get_string(c, image, "image", "ramdisk_filename", false, cfg->ramdisk_file,
	               sizeof(cfg->ramdisk_file)) < 0)
		return -1;
	if (!cfg->kernel_file[0])
		return refuse(c, "image.kernel_filename", "empty");
	return 0;
}

static const struct field memory_fields[] = {{"region", NULL}, {"num", NULL}, {NULL, NULL}};
static const struct field region_fields[] = {{"ipa_start", NULL}, {"length", NULL}, {NULL, NULL}};

static int convert_memory(struct ctx *c, int root)
{
	int memory;
	uint64_t num;
	bool has_num;
	if (get_object(c, root, "", "memory", true, &memory) < 0 ||
	    check_fields(c, memory, "memory", memory_fields) < 0 ||
	    get_number(c, memory, "memory", "num", &has_num, &num) < 0)
		return -1;
	int regions = json_member(&c->doc, memory, "region");
	if (regions == JSON_NONE)
		return refuse(c, "memory.region", "missing");
	if (!json_is_array(&c->doc, regions))
		return refuse(c, "memory.region", "is %s, not an array",
		              json_kind(&c->doc, regions));
	int count = json_count(&c->doc, regions);
	if (has_num && num != (uint64_t)count)
		return refuse(c, "memory.num", "%llu, but memory.region has %d",
		              (unsigned long long)num, count);
	if (count == 0)
		return refuse(c, "memory.region", "empty: a VM needs RAM");
	if (count > 1)
		return refuse(c, "memory.region",
		              "%d regions: not supported by hvlab (a VM has one region of RAM)",
		              count);
	int region = json_element(&c->doc, regions, 0);
	if (!json_is_object(&c->doc, region))
		return refuse(c, "memory.region[0]", "is %s, not an object",
		              json_kind(&c->doc, region));
	return check_fields(c, region, "memory.region[0]", region_fields) < 0 ||
	               get_number(c, region, "memory.region[0]", "ipa_start", NULL,
	                          &c->cfg->desc.mem_gpa) < 0 ||
	               get_number(c, region, "memory.region[0]", "length", NULL,
	                          &c->cfg->desc.mem_size) < 0
	           ? -1
	           : 0;
}

static const struct field cpu_fields[] = {
    {"num", NULL},
    {"allocate_bitmap", NULL},
    {"master", "a VM's harts are all alike: any one boots it"},
    {NULL, NULL},
};

static int convert_cpu(struct ctx *c, int root)
{
	int cpu;
	uint64_t num = 1, bitmap = 0;
	bool has_num = false, has_bitmap = false;
	if (get_object(c, root, "", "cpu", false, &cpu) < 0)
		return -1;
	if (cpu != JSON_NONE &&
	    (check_fields(c, cpu, "cpu", cpu_fields) < 0 ||
	     get_bounded(c, cpu, "cpu", "num", &has_num, UINT32_MAX, &num) < 0 ||
	     get_number(c, cpu, "cpu", "allocate_bitmap", &has_bitmap, &bitmap) < 0))
		return -1;
	c->cfg->desc.vcpus = has_num ? (uint32_t)num : 1;
	c->cfg->desc.hart_mask = has_bitmap ? bitmap : 0;
	return 0;
}

static const struct field device_fields[] = {
    {"name", NULL},   {"base_ipa", NULL},  {"length", NULL},
    {"irq_id", NULL}, {"cfg_num", NULL},   {"cfg_list", NULL},
    {"type", NULL},   {"read_only", NULL}, {NULL, NULL},
};

/* A device must sit where hvlab's guest machine has it: a config written
 * for another machine is refused, not moved. */
static int check_place(struct ctx *c, int dev, const char *path, uint64_t base, uint64_t irq,
                       uint64_t length)
{
	uint64_t v;
	bool present;
	char where[96];
	if (get_number(c, dev, path, "base_ipa", &present, &v) < 0)
		return -1;
	join(where, sizeof(where), path, "base_ipa");
	if (present && v != base)
		return refuse(c, where, "%#llx: hvlab's guest machine has this device at %#llx",
		              (unsigned long long)v, (unsigned long long)base);
	if (get_number(c, dev, path, "irq_id", &present, &v) < 0)
		return -1;
	join(where, sizeof(where), path, "irq_id");
	if (present && irq && v != irq)
		return refuse(c, where, "%llu: hvlab's guest machine has this device on %llu",
		              (unsigned long long)v, (unsigned long long)irq);
	if (get_number(c, dev, path, "length", &present, &v) < 0)
		return -1;
	join(where, sizeof(where), path, "length");
	if (present && length && v != length)
		return refuse(c, where, "%#llx: hvlab's guest machine has %#llx",
		              (unsigned long long)v, (unsigned long long)length);
	return 0;
}

/* cfg_list (and cfg_num, which must count it): how many values there are. */
static int cfg_list(struct ctx *c, int dev, const char *path, int *list)
{
	char where[96];
	uint64_t num;
	bool has_num;
	join(where, sizeof(where), path, "cfg_list");
	*list = json_member(&c->doc, dev, "cfg_list");
	if (*list != JSON_NONE && !json_is_array(&c->doc, *list))
		return refuse(c, where, "is %s, not an array", json_kind(&c->doc, *list));
	int count = *list == JSON_NONE ? 0 : json_count(&c->doc, *list);
	if (get_number(c, dev, path, "cfg_num", &has_num, &num) < 0)
		return -1;
	if (has_num && num != (uint64_t)count) {
		join(where, sizeof(where), path, "cfg_num");
		return refuse(c, where, "%llu, but cfg_list has %d", (unsigned long long)num,
		              count);
	}
	return count;
}

static int cfg_value(struct ctx *c, int list, const char *path, int n, uint64_t *out)
{
	char where[96];
	snprintf(where, sizeof(where), "%s.cfg_list[%d]", path, n);
	return number_at(c, json_element(&c->doc, list, n), where, out);
}

/* EMU_DEVICE_T_VIRTIO_BLK_MEDIATED: cfg_list = [first sector, sectors] of
 * the host's disk, as Rust-Shyper's mediated disks have; hvlab's own
 * "read_only": true makes the slice read-only. */
static int convert_blk(struct ctx *c, int dev, const char *path)
{
	struct hvmgmt_vm_desc *d = &c->cfg->desc;
	int list;
	bool ro = false;
	char where[96];
	if (d->flags & HVMGMT_DISK)
		return refuse(c, path,
		              "a second virtio-blk: not supported by hvlab (one disk a VM)");
	if (check_place(c, dev, path, MACHINE_BLK_BASE, MACHINE_BLK_IRQ, MACHINE_MMIO_SIZE) < 0)
		return -1;
	int count = cfg_list(c, dev, path, &list);
	if (count < 0)
		return -1;
	join(where, sizeof(where), path, "cfg_list");
	if (count != 2)
		return refuse(c, where, "%d values: a disk slice is [first sector, sectors]",
		              count);
	if (cfg_value(c, list, path, 0, &d->disk_start) < 0 ||
	    cfg_value(c, list, path, 1, &d->disk_sectors) < 0)
		return -1;
	int ro_tok = json_member(&c->doc, dev, "read_only");
	join(where, sizeof(where), path, "read_only");
	if (ro_tok != JSON_NONE && json_bool(&c->doc, ro_tok, &ro) < 0)
		return refuse(c, where, "is %s, not true or false", json_kind(&c->doc, ro_tok));
	d->flags |= HVMGMT_DISK | (ro ? HVMGMT_DISK_RO : 0);
	return 0;
}

/* EMU_DEVICE_T_VIRTIO_NET: cfg_list = the MAC's six bytes (or nothing: the
 * hypervisor chooses one). */
static int convert_net(struct ctx *c, int dev, const char *path)
{
	struct hvmgmt_vm_desc *d = &c->cfg->desc;
	int list;
	char where[96];
	if (d->flags & HVMGMT_NET)
		return refuse(c, path,
		              "a second virtio-net: not supported by hvlab (one port a VM)");
	if (check_place(c, dev, path, MACHINE_NET_BASE, MACHINE_NET_IRQ, MACHINE_MMIO_SIZE) < 0)
		return -1;
	if (json_member(&c->doc, dev, "read_only") != JSON_NONE) {
		join(where, sizeof(where), path, "read_only");
		return refuse(c, where, "only a virtio-blk disk has it");
	}
	int count = cfg_list(c, dev, path, &list);
	if (count < 0)
		return -1;
	join(where, sizeof(where), path, "cfg_list");
	if (count != 0 && count != 6)
		return refuse(c, where, "%d values: a MAC address is 6 bytes", count);
	for (int i = 0; i < count; i++) {
		uint64_t byte;
		if (cfg_value(c, list, path, i, &byte) < 0)
			return -1;
		if (byte > 0xff)
			return refuse(c, where, "%#llx is not a byte", (unsigned long long)byte);
		d->mac[i] = (uint8_t)byte;
	}
	d->flags |= HVMGMT_NET | (count ? HVMGMT_MAC : 0);
	return 0;
}

static int convert_device(struct ctx *c, int dev, const char *path)
{
	char type[48], name[64], where[96];
	if (!json_is_object(&c->doc, dev))
		return refuse(c, path, "is %s, not an object", json_kind(&c->doc, dev));
	if (check_fields(c, dev, path, device_fields) < 0 ||
	    get_string(c, dev, path, "name", false, name, sizeof(name)) < 0 ||
	    get_string(c, dev, path, "type", true, type, sizeof(type)) < 0)
		return -1;
	printable(type);
	if (!strcmp(type, "EMU_DEVICE_T_VIRTIO_BLK_MEDIATED"))
		return convert_blk(c, dev, path);
	if (!strcmp(type, "EMU_DEVICE_T_VIRTIO_NET"))
		return convert_net(c, dev, path);
	if (!strcmp(type, "EMU_DEVICE_T_PLIC")) {
		/* Every hvlab VM has its PLIC there: naming it changes nothing,
		 * but a PLIC elsewhere cannot be. */
		int list;
		if (json_member(&c->doc, dev, "read_only") != JSON_NONE) {
			join(where, sizeof(where), path, "read_only");
			return refuse(c, where, "only a virtio-blk disk has it");
		}
		return check_place(c, dev, path, MACHINE_PLIC_BASE, 0, 0) < 0 ||
		               cfg_list(c, dev, path, &list) < 0
		           ? -1
		           : 0;
	}
	join(where, sizeof(where), path, "type");
	return refuse(c, where,
	              "%s: not supported by hvlab (EMU_DEVICE_T_VIRTIO_BLK_MEDIATED, "
	              "EMU_DEVICE_T_VIRTIO_NET, EMU_DEVICE_T_PLIC)",
	              type);
}

static const struct field emulated_fields[] = {
    {"emulated_device_list", NULL},
    {"num", NULL},
    {NULL, NULL},
};

static int convert_devices(struct ctx *c, int root)
{
	int emulated;
	uint64_t num;
	bool has_num;
	if (get_object(c, root, "", "emulated_device", false, &emulated) < 0)
		return -1;
	if (emulated == JSON_NONE)
		return 0;
	if (check_fields(c, emulated, "emulated_device", emulated_fields) < 0 ||
	    get_number(c, emulated, "emulated_device", "num", &has_num, &num) < 0)
		return -1;
	int list = json_member(&c->doc, emulated, "emulated_device_list");
	if (list == JSON_NONE)
		return refuse(c, "emulated_device.emulated_device_list", "missing");
	if (!json_is_array(&c->doc, list))
		return refuse(c, "emulated_device.emulated_device_list", "is %s, not an array",
		              json_kind(&c->doc, list));
	int count = json_count(&c->doc, list);
	if (has_num && num != (uint64_t)count)
		return refuse(c, "emulated_device.num", "%llu, but emulated_device_list has %d",
		              (unsigned long long)num, count);
	for (int i = 0; i < count; i++) {
		char path[64];
		snprintf(path, sizeof(path), "emulated_device.emulated_device_list[%d]", i);
		if (convert_device(c, json_element(&c->doc, list, i), path) < 0)
			return -1;
	}
	return 0;
}

static const struct field top_fields[] = {
    {"name", NULL},
    {"type", NULL},
    {"cmdline", NULL},
    {"image", NULL},
    {"memory", NULL},
    {"cpu", NULL},
    {"emulated_device", NULL},
    {"passthrough_device", "a VM has the emulated devices of hvlab's guest machine only"},
    {"dtb_device", "the hypervisor writes each VM's device tree"},
    {NULL, NULL},
};

/* The kinds of VM of Rust-Shyper's configs; hvlab boots both alike (a0 =
 * hart, a1 = device tree), so the type only has to be one of them. */
static int check_type(struct ctx *c, int root)
{
	char type[32];
	if (get_string(c, root, "", "type", false, type, sizeof(type)) < 0)
		return -1;
	printable(type);
	if (type[0] && strcmp(type, "VM_T_LINUX") && strcmp(type, "VM_T_BARE_METAL"))
		return refuse(c, "type",
		              "%s: not supported by hvlab (VM_T_LINUX or VM_T_BARE_METAL)", type);
	return 0;
}

int vm_config_parse(const char *text, size_t len, struct vm_config *cfg, char *err, size_t err_size)
{
	static JSON_TOKENS(tokens, VM_CONFIG_MAX_TOKENS);
	struct ctx c = {.cfg = cfg, .err = err, .err_size = err_size};
	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	if (json_parse(&c.doc, text, len, tokens, sizeof(tokens)) < 0) {
		snprintf(err, err_size, "vm config: not JSON: %s", c.doc.error);
		return -1;
	}
	cfg->desc.magic = HVMGMT_DESC_MAGIC;
	cfg->desc.version = HVMGMT_DESC_VERSION;
	cfg->desc.size = sizeof(cfg->desc);
	if (check_fields(&c, JSON_ROOT, "", top_fields) < 0 ||
	    get_string(&c, JSON_ROOT, "", "name", true, cfg->desc.name, sizeof(cfg->desc.name)) <
	        0 ||
	    check_type(&c, JSON_ROOT) < 0 ||
	    get_string(&c, JSON_ROOT, "", "cmdline", false, cfg->desc.cmdline,
	               sizeof(cfg->desc.cmdline)) < 0 ||
	    convert_image(&c, JSON_ROOT) < 0 || convert_memory(&c, JSON_ROOT) < 0 ||
	    convert_cpu(&c, JSON_ROOT) < 0 || convert_devices(&c, JSON_ROOT) < 0)
		return -1;
	if (!cfg->desc.name[0])
		return refuse(&c, "name", "empty");
	return 0;
}
