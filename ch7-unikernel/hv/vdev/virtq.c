/* The device side of a split virtqueue (vdev/virtq.h): every index and
 * descriptor read from the guest once, into hypervisor memory, and checked
 * there. The ring parts are read and written through guest_read and
 * guest_write, which check each access against the guest's G-stage table:
 * a queue whose parts leave the guest's RAM breaks at the first use. */
#include "lib/string.h"
#include "mm/pagetable.h"
#include "vdev/virtq.h"
#include "vm/guest_mem.h"

#define AVAIL_IDX  2 /* offsets in struct virtq_avail and struct virtq_used */
#define AVAIL_RING 4
#define USED_IDX   2
#define USED_RING  4

void virtq_reset(struct virtq *q)
{
	*q = (struct virtq){.num_max = q->num_max, .num = q->num_max, .epoch = q->epoch + 1};
}

static bool part_ok(struct vm *vm, uint64_t gpa, uint64_t size, uint64_t align, uint64_t need)
{
	return !(gpa & (align - 1)) && !guest_check(vm, gpa, size, need);
}

const char *virtq_check_setup(const struct virtq *q, struct vm *vm)
{
	if (!q->num || q->num > q->num_max || (q->num & (q->num - 1)))
		return "queue size not a power of two up to QueueNumMax";
	if (!part_ok(vm, q->desc, VIRTQ_DESC_SIZE(q->num), VIRTQ_DESC_ALIGN, PTE_R))
		return "descriptor table misaligned or outside the guest's RAM";
	if (!part_ok(vm, q->avail, VIRTQ_AVAIL_SIZE(q->num), VIRTQ_AVAIL_ALIGN, PTE_R))
		return "available ring misaligned or outside the guest's RAM";
	if (!part_ok(vm, q->used, VIRTQ_USED_SIZE(q->num), VIRTQ_USED_ALIGN, PTE_W))
		return "used ring misaligned or outside the guest's writable RAM";
	return NULL;
}

/* The chain that starts at `head`, checked descriptor by descriptor into
 * *c. NULL, or what is wrong with it. */
static const char *walk_chain(const struct virtq *q, struct vm *vm, uint16_t head,
                              struct virtq_chain *c)
{
	/* LAB 6 BEGIN: walk a descriptor chain, checking every index, flag, length and buffer */
	if (head >= q->num)
		return "chain head beyond the queue size";
	c->head = head;
	c->nread = c->nwrite = 0;
	c->read_len = c->write_len = 0;
	uint64_t total = 0;
	uint16_t i = head;
	for (unsigned n = 0;; n++) {
		/* Counting stops a loop: a chain has at most num descriptors. */
		if (n >= q->num || n >= VIRTQ_CHAIN_MAX)
			return "descriptor chain loops or is longer than the queue allows";
		struct virtq_desc d;
		if (guest_read(vm, q->desc + i * sizeof(d), &d, sizeof(d)))
			return "descriptor table outside the guest's RAM";
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return "indirect descriptor (VIRTIO_F_INDIRECT_DESC not offered)";
		bool writable = d.flags & VIRTQ_DESC_F_WRITE;
		if (!writable && c->nwrite)
			return "device-readable descriptor after a device-writable one";
		total += d.len;
		if (total > VIRTQ_CHAIN_BYTES)
			return "descriptor chain longer than 256 MiB";
		if (guest_check(vm, d.addr, d.len, writable ? PTE_W : PTE_R))
			return "buffer outside the guest's RAM";
		c->buf[n] = (struct virtq_buf){.gpa = d.addr, .len = d.len};
		if (writable) {
			c->nwrite++;
			c->write_len += d.len;
		} else {
			c->nread++;
			c->read_len += d.len;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return NULL;
		if (d.next >= q->num)
			return "descriptor's next beyond the queue size";
		i = d.next;
	}
	/* LAB 6 END */
}

int virtq_avail(struct virtq *q, struct vm *vm, const char **why)
{
	uint16_t avail_idx;
	if (guest_read(vm, q->avail + AVAIL_IDX, &avail_idx, sizeof(avail_idx))) {
		*why = "available ring outside the guest's RAM";
		return -1;
	}
	/* Read once, never trusted: a driver makes available at most the
	 * entries that are not in flight (each holds a descriptor). */
	uint16_t waiting = (uint16_t)(avail_idx - q->last_avail);
	if (waiting > q->num - q->in_flight) {
		*why = "avail.idx moved further than the queue size allows";
		return -1;
	}
	/* The entries and their descriptors were written before the index. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	q->avail_end = avail_idx;
	return waiting;
}

int virtq_pop(struct virtq *q, struct vm *vm, struct virtq_chain *c, const char **why)
{
	uint16_t head;
	if (q->last_avail == q->avail_end)
		return 0; /* the rest waits for the next virtq_avail */
	uint64_t slot = q->avail + AVAIL_RING + 2UL * (q->last_avail & (q->num - 1));
	if (guest_read(vm, slot, &head, sizeof(head))) {
		*why = "available ring outside the guest's RAM";
		return -1;
	}
	*why = walk_chain(q, vm, head, c);
	if (*why)
		return -1;
	c->epoch = q->epoch;
	q->last_avail++;
	q->in_flight++;
	return 1;
}

int virtq_push(struct virtq *q, struct vm *vm, const struct virtq_chain *c, uint32_t len,
               const char **why)
{
	if (c->epoch != q->epoch)
		return 0; /* taken before a reset: nobody waits for it */
	uint16_t head = c->head;
	if (!q->in_flight) {
		*why = "a used entry for no chain in flight";
		return -1;
	}
	struct virtq_used_elem e = {.id = head, .len = len};
	uint64_t slot = q->used + USED_RING + sizeof(e) * (q->used_idx & (q->num - 1));
	if (guest_write(vm, slot, &e, sizeof(e))) {
		*why = "used ring outside the guest's writable RAM";
		return -1;
	}
	/* The entry before the index that publishes it (§2.7.8). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	uint16_t idx = (uint16_t)(q->used_idx + 1);
	if (guest_write(vm, q->used + USED_IDX, &idx, sizeof(idx))) {
		*why = "used ring outside the guest's writable RAM";
		return -1;
	}
	q->used_idx = idx;
	q->in_flight--;
	return 0;
}

bool virtq_wants_interrupt(const struct virtq *q, struct vm *vm)
{
	uint16_t flags;
	/* used.idx written before avail.flags is read: a driver that turns
	 * interrupts back on, then checks used.idx, misses nothing. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (guest_read(vm, q->avail, &flags, sizeof(flags)))
		return true;
	return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* Copies between buffers first..first+count of the chain, seen as one byte
 * string, and buf, from `offset` in that string. */
static uint32_t chain_copy(struct vm *vm, const struct virtq_buf *b, unsigned count,
                           uint32_t offset, void *buf, uint32_t len, bool to_guest)
{
	uint32_t done = 0;
	for (unsigned i = 0; i < count && done < len; i++) {
		if (offset >= b[i].len) {
			offset -= b[i].len;
			continue;
		}
		uint32_t n = b[i].len - offset;
		n = n < len - done ? n : len - done;
		uint64_t gpa = b[i].gpa + offset;
		uint8_t *p = (uint8_t *)buf + done;
		if (to_guest ? guest_write(vm, gpa, p, n) : guest_read(vm, gpa, p, n))
			break; /* checked when the chain was taken: cannot happen */
		done += n;
		offset = 0;
	}
	return done;
}

uint32_t virtq_chain_read(struct vm *vm, const struct virtq_chain *c, uint32_t offset, void *dst,
                          uint32_t len)
{
	return chain_copy(vm, c->buf, c->nread, offset, dst, len, false);
}

uint32_t virtq_chain_write(const struct virtq *q, struct vm *vm, const struct virtq_chain *c,
                           uint32_t offset, const void *src, uint32_t len)
{
	if (c->epoch != q->epoch)
		return 0;
	return chain_copy(vm, c->buf + c->nread, c->nwrite, offset, (void *)src, len, true);
}
