/* virtio-blk mediated onto a slice of the host's disk (vdev/vblk.h).
 *
 * A request's life: the guest notifies; under the device's lock, each
 * chain that a free slot can take, among those published before the
 * notification (virtio_avail: one notification's work is bounded by the
 * queue size), is checked and either answered at once (an error, GET_ID)
 * or turned into a host request on the slot's bounce buffer (a write's
 * data copied in first); the lock is released and the host requests
 * submitted (hblk_submit never completes one at once: it queues what the
 * host ring cannot take, dev/virtio_blk.h). Each completion, from the host
 * disk's interrupt, takes the lock: a read's data is copied out to the
 * guest, the next piece of a large request submitted, or the status
 * written and the chain given back with an interrupt; then the freed slot
 * takes the next chain, again among those published before.
 *
 * The used length is every device-writable byte of the chain, the status
 * byte last (write_len), whatever the request wrote, as QEMU reports it:
 * the status byte is the last writable byte, so a shorter count would
 * leave it out.
 *
 * A reset while requests are on the host disk: their slots stay busy (the
 * host still writes into their bounce buffers) until they complete, and
 * are then dropped without a word to the guest: their chains are stale
 * (the queue's epoch moved on), which virtio_push and virtio_chain_write
 * refuse, so nothing reaches the guest's memory after its reset. */
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "regmap/virtio_blk.h"
#include "vdev/gpt.h"
#include "vdev/vblk.h"
#include "vm/vm.h"

#define SECTOR   VIRTIO_BLK_SECTOR_SIZE
#define HDR_SIZE sizeof(struct virtio_blk_req_header)

/* Host requests prepared under the lock, submitted after it. */
struct to_submit {
	struct hblk_request *req[VBLK_SLOTS];
	unsigned n;
};

static void submit_all(struct to_submit *s)
{
	for (unsigned i = 0; i < s->n; i++)
		hblk_submit(s->req[i]);
}

/* Lock held: the request is over; its status goes to the last writable
 * byte, and the chain back to the guest (nothing when it is stale). */
static void finish(struct vblk *b, struct vblk_slot *s, uint8_t status)
{
	struct virtio_device *d = &b->vio;
	virtio_chain_write(d, 0, &s->chain, s->chain.write_len - 1, &status, 1);
	virtio_push(d, 0, &s->chain, s->chain.write_len);
	virtio_notify_used(d, 0);
	s->busy = false;
}

/* Lock held: whether the slot's chain is from before a reset. */
static bool stale(const struct vblk *b, const struct vblk_slot *s)
{
	return s->chain.epoch != b->vio.queues[0].epoch;
}

/* Lock held: the next piece of the slot's request onto the host disk. */
static void next_piece(struct vblk *b, struct vblk_slot *s, struct to_submit *out)
{
	uint32_t n = s->len - s->done < b->chunk ? s->len - s->done : b->chunk;
	if (s->type == VIRTIO_BLK_T_OUT)
		virtq_chain_read(b->vio.vm, &s->chain, HDR_SIZE + s->done, s->bounce, n);
	s->req.type = s->type;
	s->req.sector = s->host_sector + s->done / SECTOR;
	s->req.data = s->bounce;
	s->req.len = n;
	out->req[out->n++] = &s->req;
}

/* Lock held: the request in s->chain, checked; answered now, or its first
 * piece prepared for the host disk. */
static void start_request(struct vblk *b, struct vblk_slot *s, struct to_submit *out)
{
	struct virtio_device *d = &b->vio;
	const struct virtq_chain *c = &s->chain;
	struct virtio_blk_req_header h;
	if (c->read_len < HDR_SIZE || !c->write_len) {
		virtio_device_fail(d, "request without its header or its status byte");
		s->busy = false;
		return;
	}
	virtq_chain_read(d->vm, c, 0, &h, HDR_SIZE);
	/* LAB 6 BEGIN: a block request: its checks, and where it goes on the host disk */
	s->type = h.type;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool in = h.type == VIRTIO_BLK_T_IN;
		uint32_t len = in ? c->write_len - 1 : c->read_len - (uint32_t)HDR_SIZE;
		uint64_t count = len / SECTOR;
		/* Inside the slice, written so that nothing overflows. */
		if (len % SECTOR || h.sector > b->sectors || count > b->sectors - h.sector ||
		    (!in && b->read_only)) {
			finish(b, s, VIRTIO_BLK_S_IOERR);
			return;
		}
		if (!len) {
			finish(b, s, VIRTIO_BLK_S_OK);
			return;
		}
		s->host_sector = b->start + h.sector;
		s->len = len;
		s->done = 0;
		next_piece(b, s, out);
		return;
	}
	case VIRTIO_BLK_T_FLUSH:
		if (!virtio_negotiated(d, VIRTIO_BLK_F_FLUSH))
			break;
		s->len = s->done = 0;
		s->req.type = VIRTIO_BLK_T_FLUSH;
		s->req.sector = 0;
		s->req.len = 0;
		out->req[out->n++] = &s->req;
		return;
	case VIRTIO_BLK_T_GET_ID: {
		uint32_t n =
		    c->write_len - 1 < VIRTIO_BLK_ID_BYTES ? c->write_len - 1 : VIRTIO_BLK_ID_BYTES;
		virtio_chain_write(d, 0, c, 0, b->id, n);
		finish(b, s, VIRTIO_BLK_S_OK);
		return;
	}
	default:
		break;
	}
	finish(b, s, VIRTIO_BLK_S_UNSUPP);
	/* LAB 6 END */
}

/* Lock held: free slots take the chains that wait in the queue, at most
 * those published before now: avail.idx is read once, so a vCPU that
 * keeps publishing cannot keep this hart here (it notifies again). */
static void take_chains(struct vblk *b, struct to_submit *out)
{
	unsigned left = virtio_avail(&b->vio, 0);
	for (unsigned i = 0; i < VBLK_SLOTS && left; i++) {
		struct vblk_slot *s = &b->slots[i];
		if (s->busy)
			continue;
		if (virtio_pop(&b->vio, 0, &s->chain) != 1)
			return;
		left--;
		s->busy = true;
		start_request(b, s, out);
		if (!s->busy)
			i--; /* answered at once: the slot takes another */
	}
}

/* A host request completed: from the host disk's interrupt. */
static void host_done(struct hblk_request *r)
{
	struct vblk_slot *s = r->arg;
	struct vblk *b = s->dev;
	struct virtio_device *d = &b->vio;
	struct to_submit out = {.n = 0};
	spin_lock(&d->lock);
	if (stale(b, s)) {
		s->busy = false; /* reset meanwhile: nobody waits for it */
	} else if (r->status != VIRTIO_BLK_S_OK) {
		finish(b, s, VIRTIO_BLK_S_IOERR);
	} else {
		if (s->type == VIRTIO_BLK_T_IN)
			virtio_chain_write(d, 0, &s->chain, s->done, s->bounce, r->len);
		s->done += r->len;
		if (s->done < s->len)
			next_piece(b, s, &out);
		else
			finish(b, s, VIRTIO_BLK_S_OK);
	}
	take_chains(b, &out);
	spin_unlock(&d->lock);
	submit_all(&out);
}

static void vblk_notify(struct virtio_device *d, unsigned q)
{
	struct vblk *b = (struct vblk *)d;
	struct to_submit out = {.n = 0};
	(void)q; /* it has one queue: the transport checked q */
	spin_lock(&d->lock);
	take_chains(b, &out);
	spin_unlock(&d->lock);
	submit_all(&out);
}

static const struct virtio_device_ops vblk_ops = {
    .name = "virtio-blk", .queue_notify = vblk_notify,
    /* reset, queue_reset: the epochs drop what is in flight */
};

/* A size with an optional K, M or G; false when there is no number or it
 * does not fit in 64 bits. */
static bool parse_size(const char **p, uint64_t *out)
{
	const char *end;
	uint64_t v = strtoul(*p, &end, 0);
	if (end == *p)
		return false;
	unsigned shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
	if (shift) {
		if (v > (~0UL >> shift))
			return false;
		v <<= shift;
		end++;
	}
	*p = end;
	*out = v;
	return true;
}

int vblk_parse_slice(const char *spec, uint64_t *start, uint64_t *size, char *part,
                     unsigned part_size, bool *read_only)
{
	const char *p = spec;
	*start = *size = 0;
	*read_only = false;
	part[0] = '\0';
	if (!strncmp(p, "part=", 5)) {
		p += 5;
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		if (!len || len >= part_size)
			return -1;
		memcpy(part, p, len);
		part[len] = '\0';
		p += len;
	} else {
		if (!parse_size(&p, start) || *p++ != '+' || !parse_size(&p, size))
			return -1;
		if (*start % SECTOR || *size % SECTOR || !*size || *start + *size < *start)
			return -1;
	}
	if (*p == ':') {
		if (strcmp(p, ":ro"))
			return -1;
		*read_only = true;
		p += 3;
	}
	return *p ? -1 : 0;
}

/* Whether b's slice is writable and covers sectors of the GPT that `part`
 * (a part= slice) found: those outside its usable range. */
static bool covers_gpt(const struct vblk *b, const struct vblk *part)
{
	return !b->read_only && b->sectors &&
	       (b->start < part->gpt_first || b->start + b->sectors - 1 > part->gpt_last);
}

/* Whether b's slice may sit beside the other VMs' (vdev/vblk.h): NULL, or
 * why not. VMs are created one at a time, on the boot hart. */
static const char *slice_conflict(const struct vm *vm, const struct vblk *b, int *other)
{
	for (int i = 0; i < MAX_VMS; i++) {
		struct vm *o = &vms[i];
		const struct vblk *ob =
		    o != vm && o->state != VM_FREE ? vdev_state(o, &vblk_model) : NULL;
		if (!ob || !ob->vio.device_id)
			continue;
		*other = o->id;
		if ((!b->read_only || !ob->read_only) && b->start < ob->start + ob->sectors &&
		    ob->start < b->start + b->sectors)
			return "intersects the slice of vm%d, and not both read-only";
		if (b->by_part && covers_gpt(ob, b))
			return "a GPT partition, while vm%d's writable slice covers the GPT";
		if (ob->by_part && covers_gpt(b, ob))
			return "writable and covers the GPT's sectors, which vm%d's part= relies "
			       "on";
	}
	return NULL;
}

/* A run-time VM's disk= against the slices of the VMs that exist, before
 * it is created (vblk_init checks it again, with the rest). */
static bool vblk_conflicts(const struct vm_config *cfg, char *why, size_t len)
{
	static struct vblk probe; /* one caller at a time: the management lock */
	uint64_t start, size;
	char part[GPT_NAME_MAX + 1];
	bool read_only;
	if (!cfg->disk[0] ||
	    vblk_parse_slice(cfg->disk, &start, &size, part, sizeof(part), &read_only) || part[0])
		return false; /* none, or vblk_init says what is wrong with it */
	probe.start = start / SECTOR;
	probe.sectors = size / SECTOR;
	probe.read_only = read_only || hblk_read_only();
	probe.by_part = false;
	int other = 0;
	const char *conflict = slice_conflict(NULL, &probe, &other);
	if (conflict) {
		char what[80];
		snprintf(what, sizeof(what), conflict, other);
		snprintf(why, len, "disk: %s", what);
	}
	return conflict != NULL;
}

/* The slice of `spec` on the host disk, in sectors. 0, or -1 with the
 * reason printed. */
static int find_slice(struct vm *vm, const char *spec, struct vblk *b)
{
	uint64_t start, size;
	char part[GPT_NAME_MAX + 1];
	if (vblk_parse_slice(spec, &start, &size, part, sizeof(part), &b->read_only)) {
		printf("vm %s: disk=%s: not START+SIZE[:ro] (multiples of 512 bytes) or "
		       "part=NAME[:ro]\n",
		       vm->name, spec);
		return -1;
	}
	if (!hblk_present()) {
		printf("vm %s: disk=%s: the host has no virtio disk\n", vm->name, spec);
		return -1;
	}
	uint64_t capacity = hblk_capacity();
	if (part[0]) {
		const char *why;
		if (gpt_find(hblk_read_sync, capacity, part, &b->start, &b->sectors, &b->gpt_first,
		             &b->gpt_last, &why)) {
			printf("vm %s: disk=%s: %s\n", vm->name, spec, why);
			return -1;
		}
		b->by_part = true;
	} else {
		b->start = start / SECTOR;
		b->sectors = size / SECTOR;
		if (b->start > capacity || b->sectors > capacity - b->start) {
			printf("vm %s: disk=%s: beyond the host disk's %lu sectors\n", vm->name,
			       spec, (unsigned long)capacity);
			return -1;
		}
	}
	b->read_only |= hblk_read_only();
	int other = 0;
	const char *conflict = slice_conflict(vm, b, &other);
	if (conflict) {
		printf("vm %s: disk=%s: ", vm->name, spec);
		printf(conflict, other);
		printf("\n");
		return -1;
	}
	return 0;
}

static int vblk_init(struct vm *vm, void *state, const struct vdev_slot *slot)
{
	struct vblk *b = state;
	const char *spec = vm->config ? vm->config->disk : "";
	if (!spec[0]) /* no disk: an empty slot */
		return virtio_device_init(&b->vio, vm, slot, &vblk_ops, 0, 0, 1, VBLK_QUEUE_SIZE);
	if (find_slice(vm, spec, b))
		return -1;
	uint32_t max = hblk_max_transfer();
	b->chunk = (max < VBLK_BOUNCE ? max : VBLK_BOUNCE) / SECTOR * SECTOR;
	if (!b->chunk) {
		printf("vm %s: the host disk takes no request of a sector\n", vm->name);
		return -1;
	}
	uint64_t features = 1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX |
	                    1ULL << VIRTIO_BLK_F_BLK_SIZE;
	if (b->read_only)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	if (hblk_has_flush())
		features |= 1ULL << VIRTIO_BLK_F_FLUSH;
	if (virtio_device_init(&b->vio, vm, slot, &vblk_ops, VIRTIO_ID_BLOCK, features, 1,
	                       VBLK_QUEUE_SIZE))
		return -1;
	uint32_t size_max = b->chunk, seg_max = VBLK_SEG_MAX, blk_size = SECTOR;
	virtio_set_config(&b->vio, VIRTIO_BLK_CFG_CAPACITY, &b->sectors, sizeof(b->sectors));
	virtio_set_config(&b->vio, VIRTIO_BLK_CFG_SIZE_MAX, &size_max, sizeof(size_max));
	virtio_set_config(&b->vio, VIRTIO_BLK_CFG_SEG_MAX, &seg_max, sizeof(seg_max));
	virtio_set_config(&b->vio, VIRTIO_BLK_CFG_BLK_SIZE, &blk_size, sizeof(blk_size));
	snprintf(b->id, sizeof(b->id), "hvlab-vm%d", vm->id);
	unsigned long frames = VBLK_SLOTS * (VBLK_BOUNCE / PAGE_SIZE);
	uint8_t *bounce = (uint8_t *)(uintptr_t)frame_alloc_contig(frames, PAGE_SIZE);
	if (!bounce) {
		printf("vm %s: no memory for its disk's bounce buffers\n", vm->name);
		return -1;
	}
	for (unsigned i = 0; i < VBLK_SLOTS; i++) {
		struct vblk_slot *s = &b->slots[i];
		s->dev = b;
		s->bounce = bounce + i * VBLK_BOUNCE;
		s->req.done = host_done;
		s->req.arg = s;
	}
	/* grader: test_stage6_blk.py parses this line */
	printf("vm%d virtio-blk: host sectors %lu+%lu, %s\n", vm->id, (unsigned long)b->start,
	       (unsigned long)b->sectors, b->read_only ? "read-only" : "read-write");
	return 0;
}

/* A stopped VM's requests still on the host disk: their completions
 * write into the slots. */
static bool vblk_busy(struct vm *vm, void *state, const struct vdev_slot *slot)
{
	struct vblk *b = state;
	bool busy = false;
	(void)vm, (void)slot;
	spin_lock(&b->vio.lock);
	for (unsigned i = 0; i < VBLK_SLOTS; i++)
		busy |= b->slots[i].busy;
	spin_unlock(&b->vio.lock);
	return busy;
}

/* The VM's creation failed after vblk_init, or it is destroyed: no slot is
 * busy (vblk_busy), so the bounce buffers are nobody's. */
static void vblk_release(struct vm *vm, void *state, const struct vdev_slot *slot)
{
	struct vblk *b = state;
	(void)vm, (void)slot;
	if (b->slots[0].bounce)
		frame_free_contig((uintptr_t)b->slots[0].bounce,
		                  VBLK_SLOTS * (VBLK_BOUNCE / PAGE_SIZE));
}

const struct vdev_model vblk_model = {
    .compatible = "virtio,mmio",
    .irqs = 1,
    .state_size = sizeof(struct vblk),
    .init = vblk_init,
    .release = vblk_release,
    .busy = vblk_busy,
    .conflicts = vblk_conflicts,
    .mmio = {.read = virtio_mmio_read, .write = virtio_mmio_write},
};
