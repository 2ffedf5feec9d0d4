/* Files of the MVM's disk, by name: a name without a leading "/" is in
 * the root directory, where mke2fs -d puts the files it is given. */
#include "disk.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext2/ext2.h"
#include "virtio_blk/blk.h"

static struct ext2_fs fs;
static bool mounted;

bool disk_mounted(void)
{
	return mounted;
}

int disk_mount(void)
{
	struct blkdev *dev = blkdev_get(0);
	if (!dev) {
		printf("mvm: no disk (the hypervisor's vmN.disk=START+SIZE gives one): "
		       "ls, cat and vm config have no files\n");
		return -1;
	}
	if (ext2_mount(&fs, dev, 0) < 0) {
		printf("mvm: the disk holds no ext2 file system (make one with mke2fs -t ext2 -d "
		       "DIR)\n");
		return -1;
	}
	mounted = true;
	return 0;
}

static void absolute(const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s%s", path[0] == '/' ? "" : "/", path);
}

void *disk_load(const char *path, size_t max, size_t *size, char *err, size_t err_size)
{
	struct ext2_file f;
	char full[128];
	if (!mounted) {
		snprintf(err, err_size, "%s: no file system mounted", path);
		return NULL;
	}
	absolute(path, full, sizeof(full));
	if (ext2_open(&fs, full, &f) < 0) {
		snprintf(err, err_size, "%s: no such file on the disk (ls lists them)", path);
		return NULL;
	}
	if (f.size > max) {
		snprintf(err, err_size, "%s: %llu bytes, more than the %zu this command takes",
		         path, (unsigned long long)f.size, max);
		return NULL;
	}
	/* One byte more, a NUL: a text file can be read as a string. */
	char *buf = malloc((size_t)f.size + 1);
	if (!buf) {
		snprintf(err, err_size, "%s: no memory for its %llu bytes", path,
		         (unsigned long long)f.size);
		return NULL;
	}
	long got = ext2_read(&f, 0, buf, (size_t)f.size);
	if (got != (long)f.size) {
		snprintf(err, err_size, "%s: read %ld of its %llu bytes", path, got,
		         (unsigned long long)f.size);
		free(buf);
		return NULL;
	}
	buf[f.size] = '\0';
	*size = (size_t)f.size;
	return buf;
}

static int print_entry(const char *name, uint64_t size, bool is_dir, void *arg)
{
	(void)arg;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	printf("  %10llu  %s%s\n", (unsigned long long)size, name, is_dir ? "/" : "");
	return 0;
}

int disk_list(const char *dir)
{
	char full[128];
	if (!mounted) {
		printf("ls: no file system mounted\n");
		return 1;
	}
	absolute(dir, full, sizeof(full));
	if (ext2_readdir(&fs, full, print_entry, NULL) < 0) {
		printf("ls: %s: no such directory\n", dir);
		return 1;
	}
	return 0;
}
