/* Creating a VM: guest RAM in the G-stage table, the image copied into it
 * (at its start for the built-in guests, 2 MiB in for a raw image), a device
 * tree at its end, the emulated devices, vCPU 0 ready to start at the image
 * with a0 = 0 and a1 = the device tree (the same entry contract as
 * OpenSBI's for an S-mode kernel). */
#include <stdarg.h>

#include "arch/hart.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vm/guest_mem.h"
#include "vm/sched.h"
#include "vm/vm.h"
#include "vm/vm_fdt.h"

_Static_assert(VPLIC_MAX_CONTEXTS >= MAX_VCPUS, "a vPLIC context for every vCPU");

struct vm vms[MAX_VMS];
static struct spinlock vms_lock = SPINLOCK_INIT("vms");

static struct vm *vm_alloc(void)
{
	spin_lock(&vms_lock);
	for (int i = 0; i < MAX_VMS; i++) {
		if (vms[i].state == VM_FREE) {
			memset(&vms[i], 0, sizeof(vms[i]));
			vms[i].id = i + 1;
			/* irq: the console prompt's "stop" runs in the UART's interrupt. */
			spin_init(&vms[i].lock, "vm", true);
			vms[i].state = VM_STOPPED; /* until it is complete */
			spin_unlock(&vms_lock);
			return &vms[i];
		}
	}
	spin_unlock(&vms_lock);
	return NULL;
}

struct vm *vm_create(const struct vm_config *cfg)
{
	if (!cfg->vcpus || cfg->vcpus > MAX_VCPUS) {
		printf("vm %s: %u vCPUs asked, 1..%d possible\n", cfg->name, cfg->vcpus, MAX_VCPUS);
		return NULL;
	}
	if (cfg->mem < (1UL << 20) || cfg->mem & ((2UL << 20) - 1) ||
	    cfg->load_offset + cfg->image_size + GUEST_FDT_MAX > cfg->mem) {
		printf(
		    "vm %s: %lu bytes of RAM (a multiple of 2 MiB) cannot hold a %lu-byte image\n",
		    cfg->name, cfg->mem, cfg->image_size);
		return NULL;
	}
	struct vm *vm = vm_alloc();
	if (!vm) {
		printf("vm %s: no free VM slot (%d at most)\n", cfg->name, MAX_VMS);
		return NULL;
	}
	memcpy(vm->name, cfg->name, sizeof(vm->name));
	vm->name[sizeof(vm->name) - 1] = '\0';
	vm->ram_gpa = GUEST_RAM_GPA;
	vm->ram_size = cfg->mem;
	vm->nvcpus = cfg->vcpus;

	if (gstage_create(&vm->gs, (uint16_t)vm->id) ||
	    gstage_map_alloc(&vm->gs, vm->ram_gpa, vm->ram_size, PTE_R | PTE_W | PTE_X)) {
		printf("vm %s: not enough memory for %lu MiB\n", cfg->name, cfg->mem >> 20);
		if (vm->gs.pt.root)
			gstage_destroy(&vm->gs);
		vm->state = VM_FREE;
		return NULL;
	}
	guest_write(vm, vm->ram_gpa + cfg->load_offset, cfg->image, cfg->image_size);

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->vm = vm;
		v->id = i;
		v->running_on = -1;
		v->state = VCPU_STOPPED;
		v->timer_deadline = ~0UL;
	}

	vplic_init(&vm->plic, vm, vm->nvcpus);
	vuart_init(&vm->uart, vm, GUEST_UART_IRQ);
	vtestdev_init(&vm->testdev, &vm->plic);
	mmio_add(vm, GUEST_PLIC_GPA, VPLIC_SIZE, &vplic_ops, &vm->plic);
	mmio_add(vm, GUEST_UART_GPA, VUART_SIZE, &vuart_ops, &vm->uart);
	mmio_add(vm, GUEST_TESTDEV_GPA, VTESTDEV_SIZE, &vtestdev_ops, &vm->testdev);

	vm->fdt_gpa = vm->ram_gpa + vm->ram_size - GUEST_FDT_MAX;
	if (vm_fdt_build(vm, cfg->bootargs)) {
		printf("vm %s: cannot build its device tree\n", cfg->name);
		gstage_destroy(&vm->gs);
		vm->state = VM_FREE;
		return NULL;
	}

	vcpu_reset(&vm->vcpus[0], vm->ram_gpa + cfg->load_offset, 0, vm->fdt_gpa);
	vm->vcpus[0].state = VCPU_STARTED;
	printf("vm%d (%s): %lu MiB at gpa 0x%lx, %u vCPU%s, image %lu bytes at gpa 0x%lx, "
	       "bootargs \"%s\"\n",
	       vm->id, vm->name, vm->ram_size >> 20, vm->ram_gpa, vm->nvcpus,
	       vm->nvcpus == 1 ? "" : "s", cfg->image_size, vm->ram_gpa + cfg->load_offset,
	       cfg->bootargs);
	vm->state = VM_RUNNING;
	sched_make_runnable(&vm->vcpus[0]);
	return vm;
}

/* What the vCPU wrote since the last flush goes out; `end` ends its line. */
static void flush_line(struct vcpu *v, bool end)
{
	if (!v->line_len && !(end && v->line_open))
		return;
	console_write_prefixed(v->vm->id, v->id, v->line, v->line_len, end);
	v->line_len = 0;
	v->line_open = !end;
}

void vm_console_flush(struct vcpu *v)
{
	flush_line(v, false);
}

void vm_console_putc(struct vcpu *v, char c)
{
	/* Only the vCPU itself writes its line (on whichever hart runs it). */
	if (c == '\n') {
		flush_line(v, true);
	} else if (c != '\r') {
		if (v->line_len >= sizeof(v->line))
			flush_line(v, false);
		v->line[v->line_len++] = c;
	}
}

void vm_stop(struct vm *vm, bool failed, const char *fmt, ...)
{
	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		spin_unlock(&vm->lock);
		return;
	}
	vm->failed = failed;
	sched_stop_vm(vm);
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* The report comes before the state change: once no VM runs, another
	 * hart may power the machine off. What the vCPUs left unfinished goes
	 * first, but for those that run elsewhere, which own their line. */
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].running_on < 0 || &vm->vcpus[i] == this_hart()->current)
			flush_line(&vm->vcpus[i], true);
	printf("vm%d (%s): stopped: %s\n", vm->id, vm->name, why);
	__atomic_store_n(&vm->state, VM_STOPPED, __ATOMIC_RELEASE);
	spin_unlock(&vm->lock);
	/* Harts that still run one of its vCPUs notice at their next exit;
	 * kick them so that it is now. */
	sched_kick_vm(vm);
}

int vm_running_count(void)
{
	int n = 0;
	for (int i = 0; i < MAX_VMS; i++)
		n += vms[i].state == VM_RUNNING;
	return n;
}

int vm_failed_count(void)
{
	int n = 0;
	for (int i = 0; i < MAX_VMS; i++)
		n += vms[i].state == VM_STOPPED && vms[i].failed;
	return n;
}
