/* ARP (RFC 826) for IPv4 over Ethernet: a small cache whose entries each
 * hold the last frame waiting for the answer; requests are repeated a few
 * times, then the entry and its frame are dropped (TCP retransmits). */
#include <string.h>

#include "net/stack.h"

#define ARP_REQUEST     1
#define ARP_REPLY       2
#define ARP_LEN         28
#define ARP_RETRY_MS    1000
#define ARP_TRIES       4
#define ARP_LIFETIME_MS (10 * 60 * 1000)

static const uint8_t broadcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void arp_send(struct net_stack *st, uint16_t op, const uint8_t tha[6], uint32_t tpa)
{
	uint8_t p[ARP_LEN];

	put16(p, 1); /* Ethernet */
	put16(p + 2, ETH_P_IP);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, st->mac, 6);
	put32(p + 14, st->ip);
	memcpy(p + 18, op == ARP_REPLY ? tha : (const uint8_t[6]){0}, 6);
	put32(p + 24, tpa);
	if (op == ARP_REQUEST)
		st->count.arp_requests++;
	else
		st->count.arp_replies++;
	eth_send(st, op == ARP_REPLY ? tha : broadcast_mac, ETH_P_ARP, p, sizeof(p));
}

static struct arp_entry *arp_find(struct net_stack *st, uint32_t ip)
{
	for (unsigned i = 0; i < CONFIG_NET_ARP_ENTRIES; i++)
		if (st->arp[i].ip == ip)
			return &st->arp[i];
	return NULL;
}

const uint8_t *arp_lookup(const struct net_stack *st, uint32_t ip)
{
	for (unsigned i = 0; i < CONFIG_NET_ARP_ENTRIES; i++)
		if (st->arp[i].ip == ip && st->arp[i].resolved)
			return st->arp[i].mac;
	return NULL;
}

/* A free entry, else the one that expires first (never one still resolving
 * if a resolved one can go). */
static struct arp_entry *arp_victim(struct net_stack *st)
{
	struct arp_entry *best = &st->arp[0];

	for (unsigned i = 0; i < CONFIG_NET_ARP_ENTRIES; i++) {
		struct arp_entry *e = &st->arp[i];
		if (!e->ip)
			return e;
		if (e->resolved && (!best->resolved || e->deadline < best->deadline))
			best = e;
	}
	return best;
}

static void arp_learn(struct net_stack *st, uint32_t ip, const uint8_t mac[6], bool create)
{
	struct arp_entry *e = arp_find(st, ip);

	if (!e) {
		if (!create)
			return;
		e = arp_victim(st);
		e->pending_len = 0;
	}
	e->ip = ip;
	memcpy(e->mac, mac, 6);
	e->resolved = true;
	e->deadline = st->now + ARP_LIFETIME_MS;
	if (e->pending_len) {
		uint16_t n = e->pending_len;
		e->pending_len = 0;
		memcpy(e->pending, mac, 6);
		st->count.frames_out++;
		st->tx(st->tx_ctx, e->pending, n);
	}
}

void arp_input(struct net_stack *st, const uint8_t *p, size_t len)
{
	if (len < ARP_LEN || get16(p) != 1 || get16(p + 2) != ETH_P_IP || p[4] != 6 || p[5] != 4) {
		st->count.dropped++;
		return;
	}
	uint16_t op = get16(p + 6);
	uint32_t spa = get32(p + 14), tpa = get32(p + 24);
	bool for_us = st->ip && tpa == st->ip;

	if (spa == 0 || spa == 0xffffffff || (p[8] & 1))
		return; /* probes and nonsense teach nothing */
	arp_learn(st, spa, p + 8, for_us);
	if (op == ARP_REQUEST && for_us)
		arp_send(st, ARP_REPLY, p + 8, spa);
}

void arp_send_ip(struct net_stack *st, uint32_t next_hop, uint8_t *frame, size_t len)
{
	const uint8_t *mac = arp_lookup(st, next_hop);

	if (mac) {
		memcpy(frame, mac, 6);
		st->count.frames_out++;
		st->tx(st->tx_ctx, frame, len);
		return;
	}
	struct arp_entry *e = arp_find(st, next_hop);
	if (!e) {
		e = arp_victim(st);
		e->ip = next_hop;
		e->resolved = false;
		e->tries = 1;
		e->deadline = st->now + ARP_RETRY_MS;
		arp_send(st, ARP_REQUEST, NULL, next_hop);
	}
	if (len <= sizeof(e->pending)) {
		memcpy(e->pending, frame, len);
		e->pending_len = (uint16_t)len;
	}
}

void arp_timer(struct net_stack *st)
{
	for (unsigned i = 0; i < CONFIG_NET_ARP_ENTRIES; i++) {
		struct arp_entry *e = &st->arp[i];
		if (!e->ip || st->now < e->deadline)
			continue;
		if (e->resolved || e->tries >= ARP_TRIES) {
			memset(e, 0, offsetof(struct arp_entry, pending));
			continue;
		}
		e->tries++;
		e->deadline = st->now + ARP_RETRY_MS;
		arp_send(st, ARP_REQUEST, NULL, e->ip);
	}
}
