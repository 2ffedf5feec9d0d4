/* ICMP (RFC 792): echo requests answered, echo replies counted. */
#include <string.h>

#include "net/stack.h"

#define ICMP_ECHO_REPLY   0
#define ICMP_ECHO_REQUEST 8

void icmp_input(struct net_stack *st, uint32_t src, const uint8_t *p, size_t len)
{
	if (len < 8 || len > ETH_MTU - IP_HLEN || inet_checksum(p, len, 0) != 0) {
		st->count.dropped++;
		return;
	}
	if (p[0] == ICMP_ECHO_REQUEST && st->ip) {
		uint8_t reply[ETH_MTU - IP_HLEN];
		memcpy(reply, p, len);
		reply[0] = ICMP_ECHO_REPLY;
		put16(reply + 2, 0);
		put16(reply + 2, inet_checksum(reply, len, 0));
		ipv4_output(st, src, IP_PROTO_ICMP, reply, len);
	} else if (p[0] == ICMP_ECHO_REPLY) {
		st->count.echo_replies_in++;
		st->last_echo_id = get16(p + 4);
		st->last_echo_seq = get16(p + 6);
	}
}

int icmp_echo_request(struct net_stack *st, uint32_t dst, uint16_t id, uint16_t seq)
{
	uint8_t p[8 + 32];

	p[0] = ICMP_ECHO_REQUEST;
	p[1] = 0;
	put16(p + 2, 0);
	put16(p + 4, id);
	put16(p + 6, seq);
	for (unsigned i = 8; i < sizeof(p); i++)
		p[i] = (uint8_t)i;
	put16(p + 2, inet_checksum(p, sizeof(p), 0));
	return ipv4_output(st, dst, IP_PROTO_ICMP, p, sizeof(p));
}
