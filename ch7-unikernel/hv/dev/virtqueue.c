/* The driver's side of a split virtqueue (virtio 1.2, §2.7). The three
 * parts share one run of frames: the descriptor table first, the
 * available ring after it, the used ring at the next 4-byte boundary
 * (§2.7: alignments 16, 2 and 4).
 *
 * The device is QEMU, trusted, but what it writes is still checked before
 * it is used as an index: a used entry's id must be a chain in flight, and
 * the length it reports is bounded by what the chain can hold. */
#include "dev/virtqueue.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"

/* The device reads descriptors and ring entries once it sees avail->idx:
 * they must reach memory first. And once used->idx says an entry is
 * there, the entry is read after it (Linux's virtio_wmb/virtio_rmb). */
static inline void publish_barrier(void)
{
	asm volatile("fence w,w" ::: "memory");
}

static inline void consume_barrier(void)
{
	asm volatile("fence r,r" ::: "memory");
}

bool virtqueue_init(struct virtqueue *vq, uint16_t num)
{
	if (!num || num > VIRTQUEUE_MAX_SIZE || (num & (num - 1)))
		return false;
	uint64_t used_off =
	    ALIGN_UP(VIRTQ_DESC_SIZE(num) + VIRTQ_AVAIL_SIZE(num), VIRTQ_USED_ALIGN);
	unsigned long frames = ALIGN_UP(used_off + VIRTQ_USED_SIZE(num), PAGE_SIZE) / PAGE_SIZE;
	uint64_t pa = frame_alloc_contig(frames, PAGE_SIZE);
	if (!pa)
		return false;
	memset(vq, 0, sizeof(*vq));
	vq->num = num;
	vq->ring_pa = pa;
	vq->desc = (struct virtq_desc *)pa;
	vq->avail = (struct virtq_avail *)(pa + VIRTQ_DESC_SIZE(num));
	vq->used = (struct virtq_used *)(pa + used_off);
	for (uint16_t i = 0; i < num; i++)
		vq->desc[i].next = (uint16_t)(i + 1); /* the free list; the last one's is unused */
	vq->free_head = 0;
	vq->num_free = num;
	return true;
}

bool virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n, void *cookie)
{
	if (!n || n > vq->num_free || !cookie)
		return false;
	uint16_t head = vq->free_head, i = head, last = head;
	uint32_t writable = 0;
	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc *d = &vq->desc[i];
		d->addr = (uint64_t)(uintptr_t)bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = bufs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0;
		if (bufs[k].device_writes)
			writable += bufs[k].len;
		if (k + 1 < n)
			d->flags |= VIRTQ_DESC_F_NEXT;
		last = i;
		i = d->next;
	}
	vq->free_head = vq->desc[last].next;
	vq->num_free -= n;
	vq->cookie[head] = cookie;
	vq->writable[head] = writable;
	vq->avail->ring[vq->avail_idx % vq->num] = head;
	publish_barrier(); /* the chain and its ring entry before the index */
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELAXED);
	return true;
}

bool virtqueue_kick_wanted(const struct virtqueue *vq)
{
	/* The new avail->idx must be visible before the flag is read (§2.7.13.3). */
	asm volatile("fence rw,rw" ::: "memory");
	return !(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) & VIRTQ_USED_F_NO_NOTIFY);
}

/* Returns the chain of `head` to the free list; false when the chain is
 * not what the driver made (a device that rewrote descriptors). */
static bool free_chain(struct virtqueue *vq, uint16_t head)
{
	uint16_t i = head;
	unsigned n = 1;
	while (vq->desc[i].flags & VIRTQ_DESC_F_NEXT) {
		i = vq->desc[i].next;
		if (i >= vq->num || ++n > vq->num)
			return false;
	}
	vq->desc[i].next = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + n);
	return true;
}

void *virtqueue_get_used(struct virtqueue *vq, uint32_t *written)
{
	for (;;) {
		uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_RELAXED);
		if (used_idx == vq->last_used)
			return NULL;
		consume_barrier(); /* the entry after the index that announced it */
		struct virtq_used_elem e = vq->used->ring[vq->last_used % vq->num];
		vq->last_used++;
		void *cookie = e.id < vq->num ? vq->cookie[e.id] : NULL;
		if (!cookie || !free_chain(vq, (uint16_t)e.id)) {
			if (!vq->bogus++)
				printf("virtqueue: used entry with id %u, not a chain in flight: "
				       "skipped\n",
				       e.id);
			continue;
		}
		vq->cookie[e.id] = NULL;
		*written = e.len < vq->writable[e.id] ? e.len : vq->writable[e.id];
		return cookie;
	}
}
