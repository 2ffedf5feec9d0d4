/* Block devices: the virtio-blk disks of the device tree, in the order
 * of their nodes, as 512-byte sectors. Requests are synchronous: a call
 * returns when the device has answered (polling the used ring, or with
 * LIBINTC and LIBSCHED sleeping until the completion interrupt). */
#ifndef VIRTIO_BLK_BLK_H
#define VIRTIO_BLK_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_SECTOR_SIZE 512

struct blkdev;

/* The index-th disk (0 first); NULL if there are not that many. */
struct blkdev *blkdev_get(unsigned index);
/* Capacity in sectors, and whether the device refuses writes (VIRTIO_BLK_F_RO). */
uint64_t blk_sectors(struct blkdev *dev);
bool blk_read_only(struct blkdev *dev);
/* count sectors from `sector`, into or from buf: 0, or -1 on an error
 * (out of range, read-only, the device's IOERR; each printed). */
int blk_read(struct blkdev *dev, uint64_t sector, void *buf, size_t count);
int blk_write(struct blkdev *dev, uint64_t sector, const void *buf, size_t count);
/* What was written is on stable storage when this returns 0. */
int blk_flush(struct blkdev *dev);
/* Requests made to the device so far, and its completion interrupts
 * taken (0 when polled). */
void blk_counts(struct blkdev *dev, uint64_t *requests, uint64_t *interrupts);

#endif
