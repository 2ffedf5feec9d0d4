/* blk.h over host memory (see blk_mem.h). */
#include "virtio_blk/test/blk_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct blkdev *the_device; /* blkdev_get(0) */

struct blkdev *blk_mem_new(uint64_t sectors)
{
	struct blkdev *d = calloc(1, sizeof(*d));
	d->data = calloc(sectors ? sectors : 1, BLK_SECTOR_SIZE);
	d->sectors = sectors;
	the_device = d;
	return d;
}

struct blkdev *blk_mem_from(const void *data, uint64_t bytes)
{
	struct blkdev *d = blk_mem_new((bytes + BLK_SECTOR_SIZE - 1) / BLK_SECTOR_SIZE);
	memcpy(d->data, data, bytes);
	return d;
}

struct blkdev *blk_mem_load(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *buf = malloc(n ? n : 1);
	size_t got = fread(buf, 1, n, f);
	fclose(f);
	struct blkdev *d = blk_mem_from(buf, got);
	free(buf);
	return d;
}

int blk_mem_save(const struct blkdev *d, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(d->data, BLK_SECTOR_SIZE, d->sectors, f);
	return fclose(f) || n != d->sectors ? -1 : 0;
}

void blk_mem_free(struct blkdev *d)
{
	if (the_device == d)
		the_device = NULL;
	free(d->data);
	free(d);
}

struct blkdev *blkdev_get(unsigned index)
{
	return index ? NULL : the_device;
}

uint64_t blk_sectors(struct blkdev *d)
{
	return d->sectors;
}

bool blk_read_only(struct blkdev *d)
{
	return d->read_only;
}

int blk_read(struct blkdev *d, uint64_t sector, void *buf, size_t count)
{
	if (sector > d->sectors || count > d->sectors - sector) {
		d->out_of_range++;
		return -1;
	}
	memcpy(buf, d->data + sector * BLK_SECTOR_SIZE, count * BLK_SECTOR_SIZE);
	return 0;
}

int blk_write(struct blkdev *d, uint64_t sector, const void *buf, size_t count)
{
	if (sector > d->sectors || count > d->sectors - sector) {
		d->out_of_range++;
		return -1;
	}
	if (d->read_only || d->cut)
		return -1;
	d->writes++;
	for (size_t i = 0; i < count; i++) {
		if (d->cut_armed && !d->cut_after--) {
			d->cut = true; /* the sectors before this one reached the disk */
			return -1;
		}
		memcpy(d->data + (sector + i) * BLK_SECTOR_SIZE,
		       (const uint8_t *)buf + i * BLK_SECTOR_SIZE, BLK_SECTOR_SIZE);
	}
	return 0;
}

void blk_counts(struct blkdev *d, uint64_t *requests, uint64_t *interrupts)
{
	*requests = d->writes + d->flushes;
	*interrupts = 0;
}

int blk_flush(struct blkdev *d)
{
	d->flushes++;
	return d->cut ? -1 : 0;
}
