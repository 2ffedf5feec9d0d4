/* virtio-blk (virtio 1.2, §5.2): the disks of the device tree behind
 * blk.h. A request is a chain of three buffers: the header (the device
 * reads it), the data (read or written), the status byte (written). One
 * request at a time per disk: the caller waits for it (virtio.h says how),
 * which is all a synchronous interface needs. */
#include <stdio.h>

#include "plat/init.h"
#include "uk/config.h"
#include "virtio/virtio.h"
#include "virtio/virtio_mmio.h"
#include "virtio_blk/blk.h"
#if CONFIG_LIBSYNC
#include "sync/sync.h"
#endif

#define VIRTIO_BLK_F_SIZE_MAX 1 /* config size_max: the largest buffer */
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_FLUSH    9

#define CFG_CAPACITY 0x00 /* u64, sectors */
#define CFG_SIZE_MAX 0x08 /* u32 */

#define T_IN    0
#define T_OUT   1
#define T_FLUSH 4
#define S_OK    0

#define MAX_DISKS      4
#define QUEUE_SIZE     8
#define MAX_TRANSFER   (128 * BLK_SECTOR_SIZE) /* per request, at most */
#define STATUS_NOTHING 0xff                    /* no device writes this */

struct blk_request_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blkdev {
	struct virtio_dev *vdev;
	struct virtqueue vq;
	uint64_t capacity;
	bool read_only;
	uint32_t max_transfer; /* bytes a request, a multiple of the sector */
	struct blk_request_header header;
	volatile uint8_t status;
	uint64_t requests;
#if CONFIG_LIBSYNC
	struct uk_mutex lock; /* one request at a time, whichever thread */
#endif
};

static struct blkdev disks[MAX_DISKS];
static unsigned ndisks;

/* One request, waited for: 0, or -1 (printed). */
static int do_request(struct blkdev *b, uint32_t type, uint64_t sector, void *data, uint32_t len)
{
	b->header = (struct blk_request_header){.type = type, .sector = sector};
	b->status = STATUS_NOTHING;
	struct vq_buf bufs[3] = {{&b->header, sizeof(b->header), false}};
	unsigned n = 1;
	if (len)
		bufs[n++] = (struct vq_buf){data, len, type == T_IN};
	bufs[n++] = (struct vq_buf){(const void *)&b->status, 1, true};
	if (virtqueue_add(&b->vq, bufs, n, b))
		return -1; /* cannot happen: one request at a time */
	b->requests++;
	virtqueue_kick(&b->vq);
	if (virtio_wait_used(b->vdev, &b->vq))
		return -1;
	uint32_t written;
	void *cookie = virtqueue_get_used(&b->vq, &written);
	if (cookie != b || b->status != S_OK) {
		printf("virtio-blk: request type %u at sector %llu: status %u\n", type,
		       (unsigned long long)sector, b->status);
		return -1;
	}
	return 0;
}

static int transfer(struct blkdev *b, uint32_t type, uint64_t sector, uint8_t *buf, size_t count)
{
	if (!b || sector > b->capacity || count > b->capacity - sector) {
		printf("virtio-blk: %zu sectors at %llu: beyond the disk\n", count,
		       (unsigned long long)sector);
		return -1;
	}
	if (type == T_OUT && b->read_only) {
		printf("virtio-blk: write to a read-only disk\n");
		return -1;
	}
#if CONFIG_LIBSYNC
	uk_mutex_lock(&b->lock);
#endif
	int r = 0;
	uint32_t per_request = b->max_transfer / BLK_SECTOR_SIZE;
	while (count && !r) {
		uint32_t n = count < per_request ? (uint32_t)count : per_request;
		r = do_request(b, type, sector, buf, n * BLK_SECTOR_SIZE);
		sector += n;
		buf += (size_t)n * BLK_SECTOR_SIZE;
		count -= n;
	}
#if CONFIG_LIBSYNC
	uk_mutex_unlock(&b->lock);
#endif
	return r;
}

int blk_read(struct blkdev *b, uint64_t sector, void *buf, size_t count)
{
	return transfer(b, T_IN, sector, buf, count);
}

int blk_write(struct blkdev *b, uint64_t sector, const void *buf, size_t count)
{
	/* The device only reads the buffer of a write. */
	return transfer(b, T_OUT, sector, (uint8_t *)(uintptr_t)buf, count);
}

int blk_flush(struct blkdev *b)
{
	/* Without VIRTIO_BLK_F_FLUSH the device has no write cache to flush
	 * (§5.2.6.2: writes are then durable when they complete). */
	if (!b || !virtio_has(b->vdev, VIRTIO_BLK_F_FLUSH))
		return b ? 0 : -1;
#if CONFIG_LIBSYNC
	uk_mutex_lock(&b->lock);
#endif
	int r = do_request(b, T_FLUSH, 0, NULL, 0);
#if CONFIG_LIBSYNC
	uk_mutex_unlock(&b->lock);
#endif
	return r;
}

void blk_counts(struct blkdev *b, uint64_t *requests, uint64_t *interrupts)
{
	*requests = b->requests;
	*interrupts = b->vdev->interrupts;
}

struct blkdev *blkdev_get(unsigned index)
{
	return index < ndisks ? &disks[index] : NULL;
}

uint64_t blk_sectors(struct blkdev *b)
{
	return b->capacity;
}

bool blk_read_only(struct blkdev *b)
{
	return b->read_only;
}

static int attach(struct virtio_dev *d)
{
	if (ndisks == MAX_DISKS)
		return -1;
	struct blkdev *b = &disks[ndisks];
	*b = (struct blkdev){.vdev = d};
	uint64_t wanted =
	    1ULL << VIRTIO_BLK_F_RO | 1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_BLK_F_SIZE_MAX;
	if (!virtio_negotiate(d, wanted) || virtio_queue_setup(d, 0, &b->vq, QUEUE_SIZE))
		return -1;
	b->capacity = virtio_config_read64(d, CFG_CAPACITY);
	b->read_only = virtio_has(d, VIRTIO_BLK_F_RO);
	b->max_transfer = MAX_TRANSFER;
	if (virtio_has(d, VIRTIO_BLK_F_SIZE_MAX)) {
		uint32_t size_max = virtio_config_read32(d, CFG_SIZE_MAX) / BLK_SECTOR_SIZE;
		if (!size_max) {
			virtio_fail(d, "size_max smaller than a sector");
			return -1;
		}
		if (size_max * BLK_SECTOR_SIZE < b->max_transfer)
			b->max_transfer = size_max * BLK_SECTOR_SIZE;
	}
#if CONFIG_LIBSYNC
	uk_mutex_init(&b->lock);
#endif
	if (virtio_driver_ok(d))
		return -1;
	printf("virtio-blk: disk %u at %#lx irq %u: %llu sectors%s, %s\n", ndisks,
	       (unsigned long)d->base, d->irq, (unsigned long long)b->capacity,
	       b->read_only ? ", read-only" : "",
	       virtio_uses_interrupts(d) ? "interrupts" : "polled");
	ndisks++;
	return 0;
}

static int virtio_blk_init(void)
{
	virtio_probe(VIRTIO_ID_BLOCK, attach);
	return 0; /* no disk is not an error: blkdev_get says so */
}
UK_INIT(virtio_blk_init, UK_INIT_DRIVER);
