/* UDP (RFC 768): datagrams to the few bound ports (DHCP, apps). */
#include <string.h>

#include "net/stack.h"

void udp_input(struct net_stack *st, uint32_t src, uint32_t dst, const uint8_t *p, size_t len)
{
	if (len < UDP_HLEN) {
		st->count.dropped++;
		return;
	}
	size_t ulen = get16(p + 4);
	if (ulen < UDP_HLEN || ulen > len ||
	    (get16(p + 6) != 0 &&
	     inet_checksum(p, ulen, inet_pseudo_sum(src, dst, IP_PROTO_UDP, ulen)) != 0)) {
		st->count.dropped++;
		return;
	}
	uint16_t dport = get16(p + 2);
	for (unsigned i = 0; i < NET_UDP_BINDS; i++) {
		if (st->udp[i].fn && st->udp[i].port == dport) {
			st->udp[i].fn(st, st->udp[i].arg, src, get16(p), p + UDP_HLEN,
			              ulen - UDP_HLEN);
			return;
		}
	}
	st->count.udp_no_port++;
}

int udp_bind_port(struct net_stack *st, uint16_t port, udp_recv_fn fn, void *arg)
{
	for (unsigned i = 0; i < NET_UDP_BINDS; i++) {
		if (!st->udp[i].fn || st->udp[i].port == port) {
			st->udp[i] = (struct udp_binding){.port = port, .fn = fn, .arg = arg};
			return 0;
		}
	}
	return -1;
}

int udp_output(struct net_stack *st, uint16_t src_port, uint32_t dst, uint16_t dst_port,
               const void *data, size_t len)
{
	uint8_t p[ETH_MTU - IP_HLEN];

	if (len > sizeof(p) - UDP_HLEN)
		return -1;
	put16(p, src_port);
	put16(p + 2, dst_port);
	put16(p + 4, (uint16_t)(UDP_HLEN + len));
	put16(p + 6, 0);
	memcpy(p + UDP_HLEN, data, len);
	uint16_t sum = inet_checksum(p, UDP_HLEN + len,
	                             inet_pseudo_sum(st->ip, dst, IP_PROTO_UDP, UDP_HLEN + len));
	put16(p + 6, sum ? sum : 0xffff);
	return ipv4_output(st, dst, IP_PROTO_UDP, p, UDP_HLEN + len);
}
