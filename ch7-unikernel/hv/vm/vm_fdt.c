/* The guest's device tree describes the machine the guest is given, not
 * the host: its RAM, its vCPUs (whose riscv,isa has no 'h': a guest cannot
 * nest, and no Sstc: its timer is SBI TIME), the host's timebase (the
 * guest reads the same `time`), /chosen (bootargs, console, initrd),
 * and a node for each device of the guest's machine (vm/vdev.h) with its
 * interrupts; the PLIC's context i is vCPU i's supervisor external
 * interrupt. Built with libfdt's sequential-write API. */
#include <libfdt.h>

#include "arch/csr.h"
#include "boot/platform.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vm/guest_mem.h"
#include "vm/vdev.h"
#include "vm/vm.h"
#include "vm/vm_fdt.h"

/* Every libfdt call returns a negative error, which ends the building. */
#define TRY(x)                       \
	do {                         \
		if ((err = (x)) < 0) \
			return err;  \
	} while (0)

static char fdt_buf[GUEST_FDT_MAX];
static struct spinlock fdt_lock = SPINLOCK_INIT("vm_fdt");

/* The host's ISA string without the extensions that the guest lacks. */
static void guest_isa(char *out, size_t size)
{
	const char *isa = platform.hart[0].isa ? platform.hart[0].isa : "rv64imafdc";
	size_t n = 0;
	const char *p = isa;
	/* single letters, 'h' dropped */
	while (*p && *p != '_' && n + 1 < size) {
		if (*p != 'h')
			out[n++] = *p;
		p++;
	}
	/* multi-letter ones, without sstc */
	while (*p == '_') {
		const char *end = strchr(p + 1, '_');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (!(len == 5 && !strncmp(p, "_sstc", 5)) && n + len + 1 < size) {
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	out[n] = '\0';
}

/* A device's node under /soc: its name@address, compatible and reg, what
 * its model adds, and its interrupt lines. */
static int device_node(void *buf, const struct vm *vm, const struct vdev_slot *slot)
{
	char name[48];
	int err = 0;
	snprintf(name, sizeof(name), "%s@%lx", slot->name, (unsigned long)slot->gpa);
	TRY(fdt_begin_node(buf, name));
	TRY(fdt_property_string(buf, "compatible", slot->model->compatible));
	fdt64_t reg[2] = {cpu_to_fdt64(slot->gpa), cpu_to_fdt64(slot->size)};
	TRY(fdt_property(buf, "reg", reg, sizeof(reg)));
	if (slot->model->fdt_props)
		TRY(slot->model->fdt_props(buf, vm, slot));
	if (slot->model->irqs) {
		fdt32_t *lines;
		TRY(fdt_property_u32(buf, "interrupt-parent", PLIC_PHANDLE));
		TRY(fdt_property_placeholder(
		    buf, "interrupts", (int)(slot->model->irqs * sizeof(*lines)), (void **)&lines));
		for (unsigned i = 0; i < slot->model->irqs; i++)
			lines[i] = cpu_to_fdt32(slot->irq + i);
	}
	return fdt_end_node(buf);
}

static int build(struct vm *vm, const char *bootargs, void *buf)
{
	char name[48], isa[128];
	int err = 0;
	/* Without name de-duplication: its search of the strings table for every
	 * property cost more than the rest of the build (make bench). */
	TRY(fdt_create_with_flags(buf, GUEST_FDT_MAX, FDT_CREATE_FLAG_NO_NAME_DEDUP));
	TRY(fdt_finish_reservemap(buf));
	TRY(fdt_begin_node(buf, ""));
	TRY(fdt_property_u32(buf, "#address-cells", 2));
	TRY(fdt_property_u32(buf, "#size-cells", 2));
	TRY(fdt_property_string(buf, "compatible", "hvlab,vm"));
	snprintf(name, sizeof(name), "hvlab vm%d (%s)", vm->id, vm->name);
	TRY(fdt_property_string(buf, "model", name));

	TRY(fdt_begin_node(buf, "chosen"));
	TRY(fdt_property_string(buf, "bootargs", bootargs));
	if (vm->initrd_end) {
		/* Linux's names (Documentation/devicetree/bindings/chosen.txt) */
		TRY(fdt_property_u64(buf, "linux,initrd-start", vm->initrd_start));
		TRY(fdt_property_u64(buf, "linux,initrd-end", vm->initrd_end));
	}
	for (unsigned i = 0; i < guest_machine_size; i++) {
		const struct vdev_slot *slot = &guest_machine[i];
		if (slot->model->console) {
			snprintf(name, sizeof(name), "/soc/%s@%lx", slot->name,
			         (unsigned long)slot->gpa);
			TRY(fdt_property_string(buf, "stdout-path", name));
			break;
		}
	}
	TRY(fdt_end_node(buf));

	snprintf(name, sizeof(name), "memory@%lx", (unsigned long)vm->ram_gpa);
	TRY(fdt_begin_node(buf, name));
	TRY(fdt_property_string(buf, "device_type", "memory"));
	fdt64_t reg[2] = {cpu_to_fdt64(vm->ram_gpa), cpu_to_fdt64(vm->ram_size)};
	TRY(fdt_property(buf, "reg", reg, sizeof(reg)));
	TRY(fdt_end_node(buf));

	guest_isa(isa, sizeof(isa));
	TRY(fdt_begin_node(buf, "cpus"));
	TRY(fdt_property_u32(buf, "#address-cells", 1));
	TRY(fdt_property_u32(buf, "#size-cells", 0));
	TRY(fdt_property_u32(buf, "timebase-frequency", platform.timebase_frequency));
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		TRY(fdt_begin_node(buf, name));
		TRY(fdt_property_string(buf, "device_type", "cpu"));
		TRY(fdt_property_u32(buf, "reg", i));
		TRY(fdt_property_string(buf, "status", "okay"));
		TRY(fdt_property_string(buf, "compatible", "riscv"));
		TRY(fdt_property_string(buf, "riscv,isa", isa));
		TRY(fdt_property_string(buf, "mmu-type", "riscv,sv39"));
		TRY(fdt_begin_node(buf, "interrupt-controller"));
		TRY(fdt_property_u32(buf, "#interrupt-cells", 1));
		TRY(fdt_property(buf, "interrupt-controller", NULL, 0));
		TRY(fdt_property_string(buf, "compatible", "riscv,cpu-intc"));
		TRY(fdt_property_u32(buf, "phandle", CPU_INTC_PHANDLE(i)));
		TRY(fdt_end_node(buf));
		TRY(fdt_end_node(buf));
	}
	TRY(fdt_end_node(buf));

	TRY(fdt_begin_node(buf, "soc"));
	TRY(fdt_property_u32(buf, "#address-cells", 2));
	TRY(fdt_property_u32(buf, "#size-cells", 2));
	TRY(fdt_property_string(buf, "compatible", "simple-bus"));
	TRY(fdt_property(buf, "ranges", NULL, 0));
	for (unsigned i = 0; i < guest_machine_size; i++)
		TRY(device_node(buf, vm, &guest_machine[i]));
	TRY(fdt_end_node(buf));

	TRY(fdt_end_node(buf));
	TRY(fdt_finish(buf));
	return 0;
}

int vm_fdt_build(struct vm *vm, const char *bootargs)
{
	spin_lock(&fdt_lock);
	int err = build(vm, bootargs, fdt_buf);
	if (!err)
		err = guest_write(vm, vm->fdt_gpa, fdt_buf, fdt_totalsize(fdt_buf));
	spin_unlock(&fdt_lock);
	if (err)
		printf("vm%d: device tree: %s\n", vm->id, err < 0 ? fdt_strerror(err) : "no room");
	return err ? -1 : 0;
}
