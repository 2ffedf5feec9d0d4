/* The device side of a split virtqueue (vdev/virtq.c) against a guest that
 * writes anything into its rings: queue sizes and ring addresses of any
 * value, descriptors whose addresses point into RAM, into read-only
 * memory, outside both or anywhere, with any length, flags and `next`,
 * avail.idx moved by any amount, descriptors rewritten between pops, the
 * used ring overlapping the others.
 *
 * The guest's memory is a model written here (guest_check, guest_read and
 * guest_write of vm/guest_mem.h, same contract): RAM that the guest may
 * read and write, a read-only page, nothing elsewhere. A reference walker,
 * written from virtio 1.2 §2.7 apart from the code under test, says what
 * each pop must give: the same chain (head, buffers in order, readable
 * then writable, lengths), or a refusal when the chain or the index breaks
 * a rule; virtq_check_setup accepts exactly the layouts the model accepts;
 * a push writes exactly the used entry, then used.idx. Pops take only the
 * chains that the last virtq_avail counted (avail.idx read once, however
 * the driver moves it meanwhile); a chain from before a reset (another
 * epoch) is refused by virtq_push and virtq_chain_write, which then
 * change nothing. After a refusal the queue is left alone, as a device
 * that failed does.
 *
 * Input: size selector (1), desc, avail, used placement (3 x 3), the
 * descriptors (num x 7: address mode, offset (2), length (2), flags, next),
 * avail.flags (1), avail.idx step (1), the ring (num x 1); then steps of
 * 4 bytes: kind, argument (3). */
#include <string.h>

#include "fuzz.h"

#include "mm/pagetable.h"
#include "vdev/virtq.h"
#include "vm/guest_mem.h"

#define RAM_BASE 0x80000000UL
#define RAM_SIZE 0x10000UL
#define RO_BASE  0x90000000UL /* a page that the guest may read only */
#define RO_SIZE  0x1000UL
#define NUM_MAX  64

static uint8_t ram[RAM_SIZE], ro[RO_SIZE];
static struct vm *const the_vm = (struct vm *)&ram; /* only compared */

/* The memory the guest has: [base, base + size) of one region, with its
 * permissions; NULL when no region holds all of it. */
static uint8_t *model_mem(uint64_t gpa, uint64_t len, uint64_t need)
{
	if (gpa >= RAM_BASE && gpa - RAM_BASE <= RAM_SIZE && len <= RAM_SIZE - (gpa - RAM_BASE))
		return ram + (gpa - RAM_BASE);
	if (!(need & PTE_W) && gpa >= RO_BASE && gpa - RO_BASE <= RO_SIZE &&
	    len <= RO_SIZE - (gpa - RO_BASE))
		return ro + (gpa - RO_BASE);
	return NULL;
}

int guest_check(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t need)
{
	CHECK(vm == the_vm);
	return !len || model_mem(gpa, len, need) ? 0 : -1;
}

int guest_read(struct vm *vm, uint64_t gpa, void *dst, uint64_t len)
{
	CHECK(vm == the_vm);
	uint8_t *p = len ? model_mem(gpa, len, PTE_R) : dst;
	if (!p)
		return -1;
	memmove(dst, p, len);
	return 0;
}

int guest_write(struct vm *vm, uint64_t gpa, const void *src, uint64_t len)
{
	CHECK(vm == the_vm);
	uint8_t *p = len ? model_mem(gpa, len, PTE_W) : (uint8_t *)src;
	if (!p)
		return -1;
	memmove(p, src, len);
	return 0;
}

static uint64_t address(struct input *in)
{
	uint8_t mode = take8(in);
	uint16_t off = take16(in);
	switch (mode % 5) {
	case 0:
	case 1:
		return RAM_BASE + off % RAM_SIZE;
	case 2:
		return RO_BASE + off % RO_SIZE;
	case 3:
		return RAM_BASE + RAM_SIZE - off % 64; /* across RAM's end */
	default:
		return (uint64_t)off << (mode % 48) | (mode & 0x80 ? 0xfffffffffff00000UL : 0);
	}
}

static uint16_t rd16(uint64_t gpa)
{
	uint16_t v = 0;
	uint8_t *p = model_mem(gpa, 2, PTE_R);
	if (p)
		memcpy(&v, p, 2);
	return v;
}

/* §2.7: where the setup is acceptable. */
static bool model_setup_ok(const struct virtq *q)
{
	if (!q->num || q->num > q->num_max || (q->num & (q->num - 1)))
		return false;
	return !(q->desc % 16) && model_mem(q->desc, 16UL * q->num, PTE_R) && !(q->avail % 2) &&
	       model_mem(q->avail, 6 + 2UL * q->num, PTE_R) && !(q->used % 4) &&
	       model_mem(q->used, 6 + 8UL * q->num, PTE_W);
}

static bool model_walk(const struct virtq *q, struct virtq_chain *c);

/* The reference avail read: the chains waiting, -1 when the index jumped. */
static int model_avail(const struct virtq *q)
{
	uint16_t waiting = (uint16_t)(rd16(q->avail + 2) - q->last_avail);
	return waiting > q->num - q->in_flight ? -1 : waiting;
}

/* The reference pop: 1 and the chain at avail.ring[last % num], 0 when
 * none of those counted at `end` (avail.idx as last read) is left, -1 when
 * the chain breaks a rule. */
static int model_pop(const struct virtq *q, uint16_t end, struct virtq_chain *c)
{
	if (q->last_avail == end)
		return 0;
	return model_walk(q, c) ? 1 : -1;
}

static bool model_walk(const struct virtq *q, struct virtq_chain *c)
{
	uint16_t i = rd16(q->avail + 4 + 2UL * (q->last_avail % q->num));
	if (i >= q->num)
		return false;
	memset(c, 0, sizeof(*c));
	c->head = i;
	uint64_t total = 0;
	for (unsigned n = 0;; n++) {
		if (n == q->num || n == VIRTQ_CHAIN_MAX)
			return false;
		struct virtq_desc d;
		memcpy(&d, model_mem(q->desc + 16UL * i, 16, PTE_R), 16);
		bool w = d.flags & VIRTQ_DESC_F_WRITE;
		if (d.flags & VIRTQ_DESC_F_INDIRECT || (!w && c->nwrite))
			return false;
		total += d.len;
		if (total > VIRTQ_CHAIN_BYTES ||
		    (d.len && !model_mem(d.addr, d.len, w ? PTE_W : PTE_R)))
			return false;
		c->buf[n].gpa = d.addr;
		c->buf[n].len = d.len;
		*(w ? &c->nwrite : &c->nread) += 1;
		*(w ? &c->write_len : &c->read_len) += d.len;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return true;
		if (d.next >= q->num)
			return false;
		i = d.next;
	}
}

static void write_desc(const struct virtq *q, uint16_t i, struct input *in)
{
	struct virtq_desc d = {.addr = address(in), .len = take16(in)};
	uint8_t flags = take8(in);
	d.flags = flags & 7;
	if (flags & 0x80)
		d.len = (uint32_t)d.len << 12; /* long buffers too */
	d.next = take8(in);
	uint8_t *p = model_mem(q->desc + 16UL * i, 16, PTE_R);
	if (p)
		memcpy(p, &d, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	memset(ram, 0, sizeof(ram));
	memset(ro, 0, sizeof(ro));
	struct virtq q = {.num_max = NUM_MAX};
	virtq_reset(&q);
	CHECK(q.num == NUM_MAX && !q.ready && !q.desc && !q.last_avail && !q.in_flight);
	uint8_t sel = take8(&in);
	q.num = sel & 0x80 ? sel & 0x7f : (uint16_t)(1u << (sel % 8));
	q.desc = address(&in);
	q.avail = address(&in);
	q.used = address(&in);
	const char *why = virtq_check_setup(&q, the_vm);
	CHECK((why == NULL) == model_setup_ok(&q));
	if (why)
		return 0;
	for (uint16_t i = 0; i < q.num; i++)
		write_desc(&q, i, &in);
	uint8_t *avail = model_mem(q.avail, 6 + 2UL * q.num, PTE_R);
	avail[0] = take8(&in);
	uint16_t idx = take8(&in) % (q.num + 2);
	memcpy(avail + 2, &idx, 2);
	for (uint16_t i = 0; i < q.num; i++) {
		uint16_t head = take8(&in);
		memcpy(avail + 4 + 2 * i, &head, 2);
	}
	uint16_t popped[NUM_MAX * 2];
	unsigned npopped = 0;
	uint16_t end = 0; /* avail.idx as the device last read it */
	while (in.size) {
		uint8_t kind = take8(&in);
		uint32_t arg = (uint32_t)take(&in, 3);
		switch (kind % 5) {
		case 4: { /* the device reads avail.idx */
			struct virtq before = q;
			int expect = model_avail(&q);
			int r = virtq_avail(&q, the_vm, &why);
			CHECK(r == expect);
			if (r < 0) {
				CHECK(why != NULL);
				return 0;
			}
			end = (uint16_t)(q.last_avail + r);
			CHECK(q.last_avail == before.last_avail && q.in_flight == before.in_flight);
			break;
		}
		case 0: { /* the device takes a chain */
			struct virtq_chain want, got;
			struct virtq before = q;
			int expect = model_pop(&q, end, &want);
			int r = virtq_pop(&q, the_vm, &got, &why);
			if (getenv("FUZZ_VERBOSE"))
				fprintf(stderr, "pop: %d (%s), head %u, %u+%u buffers\n", r,
				        r < 0 ? why : "-", got.head, got.nread, got.nwrite);
			CHECK(r == expect);
			if (r < 0) {
				CHECK(why != NULL);
				return 0; /* the device fails: the queue is left alone */
			}
			if (!r) {
				CHECK(q.last_avail == before.last_avail &&
				      q.in_flight == before.in_flight);
				break;
			}
			CHECK(q.last_avail == (uint16_t)(before.last_avail + 1));
			CHECK(got.epoch == q.epoch);
			CHECK(q.in_flight == before.in_flight + 1 && q.in_flight <= q.num);
			CHECK(got.head == want.head && got.nread == want.nread &&
			      got.nwrite == want.nwrite && got.read_len == want.read_len &&
			      got.write_len == want.write_len);
			for (unsigned i = 0; i < want.nread + want.nwrite; i++)
				CHECK(got.buf[i].gpa == want.buf[i].gpa &&
				      got.buf[i].len == want.buf[i].len);
			popped[npopped++ % (NUM_MAX * 2)] = got.head;
			/* The copies reach exactly the chain's bytes. */
			uint8_t buf[64];
			uint32_t n = virtq_chain_read(the_vm, &got, arg % 64, buf, sizeof(buf));
			CHECK(n ==
			      (got.read_len > arg % 64
			           ? (got.read_len - arg % 64 < 64 ? got.read_len - arg % 64 : 64)
			           : 0));
			break;
		}
		case 1: { /* the device gives one back */
			struct virtq before = q;
			uint16_t head = npopped ? popped[(npopped - 1) % (NUM_MAX * 2)] : 0;
			struct virtq_chain c = {.head = head, .epoch = q.epoch};
			if (arg & 0x800000) { /* a chain from before a reset: refused */
				c.epoch--;
				c.nwrite = 1;
				c.buf[0] = (struct virtq_buf){.gpa = RAM_BASE, .len = 8};
				uint8_t saved[RAM_SIZE];
				memcpy(saved, ram, sizeof(ram));
				CHECK(virtq_chain_write(&q, the_vm, &c, 0, "stale!!", 8) == 0);
				CHECK(virtq_push(&q, the_vm, &c, arg, &why) == 0);
				CHECK(!memcmp(saved, ram, sizeof(ram)));
				CHECK(q.in_flight == before.in_flight &&
				      q.used_idx == before.used_idx);
				break;
			}
			int r = virtq_push(&q, the_vm, &c, arg, &why);
			if (!before.in_flight) {
				CHECK(r == -1);
				break;
			}
			CHECK(r == 0 && q.in_flight == before.in_flight - 1);
			CHECK(q.used_idx == (uint16_t)(before.used_idx + 1));
			CHECK(rd16(q.used + 2) == q.used_idx);
			struct virtq_used_elem e;
			uint64_t at = q.used + 4 + 8UL * (before.used_idx % q.num);
			memcpy(&e, model_mem(at, 8, PTE_R), 8);
			/* the entry, unless used.idx itself overlaps it */
			if (at + 8 <= q.used + 2 || at >= q.used + 4)
				CHECK(e.id == head && e.len == arg);
			break;
		}
		case 2: { /* the driver publishes (or jumps) */
			uint16_t v = (uint16_t)(rd16(q.avail + 2) +
			                        (arg & 0xffff) % (arg & 0x10000 ? 65536 : 4));
			uint8_t *p = model_mem(q.avail + 2, 2, PTE_W);
			if (p)
				memcpy(p, &v, 2);
			break;
		}
		default: /* the driver rewrites a descriptor */
			write_desc(&q, (uint16_t)(arg % q.num), &in);
			break;
		}
	}
	CHECK(virtq_wants_interrupt(&q, the_vm) == !(rd16(q.avail) & VIRTQ_AVAIL_F_NO_INTERRUPT));
	return 0;
}
