/* The vm= command line (vm/config.c): any text, with a RAM layout and a
 * list of reserved regions that the input also chooses, and a few
 * built-in images (one with a name longer than a VM's name field).
 *
 * The parse may ask for fewer VMs than the text names, never more than
 * `max`. Each VM has a NUL-terminated name and bootargs within their
 * fields; its image is either a built-in one, whole, or a raw image
 * (@ADDR+SIZE) that lies inside one RAM region, is not empty, and has been
 * added to the reserved regions (which stay within their table, the
 * earlier entries untouched); so is its initrd (vmN.initrd=@ADDR+SIZE) if
 * it has one, reserved after every image. Every word in a VM's bootargs
 * comes from a token vmN.WORD of the command line with N its number, and
 * none is an initrd= (that word is the hypervisor's). From ch6-virtio on,
 * none is a disk= or a mac= either (the hypervisor's own settings); the
 * VM's disk and mac fields are terminated, and each is empty, "?" (too
 * long) or the value of a vmN.disk= (vmN.mac=) token.
 *
 * Input: RAM regions (1), per region base (1) and size (1) selectors,
 * reserved regions already there (1), max (1), then the command line. */
#include <string.h>

#include "fuzz.h"

#include "boot/platform.h"
#include "vm/config.h"

struct platform platform;

/* As the chapter's Makefile generates it (guest_images.S). */
struct builtin_image {
	const char *name;
	const char *start, *end;
};
static const char image_bytes[64];
const struct builtin_image guest_images[] = {
    {"hello", image_bytes, image_bytes + 16},
    {"echo", image_bytes + 16, image_bytes + 32},
    {"sbitest", image_bytes + 32, image_bytes + 48},
    {"a-name-longer-than-sixteen", image_bytes + 48, image_bytes + 64},
    {"x", image_bytes, image_bytes + 1},
    {NULL, NULL, NULL},
};

static const uint64_t ram_bases[8] = {
    0x80000000,  0,      0x100000000, 0x80000000 + (256 << 20),
    ~0ULL << 30, 0x1000, 1ULL << 63,  0xc0000000,
};
static const uint64_t ram_sizes[8] = {
    128 << 20, 256 << 20, 2ULL << 30, 0, 1, 1ULL << 40, ~0ULL, 0x1000,
};

static bool inside_ram(uint64_t addr, uint64_t size)
{
	for (int i = 0; i < platform.ram_count; i++) {
		const struct mem_range *r = &platform.ram[i];
		if (addr >= r->base &&
		    (unsigned __int128)addr + size <= (unsigned __int128)r->base + r->size)
			return true;
	}
	return false;
}

/* Whether the command line has the token vmN.WORD, with N (in any base-10
 * spelling that strtoul reads, wrapping as it does) equal to `vm`. */
static bool has_bootarg(const char *cmdline, unsigned long vm, const char *word, size_t len)
{
	for (const char *t = cmdline; *t;) {
		while (*t == ' ')
			t++;
		const char *end = t;
		while (*end && *end != ' ')
			end++;
		if (end - t > 2 && t[0] == 'v' && t[1] == 'm') {
			const char *p = t + 2;
			unsigned long n = 0;
			while (p < end && *p >= '0' && *p <= '9')
				n = n * 10 + (unsigned long)(*p++ - '0');
			if (p > t + 2 && n == vm && *p == '.' && (size_t)(end - p - 1) == len &&
			    !memcmp(p + 1, word, len))
				return true;
		}
		t = end;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	memset(&platform, 0, sizeof(platform));
	platform.ram_count = 1 + take8(&in) % MAX_MEM_REGIONS;
	for (int i = 0; i < platform.ram_count; i++) {
		uint8_t base = take8(&in), sz = take8(&in);
		platform.ram[i] =
		    (struct mem_range){ram_bases[base & 7] + (base >> 3) * (64ULL << 20),
		                       ram_sizes[sz & 7] + (sz >> 3) * 0x1000};
	}
	int reserved = take8(&in) % (MAX_RESERVED + 1);
	for (int i = 0; i < reserved; i++)
		platform.reserved[i] = (struct mem_range){0x80000000 + i * 0x1000, 0x1000};
	platform.reserved_count = reserved;
	struct platform before = platform;
	int max = 1 + take8(&in) % MAX_VMS;

	/* The command line, in a block of its own size: ASan sees any read
	 * past its end. */
	char *cmdline = malloc(in.size + 1);
	memcpy(cmdline, in.data, in.size);
	cmdline[in.size] = '\0';
	platform.bootargs = cmdline;

	struct vm_config cfg[MAX_VMS + 1];
	memset(cfg, 0x5a, sizeof(cfg));
	int n = vm_config_parse(cfg, max);

	CHECK(n >= 0 && n <= max);
	CHECK(cfg[max].vcpus == 0x5a5a5a5a); /* nothing written past `max` */
	int raw = 0;
	for (int i = 0; i < n; i++) {
		struct vm_config *c = &cfg[i];
		CHECK(memchr(c->name, '\0', sizeof(c->name)));
		CHECK(memchr(c->bootargs, '\0', sizeof(c->bootargs)));
		bool builtin = false;
		for (const struct builtin_image *b = guest_images; b->name; b++)
			builtin |= c->image == b->start &&
			           c->image_size == (size_t)(b->end - b->start) &&
			           !strncmp(c->name, b->name, sizeof(c->name) - 1);
		if (!builtin) {
			uint64_t addr = (uintptr_t)c->image;
			CHECK(c->load_offset == RAW_IMAGE_OFFSET);
			CHECK(c->image_size > 0 && inside_ram(addr, c->image_size));
			CHECK(platform.reserved_count > before.reserved_count + raw);
			const struct mem_range *r =
			    &platform.reserved[before.reserved_count + raw++];
			CHECK(r->base == addr && r->size == c->image_size);
		}
		for (const char *w = c->bootargs; *w;) {
			size_t len = strcspn(w, " ");
			CHECK(len && has_bootarg(cmdline, (unsigned long)i + 1, w, len));
			CHECK(strncmp(w, "initrd=", 7));
#if HVLAB_CHAPTER_NUMBER >= 6
			CHECK(strncmp(w, "disk=", 5) && strncmp(w, "mac=", 4));
#endif
			w += len + (w[len] == ' ');
		}
#if HVLAB_CHAPTER_NUMBER >= 6 /* a VM's disk and address (ch6-virtio on) */
		CHECK(memchr(c->disk, '\0', sizeof(c->disk)));
		if (c->disk[0] && strcmp(c->disk, "?")) {
			char word[sizeof(c->disk) + 5] = "disk=";
			strcpy(word + 5, c->disk);
			CHECK(has_bootarg(cmdline, (unsigned long)i + 1, word, strlen(word)));
		}
		CHECK(memchr(c->mac, '\0', sizeof(c->mac)));
		if (c->mac[0] && strcmp(c->mac, "?")) {
			char word[sizeof(c->mac) + 4] = "mac=";
			strcpy(word + 4, c->mac);
			CHECK(has_bootarg(cmdline, (unsigned long)i + 1, word, strlen(word)));
		}
#endif
	}
	int initrds = 0;
	for (int i = 0; i < n; i++) {
		struct vm_config *c = &cfg[i];
		if (!c->initrd) {
			CHECK(c->initrd_size == 0);
			continue;
		}
		uint64_t addr = (uintptr_t)c->initrd;
		CHECK(c->initrd_size > 0 && inside_ram(addr, c->initrd_size));
		/* reserved in the order of the vmN.initrd= words, after the images */
		bool reserved = false;
		for (int r = before.reserved_count + raw; r < platform.reserved_count; r++)
			reserved |= platform.reserved[r].base == addr &&
			            platform.reserved[r].size == c->initrd_size;
		CHECK(reserved);
		initrds++;
	}
	CHECK(platform.reserved_count == before.reserved_count + raw + initrds);
	CHECK(platform.reserved_count <= MAX_RESERVED);
	CHECK(!memcmp(platform.reserved, before.reserved,
	              before.reserved_count * sizeof(platform.reserved[0])));
	free(cmdline);
	return 0;
}
