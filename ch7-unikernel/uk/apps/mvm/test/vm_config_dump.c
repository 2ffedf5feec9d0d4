/* Host tool: a vm-config.json file through vm_config_parse, printing the
 * description it gives (key=value lines) or the refusal. The grader runs
 * it on good and bad configs; a fuzzer may feed it anything. */
#include <stdio.h>
#include <stdlib.h>

#include "../vm_config.h"

int main(int argc, char **argv)
{
	static char text[64 * 1024];
	struct vm_config cfg;
	char err[256];
	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.json\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	size_t len = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (vm_config_parse(text, len, &cfg, err, sizeof(err)) < 0) {
		printf("%s\n", err);
		return 1;
	}
	const struct hvmgmt_vm_desc *d = &cfg.desc;
	printf("name=%s\ncmdline=%s\nkernel=%s\nramdisk=%s\n", d->name, d->cmdline, cfg.kernel_file,
	       cfg.ramdisk_file);
	printf("mem_gpa=%#llx\nmem_size=%#llx\nload_gpa=%#llx\nentry_gpa=%#llx\n",
	       (unsigned long long)d->mem_gpa, (unsigned long long)d->mem_size,
	       (unsigned long long)d->load_gpa, (unsigned long long)d->entry_gpa);
	printf("vcpus=%u\nhart_mask=%#llx\nflags=%#x\n", (unsigned)d->vcpus,
	       (unsigned long long)d->hart_mask, (unsigned)d->flags);
	printf("disk=%llu+%llu\nmac=%02x:%02x:%02x:%02x:%02x:%02x\n",
	       (unsigned long long)d->disk_start, (unsigned long long)d->disk_sectors, d->mac[0],
	       d->mac[1], d->mac[2], d->mac[3], d->mac[4], d->mac[5]);
	return 0;
}
