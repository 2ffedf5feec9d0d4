/* The virtual switch between the VMs' virtio-net ports (vdev/vnet.c) and
 * the host's NIC (the uplink, dev/virtio_net.h): an Ethernet learning
 * switch. Each frame's source address is learned on the port it came in
 * on; a frame to a learned address goes to that port only, every other
 * frame (broadcast, multicast, unknown unicast) to every port but the one
 * it came from. A frame never goes back where it came from.
 *
 * Delivery never waits: a VM port whose guest has no receive buffer keeps
 * the frame in a bounded queue of its own (its device's lock protects it),
 * and drops it, counted, when that is full; the uplink drops a frame when
 * the host NIC's transmit ring is full. The counters of every port are
 * printed when the run ends. */
#ifndef VDEV_VSWITCH_H
#define VDEV_VSWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"
#include "regmap/virtio_net.h"
#include "vm/vm.h"

#define VSWITCH_PORTS     (MAX_VMS + 1) /* port 0 is the uplink, port N is vmN's */
#define VSWITCH_UPLINK    0
#define VSWITCH_QUEUE_LEN 64 /* frames a VM port keeps while its guest posts no buffers */
#define VSWITCH_MACS      64 /* learned addresses; the least recently seen goes first */

/* Why a frame was dropped: counted on the port it came from (runt,
 * oversized, bad source, nowhere to go) or on the port it was going to. */
enum vswitch_drop {
	VSWITCH_DROP_QUEUE_FULL,  /* the VM's queue was full: it posts no receive buffers */
	VSWITCH_DROP_UPLINK_BUSY, /* the host NIC's transmit ring was full */
	VSWITCH_DROP_VM_STOPPED,  /* the VM no longer runs */
	VSWITCH_DROP_RX_SHORT,    /* the guest's receive buffer could not hold the frame */
	VSWITCH_DROP_RUNT,        /* shorter than an Ethernet header */
	VSWITCH_DROP_OVERSIZED,   /* longer than ETH_MAX_FRAME */
	VSWITCH_DROP_BAD_SOURCE,  /* a group source, or not the VM port's own address */
	VSWITCH_DROP_RESET,       /* waiting for a device that its driver reset */
	VSWITCH_DROP_NOWHERE,     /* no other port, or the destination is behind its own */
	VSWITCH_DROP_REASONS
};

/* A frame waiting in a port's queue. */
struct vswitch_frame {
	uint32_t len;
	uint8_t data[ETH_MAX_FRAME];
};

/* A ring of VSWITCH_QUEUE_LEN frames, in the port's device's state. */
struct vswitch_queue {
	struct vswitch_frame *slot;
	unsigned head, count;
};

/* What a VM port's guest did with a frame offered to it. */
enum vswitch_rx {
	VSWITCH_RX_DONE,      /* in a receive buffer */
	VSWITCH_RX_NO_BUFFER, /* none posted (or the device is broken): the frame waits */
	VSWITCH_RX_SHORT,     /* the buffer taken could not hold it: dropped */
};

struct vswitch_port {
	/* Set by the port's owner before vswitch_attach. deliver hands a
	 * frame to the port's device, which counts it out (vswitch_count_out)
	 * or dropped; called with no lock held, on any hart, maybe from the
	 * uplink's interrupt. The frame is the caller's: copy it. */
	void (*deliver)(struct vswitch_port *port, const void *frame, uint32_t len);
	/* A VM port's: puts a frame into the guest's next receive buffer,
	 * under the device's lock (vswitch_port_offer, vswitch_port_drain). */
	enum vswitch_rx (*receive)(struct vswitch_port *port, const void *frame, uint32_t len);
	void *dev; /* the device behind the port */
	/* A VM port's address, the only source its frames may carry: a VM
	 * that sent others' addresses would take their traffic (the table
	 * learns sources) or flush the table. The uplink leaves it unset. */
	bool has_mac;
	uint8_t mac[ETH_ALEN];
	/* Set by vswitch_attach. */
	struct vswitch *sw;
	/* vswitch_input calls that picked the port and deliver to it, unlocked */
	volatile int delivering;
	int index;
	char name[8];               /* "uplink", "vm1"... */
	struct vswitch_queue queue; /* VM ports: frames waiting for receive buffers */
	/* Counted with atomics: several harts switch frames at once. */
	unsigned long in, out;
	unsigned long drops[VSWITCH_DROP_REASONS];
};

struct vswitch_mac {
	uint8_t mac[ETH_ALEN];
	int8_t port;         /* -1: the entry is free */
	unsigned long stamp; /* when the address was last seen as a source */
};

struct vswitch {
	struct spinlock lock; /* the table and the ports; irq: the uplink's frames come
	                         from the host NIC's interrupt */
	uint32_t attached;    /* bit i: ports[i] is on the switch */
	struct vswitch_port *ports[VSWITCH_PORTS];
	struct vswitch_mac table[VSWITCH_MACS];
	unsigned long clock; /* stamps the table's entries */
	struct vswitch_port uplink;
};

/* The hypervisor's switch, set up at its first call, which must be on the
 * boot hart while VMs are created (vdev/vnet.c): with the uplink when the
 * host has a NIC, and its counters printed when the run ends. */
struct vswitch *vswitch_host(void);

/* An empty switch; with the uplink (the host's NIC, dev/virtio_net.h)
 * when hnet_present(). */
void vswitch_init(struct vswitch *sw);
/* Puts the port on the switch as port `index` (a VM's id; VSWITCH_UPLINK
 * is the uplink's); a VM port gives its queue's VSWITCH_QUEUE_LEN frames.
 * 0, or -1 with the reason printed. */
int vswitch_attach(struct vswitch *sw, struct vswitch_port *port, int index,
                   struct vswitch_frame *queue);
/* Takes the port off the switch (its VM is destroyed): no frame goes to
 * it once this returns, and the table forgets its addresses. With
 * interrupts off. */
void vswitch_detach(struct vswitch_port *port);
/* A frame that came in on `port` (from its guest, or from the host's
 * network): counted in, switched, delivered. No lock may be held. */
void vswitch_input(struct vswitch_port *port, const void *frame, uint32_t len);

void vswitch_count_out(struct vswitch_port *port);
void vswitch_count_drop(struct vswitch_port *port, enum vswitch_drop why);

/* A VM port's deliver, under its device's lock: the frame goes to the
 * guest (port->receive) after those that wait, else waits in the queue,
 * else is dropped (queue full). */
void vswitch_port_offer(struct vswitch_port *port, const void *frame, uint32_t len);
/* Under the device's lock, when the guest posted receive buffers: the
 * waiting frames go to the guest, oldest first, while it takes them. */
void vswitch_port_drain(struct vswitch_port *port);
/* Under the device's lock: the frames waiting for it are dropped (its
 * driver reset it: they were for the driver that was there before). */
void vswitch_port_flush(struct vswitch_port *port);

/* Prints every port's counters (at the end of the run). */
void vswitch_report(const struct vswitch *sw);

#endif
