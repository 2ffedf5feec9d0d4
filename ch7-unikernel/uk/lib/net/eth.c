/* Ethernet: the stack's entry points (frames in, time) and frames out. */
#include <string.h>

#include "net/stack.h"

static const uint8_t broadcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void net_init(struct net_stack *st, const uint8_t mac[6], uint32_t seed, net_tx_fn tx, void *tx_ctx)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->mac, mac, 6);
	st->seed = seed;
	st->tx = tx;
	st->tx_ctx = tx_ctx;
	st->ip_id = (uint16_t)seed;
	st->next_port = (uint16_t)(49152 + seed % 16384);
}

void net_release(struct net_stack *st)
{
	tcp_release_all(st);
}

void net_set_addr(struct net_stack *st, uint32_t ip, uint32_t netmask, uint32_t gateway)
{
	st->ip = ip;
	st->netmask = netmask;
	st->gateway = gateway;
}

void eth_send(struct net_stack *st, const uint8_t dst[6], uint16_t type, const void *payload,
              size_t len)
{
	uint8_t frame[ETH_FRAME_MAX];

	if (len > ETH_MTU)
		return;
	memcpy(frame, dst, 6);
	memcpy(frame + 6, st->mac, 6);
	put16(frame + 12, type);
	memcpy(frame + ETH_HLEN, payload, len);
	st->count.frames_out++;
	st->tx(st->tx_ctx, frame, ETH_HLEN + len);
}

void net_input(struct net_stack *st, const void *frame, size_t len, uint64_t now_ms)
{
	const uint8_t *f = frame;

	if (now_ms > st->now)
		st->now = now_ms;
	st->count.frames_in++;
	if (len < ETH_HLEN || (memcmp(f, st->mac, 6) != 0 && memcmp(f, broadcast_mac, 6) != 0)) {
		st->count.dropped++;
		return;
	}
	switch (get16(f + 12)) {
	case ETH_P_ARP:
		arp_input(st, f + ETH_HLEN, len - ETH_HLEN);
		break;
	case ETH_P_IP:
		ipv4_input(st, f + ETH_HLEN, len - ETH_HLEN);
		break;
	default:
		st->count.dropped++;
	}
}

void net_timer(struct net_stack *st, uint64_t now_ms)
{
	if (now_ms > st->now)
		st->now = now_ms;
	arp_timer(st);
	dhcp_timer(st);
	tcp_timer(st);
}

uint64_t net_next_deadline(const struct net_stack *st)
{
	uint64_t next = tcp_next_deadline(st);

	for (unsigned i = 0; i < CONFIG_NET_ARP_ENTRIES; i++) {
		const struct arp_entry *e = &st->arp[i];
		if (e->ip && !e->resolved && e->deadline < next)
			next = e->deadline;
	}
	if (st->dhcp.state != DHCP_OFF && st->dhcp.state != DHCP_BOUND && st->dhcp.deadline < next)
		next = st->dhcp.deadline;
	return next;
}
