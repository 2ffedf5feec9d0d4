/* The library OS's ext2 reader (uk/lib/ext2/ext2.c) on an image that the
 * input is: mount it, then walk every directory (a few levels deep) and
 * read every file in pieces that straddle blocks. Besides crashes and
 * sanitizer reports: no request ever reaches past the device (the mount
 * checked the file system's size against it), a read returns at most
 * what was asked and never more than the file's size, a piecewise read
 * gives the same bytes as one read of the whole.
 *
 * Input: the image's bytes (the device is that long, rounded up to
 * sectors). */
#include <string.h>

#include "fuzz.h"

#include "ext2/ext2.h"
#include "virtio_blk/test/blk_mem.h"

#define MAX_IMAGE   (512 * 1024)
#define MAX_READ    (64 * 1024) /* of each file */
#define MAX_ENTRIES 12
#define MAX_DEPTH   3

static struct ext2_fs fs;
static uint8_t whole[MAX_READ], piece[MAX_READ];
static unsigned files_left;

struct names {
	char name[MAX_ENTRIES][EXT2_NAME_MAX + 1];
	unsigned n;
};

static int collect(const char *name, uint64_t size, bool is_dir, void *arg)
{
	(void)size;
	(void)is_dir;
	struct names *names = arg;
	CHECK(strlen(name) >= 1 && strlen(name) <= EXT2_NAME_MAX);
	CHECK(strcmp(name, ".") && strcmp(name, ".."));
	if (names->n == MAX_ENTRIES)
		return 1;
	strcpy(names->name[names->n++], name);
	return 0;
}

static void read_file(struct ext2_file *f)
{
	size_t want = f->size < MAX_READ ? (size_t)f->size : MAX_READ;
	long n = ext2_read(f, 0, whole, want);
	CHECK(n <= (long)want);
	if (n != (long)want)
		return; /* an error (a corrupt map): no comparison */
	size_t done = 0;
	while (done < want) {
		size_t ask = want - done < 777 ? want - done : 777;
		long m = ext2_read(f, done, piece + done, ask);
		CHECK(m <= (long)ask && (uint64_t)m <= f->size - done);
		if (m <= 0)
			return;
		done += (size_t)m;
	}
	CHECK(!memcmp(whole, piece, want));
	CHECK(ext2_read(f, f->size, piece, 16) == 0);
}

static void walk(const char *dir, unsigned depth)
{
	static struct names levels[MAX_DEPTH + 1];
	struct names *names = &levels[depth];
	names->n = 0;
	if (ext2_readdir(&fs, dir, collect, names) < 0)
		return;
	for (unsigned i = 0; i < names->n && files_left; i++) {
		char path[(EXT2_NAME_MAX + 1) * (MAX_DEPTH + 2)];
		snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", names->name[i]);
		struct ext2_file f;
		if (ext2_open(&fs, path, &f))
			continue;
		files_left--;
		if (ext2_is_dir(&f)) {
			if (depth < MAX_DEPTH)
				walk(path, depth + 1);
		} else {
			read_file(&f);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_IMAGE)
		return 0;
	struct blkdev *dev = blk_mem_from(data, size);
	if (ext2_mount(&fs, dev, 0) == 0) {
		CHECK((uint64_t)fs.blocks_count * fs.block_size <= dev->sectors * BLK_SECTOR_SIZE);
		files_left = 32;
		walk("/", 0);
	}
	CHECK(dev->out_of_range == 0);
	blk_mem_free(dev);
	return 0;
}
