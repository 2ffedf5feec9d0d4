/* The guests' SBI (vm/sbi*.c): sequences of ecalls, from any of a VM's
 * started vCPUs, with any extension, function and arguments, on a VM whose
 * G-stage table (mm/gstage.c) maps a small RAM and a few pages with other
 * permissions, so that the argument checks go through the real
 * guest-memory code (vm/guest_mem.c). The scheduler, the timer and the
 * console are the harness's: they record what they are asked and check
 * that it concerns this VM.
 *
 * After each call: a resumed vCPU is past its ecall with only a0 (and a1)
 * changed; one that is not resumed changed nothing; and the answer is the
 * one the SBI specification (v2.0) gives for these arguments, computed
 * here from the specification and from the harness's own picture of the
 * VM: which extensions exist, which vCPUs were named, which guest bytes
 * were printed, which memory is the guest's.
 *
 * Input: vCPU count (1), RAM pages (1), layout flags (1), then calls of
 * 57 bytes: vCPU (1), extension (1), function (1), a0..a5 as mode (1) and
 * value (8) each. */
#include <stdarg.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_frame.h"

#include "arch/hart.h"
#include "lib/printf.h"
#include "mm/gstage.h"
#include "vm/sbi.h"
#include "vm/sched.h"
#include "vm/virq.h"
#include "vm/vm.h"

#define MAX_RAM_PAGES 64
#define RAM_GPA       GUEST_RAM_GPA
#define RO_GPA        (GUEST_RAM_GPA - PAGE_SIZE)            /* readable only, below RAM */
#define XO_GPA        (GUEST_RAM_GPA - 3 * PAGE_SIZE)        /* executable only */
#define TOP_GPA       ((1UL << GSTAGE_GPA_BITS) - PAGE_SIZE) /* the last page there is */

/* The extensions that the chapters implement, by the specification's ids. */
static const unsigned long implemented[] = {0x10,       0x01,     0x02,       0x54494D45, 0x735049,
                                            0x52464E43, 0x48534D, 0x53525354, 0x4442434E};
/* ... and some that they do not: legacy ones, PMU, SUSP, CPPC, NACL, STA,
 * vendor and firmware ranges. */
static const unsigned long unimplemented[] = {0x00,     0x03,       0x04,       0x08,
                                              0x504D55, 0x53555350, 0x43505043, 0x4E41434C,
                                              0x535441, 0x09000000, 0x0A000000, 0xFFFFFFFF};

static const unsigned long specials[] = {
    0,
    1,
    2,
    ~0UL,
    ~0UL - 1,
    1UL << 63,
    1UL << 41,
    ~0U,
    0x80000000UL,
    0x8FFFFFFFUL,
    0x90000000UL,
    0x10000000UL,
    0xEFFFFFFFUL,
    0xF0000000UL,
    0xE0000000UL,
    0x100000000UL,
    RAM_GPA - 1,
    TOP_GPA,
    RO_GPA,
    XO_GPA,
};

static struct vm vm;
static uint8_t *ram;      /* MAX_RAM_PAGES, plus the read-only, execute-only and top pages */
static uint8_t *pristine; /* what they hold */
static unsigned ram_pages;
static bool map_ro, map_xo, map_top;

/* What the rest of the hypervisor was asked during one call. */
static struct {
	char printed[512];
	unsigned nprinted;
	uint32_t notified; /* vCPUs kicked, notified or given an IPI */
	bool stopped;      /* vm_stop */
	bool stop_failed;
	int started; /* vCPU that sched_start_vcpu started, or -1 */
	unsigned long start_pc, start_a1;
} seen;

static bool in_vm(const struct vcpu *t)
{
	return t >= vm.vcpus && t < vm.vcpus + vm.nvcpus;
}

void vm_console_putc(struct vcpu *v, char c)
{
	CHECK(v == harts[0].current);
	CHECK(seen.nprinted < sizeof(seen.printed));
	seen.printed[seen.nprinted++] = c;
}

void vm_stop(struct vm *stopped, bool failed, const char *fmt, ...)
{
	CHECK(stopped == &vm);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	seen.stopped = true;
	seen.stop_failed = failed;
	vm.state = VM_STOPPED;
}

long sched_start_vcpu(struct vcpu *t, unsigned long pc, unsigned long a0, unsigned long a1)
{
	CHECK(in_vm(t) && a0 == t->id);
	if (t->state != VCPU_STOPPED)
		return SBI_ERR_ALREADY_AVAILABLE;
	t->state = VCPU_STARTED;
	seen.started = (int)t->id;
	seen.start_pc = pc;
	seen.start_a1 = a1;
	return 0;
}

bool sched_stop_vcpu(struct vcpu *t)
{
	CHECK(t == harts[0].current);
	t->state = VCPU_STOPPED;
	for (unsigned i = 0; i < vm.nvcpus; i++)
		if (vm.vcpus[i].state != VCPU_STOPPED)
			return false;
	return true;
}

static void notify(struct vcpu *t)
{
	CHECK(in_vm(t));
	seen.notified |= 1u << t->id;
}

/* The chapters differ in how IPIs and fences reach their targets: any of
 * these may be what the code calls. */
void sched_kick_vcpu(struct vcpu *t)
{
	notify(t);
}

void sched_notify(struct vcpu *t)
{
	notify(t);
}

void virq_raise_software(struct vcpu *t)
{
	notify(t);
	t->ipi_pending = 1;
}

void vtimer_set(struct vcpu *t, uint64_t deadline)
{
	CHECK(t == harts[0].current);
	t->timer_deadline = deadline;
}

void sched_arm_timer(void)
{
}

static uint8_t ram_byte(uint64_t gpa)
{
	return (uint8_t)(gpa * 7 + (gpa >> 9));
}

/* What the harness knows of the guest's memory: the permissions of the page. */
static unsigned perms_at(uint64_t gpa)
{
	if (gpa >= RAM_GPA && gpa - RAM_GPA < (uint64_t)ram_pages * PAGE_SIZE)
		return PTE_R | PTE_W | PTE_X;
	if (map_ro && gpa >> PAGE_SHIFT == RO_GPA >> PAGE_SHIFT)
		return PTE_R;
	if (map_xo && gpa >> PAGE_SHIFT == XO_GPA >> PAGE_SHIFT)
		return PTE_X;
	if (map_top && gpa >> PAGE_SHIFT == TOP_GPA >> PAGE_SHIFT)
		return PTE_R | PTE_W;
	return 0;
}

/* The whole buffer an SBI call names lies in the VM's RAM (SBI spec §3.2),
 * computed in 128 bits so that nothing wraps. */
static bool buffer_in_ram(uint64_t gpa, uint64_t len)
{
	unsigned __int128 end = (unsigned __int128)gpa + len;
	return gpa >= vm.ram_gpa && end <= (unsigned __int128)vm.ram_gpa + vm.ram_size;
}

static bool range_has(uint64_t gpa, uint64_t len, unsigned need)
{
	if (!len)
		return true;
	if (gpa + (len - 1) < gpa)
		return false;
	for (uint64_t p = gpa >> PAGE_SHIFT; p <= (gpa + len - 1) >> PAGE_SHIFT; p++)
		if ((perms_at(p << PAGE_SHIFT) & need) != need)
			return false;
	return true;
}

static void build_vm(struct input *in)
{
	if (!ram) {
		/* Every mapped byte holds a function of its guest-physical address. */
		frame_init();
		ram = aligned_alloc(PAGE_SIZE, (MAX_RAM_PAGES + 3) * PAGE_SIZE);
		pristine = malloc((MAX_RAM_PAGES + 3) * PAGE_SIZE);
		for (uint64_t i = 0; i < MAX_RAM_PAGES * PAGE_SIZE; i++)
			pristine[i] = ram_byte(RAM_GPA + i);
		for (uint64_t i = 0; i < PAGE_SIZE; i++) {
			pristine[MAX_RAM_PAGES * PAGE_SIZE + i] = ram_byte(RO_GPA + i);
			pristine[(MAX_RAM_PAGES + 1) * PAGE_SIZE + i] = ram_byte(XO_GPA + i);
			pristine[(MAX_RAM_PAGES + 2) * PAGE_SIZE + i] = ram_byte(TOP_GPA + i);
		}
		memcpy(ram, pristine, (MAX_RAM_PAGES + 3) * PAGE_SIZE);
	}
	memset(&vm, 0, sizeof(vm));
	vm.id = 1;
	vm.state = VM_RUNNING;
	vm.nvcpus = 1 + take8(in) % MAX_VCPUS;
	ram_pages = 1 + take8(in) % MAX_RAM_PAGES;
	uint8_t flags = take8(in);
	map_ro = flags & 1, map_xo = flags & 2, map_top = flags & 4;
	for (unsigned i = 0; i < vm.nvcpus; i++) {
		struct vcpu *v = &vm.vcpus[i];
		v->vm = &vm;
		v->id = i;
		v->running_on = -1;
		v->fp_hart = -1;
		v->timer_deadline = ~0UL;
		/* vCPU 0 starts; the others as the input says */
		v->state = i == 0 || flags & (8u << (i % 5)) ? VCPU_STARTED : VCPU_STOPPED;
	}
	CHECK(gstage_create(&vm.gs, 1) == 0);
	vm.ram_gpa = RAM_GPA;
	vm.ram_size = (uint64_t)ram_pages * PAGE_SIZE;
	uint64_t hpa = (uintptr_t)ram;
	CHECK(!gstage_map(&vm.gs, RAM_GPA, hpa, vm.ram_size, PTE_R | PTE_W | PTE_X));
	uint64_t extra = hpa + MAX_RAM_PAGES * PAGE_SIZE;
	if (map_ro)
		CHECK(!gstage_map(&vm.gs, RO_GPA, extra, PAGE_SIZE, PTE_R));
	if (map_xo)
		CHECK(!gstage_map(&vm.gs, XO_GPA, extra + PAGE_SIZE, PAGE_SIZE, PTE_X));
	if (map_top)
		CHECK(
		    !gstage_map(&vm.gs, TOP_GPA, extra + 2 * PAGE_SIZE, PAGE_SIZE, PTE_R | PTE_W));
}

static unsigned long take_arg(struct input *in)
{
	uint8_t mode = take8(in);
	uint64_t v = take64(in);
	switch (mode % 6) {
	case 0:
		return v;
	case 1:
		return v & 0xff;
	case 2: /* about the start of RAM */
		return RAM_GPA + (uint64_t)(int64_t)(int16_t)v;
	case 3: /* about its end */
		return RAM_GPA + (uint64_t)ram_pages * PAGE_SIZE + (uint64_t)(int64_t)(int16_t)v;
	case 4:
		return specials[v % (sizeof(specials) / sizeof(specials[0]))];
	default:
		return ~0UL - (v & 0xff);
	}
}

static bool is_implemented(unsigned long eid)
{
	for (unsigned i = 0; i < sizeof(implemented) / sizeof(implemented[0]); i++)
		if (implemented[i] == eid)
			return true;
	return false;
}

/* The vCPUs that a hart mask names (SBI spec §3.1), or -1 for an invalid one. */
static long mask_targets(unsigned long mask, unsigned long base)
{
	if (base == ~0UL)
		return (1L << vm.nvcpus) - 1;
	uint64_t set = 0;
	for (unsigned i = 0; i < 64; i++) {
		if (!(mask >> i & 1))
			continue;
		if (base + i < base || base + i >= vm.nvcpus)
			return -1;
		set |= 1UL << (base + i);
	}
	return (long)set;
}

/* One call: what the specification says of it, given what happened. */
static void check_call(struct vcpu *v, unsigned long eid, unsigned long fid, const unsigned long *a,
                       const struct vcpu_context *before, bool resumed)
{
	const unsigned long *r = v->ctx.regs;
	long error = (long)r[REG_A0], value = (long)r[REG_A1];
	bool legacy = eid == 0x01 || eid == 0x02;
	if (!resumed) {
		/* hart_stop and system reset only; their vCPU or VM is stopped */
		CHECK((eid == 0x48534D && fid == 1 && v->state == VCPU_STOPPED) ||
		      (eid == 0x53525354 && fid == 0 && a[0] == 0 && seen.stopped &&
		       seen.stop_failed == (a[1] == 1)));
		return;
	}
	if (!is_implemented(eid)) {
		CHECK(error == SBI_ERR_NOT_SUPPORTED && !seen.nprinted && !seen.notified);
		return;
	}
	if (!legacy)
		CHECK(error <= 0);
	if (seen.nprinted && !(eid == 0x4442434E && error == 0) && eid != 0x01)
		CHECK(!"printed without a console call that succeeded");
	switch (eid) {
	case 0x10: /* BASE */
		if (fid > 6)
			CHECK(error == SBI_ERR_NOT_SUPPORTED);
		else
			CHECK(error == 0);
		if (fid == 3)
			CHECK(value == is_implemented(a[0]));
		break;
	case 0x01: /* legacy console_putchar: a0 = 0 */
		CHECK(error == 0 && seen.nprinted == 1 && seen.printed[0] == (char)a[0]);
		CHECK(r[REG_A1] == before->regs[REG_A1]);
		break;
	case 0x02: /* legacy console_getchar: nothing to read */
		CHECK(error == -1 && r[REG_A1] == before->regs[REG_A1]);
		break;
	case 0x54494D45: /* TIME */
		CHECK(error == (fid == 0 ? 0 : SBI_ERR_NOT_SUPPORTED));
		if (fid == 0)
			CHECK(v->timer_deadline == a[0]);
		break;
	case 0x735049:     /* IPI */
	case 0x52464E43: { /* RFENCE: fence.i, sfence.vma, sfence.vma.asid */
		bool supported = eid == 0x735049 ? fid == 0 : fid <= 2;
		long targets = mask_targets(a[0], a[1]);
		if (!supported) {
			CHECK(error == SBI_ERR_NOT_SUPPORTED && !seen.notified);
		} else if (targets < 0 || (a[0] == 0 && a[1] != ~0UL && a[1] >= vm.nvcpus)) {
			/* a base past the last vCPU with an empty mask: invalid or
			 * nothing to do, the specification allows either */
			CHECK((error == SBI_ERR_INVALID_PARAM || (targets == 0 && error == 0)) &&
			      !seen.notified);
		} else {
			CHECK(error == 0 && seen.notified == (uint32_t)targets);
			for (unsigned i = 0; i < vm.nvcpus; i++)
				if (targets >> i & 1)
					CHECK(eid == 0x735049
					          ? vm.vcpus[i].ipi_pending
					          : vm.vcpus[i].fence_pending || &vm.vcpus[i] == v);
		}
		break;
	}
	case 0x48534D: /* HSM */
		switch (fid) {
		case 0: /* hart_start(hartid, start_addr, opaque) */
			if (a[0] >= vm.nvcpus)
				CHECK(error == SBI_ERR_INVALID_PARAM);
			else if (!(perms_at(a[1]) & PTE_X))
				CHECK(error == SBI_ERR_INVALID_ADDRESS);
			else
				CHECK(error == 0
				          ? seen.started == (int)a[0] && seen.start_pc == a[1] &&
				                seen.start_a1 == a[2]
				          : error == SBI_ERR_ALREADY_AVAILABLE);
			if (error)
				CHECK(seen.started < 0);
			break;
		case 2: /* hart_get_status(hartid) */
			if (a[0] >= vm.nvcpus)
				CHECK(error == SBI_ERR_INVALID_PARAM);
			else
				CHECK(error == 0 && value == vm.vcpus[a[0]].state);
			break;
		case 3: { /* hart_suspend(type): not offered; reserved types are invalid */
			unsigned long t = a[0];
			bool reserved = (t >= 0x00000001 && t <= 0x0FFFFFFF) ||
			                (t >= 0x80000001 && t <= 0x8FFFFFFF) || t > 0xFFFFFFFF;
			CHECK(error == (reserved ? SBI_ERR_INVALID_PARAM : SBI_ERR_NOT_SUPPORTED));
			break;
		}
		default:
			CHECK(error == SBI_ERR_NOT_SUPPORTED);
		}
		break;
	case 0x53525354: { /* SRST: only a shutdown of the VM is offered */
		unsigned long type = a[0], reason = a[1];
		bool bad_type = type >= 3 && type <= 0xEFFFFFFF;
		bool bad_reason = reason >= 2 && reason <= 0xDFFFFFFF;
		if (fid != 0)
			CHECK(error == SBI_ERR_NOT_SUPPORTED);
		else if (bad_type || bad_reason)
			CHECK(error == SBI_ERR_INVALID_PARAM);
		else
			CHECK(type != 0 && error == SBI_ERR_NOT_SUPPORTED);
		CHECK(!seen.stopped);
		break;
	}
	case 0x4442434E: /* DBCN */
		switch (fid) {
		case 0: { /* console_write(num_bytes, base_lo, base_hi) */
			bool ok = a[2] == 0 && buffer_in_ram(a[1], a[0]) &&
			          range_has(a[1], a[0] < 256 ? a[0] : 256, PTE_R);
			CHECK(error == (ok ? 0 : SBI_ERR_INVALID_PARAM));
			if (!ok)
				break;
			CHECK(value > 0 || a[0] == 0);
			CHECK((unsigned long)value <= a[0] &&
			      seen.nprinted == (unsigned long)value);
			for (long i = 0; i < value; i++)
				CHECK((uint8_t)seen.printed[i] == ram_byte(a[1] + (uint64_t)i));
			break;
		}
		case 1: /* console_read: nothing to read; the buffer must be writable */
			CHECK(error == (a[2] == 0 && buffer_in_ram(a[1], a[0]) &&
			                        range_has(a[1], a[0] < 256 ? a[0] : 256, PTE_W)
			                    ? 0
			                    : SBI_ERR_INVALID_PARAM));
			CHECK(value == 0);
			break;
		case 2: /* console_write_byte */
			CHECK(error == 0 && seen.nprinted == 1 && seen.printed[0] == (char)a[0]);
			break;
		default:
			CHECK(error == SBI_ERR_NOT_SUPPORTED);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	struct input in = {data, size};
	build_vm(&in);
	while (in.size && vm.state == VM_RUNNING) {
		struct vcpu *v = &vm.vcpus[take8(&in) % vm.nvcpus];
		uint8_t ext = take8(&in), f = take8(&in);
		unsigned long a[6];
		for (int i = 0; i < 6; i++)
			a[i] = take_arg(&in);
		unsigned long eid =
		    ext < 0xc0 ? implemented[ext % (sizeof(implemented) / sizeof(implemented[0]))]
		    : ext < 0xf0
		        ? unimplemented[ext % (sizeof(unimplemented) / sizeof(unimplemented[0]))]
		        : a[5];
		unsigned long fid = f < 0xf0 ? f % 16 : ~0UL - (f & 0xf);
		if (v->state != VCPU_STARTED)
			continue; /* only a running vCPU makes calls */

		/* The other registers: anything, so that a stray write shows. */
		for (int i = 1; i < 32; i++)
			v->ctx.regs[i] = 0x5a5a5a5a00000000UL | (unsigned long)i << 8 | (f ^ ext);
		memcpy(&v->ctx.regs[REG_A0], a, sizeof(a));
		v->ctx.regs[REG_A6] = fid;
		v->ctx.regs[REG_A7] = eid;
		v->ctx.sepc = RAM_GPA + 0x100;
		struct vcpu_context before = v->ctx;
		memset(&seen, 0, sizeof(seen));
		seen.started = -1;
		harts[0].current = v;
		v->running_on = 0;

		sbi_handle(v);

		v->running_on = -1;
		bool resumed = v->ctx.sepc != before.sepc;
		if (verbose)
			fprintf(
			    stderr, "vcpu %u: eid %#lx fid %lu (%#lx, %#lx, %#lx) -> %s %ld %ld\n",
			    v->id, eid, fid, a[0], a[1], a[2], resumed ? "resumed" : "not resumed",
			    (long)v->ctx.regs[REG_A0], (long)v->ctx.regs[REG_A1]);
		if (resumed)
			CHECK(v->ctx.sepc == before.sepc + 4);
		for (int i = 1; i < 32; i++)
			if (!resumed || (i != REG_A0 && i != REG_A1))
				CHECK(v->ctx.regs[i] == before.regs[i]);
		check_call(v, eid, fid, a, &before, resumed);
	}
	/* No SBI call writes guest memory. */
	CHECK(!memcmp(ram, pristine, (MAX_RAM_PAGES + 3) * PAGE_SIZE));
	gstage_destroy(&vm.gs);
	CHECK(fuzz_frames_in_use() == 0);
	return 0;
}
