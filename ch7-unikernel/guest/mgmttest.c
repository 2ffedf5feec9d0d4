/* The management extension (hv/regmap/hvmgmt.h) from both sides.
 *
 * role=other: a VM that is not the management VM: every call is denied
 * (and probe_extension says the extension is not there); calls=N makes N
 * calls, to show that the hypervisor's line about it is rate-limited.
 *
 * Otherwise the management VM: every bad field of a VM_CREATE description
 * refused (a line "mgmt: case NAME: error E" after the hypervisor's
 * refusal), bad buffers, bad ids, itself not stopped or destroyed; then a
 * VM created from the image of guest/mgmtchild.c that it carries, with
 * nonce=cnonce1 in its command line, listed, started, its console read back
 * through VM_CONSOLE (a checksum printed), stopped, destroyed, and created
 * again in the same slot (cnonce2), running flat out this time (busy=1). cdisk=START+SECTORS gives the child a
 * read-only slice of the host disk, cmac= its card's address (hex, 12
 * digits); overlap=START+SECTORS is a slice that a VM's writable one
 * covers; rounds=N: N more VMs created and destroyed after those (their
 * memory must come back); ram= the management VM's RAM (16M: vm=mgmttest's default). */
#include "guest.h"
#include "regmap/hvmgmt.h"

extern const char mgmt_child_start[], mgmt_child_end[];

static struct sbiret mgmt(unsigned long fid, unsigned long a0, unsigned long a1, unsigned long a2,
                          unsigned long a3)
{
	register unsigned long r_a0 asm("a0") = a0;
	register unsigned long r_a1 asm("a1") = a1;
	register unsigned long r_a2 asm("a2") = a2;
	register unsigned long r_a3 asm("a3") = a3;
	register unsigned long r_a6 asm("a6") = fid;
	register unsigned long r_a7 asm("a7") = HVMGMT_EID;
	asm volatile("ecall"
	             : "+r"(r_a0), "+r"(r_a1)
	             : "r"(r_a2), "r"(r_a3), "r"(r_a6), "r"(r_a7)
	             : "memory");
	return (struct sbiret){(long)r_a0, (long)r_a1};
}

static int failures;

static void expect(const char *what, long error, long want)
{
	/* grader: test_stage7_mgmt.py parses these lines */
	printf("mgmt: case %s: error %ld%s\n", what, error, error == want ? "" : " UNEXPECTED");
	failures += error != want;
}

static void other_vm(void)
{
	unsigned long calls = bootarg_ulong("calls", 8);
	struct sbiret p = sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_PROBE_EXT, HVMGMT_EID, 0, 0);
	long denied = 0;
	for (unsigned long i = 0; i < calls; i++)
		denied += mgmt(i % 8, 0, 0, 0, 0).error == SBI_ERR_DENIED;
	/* grader: test_stage7_mgmt.py parses this line */
	printf("mgmt: other: probe %ld, %ld of %lu calls denied\n", p.value, denied, calls);
}

static struct hvmgmt_vm_desc desc;
static uint64_t ram_end;
static char cmdline[64];
static struct hvmgmt_vm_info list[16];
static char console[sizeof(struct hvmgmt_console) + 4096];

static void good_desc(const char *name, unsigned long nonce, bool busy)
{
	memset(&desc, 0, sizeof(desc));
	desc.magic = HVMGMT_DESC_MAGIC;
	desc.version = HVMGMT_DESC_VERSION;
	desc.size = sizeof(desc);
	memcpy(desc.name, name, strlen(name) + 1);
	desc.mem_gpa = HVMGMT_MEM_GPA;
	desc.mem_size = 4UL << 20;
	desc.load_gpa = desc.entry_gpa = HVMGMT_MEM_GPA;
	desc.image_addr = (uintptr_t)mgmt_child_start;
	desc.image_size = (uint64_t)(mgmt_child_end - mgmt_child_start);
	desc.vcpus = 1;
	desc.flags = HVMGMT_NET;
	char arg[40];
	if (bootarg("cdisk", arg, sizeof(arg))) {
		const char *p;
		desc.disk_start = strtoul(arg, &p, 0);
		desc.disk_sectors = *p == '+' ? strtoul(p + 1, NULL, 0) : 0;
		desc.flags |= HVMGMT_DISK | HVMGMT_DISK_RO;
	}
	if (bootarg("cmac", arg, sizeof(arg))) {
		uint64_t m = strtoul(arg, NULL, 16);
		for (int i = 0; i < 6; i++)
			desc.mac[i] = (uint8_t)(m >> (8 * (5 - i)));
		desc.flags |= HVMGMT_MAC;
	}
	snprintf(cmdline, sizeof(cmdline), "nonce=0x%lx%s", nonce, busy ? " busy=1" : "");
	memcpy(desc.cmdline, cmdline, strlen(cmdline) + 1);
}

static long create(void)
{
	return mgmt(HVMGMT_VM_CREATE, (uintptr_t)&desc, sizeof(desc), 0, 0).error;
}

/* Each bad field, one at a time, on a good description. */
static void bad_descriptions(void)
{
	char arg[40];
#define CASE(name, want, change)              \
	do {                                  \
		good_desc("bad", 1, false);   \
		change;                       \
		expect(name, create(), want); \
	} while (0)
	CASE("magic", SBI_ERR_INVALID_PARAM, desc.magic = 0x12345678);
	CASE("version", SBI_ERR_INVALID_PARAM, desc.version = 2);
	CASE("size", SBI_ERR_INVALID_PARAM, desc.size = 8);
	expect("size-arg", mgmt(HVMGMT_VM_CREATE, (uintptr_t)&desc, 100, 0, 0).error,
	       SBI_ERR_INVALID_PARAM);
	expect("desc-outside", mgmt(HVMGMT_VM_CREATE, 0x1000, sizeof(desc), 0, 0).error,
	       SBI_ERR_INVALID_ADDRESS);
	expect("desc-crossing", mgmt(HVMGMT_VM_CREATE, ram_end - 64, sizeof(desc), 0, 0).error,
	       SBI_ERR_INVALID_ADDRESS);
	CASE("flags", SBI_ERR_INVALID_PARAM, desc.flags |= 0x100);
	CASE("name-char", SBI_ERR_INVALID_PARAM, memcpy(desc.name, "Bad!", 5));
	CASE("name-empty", SBI_ERR_INVALID_PARAM, desc.name[0] = 0);
	CASE("name-nul", SBI_ERR_INVALID_PARAM, memset(desc.name, 'a', sizeof(desc.name)));
	CASE("reserved", SBI_ERR_INVALID_PARAM, desc.reserved2[1] = 1);
	CASE("mem_gpa", SBI_ERR_INVALID_ADDRESS, desc.mem_gpa = 0x90000000UL);
	CASE("mem_size-align", SBI_ERR_INVALID_PARAM, desc.mem_size = 3UL << 20);
	CASE("mem_size-huge", SBI_ERR_INVALID_PARAM, desc.mem_size = 1UL << 40);
	CASE("load_gpa", SBI_ERR_INVALID_ADDRESS, desc.load_gpa = 0x70000000UL);
	CASE("entry_gpa", SBI_ERR_INVALID_ADDRESS,
	     desc.entry_gpa = desc.load_gpa + desc.image_size);
	CASE("image-outside", SBI_ERR_INVALID_ADDRESS, desc.image_addr = 0x1000);
	CASE("image-crossing", SBI_ERR_INVALID_ADDRESS, desc.image_addr = ram_end - 16);
	CASE("image-too-big", SBI_ERR_INVALID_PARAM, desc.image_size = desc.mem_size);
	CASE("vcpus-0", SBI_ERR_INVALID_PARAM, desc.vcpus = 0);
	CASE("vcpus-many", SBI_ERR_INVALID_PARAM, desc.vcpus = 9);
	CASE("hart_mask", SBI_ERR_INVALID_PARAM, desc.hart_mask = 2);
	CASE("mac", SBI_ERR_INVALID_PARAM, (desc.flags |= HVMGMT_MAC, desc.mac[0] = 1));
	CASE("cmdline", SBI_ERR_INVALID_PARAM, memset(desc.cmdline, 'x', sizeof(desc.cmdline)));
	CASE("disk-outside", SBI_ERR_INVALID_PARAM,
	     (desc.flags |= HVMGMT_DISK, desc.disk_start = 1UL << 40, desc.disk_sectors = 8));
	if (bootarg("overlap", arg, sizeof(arg))) {
		const char *p;
		unsigned long start = strtoul(arg, &p, 0);
		unsigned long sectors = *p == '+' ? strtoul(p + 1, NULL, 0) : 0;
		CASE("disk-overlap", SBI_ERR_INVALID_PARAM,
		     (desc.flags = (desc.flags & ~HVMGMT_DISK_RO) | HVMGMT_DISK,
		      desc.disk_start = start, desc.disk_sectors = sectors));
	}
#undef CASE
}

static long list_vms(int *self)
{
	struct sbiret r = mgmt(HVMGMT_VM_LIST, (uintptr_t)list, sizeof(list), 0, 0);
	if (r.error)
		return r.error;
	for (long i = 0; i < r.value && i < 16; i++) {
		const struct hvmgmt_vm_info *v = &list[i];
		/* grader: test_stage7_mgmt.py parses this line */
		printf("mgmt: list: vm%u %s state %u mem %lu vcpus %u mvm %u\n", v->id, v->name,
		       v->state, (unsigned long)(v->mem_size >> 20), v->vcpus, v->is_mvm);
		if (v->is_mvm && self)
			*self = (int)v->id;
	}
	return 0;
}

static void bad_calls(int self)
{
	expect("list-outside", mgmt(HVMGMT_VM_LIST, 0x1000, 64, 0, 0).error,
	       SBI_ERR_INVALID_ADDRESS);
	expect("list-mmio", mgmt(HVMGMT_VM_LIST, 0x10000000, 64, 0, 0).error,
	       SBI_ERR_INVALID_ADDRESS);
	expect("list-crossing", mgmt(HVMGMT_VM_LIST, ram_end - 32, 64, 0, 0).error,
	       SBI_ERR_INVALID_ADDRESS);
	expect("console-crossing", mgmt(HVMGMT_VM_CONSOLE, self, ram_end - 32, 64, 0).error,
	       SBI_ERR_INVALID_ADDRESS);
	expect("console-small", mgmt(HVMGMT_VM_CONSOLE, self, (uintptr_t)console, 8, 0).error,
	       SBI_ERR_INVALID_ADDRESS);
	expect("start-0", mgmt(HVMGMT_VM_START, 0, 0, 0, 0).error, SBI_ERR_INVALID_PARAM);
	expect("start-99", mgmt(HVMGMT_VM_START, 99, 0, 0, 0).error, SBI_ERR_INVALID_PARAM);
	expect("stop-7", mgmt(HVMGMT_VM_STOP, 7, 0, 0, 0).error, SBI_ERR_INVALID_PARAM);
	expect("stop-self", mgmt(HVMGMT_VM_STOP, self, 0, 0, 0).error, SBI_ERR_DENIED);
	expect("destroy-self", mgmt(HVMGMT_VM_DESTROY, self, 0, 0, 0).error, SBI_ERR_DENIED);
	expect("start-self", mgmt(HVMGMT_VM_START, self, 0, 0, 0).error, SBI_ERR_ALREADY_STARTED);
	expect("unknown-fid", mgmt(99, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
}

static bool contains(const char *s, const char *part)
{
	size_t n = strlen(part);
	for (; *s; s++)
		if (!strncmp(s, part, n))
			return true;
	return false;
}

/* The child's line in VM_LIST, or NULL. */
static const struct hvmgmt_vm_info *find_info(int id)
{
	struct sbiret l = mgmt(HVMGMT_VM_LIST, (uintptr_t)list, sizeof(list), 0, 0);
	for (long i = 0; !l.error && i < l.value && i < 16; i++)
		if ((int)list[i].id == id)
			return &list[i];
	return NULL;
}

/* Before its mark the child makes a few hundred exits (its lines, its
 * devices' registers) in a few slices: these bounds are far beyond that
 * and count what the child did, not the time it took, so a slow or busy
 * host cannot make a sound child look broken. */
#define CHILD_EXITS_MAX   100000
#define CHILD_SLICES_MAX  10000
/* Only for a child that never runs at all: by the host's clock (rdtime
 * runs on however busy the host is), well past any healthy round, still
 * inside the grader's 90 s for the whole run. */
#define CHILD_SECONDS_MAX 40

static const char *read_failure;

/* Reads the VM's console until it printed `mark`: the length, or 0 with
 * read_failure saying why it gave up. */
static uint32_t read_console(int id, const char *mark)
{
	struct hvmgmt_console *c = (struct hvmgmt_console *)console;
	uint64_t until = rdtime() + CHILD_SECONDS_MAX * fdt_timebase();
	for (;;) {
		struct sbiret r =
		    mgmt(HVMGMT_VM_CONSOLE, id, (uintptr_t)console, sizeof(console), 0);
		if (r.error) {
			read_failure = "VM_CONSOLE failed";
			return 0;
		}
		c->data[c->len < 4096 ? c->len : 4095] = '\0';
		if (contains(c->data, mark))
			return c->len;
		const struct hvmgmt_vm_info *info = find_info(id);
		if (!info)
			read_failure = "it is not listed";
		else if (info->state != HVMGMT_STATE_RUNNING)
			read_failure = "it is not running";
		else if (info->exits > CHILD_EXITS_MAX)
			read_failure = "too many exits without its mark";
		else if (info->slices > CHILD_SLICES_MAX)
			read_failure = "too many slices without its mark";
		else if (rdtime() > until)
			read_failure = "it did not run";
		else
			continue;
		/* Its figures, and what it printed, for the log. */
		if (info)
			printf("mgmt: vm%d: state %u slices %lu exits %lu console %lu bytes\n", id,
			       info->state, (unsigned long)info->slices, (unsigned long)info->exits,
			       (unsigned long)info->console_bytes);
		printf("mgmt: vm%d printed: \"%s\"\n", id, c->data);
		return 0;
	}
}

static void round_trip(int round, unsigned long nonce)
{
	good_desc("child", nonce, round == 2);
	struct sbiret r = mgmt(HVMGMT_VM_CREATE, (uintptr_t)&desc, sizeof(desc), 0, 0);
	expect("create", r.error, 0);
	if (r.error)
		return;
	int id = (int)r.value;
	/* grader: test_stage7_mgmt.py parses these lines */
	printf("mgmt: round %d: created vm%d\n", round, id);
	list_vms(NULL);
	expect("stop-created", mgmt(HVMGMT_VM_STOP, id, 0, 0, 0).error, SBI_ERR_INVALID_PARAM);
	expect("start", mgmt(HVMGMT_VM_START, id, 0, 0, 0).error, 0);
	expect("start-again", mgmt(HVMGMT_VM_START, id, 0, 0, 0).error, SBI_ERR_ALREADY_STARTED);
	uint32_t len = read_console(id, "child: waiting to be stopped\n");
	if (!len)
		printf("mgmt: round %d: vm%d broken: %s\n", round, id, read_failure);
	struct hvmgmt_console *c = (struct hvmgmt_console *)console;
	uint64_t h = 0xcbf29ce484222325UL; /* FNV-1a */
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)c->data[i]) * 0x100000001b3UL;
	printf("mgmt: round %d: console first %lu len %u fnv 0x%lx\n", round,
	       (unsigned long)c->first, len, h);
	struct sbiret tail =
	    mgmt(HVMGMT_VM_CONSOLE, id, (uintptr_t)console, sizeof(console), 1000000);
	printf("mgmt: round %d: console from the future: error %ld len %ld first %lu\n", round,
	       tail.error, tail.value, (unsigned long)c->first);
	if (round == 2) {
		/* Let its frames flow for a while: at least 100 exits, by the list's figures. */
		uint64_t until = rdtime() + 5 * fdt_timebase(), exits = 0;
		while (exits < 100 && rdtime() < until) {
			const struct hvmgmt_vm_info *info = find_info(id);
			if (info)
				exits = info->exits;
		}
		printf("mgmt: round 2: the child made %s100 exits\n",
		       exits < 100 ? "fewer than " : "");
	}
	if (round == 2)
		expect("destroy-running", mgmt(HVMGMT_VM_DESTROY, id, 0, 0, 0).error,
		       SBI_ERR_ALREADY_STARTED);
	expect("stop", mgmt(HVMGMT_VM_STOP, id, 0, 0, 0).error, 0);
	expect("stop-again", mgmt(HVMGMT_VM_STOP, id, 0, 0, 0).error, SBI_ERR_ALREADY_STOPPED);
	expect("start-stopped", mgmt(HVMGMT_VM_START, id, 0, 0, 0).error, SBI_ERR_INVALID_PARAM);
	list_vms(NULL);
	expect("destroy", mgmt(HVMGMT_VM_DESTROY, id, 0, 0, 0).error, 0);
	expect("destroy-again", mgmt(HVMGMT_VM_DESTROY, id, 0, 0, 0).error, SBI_ERR_INVALID_PARAM);
}

/* More VMs created, started, stopped and destroyed, one after the other,
 * each running until it printed its lines: more than the machine's memory
 * holds at once if any of them were not given back. */
static void more_rounds(unsigned long rounds)
{
	unsigned long done = 0;
	for (unsigned long i = 0; i < rounds; i++) {
		good_desc("again", i, i % 2);
		struct sbiret r = mgmt(HVMGMT_VM_CREATE, (uintptr_t)&desc, sizeof(desc), 0, 0);
		if (r.error) {
			printf("mgmt: more round %lu: create: error %ld\n", i, r.error);
			break;
		}
		int id = (int)r.value;
		const char *why = NULL;
		long e = mgmt(HVMGMT_VM_START, id, 0, 0, 0).error;
		if (e)
			why = "start failed";
		else if (!read_console(id, "child: waiting to be stopped\n"))
			why = read_failure;
		/* Stopped and destroyed however the round went: a child left
		 * running would keep the machine from powering off. */
		long stop = mgmt(HVMGMT_VM_STOP, id, 0, 0, 0).error;
		long destroy = mgmt(HVMGMT_VM_DESTROY, id, 0, 0, 0).error;
		if (!why && stop)
			why = "stop failed";
		if (!why && destroy)
			why = "destroy failed";
		if (why) {
			/* grader: test_stage7_mgmt.py shows this line */
			printf("mgmt: more round %lu (vm%d) broken: %s (start %ld stop %ld destroy "
			       "%ld)\n",
			       i, id, why, e, stop, destroy);
			break;
		}
		done++;
	}
	/* grader: test_stage7_mgmt.py parses this line */
	printf("mgmt: %lu more rounds of %lu\n", done, rounds);
}

void guest_main(void)
{
	char role[16] = "mvm";
	bootarg("role", role, sizeof(role));
	if (!strcmp(role, "other")) {
		other_vm();
		return;
	}
	ram_end = HVMGMT_MEM_GPA + bootarg_ulong("ram", 16UL << 20);
	struct sbiret v = mgmt(HVMGMT_GET_VERSION, 0, 0, 0, 0);
	struct sbiret p = sbi_call(SBI_EXT_BASE, SBI_EXT_BASE_PROBE_EXT, HVMGMT_EID, 0, 0);
	printf("mgmt: version %ld (error %ld), probe %ld\n", v.value, v.error, p.value);
	int self = 0;
	list_vms(&self);
	printf("mgmt: self vm%d\n", self);
	bad_descriptions();
	bad_calls(self);
	round_trip(1, bootarg_ulong("cnonce1", 1));
	round_trip(2, bootarg_ulong("cnonce2", 2));
	more_rounds(bootarg_ulong("rounds", 0));
	list_vms(NULL);
	printf("mgmt: done, %d unexpected\n", failures);
}
