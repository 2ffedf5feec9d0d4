/* The MVM's conversion of a VM's JSON config (uk/apps/mvm/vm_config.c, on
 * uk/lib/json/json.c and jsmn) on any text: the file comes from a disk.
 * Besides crashes and sanitizer reports: a refusal says why, in one line
 * that starts "vm config: "; an accepted config gives a description that
 * the hypervisor's first checks would not throw out for its form (magic,
 * version, size, NUL-terminated name and command line, known flags only,
 * reserved fields zero, a MAC only with a port) and names a kernel file;
 * and the conversion is a function of the text (the same twice). */
#include <string.h>

#include "fuzz.h"

#include "../apps/mvm/vm_config.h" /* uk/apps/mvm, through -I uk/lib */

#define MAX_TEXT (16 * 1024)

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_config first, again;
	static char err[256], err_again[256];
	if (size > MAX_TEXT)
		return 0;
	int r = vm_config_parse((const char *)data, size, &first, err, sizeof(err));
	int r2 = vm_config_parse((const char *)data, size, &again, err_again, sizeof(err_again));
	CHECK(r == r2 && !strcmp(err, err_again));
	if (r < 0) {
		CHECK(r == -1);
		CHECK(!strncmp(err, "vm config: ", 11) && strlen(err) > 11);
		CHECK(!strchr(err, '\n'));
		return 0;
	}
	CHECK(r == 0 && err[0] == '\0');
	CHECK(!memcmp(&first, &again, sizeof(first)));
	const struct hvmgmt_vm_desc *d = &first.desc;
	CHECK(d->magic == HVMGMT_DESC_MAGIC && d->version == HVMGMT_DESC_VERSION);
	CHECK(d->size == sizeof(*d));
	CHECK(memchr(d->name, 0, sizeof(d->name)) && d->name[0]);
	CHECK(memchr(d->cmdline, 0, sizeof(d->cmdline)));
	CHECK(!(d->flags & ~HVMGMT_FLAGS));
	CHECK(!(d->flags & HVMGMT_DISK_RO) || (d->flags & HVMGMT_DISK));
	CHECK(!(d->flags & HVMGMT_MAC) || (d->flags & HVMGMT_NET));
	CHECK((d->flags & HVMGMT_MAC) || zero(d->mac, sizeof(d->mac)));
	CHECK((d->flags & HVMGMT_DISK) || (!d->disk_start && !d->disk_sectors));
	CHECK(d->reserved0 == 0 && zero(d->reserved1, sizeof(d->reserved1)) &&
	      zero(d->reserved2, sizeof(d->reserved2)));
	CHECK(!d->image_addr && !d->image_size && !d->initrd_addr && !d->initrd_size);
	CHECK(first.kernel_file[0] && memchr(first.kernel_file, 0, sizeof(first.kernel_file)));
	CHECK(memchr(first.ramdisk_file, 0, sizeof(first.ramdisk_file)));
	return 0;
}
