/* IPv4 (RFC 791): header checks on input, no options kept, no fragments
 * (dropped: TCP's MSS and our UDP users stay under the MTU). */
#include <string.h>

#include "net/stack.h"

uint16_t inet_checksum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)len;
}

static bool ipv4_is_for_us(const struct net_stack *st, uint32_t dst)
{
	if (dst == 0xffffffff || st->ip == 0)
		return true; /* broadcasts; anything while DHCP runs */
	return dst == st->ip || (st->netmask && dst == (st->ip | ~st->netmask));
}

void ipv4_input(struct net_stack *st, const uint8_t *p, size_t len)
{
	if (len < IP_HLEN || p[0] >> 4 != 4) {
		st->count.dropped++;
		return;
	}
	size_t hlen = (size_t)(p[0] & 15) * 4, total = get16(p + 2);
	if (hlen < IP_HLEN || total < hlen || total > len || inet_checksum(p, hlen, 0) != 0 ||
	    (get16(p + 6) & 0x3fff) != 0) {
		st->count.dropped++;
		return;
	}
	uint32_t src = get32(p + 12), dst = get32(p + 16);
	if (!ipv4_is_for_us(st, dst)) {
		st->count.dropped++;
		return;
	}
	const uint8_t *l4 = p + hlen;
	size_t l4len = total - hlen;
	switch (p[9]) {
	case IP_PROTO_ICMP:
		icmp_input(st, src, l4, l4len);
		break;
	case IP_PROTO_UDP:
		udp_input(st, src, dst, l4, l4len);
		break;
	case IP_PROTO_TCP:
		if (dst == st->ip)
			tcp_input(st, src, dst, l4, l4len);
		break;
	default:
		st->count.dropped++;
	}
}

int ipv4_output(struct net_stack *st, uint32_t dst, uint8_t proto, const void *l4, size_t len)
{
	uint8_t frame[ETH_FRAME_MAX];
	uint8_t *ip = frame + ETH_HLEN;

	if (len > ETH_MTU - IP_HLEN)
		return -1;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(IP_HLEN + len));
	put16(ip + 4, st->ip_id++);
	put16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;
	ip[9] = proto;
	put16(ip + 10, 0);
	put32(ip + 12, st->ip);
	put32(ip + 16, dst);
	put16(ip + 10, inet_checksum(ip, IP_HLEN, 0));
	memcpy(ip + IP_HLEN, l4, len);
	memcpy(frame + 6, st->mac, 6);
	put16(frame + 12, ETH_P_IP);
	size_t flen = ETH_HLEN + IP_HLEN + len;

	if (dst == 0xffffffff || (st->netmask && dst == (st->ip | ~st->netmask))) {
		memset(frame, 0xff, 6);
		st->count.frames_out++;
		st->tx(st->tx_ctx, frame, flen);
		return 0;
	}
	uint32_t next_hop = dst;
	if (st->netmask && (dst & st->netmask) != (st->ip & st->netmask) && st->gateway)
		next_hop = st->gateway;
	arp_send_ip(st, next_hop, frame, flen);
	return 0;
}
