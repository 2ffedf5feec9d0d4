/* Host test of ext2: mounts an image (a file made by mke2fs -d) and
 * prints every file under a path as "path size crc32", read in pieces of
 * an odd size that straddle blocks; run.sh compares that with the
 * directory the image was made from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext2/ext2.h"
#include "store/crc32.h"
#include "virtio_blk/test/blk_mem.h"

static struct ext2_fs fs;

struct names {
	char name[64][EXT2_NAME_MAX + 1];
	bool is_dir[64];
	unsigned n;
};

static int collect(const char *name, uint64_t size, bool is_dir, void *arg)
{
	(void)size;
	struct names *names = arg;
	if (names->n == 64)
		return -1;
	strcpy(names->name[names->n], name);
	names->is_dir[names->n++] = is_dir;
	return 0;
}

static int list(const char *dir)
{
	struct names *names = calloc(1, sizeof(*names));
	if (ext2_readdir(&fs, dir, collect, names)) {
		printf("cannot list %s\n", dir);
		return -1;
	}
	for (unsigned i = 0; i < names->n; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
		         names->name[i]);
		if (!strcmp(names->name[i], "lost+found"))
			continue;
		if (names->is_dir[i]) {
			if (list(path))
				return -1;
			continue;
		}
		struct ext2_file f;
		if (ext2_open(&fs, path, &f)) {
			printf("cannot open %s\n", path);
			return -1;
		}
		static uint8_t buf[1000];
		uint32_t crc = 0;
		uint64_t off = 0;
		long n;
		while ((n = ext2_read(&f, off, buf, sizeof(buf))) > 0) {
			crc = crc32(crc, buf, (size_t)n);
			off += (uint64_t)n;
		}
		if (n < 0 || off != f.size) {
			printf("read error in %s at %llu\n", path, (unsigned long long)off);
			return -1;
		}
		/* The whole file at once: the same bytes. */
		uint8_t *all = malloc(f.size + 1);
		if (ext2_read(&f, 0, all, f.size + 1) != (long)f.size ||
		    crc32(0, all, f.size) != crc) {
			printf("whole read of %s differs\n", path);
			return -1;
		}
		free(all);
		printf("%s %llu %08x\n", path + 1, (unsigned long long)f.size, crc);
	}
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: ext2_test IMAGE\n");
		return 2;
	}
	struct blkdev *d = blk_mem_load(argv[1]);
	if (!d || ext2_mount(&fs, d, 0))
		return 1;
	struct ext2_file f;
	if (!ext2_open(&fs, "/nothing/here", &f) || !ext2_open(&fs, "relative", &f)) {
		printf("a missing or relative path opened\n");
		return 1;
	}
	return list("/") ? 1 : 0;
}
