/* The split virtqueue (see virtqueue.h). The orderings that §2.7.13 asks
 * for: a chain's descriptors and ring entry before avail->idx (fence w,w),
 * avail->idx before the read of used->flags (fence rw,rw) and before the
 * notification, a device register (fence w,o), and used->idx before the
 * used entry it covers (fence r,r). On RISC-V a fence's r and w are
 * memory accesses only; device (MMIO) accesses are i and o and need their
 * own letters. */
#include "virtio/virtqueue.h"

#include <stddef.h>

#include "virtio/virtio.h"
#include "virtio/virtio_mmio.h"

int virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n, void *cookie)
{
	if (!n || n > vq->num_free || !cookie)
		return -1;
	uint16_t head = vq->free_head;
	uint16_t i = head;
	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc *d = &vq->desc[i];
		d->addr = (uint64_t)(uintptr_t)bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (uint16_t)((bufs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
		                      (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		if (k + 1 < n)
			i = d->next; /* the free list's next is the chain's next */
	}
	vq->free_head = vq->desc[i].next;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->cookie[head] = cookie;
	vq->chain_len[head] = (uint8_t)n;
	vq->avail->ring[vq->avail_idx % vq->num] = head;
	__asm__ volatile("fence w, w" ::: "memory");
	vq->avail->idx = ++vq->avail_idx;
	return 0;
}

void virtqueue_kick(struct virtqueue *vq)
{
	/* avail->idx before the read of the flag (virtio 1.2 §2.7.13.4.1:
	 * else a notification may be missed). */
	__asm__ volatile("fence rw, rw" ::: "memory");
	if (!(vq->used->flags & VIRTQ_USED_F_NO_NOTIFY)) {
		/* avail->idx visible before the QueueNotify store (§2.7.13.4):
		 * that store is a device output, which "fence rw, rw" leaves
		 * unordered (RISC-V FENCE: i, o are device input and output;
		 * r, w memory only). */
		__asm__ volatile("fence w, o" ::: "memory");
		virtio_write32(vq->dev, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
	}
}

bool virtqueue_has_used(const struct virtqueue *vq)
{
	return vq->used->idx != vq->last_used;
}

void *virtqueue_get_used(struct virtqueue *vq, uint32_t *written)
{
	while (virtqueue_has_used(vq)) {
		__asm__ volatile("fence r, r" ::: "memory");
		struct virtq_used_elem e = vq->used->ring[vq->last_used % vq->num];
		vq->last_used++;
		if (e.id >= vq->num || !vq->cookie[e.id])
			continue; /* names no chain of ours in flight */
		void *cookie = vq->cookie[e.id];
		vq->cookie[e.id] = NULL;
		/* Back to the free list: the chain's last descriptor links to it. */
		uint16_t last = (uint16_t)e.id;
		for (unsigned k = 1; k < vq->chain_len[e.id]; k++)
			last = vq->desc[last].next;
		vq->desc[last].next = vq->free_head;
		vq->free_head = (uint16_t)e.id;
		vq->num_free = (uint16_t)(vq->num_free + vq->chain_len[e.id]);
		if (written)
			*written = e.len;
		return cookie;
	}
	return NULL;
}
