/* The boot, from _start (entry.S) to main and the power-off. */
#include <picolibc.h> /* PICOLIBC_TLS, which picotls.h tests */
#include <picotls.h>
#include <string.h>

#include "plat/boot.h"
#include "plat/plat.h"

int main(int argc, char **argv);

static void boot_fail(const char *what, const char *name)
{
	plat_puts("uk: boot failed: ");
	plat_puts(what);
	plat_puts(name);
	plat_puts("\n");
	plat_poweroff(true);
}

/* The init table, level by level (UK_INIT_PLAT first): a component's init
 * runs after those of every level below its own, so it may use what they
 * set up (an allocator after the platform, threads after the allocator). */
static void run_init_table(void)
{
	/* LAB 7 BEGIN: run every init of the table in level order; one that fails stops the boot */
	for (long level = UK_INIT_PLAT; level <= UK_INIT_LAST; level++) {
		for (const struct uk_init *e = __uk_init_start; e < __uk_init_end; e++) {
			if (e->level != level)
				continue;
			if (e->fn() != 0)
				boot_fail("init ", e->name);
		}
	}
	/* LAB 7 END */
}

/* With uk.bench=1 in bootargs (make bench), the instructions from _start to
 * main; without, nothing, so that an app's output stays the same. */
static void report_boot_instructions(uint64_t start_instret, uint64_t main_instret)
{
	char flag[2], digits[21], *p = digits + sizeof(digits) - 1;
	if (!plat_arg("uk.bench", flag, sizeof(flag)))
		return;
	*p = '\0';
	uint64_t n = main_instret - start_instret;
	do
		*--p = (char)('0' + n % 10);
	while (n /= 10);
	plat_puts("uk: boot: ");
	plat_puts(p);
	plat_puts(" instructions from _start to main\n");
}

__attribute__((noreturn)) void plat_boot(unsigned long hartid, const void *fdt,
                                         uint64_t start_instret)
{
	memset(__bss_start, 0, (size_t)(__bss_end - __bss_start));
	/* picolibc keeps errno and its state in thread-local storage: tp must
	 * point at a block laid out from the image's .tdata/.tbss first. */
	_init_tls(__uk_tls_block);
	_set_tls(__uk_tls_block);
	plat_trap_init();
	if (plat_fdt_init(hartid, fdt) != 0)
		boot_fail("no usable device tree at ", "a1");
	run_init_table();
	static char app_name[] = UK_APP_NAME;
	char *argv[] = {app_name, NULL};
	uint64_t main_instret;
	asm volatile("rdinstret %0" : "=r"(main_instret));
	report_boot_instructions(start_instret, main_instret);
	plat_irq_enable();
	int ret = main(1, argv);
	plat_poweroff(ret != 0);
}
