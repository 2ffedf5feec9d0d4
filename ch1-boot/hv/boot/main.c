/* The boot hart's path from OpenSBI to a running hypervisor:
 * device tree -> console -> SBI -> H extension -> the other harts -> shutdown. */
#include <libfdt.h>

#include "arch/sbi.h"
#include "boot/params.h"
#include "boot/platform.h"
#include "boot/poweroff.h"
#include "boot/smp.h"
#include "dev/uart.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/printf.h"

static void print_sbi(void)
{
	static const struct {
		unsigned long id;
		const char *name;
	} extensions[] = {
	    {SBI_EXT_TIME, "TIME"}, {SBI_EXT_IPI, "IPI"},   {SBI_EXT_RFENCE, "RFENCE"},
	    {SBI_EXT_HSM, "HSM"},   {SBI_EXT_SRST, "SRST"}, {SBI_EXT_DBCN, "DBCN"},
	};
	long spec = sbi_spec_version();
	long impl = sbi_impl_id();
	long impl_version = sbi_impl_version();

	/* grader: test_stage1_boot.py parses this line */
	printf("sbi: spec v%ld.%ld, implementation %s (id %ld) v%ld.%ld\n",
	       (spec >> SBI_SPEC_VERSION_MAJOR_OFFSET) & SBI_SPEC_VERSION_MAJOR_MASK,
	       spec & SBI_SPEC_VERSION_MINOR_MASK, sbi_impl_name(impl), impl, impl_version >> 16,
	       impl_version & 0xffff);
	/* grader: test_stage1_boot.py parses these lines */
	for (unsigned i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		printf("sbi: extension %-6s %s\n", extensions[i].name,
		       sbi_probe_extension(extensions[i].id) ? "present" : "absent");
	if (!sbi_probe_extension(SBI_EXT_HSM) || !sbi_probe_extension(SBI_EXT_SRST))
		panic("the firmware lacks SBI HSM or SRST, which hvlab needs");
}

/* RAM minus the parts of it that reserved regions cover (they do not overlap
 * each other on any platform hvlab runs on). */
static uint64_t usable_memory(void)
{
	uint64_t total = 0;
	for (int i = 0; i < platform.ram_count; i++) {
		uint64_t lo = platform.ram[i].base, hi = lo + platform.ram[i].size;
		total += platform.ram[i].size;
		for (int j = 0; j < platform.reserved_count; j++) {
			uint64_t rlo = platform.reserved[j].base;
			uint64_t rhi = rlo + platform.reserved[j].size;
			if (rlo < lo)
				rlo = lo;
			if (rhi > hi)
				rhi = hi;
			if (rhi > rlo)
				total -= rhi - rlo;
		}
	}
	return total;
}

static void print_platform(void)
{
	printf("model: %s\n", platform.model ? platform.model : "(none)");
	/* grader: test_stage3_paging.py parses this line */
	printf("device tree: %u bytes at %p\n", platform.fdt_size, platform.fdt);
	/* grader: test_stage1_boot.py parses the lines from here to the bootargs */
	for (int i = 0; i < platform.ram_count; i++)
		printf("memory: base 0x%lx size 0x%lx (%lu MiB)\n", platform.ram[i].base,
		       platform.ram[i].size, platform.ram[i].size >> 20);
	for (int i = 0; i < platform.reserved_count; i++)
		printf("reserved: 0x%lx-0x%lx %s\n", platform.reserved[i].base,
		       platform.reserved[i].base + platform.reserved[i].size,
		       platform.reserved_name[i]);
	printf("memory: %lu KiB usable outside reserved regions\n", usable_memory() >> 10);
	/* grader: test_stage1_boot.py and test_stage5_irq.py parse this line */
	printf("harts: %d, timebase %u Hz\n", platform.hart_count, platform.timebase_frequency);
	for (int i = 0; i < platform.hart_count; i++)
		printf("hart %lu: isa %s\n", platform.hart[i].hartid,
		       platform.hart[i].isa ? platform.hart[i].isa : "(none)");
	if (platform.harts_ignored)
		printf("harts: %d more ignored (hvlab handles %d)\n", platform.harts_ignored,
		       MAX_HARTS);
	printf("uart: %s at 0x%lx, irq %u, clock %u Hz\n", platform.uart.compatible,
	       platform.uart.base, platform.uart.irq, platform.uart_clock);
	if (platform.intc.present)
		printf("interrupt controller: %s at 0x%lx size 0x%lx, %u sources\n",
		       platform.intc.compatible, platform.intc.base, platform.intc.size,
		       platform.intc_sources);
	else
		printf("interrupt controller: none found\n");
	printf("virtio-mmio: %d slots\n", platform.virtio_count);
	for (int i = 0; i < platform.virtio_count; i++)
		printf("virtio-mmio %d: 0x%lx size 0x%lx irq %u\n", i, platform.virtio[i].base,
		       platform.virtio[i].size, platform.virtio[i].irq);
	printf("bootargs: \"%s\"\n", platform.bootargs ? platform.bootargs : "");
	/* Each word as bootarg() splits them, printed in place (%.*s): the
	 * grader checks them against what it passed. */
	int words = 0;
	for (const char *p = platform.bootargs; p && *p;) {
		while (*p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ' ')
			end++;
		if (end > p)
			printf("bootarg %d: %.*s\n", words++, (int)(end - p), p);
		p = end;
	}
}

/* Every hart must have the hypervisor extension, the boot hart above all. */
static bool check_h_extension(unsigned long boot_hartid)
{
	bool ok = true;
	for (int i = 0; i < platform.hart_count; i++) {
		if (isa_has_extension(platform.hart[i].isa, 'h'))
			continue;
		/* grader: test_stage1_boot.py parses this line */
		printf("error: hart %lu has no H extension (riscv,isa \"%s\")\n",
		       platform.hart[i].hartid, platform.hart[i].isa ? platform.hart[i].isa : "");
		ok = false;
	}
	(void)boot_hartid;
	return ok && platform.hart_count > 0;
}

__attribute__((noreturn)) void hv_main(unsigned long hartid, const void *fdt)
{
	smp_init_boot_hart(hartid);

	/* Until the UART is known, output goes through the SBI legacy console. */
	int err = dt_discover(fdt);
	if (err)
		panic("device tree at %p unusable: %s", fdt, fdt_strerror(err));
	if (!platform.uart.present)
		panic("no UART in the device tree");
	struct uart_config uart = {
	    .base = platform.uart.base,
	    .reg_shift = platform.uart_reg_shift,
	    .reg_io_width = platform.uart_reg_io_width,
	};
	uart_init(&uart);
	console_set_output(uart_putc);

	/* grader: test_stage1_boot.py, test_stage1_gdb.py, test_stage2_locks.py and
	 * test_stage2_trap.py parse this line */
	printf("hvlab %s: hypervisor on boot hart %lu\n", HVLAB_CHAPTER, hartid);
	print_sbi();
	print_platform();
	params_parse();
	if (params.help) {
		params_print_help();
		poweroff(0);
	}

	if (!check_h_extension(hartid)) {
		/* grader: test_stage1_boot.py parses this line */
		printf("error: the H extension is missing; hvlab needs a CPU with it "
		       "(QEMU: -cpu rv64, the default, has it; h=false removes it)\n");
		poweroff(1);
	}
	printf("H extension: present on all %d harts\n", platform.hart_count);

	int online = smp_start_secondaries();
	/* grader: test_stage1_boot.py parses this line */
	printf("harts online: %d of %d\n", online, platform.hart_count);
	if (online != platform.hart_count)
		panic("%d harts did not come online", platform.hart_count - online);

	/* grader: test_stage1_boot.py parses this line */
	printf("shutdown\n");
	poweroff(0);
}
