/* The GPT reader of vdev/gpt.h: the header at LBA 1, its partition entry
 * array read a sector at a time (entries of 128, 256 or 512 bytes, so
 * that none straddles two sectors), both checked with their CRC32 before
 * any entry is trusted. The usable range must begin after the entry array,
 * and the partition found must share no sector with another used entry:
 * a VM's disk holds neither the table nor another partition. */
#include <stdbool.h>

#include "lib/string.h"
#include "vdev/gpt.h"

#define SECTOR          512
#define GPT_SIGNATURE   "EFI PART"
#define GPT_MAX_ENTRIES 1024

struct gpt_header {
	char signature[8];
	uint32_t revision;
	uint32_t header_size;
	uint32_t header_crc32;
	uint32_t reserved;
	uint64_t my_lba, alternate_lba;
	uint64_t first_usable_lba, last_usable_lba;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t num_entries;
	uint32_t entry_size;
	uint32_t entries_crc32;
} __attribute__((packed));

struct gpt_entry {
	uint8_t type_guid[16];
	uint8_t unique_guid[16];
	uint64_t first_lba, last_lba;
	uint64_t attributes;
	uint16_t name[GPT_NAME_MAX];
} __attribute__((packed));

_Static_assert(sizeof(struct gpt_header) == 92, "UEFI's header layout");
_Static_assert(sizeof(struct gpt_entry) == 128, "UEFI's entry layout");

/* CRC-32 as UEFI uses it (IEEE 802.3, reflected), continued from crc. */
static uint32_t crc32_update(uint32_t crc, const void *data, uint64_t len)
{
	const uint8_t *p = data;
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static bool all_zero(const uint8_t *p, unsigned n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static bool name_is(const struct gpt_entry *e, const char *name)
{
	size_t len = strlen(name);
	if (!len || len > GPT_NAME_MAX)
		return false;
	for (size_t i = 0; i < GPT_NAME_MAX; i++) {
		uint16_t c = e->name[i];
		if (i < len ? c != (uint8_t)name[i] : c != 0)
			return false;
		if (i >= len)
			break; /* the name ends with a NUL, or fills the field */
	}
	return true;
}

/* h: the header's fields, copied out of `sector`, LBA 1 as read. */
static const char *check_header(const struct gpt_header *h, const uint8_t *sector,
                                uint64_t disk_sectors)
{
	if (memcmp(h->signature, GPT_SIGNATURE, 8))
		return "no GPT signature at LBA 1";
	if (h->header_size < sizeof(*h) || h->header_size > SECTOR)
		return "GPT header size out of range";
	struct gpt_header copy;
	memcpy(&copy, h, sizeof(copy));
	copy.header_crc32 = 0;
	uint32_t crc = crc32_update(0, &copy, sizeof(copy));
	crc = crc32_update(crc, sector + sizeof(*h), h->header_size - sizeof(*h));
	if (crc != h->header_crc32)
		return "GPT header CRC32 wrong";
	if (h->my_lba != 1)
		return "GPT header not at its own LBA";
	if (h->first_usable_lba > h->last_usable_lba || h->last_usable_lba >= disk_sectors)
		return "GPT usable range outside the disk";
	if (h->entry_size != 128 && h->entry_size != 256 && h->entry_size != 512)
		return "GPT entry size not 128, 256 or 512";
	if (!h->num_entries || h->num_entries > GPT_MAX_ENTRIES)
		return "GPT entry count out of range";
	uint64_t array_sectors = ((uint64_t)h->num_entries * h->entry_size + SECTOR - 1) / SECTOR;
	if (h->entries_lba < 2 || h->entries_lba >= disk_sectors ||
	    array_sectors > disk_sectors - h->entries_lba)
		return "GPT entry array outside the disk";
	/* A partition must not hold the table that describes it (UEFI 2.10
	 * §5.3.2: the usable range lies after the primary entry array). */
	if (h->first_usable_lba < h->entries_lba + array_sectors)
		return "GPT usable range overlaps its header or entry array";
	return NULL;
}

/* The used entries' ranges, to find the one that overlaps the partition
 * asked for (boot only, like gpt_find's buffer). */
static struct {
	uint64_t first, last;
} used_ranges[GPT_MAX_ENTRIES];

int gpt_find(gpt_read_fn read, uint64_t disk_sectors, const char *name, uint64_t *first,
             uint64_t *sectors, uint64_t *usable_first, uint64_t *usable_last, const char **why)
{
	static uint8_t buf[SECTOR]; /* boot only, one VM at a time */
	struct gpt_header h;
	if (disk_sectors < 3 || read(1, buf, SECTOR)) {
		*why = "cannot read the GPT header";
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if ((*why = check_header(&h, buf, disk_sectors)) != NULL)
		return -1;
	uint32_t crc = 0, per_sector = SECTOR / h.entry_size, nused = 0, found_index = 0;
	uint64_t found_first = 0, found_sectors = 0;
	bool found = false;
	for (uint32_t i = 0; i < h.num_entries; i++) {
		if (i % per_sector == 0 && read(h.entries_lba + i / per_sector, buf, SECTOR)) {
			*why = "cannot read the GPT entries";
			return -1;
		}
		const uint8_t *raw = buf + (i % per_sector) * h.entry_size;
		crc = crc32_update(crc, raw, h.entry_size);
		struct gpt_entry e;
		memcpy(&e, raw, sizeof(e));
		if (all_zero(e.type_guid, sizeof(e.type_guid)))
			continue;
		used_ranges[nused].first = e.first_lba;
		used_ranges[nused++].last = e.last_lba;
		if (found || !name_is(&e, name))
			continue;
		if (e.first_lba < h.first_usable_lba || e.first_lba > e.last_lba ||
		    e.last_lba > h.last_usable_lba) {
			*why = "the partition lies outside the GPT's usable range";
			return -1;
		}
		found_first = e.first_lba;
		found_sectors = e.last_lba - e.first_lba + 1;
		found_index = nused - 1;
		found = true;
	}
	if (crc != h.entries_crc32) {
		*why = "GPT entry array CRC32 wrong";
		return -1;
	}
	if (!found) {
		*why = "no partition of that name";
		return -1;
	}
	/* Another partition's sectors would be this VM's too. */
	uint64_t last = found_first + found_sectors - 1;
	for (uint32_t i = 0; i < nused; i++) {
		if (i != found_index && used_ranges[i].first <= last &&
		    found_first <= used_ranges[i].last) {
			*why = "the partition overlaps another one";
			return -1;
		}
	}
	*usable_first = h.first_usable_lba;
	*usable_last = h.last_usable_lba;
	*first = found_first;
	*sectors = found_sectors;
	return 0;
}
