/* DHCP client (RFC 2131): DISCOVER, OFFER, REQUEST, ACK, with the
 * retransmissions of §4.1 (doubling from 1 s, up to 8 s). The lease is
 * taken as forever: a unikernel's run is shorter than QEMU's 24-hour lease. */
#include <string.h>

#include "net/stack.h"

#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67
#define DHCP_FIXED       236
#define DHCP_MAGIC       0x63825363
#define DHCP_DISCOVER    1
#define DHCP_OFFER       2
#define DHCP_REQUEST     3
#define DHCP_ACK         5
#define DHCP_NAK         6
#define OPT_PAD          0
#define OPT_SUBNET       1
#define OPT_ROUTER       3
#define OPT_REQ_IP       50
#define OPT_MSG_TYPE     53
#define OPT_SERVER_ID    54
#define OPT_PARAMS       55
#define OPT_END          255
#define DHCP_FIRST_MS    1000
#define DHCP_MAX_MS      8000

static void dhcp_send(struct net_stack *st, uint8_t type)
{
	uint8_t m[DHCP_FIXED + 4 + 32];
	uint8_t *o = m + DHCP_FIXED + 4;

	memset(m, 0, sizeof(m));
	m[0] = 1; /* BOOTREQUEST */
	m[1] = 1;
	m[2] = 6;
	put32(m + 4, st->dhcp.xid);
	put16(m + 10, 0x8000); /* answer by broadcast: we have no address yet */
	memcpy(m + 28, st->mac, 6);
	put32(m + DHCP_FIXED, DHCP_MAGIC);
	*o++ = OPT_MSG_TYPE;
	*o++ = 1;
	*o++ = type;
	if (type == DHCP_REQUEST) {
		*o++ = OPT_REQ_IP;
		*o++ = 4;
		put32(o, st->dhcp.offered_ip);
		o += 4;
		*o++ = OPT_SERVER_ID;
		*o++ = 4;
		put32(o, st->dhcp.server_id);
		o += 4;
	}
	*o++ = OPT_PARAMS;
	*o++ = 2;
	*o++ = OPT_SUBNET;
	*o++ = OPT_ROUTER;
	*o++ = OPT_END;
	udp_output(st, DHCP_CLIENT_PORT, 0xffffffff, DHCP_SERVER_PORT, m, (size_t)(o - m));
}

struct dhcp_options {
	int type;
	uint32_t server_id, subnet, router;
};

static bool dhcp_parse_options(const uint8_t *o, size_t len, struct dhcp_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->type = -1;
	size_t i = 0;
	while (i < len) {
		uint8_t code = o[i++];
		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			break;
		if (i >= len || o[i] > len - i - 1)
			return false;
		uint8_t n = o[i++];
		const uint8_t *v = o + i;
		if (code == OPT_MSG_TYPE && n >= 1)
			opts->type = v[0];
		else if (code == OPT_SERVER_ID && n >= 4)
			opts->server_id = get32(v);
		else if (code == OPT_SUBNET && n >= 4)
			opts->subnet = get32(v);
		else if (code == OPT_ROUTER && n >= 4)
			opts->router = get32(v);
		i += n;
	}
	return opts->type >= 0;
}

static void dhcp_arm(struct net_stack *st, bool first)
{
	st->dhcp.timeout_ms = first ? DHCP_FIRST_MS : st->dhcp.timeout_ms * 2;
	if (st->dhcp.timeout_ms > DHCP_MAX_MS)
		st->dhcp.timeout_ms = DHCP_MAX_MS;
	st->dhcp.deadline = st->now + st->dhcp.timeout_ms;
}

static void dhcp_recv(struct net_stack *st, void *arg, uint32_t src_ip, uint16_t src_port,
                      const uint8_t *m, size_t len)
{
	struct dhcp_options opts;
	(void)arg;
	(void)src_ip;

	if (src_port != DHCP_SERVER_PORT || len < DHCP_FIXED + 4 || m[0] != 2 ||
	    get32(m + 4) != st->dhcp.xid || memcmp(m + 28, st->mac, 6) != 0 ||
	    get32(m + DHCP_FIXED) != DHCP_MAGIC ||
	    !dhcp_parse_options(m + DHCP_FIXED + 4, len - DHCP_FIXED - 4, &opts))
		return;
	uint32_t yiaddr = get32(m + 16);
	if (st->dhcp.state == DHCP_SELECTING && opts.type == DHCP_OFFER && yiaddr &&
	    opts.server_id) {
		st->dhcp.offered_ip = yiaddr;
		st->dhcp.server_id = opts.server_id;
		st->dhcp.state = DHCP_REQUESTING;
		dhcp_send(st, DHCP_REQUEST);
		dhcp_arm(st, true);
	} else if (st->dhcp.state == DHCP_REQUESTING && opts.type == DHCP_ACK &&
	           yiaddr == st->dhcp.offered_ip) {
		net_set_addr(st, yiaddr, opts.subnet ? opts.subnet : 0xffffff00, opts.router);
		st->dhcp.state = DHCP_BOUND;
	} else if (st->dhcp.state == DHCP_REQUESTING && opts.type == DHCP_NAK) {
		dhcp_begin(st);
	}
}

void dhcp_begin(struct net_stack *st)
{
	st->dhcp.state = DHCP_SELECTING;
	st->dhcp.xid = st->seed ^ get32(st->mac + 2) ^ ++st->dhcp.tries;
	udp_bind_port(st, DHCP_CLIENT_PORT, dhcp_recv, NULL);
	dhcp_send(st, DHCP_DISCOVER);
	dhcp_arm(st, true);
}

void dhcp_timer(struct net_stack *st)
{
	if ((st->dhcp.state != DHCP_SELECTING && st->dhcp.state != DHCP_REQUESTING) ||
	    st->now < st->dhcp.deadline)
		return;
	dhcp_send(st, st->dhcp.state == DHCP_SELECTING ? DHCP_DISCOVER : DHCP_REQUEST);
	dhcp_arm(st, false);
}
