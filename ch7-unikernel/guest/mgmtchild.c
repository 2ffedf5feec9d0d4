/* A VM that the management VM creates (guest/mgmttest.c carries this
 * image in its own memory): it prints what it derives from the nonce of
 * its command line and what its virtio devices say (their ids, the
 * disk's capacity, the card's address), then waits to be stopped: in WFI,
 * or with busy=1 sending broadcast frames without end (its card driven,
 * its switch port attached), so that it is stopped and destroyed while it
 * runs and its frames cross the switch. */
#include "guest.h"
#include "guest_net.h"

static uint64_t splitmix(uint64_t x)
{
	uint64_t z = x + 0x9E3779B97F4A7C15UL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
	return z ^ (z >> 31);
}

void guest_main(void)
{
	unsigned long nonce = bootarg_ulong("nonce", 0);
	/* grader: test_stage7_mgmt.py parses these lines */
	printf("child: nonce=0x%lx mix=0x%lx\n", nonce, splitmix(nonce));
	volatile uint32_t *blk = (volatile uint32_t *)0x10001000UL;
	volatile uint32_t *net = (volatile uint32_t *)0x10002000UL;
	uint64_t capacity = blk[0x100 / 4] | (uint64_t)blk[0x104 / 4] << 32;
	volatile uint8_t *mac = (volatile uint8_t *)net + 0x100;
	printf("child: blk id %u capacity %lu\n", blk[VIRTIO_MMIO_DEVICE_ID / 4],
	       (unsigned long)capacity);
	printf("child: net id %u mac %02x:%02x:%02x:%02x:%02x:%02x\n",
	       net[VIRTIO_MMIO_DEVICE_ID / 4], mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	static struct net_dev dev;
	bool busy = bootarg_ulong("busy", 0) != 0;
	if (busy)
		printf("child: net open %d\n", net_open(&dev, 0));
	printf("child: waiting to be stopped\n");
	static uint8_t frame[64];
	memset(frame, 0xff, ETH_ALEN); /* broadcast, from its own address */
	memcpy(frame + ETH_ALEN, dev.mac, ETH_ALEN);
	frame[12] = 0x88, frame[13] = 0xb5; /* the local experimental EtherType */
	for (;;) {
		if (busy && dev.link_up)
			net_send(&dev, frame, sizeof(frame));
		else if (!busy)
			wfi();
	}
}
