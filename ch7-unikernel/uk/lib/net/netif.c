/* The stack's thread: takes the device's frames into the stack, runs its
 * timers, and sleeps until a frame's notification or the next deadline
 * (at most CONFIG_NET_POLL_MS: without interrupts that is the polling). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "net/netif.h"
#include "plat/plat.h"
#include "sched/sched.h"
#include "sync/sync.h"
#include "virtio_net/netdev.h"

#define NETIF_STACK_SIZE   (16 * 1024)
#define NETIF_BATCH        32 /* frames per round before others run */
#define NETIF_DHCP_WAIT_MS 30000
#define NETIF_SEND_TRIES   100

struct net_stack netif_stack;
static struct netdev *netif_dev;
static struct uk_mutex netif_mutex;
static struct uk_cond netif_cond;
static struct uk_sem netif_rx; /* a semaphore: a notification is never lost */
static uint8_t netif_frame[NETDEV_MAX_FRAME];

void netif_lock(void)
{
	uk_mutex_lock(&netif_mutex);
}

void netif_unlock(void)
{
	uk_mutex_unlock(&netif_mutex);
}

void netif_wait(void)
{
	uk_cond_wait(&netif_cond, &netif_mutex);
}

uint64_t netif_now_ms(void)
{
	return plat_ticks() / (plat_ticks_per_sec() / 1000);
}

/* A full send ring empties as the device works: wait a little, else drop
 * (TCP retransmits, ARP and DHCP repeat). */
static void netif_tx(void *ctx, const void *frame, size_t len)
{
	for (int i = 0; i < NETIF_SEND_TRIES; i++) {
		if (netdev_send(ctx, frame, len) == 0)
			return;
		uk_yield();
	}
}

static void netif_rx_notify(void *arg)
{
	(void)arg;
	uk_sem_up(&netif_rx);
}

static void netif_loop(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned frames = 0;
		int n;

		netif_lock();
		while (frames < NETIF_BATCH &&
		       (n = netdev_recv(netif_dev, netif_frame, sizeof(netif_frame))) > 0) {
			net_input(&netif_stack, netif_frame, (size_t)n, netif_now_ms());
			frames++;
		}
		uint64_t now = netif_now_ms();
		net_timer(&netif_stack, now);
		uint64_t next = net_next_deadline(&netif_stack);
		uk_cond_broadcast(&netif_cond);
		netif_unlock();
		if (frames) {
			uk_yield(); /* let the woken threads answer first */
			continue;
		}
		uint64_t wait_ms = CONFIG_NET_POLL_MS;
		if (next > now && next - now < wait_ms)
			wait_ms = next - now;
		else if (next <= now)
			wait_ms = 1;
		uk_sem_down_timeout(&netif_rx, wait_ms * 1000000);
	}
}

char *net_ip_string(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)(ip >> 16 & 255),
	         (unsigned)(ip >> 8 & 255), (unsigned)(ip & 255));
	return buf;
}

static uint32_t parse_ip(const char **s)
{
	uint32_t ip = 0;

	for (int i = 0; i < 4; i++) {
		char *end;
		unsigned long v = strtoul(*s, &end, 10);
		if (end == *s || v > 255 || (i < 3 && *end != '.'))
			return 0;
		ip = ip << 8 | (uint32_t)v;
		*s = end + (i < 3);
	}
	return ip;
}

/* ip=A.B.C.D/NN[,GATEWAY] */
static bool netif_static_addr(void)
{
	char arg[48];

	if (!plat_arg("ip", arg, sizeof(arg)))
		return false;
	const char *s = arg;
	uint32_t ip = parse_ip(&s), gw = 0;
	unsigned long bits = 24;
	if (*s == '/') {
		char *end;
		bits = strtoul(s + 1, &end, 10);
		s = end;
	}
	if (*s == ',') {
		s++;
		gw = parse_ip(&s);
	}
	if (!ip || bits == 0 || bits > 32) {
		printf("net: ip=%s: not A.B.C.D/NN[,GATEWAY]: using DHCP\n", arg);
		return false;
	}
	net_set_addr(&netif_stack, ip, (uint32_t)(0xffffffffull << (32 - bits)), gw);
	return true;
}

int net_start(struct netdev *dev)
{
	uint8_t mac[6];
	char a[16], m[16], g[16];

	if (!dev) {
		printf("net: no network device\n");
		return -1;
	}
	netif_dev = dev;
	netdev_mac(dev, mac);
	uk_mutex_init(&netif_mutex);
	uk_cond_init(&netif_cond);
	uk_sem_init(&netif_rx, 0);
	net_init(&netif_stack, mac, (uint32_t)(plat_ticks() ^ plat_arg_u64("nonce", 0)), netif_tx,
	         dev);
	bool fixed = netif_static_addr();
	netdev_set_rx_notify(dev, netif_rx_notify, NULL);
	netif_lock();
	if (!fixed)
		dhcp_begin(&netif_stack);
	netif_unlock();
	if (!uk_thread_create("net", netif_loop, NULL, NETIF_STACK_SIZE)) {
		printf("net: no memory for the network thread\n");
		return -1;
	}
	uint64_t give_up = netif_now_ms() + NETIF_DHCP_WAIT_MS;
	netif_lock();
	while (!netif_stack.ip && netif_now_ms() < give_up)
		netif_wait();
	uint32_t ip = netif_stack.ip, mask = netif_stack.netmask, gw = netif_stack.gateway;
	netif_unlock();
	if (!ip) {
		printf("net: no DHCP lease\n");
		return -1;
	}
	printf("net: %02x:%02x:%02x:%02x:%02x:%02x address %s netmask %s gateway %s (%s)\n", mac[0],
	       mac[1], mac[2], mac[3], mac[4], mac[5], net_ip_string(ip, a), net_ip_string(mask, m),
	       net_ip_string(gw, g), fixed ? "bootargs" : "DHCP");
	return 0;
}

uint32_t net_ip(void)
{
	return netif_stack.ip;
}
