/* The virtual switch (vdev/vswitch.c): frames of any length and content,
 * from any VM port or from the uplink (the host NIC, faked here), guests
 * that post receive buffers of any size or none, VMs that stop, an uplink
 * whose transmit ring fills, against a model of a learning switch written
 * from vdev/vswitch.h: a table of VSWITCH_MACS addresses in which the
 * least recently learned goes first, group and unknown destinations
 * flooded to every other port, a known one to its port unless that is the
 * source's (a frame that goes nowhere is counted dropped), per-port queues of VSWITCH_QUEUE_LEN frames delivered in order
 * before any newer frame.
 *
 * Checked after every step: a frame never goes back to the port it came
 * from; each guest receives exactly the frames the model says, in order,
 * byte for byte, and the uplink sends exactly those the model says; no
 * queue holds more than VSWITCH_QUEUE_LEN frames; every port's counters
 * (in, out, each drop reason, frames waiting) are the model's.
 *
 * Input: VM ports (1: 1..MAX_VMS, bit 7: the host has a NIC), then steps:
 * kind (1) and its fields:
 *   0 a frame: port (1: modulo the VM ports + uplink), length (2: modulo
 *     1600), destination (1: below 12 a pool address, else 6 raw bytes),
 *     source (1: the same), a fill byte (1)
 *   1 receive buffers: port (1), count (1: modulo 8), size (2: modulo 2048)
 *   2 the uplink's transmit ring: full or not (1)
 *   3 a VM stops: port (1) */
#include <string.h>

#include "fuzz.h"

#include "dev/virtio_net.h"
#include "vdev/vswitch.h"
#include "vm/sched.h"

#define MAX_FRAME_LEN 1600
#define MAX_BUFFERS   128
#define MAX_EXPECTED  (VSWITCH_QUEUE_LEN + 2)

static const uint8_t pool[12][ETH_ALEN] = {
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01},
    {0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, {0x02, 0x68, 0x76, 0x00, 0x00, 0x01},
    {0x02, 0x68, 0x76, 0x00, 0x00, 0x02}, {0x02, 0x68, 0x76, 0x00, 0x00, 0x03},
    {0x02, 0x68, 0x76, 0x00, 0x00, 0x04}, {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02},
    {0x52, 0x55, 0x0a, 0x00, 0x02, 0x03}, {0x52, 0x54, 0x00, 0x12, 0x34, 0x56},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, {0x02, 0x68, 0x76, 0x00, 0x00, 0x05},
};

struct frame {
	uint32_t len;
	uint8_t data[MAX_FRAME_LEN];
};

/* -- the system under test: the switch, its VM ports, the fake NIC ---------- */

static struct vswitch sw;
static struct vswitch_port ports[MAX_VMS + 1];
static struct vswitch_frame queues[MAX_VMS + 1][VSWITCH_QUEUE_LEN];
static unsigned nvms;
static bool nic, ring_full;
static void (*nic_rx)(const void *, uint32_t, void *);
static void *nic_arg;
static int source; /* the port whose frame is being switched, or -1 */
static bool device_locked[MAX_VMS + 1];

/* Each VM's posted receive buffers (their sizes, in order). */
struct buffers {
	uint32_t size[MAX_BUFFERS];
	unsigned head, count;
};
static struct buffers posted[MAX_VMS + 1];

/* What each port must receive during the current step, in order (the
 * uplink's: what it must send). */
static struct {
	struct frame f[MAX_EXPECTED];
	unsigned head, count;
} expected[MAX_VMS + 1];

static void expect_next(int port, const void *data, uint32_t len)
{
	CHECK(expected[port].count > 0);
	const struct frame *f = &expected[port].f[expected[port].head];
	CHECK(f->len == len && !memcmp(f->data, data, len));
	expected[port].head = (expected[port].head + 1) % MAX_EXPECTED;
	expected[port].count--;
}

bool hnet_present(void)
{
	return nic;
}

void hnet_mac(uint8_t mac[6])
{
	memcpy(mac, pool[9], ETH_ALEN);
}

bool hnet_send(const void *frame, uint32_t len)
{
	CHECK(nic && source != VSWITCH_UPLINK);
	if (ring_full)
		return false;
	expect_next(VSWITCH_UPLINK, frame, len);
	return true;
}

void hnet_set_receive(void (*rx)(const void *frame, uint32_t len, void *arg), void *arg)
{
	nic_rx = rx;
	nic_arg = arg;
}

void sched_at_finish(void (*report)(void))
{
	(void)report;
}

static bool stopped[MAX_VMS + 1];

static enum vswitch_rx vm_receive(struct vswitch_port *port, const void *frame, uint32_t len)
{
	int i = port->index;
	CHECK(device_locked[i]);
	struct buffers *b = &posted[i];
	if (!b->count)
		return VSWITCH_RX_NO_BUFFER;
	uint32_t size = b->size[b->head];
	b->head = (b->head + 1) % MAX_BUFFERS;
	b->count--;
	expect_next(i, frame, len);
	return size < len + VIRTIO_NET_HDR_SIZE ? VSWITCH_RX_SHORT : VSWITCH_RX_DONE;
}

/* What vdev/vnet.c does: its device's lock around the offer. */
static void vm_deliver(struct vswitch_port *port, const void *frame, uint32_t len)
{
	int i = port->index;
	CHECK(i >= 1 && i <= (int)nvms && port == &ports[i]);
	CHECK(i != source); /* never back where it came from */
	CHECK(!device_locked[i]);
	device_locked[i] = true;
	if (stopped[i])
		vswitch_count_drop(port, VSWITCH_DROP_VM_STOPPED);
	else
		vswitch_port_offer(port, frame, len);
	CHECK(port->queue.count <= VSWITCH_QUEUE_LEN);
	device_locked[i] = false;
}

/* -- the model ------------------------------------------------------------------ */

static struct {
	/* Learned addresses, the least recently learned first. */
	struct {
		uint8_t mac[ETH_ALEN];
		int port;
	} table[VSWITCH_MACS];
	unsigned learned;
	unsigned long in[MAX_VMS + 1], out[MAX_VMS + 1];
	unsigned long drops[MAX_VMS + 1][VSWITCH_DROP_REASONS];
	struct frame queue[MAX_VMS + 1][VSWITCH_QUEUE_LEN];
	unsigned qhead[MAX_VMS + 1], qcount[MAX_VMS + 1];
	struct buffers posted[MAX_VMS + 1];
} m;

static void model_expect(int port, const struct frame *f)
{
	CHECK(expected[port].count < MAX_EXPECTED);
	expected[port].f[(expected[port].head + expected[port].count++) % MAX_EXPECTED] = *f;
}

static int model_lookup(const uint8_t *mac)
{
	for (unsigned i = 0; i < m.learned; i++)
		if (!memcmp(m.table[i].mac, mac, ETH_ALEN))
			return m.table[i].port;
	return -1;
}

static void model_learn(const uint8_t *mac, int port)
{
	unsigned i = 0;
	while (i < m.learned && memcmp(m.table[i].mac, mac, ETH_ALEN))
		i++;
	if (i == m.learned && m.learned == VSWITCH_MACS)
		i = 0; /* the least recently learned goes */
	if (i < m.learned) {
		memmove(&m.table[i], &m.table[i + 1], (m.learned - i - 1) * sizeof(m.table[0]));
		m.learned--;
	}
	memcpy(m.table[m.learned].mac, mac, ETH_ALEN);
	m.table[m.learned++].port = port;
}

/* The guest takes its next buffer for f, if it has one. */
static bool model_take(int port, const struct frame *f)
{
	struct buffers *b = &m.posted[port];
	if (!b->count)
		return false;
	uint32_t size = b->size[b->head];
	b->head = (b->head + 1) % MAX_BUFFERS;
	b->count--;
	model_expect(port, f);
	if (size < f->len + VIRTIO_NET_HDR_SIZE)
		m.drops[port][VSWITCH_DROP_RX_SHORT]++;
	else
		m.out[port]++;
	return true;
}

static void model_drain(int port)
{
	while (m.qcount[port] && model_take(port, &m.queue[port][m.qhead[port]])) {
		m.qhead[port] = (m.qhead[port] + 1) % VSWITCH_QUEUE_LEN;
		m.qcount[port]--;
	}
}

static void model_deliver(int port, const struct frame *f)
{
	if (port == VSWITCH_UPLINK) {
		if (ring_full) {
			m.drops[port][VSWITCH_DROP_UPLINK_BUSY]++;
		} else {
			model_expect(port, f);
			m.out[port]++;
		}
		return;
	}
	if (stopped[port]) {
		m.drops[port][VSWITCH_DROP_VM_STOPPED]++;
		return;
	}
	model_drain(port);
	if (!m.qcount[port] && model_take(port, f))
		return;
	if (m.qcount[port] == VSWITCH_QUEUE_LEN) {
		m.drops[port][VSWITCH_DROP_QUEUE_FULL]++;
		return;
	}
	m.queue[port][(m.qhead[port] + m.qcount[port]++) % VSWITCH_QUEUE_LEN] = *f;
}

static bool attached(int port)
{
	return port == VSWITCH_UPLINK ? nic : port >= 1 && port <= (int)nvms;
}

static void model_switch(int from, const struct frame *f)
{
	m.in[from]++;
	if (f->len < ETH_HLEN) {
		m.drops[from][VSWITCH_DROP_RUNT]++;
		return;
	}
	if (f->len > ETH_MAX_FRAME) {
		m.drops[from][VSWITCH_DROP_OVERSIZED]++;
		return;
	}
	const uint8_t *dst = f->data, *src = f->data + ETH_ALEN;
	if (src[0] & 1) {
		m.drops[from][VSWITCH_DROP_BAD_SOURCE]++;
		return;
	}
	model_learn(src, from);
	int to = dst[0] & 1 ? -1 : model_lookup(dst);
	bool anywhere = false;
	for (int p = 0; p <= MAX_VMS; p++) {
		if (attached(p) && p != from && (to < 0 || to == p)) {
			model_deliver(p, f);
			anywhere = true;
		}
	}
	if (!anywhere)
		m.drops[from][VSWITCH_DROP_NOWHERE]++;
}

/* -- the steps -------------------------------------------------------------------- */

static void take_mac(struct input *in, uint8_t *mac)
{
	uint8_t sel = take8(in);
	if (sel < 12) {
		memcpy(mac, pool[sel], ETH_ALEN);
		return;
	}
	for (int i = 0; i < ETH_ALEN; i++)
		mac[i] = take8(in);
}

static void check_counters(void)
{
	for (int p = 0; p <= MAX_VMS; p++) {
		if (!attached(p))
			continue;
		const struct vswitch_port *port = p == VSWITCH_UPLINK ? &sw.uplink : &ports[p];
		CHECK(sw.ports[p] == port && port->index == p);
		CHECK(expected[p].count == 0); /* every frame the model expected arrived */
		CHECK(port->in == m.in[p] && port->out == m.out[p]);
		for (int d = 0; d < VSWITCH_DROP_REASONS; d++)
			CHECK(port->drops[d] == m.drops[p][d]);
		CHECK(port->queue.count <= VSWITCH_QUEUE_LEN);
		if (p != VSWITCH_UPLINK)
			CHECK(port->queue.count == m.qcount[p] &&
			      posted[p].count == m.posted[p].count);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint8_t setup = take8(&in);
	nvms = 1 + (setup & 0x7f) % MAX_VMS;
	nic = setup & 0x80;
	ring_full = false;
	nic_rx = NULL;
	source = -1;
	memset(&m, 0, sizeof(m));
	memset(ports, 0, sizeof(ports));
	memset(posted, 0, sizeof(posted));
	memset(expected, 0, sizeof(expected));
	memset(stopped, 0, sizeof(stopped));
	memset(device_locked, 0, sizeof(device_locked));

	vswitch_init(&sw);
	CHECK(nic == (nic_rx != NULL));
	for (unsigned i = 1; i <= nvms; i++) {
		ports[i].deliver = vm_deliver;
		ports[i].receive = vm_receive;
		CHECK(vswitch_attach(&sw, &ports[i], (int)i, queues[i]) == 0);
	}
	CHECK(vswitch_attach(&sw, &ports[1], 1, queues[1]) == -1); /* taken */

	while (in.size) {
		switch (take8(&in) % 4) {
		case 0: { /* a frame from a port */
			static struct frame f;
			int from = take8(&in) % (nvms + 1);
			if (from == VSWITCH_UPLINK && !nic)
				from = 1;
			f.len = take16(&in) % MAX_FRAME_LEN;
			uint8_t mac[2][ETH_ALEN];
			take_mac(&in, mac[0]);
			take_mac(&in, mac[1]);
			uint8_t fill = take8(&in);
			for (uint32_t i = 0; i < f.len; i++)
				f.data[i] = (uint8_t)(fill + i * 7);
			for (uint32_t i = 0; i < 2 * ETH_ALEN && i < f.len; i++)
				f.data[i] = mac[i / ETH_ALEN][i % ETH_ALEN];
			model_switch(from, &f);
			source = from;
			if (from == VSWITCH_UPLINK)
				nic_rx(f.data, f.len, nic_arg);
			else
				vswitch_input(&ports[from], f.data, f.len);
			source = -1;
			break;
		}
		case 1: { /* a guest posts receive buffers, and notifies */
			int p = 1 + take8(&in) % nvms;
			unsigned count = take8(&in) % 8;
			uint32_t bytes = take16(&in) % 2048;
			for (unsigned k = 0; k < count && posted[p].count < MAX_BUFFERS; k++) {
				posted[p].size[(posted[p].head + posted[p].count++) % MAX_BUFFERS] =
				    bytes;
				m.posted[p]
				    .size[(m.posted[p].head + m.posted[p].count++) % MAX_BUFFERS] =
				    bytes;
			}
			model_drain(p);
			device_locked[p] = true;
			vswitch_port_drain(&ports[p]);
			device_locked[p] = false;
			break;
		}
		case 2:
			ring_full = take8(&in) & 1;
			break;
		case 3:
			stopped[1 + take8(&in) % nvms] = true;
			break;
		}
		check_counters();
	}
	return 0;
}
