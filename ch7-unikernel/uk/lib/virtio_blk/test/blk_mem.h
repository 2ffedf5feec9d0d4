/* A block device in host memory for the host tests of the components
 * that use blk.h (ext2, store): loaded from and saved to a file, and able
 * to simulate a power cut after a number of written sectors. */
#ifndef VIRTIO_BLK_TEST_BLK_MEM_H
#define VIRTIO_BLK_TEST_BLK_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_blk/blk.h"

struct blkdev {
	uint8_t *data;
	uint64_t sectors;
	bool read_only;
	/* Power cut: after this many more sectors are written (when armed),
	 * every write and flush fails and changes nothing. */
	bool cut_armed;
	uint64_t cut_after;
	bool cut;
	uint64_t writes, flushes;
	uint64_t out_of_range; /* requests beyond the device: a caller's bug */
};

struct blkdev *blk_mem_new(uint64_t sectors);
struct blkdev *blk_mem_from(const void *data, uint64_t bytes); /* rounded up to sectors */
struct blkdev *blk_mem_load(const char *path);
int blk_mem_save(const struct blkdev *dev, const char *path);
void blk_mem_free(struct blkdev *dev);

#endif
