/* TCP (RFC 9293): the state machine, retransmission with exponential
 * backoff (RFC 6298, Karn's rule), fast retransmit on three duplicate
 * ACKs, the receive window advertised from the free space of the receive
 * buffer and the peer's window respected (with a 1-byte probe when it is
 * zero). Out-of-order segments are dropped and acknowledged at once: the
 * sender goes back to the first unacknowledged byte (go-back-N). */
#include <stdlib.h>
#include <string.h>

#include "net/tcb.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

#define TCP_RTO_INITIAL_MS 1000
#define TCP_RTO_MIN_MS     200
#define TCP_RTO_MAX_MS     60000
#define TCP_MAX_RETRIES    8
/* 2 MSL: short, as a unikernel that reboots leaves no stale segments */
#define TCP_TIME_WAIT_MS   2000
#define TCP_DEFAULT_MSS    536
#define TCP_WINDOW_MAX     65535u
#define TCP_DUPACK_THRESH  3

#define SEQ_LT(a, b)  ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((a) - (b)) > 0)

/* ---- byte rings --------------------------------------------------------- */

static uint32_t ring_free(const struct tcp_ring *r)
{
	return r->size - r->len;
}

static uint32_t ring_put(struct tcp_ring *r, const uint8_t *data, uint32_t n)
{
	if (n > ring_free(r))
		n = ring_free(r);
	for (uint32_t i = 0; i < n; i++)
		r->buf[(r->head + r->len + i) % r->size] = data[i];
	r->len += n;
	return n;
}

static void ring_peek(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		dst[i] = r->buf[(r->head + off + i) % r->size];
}

static void ring_drop(struct tcp_ring *r, uint32_t n)
{
	r->head = (r->head + n) % r->size;
	r->len -= n;
}

/* ---- segments out ------------------------------------------------------- */

static uint16_t tcp_window(const struct tcp_conn *c)
{
	uint32_t w = ring_free(&c->rcv);
	return (uint16_t)(w > TCP_WINDOW_MAX ? TCP_WINDOW_MAX : w);
}

static void tcp_emit(struct net_stack *st, uint32_t src, uint32_t dst, uint16_t sport,
                     uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
                     uint16_t mss_opt, const uint8_t *data, size_t len)
{
	uint8_t seg[ETH_MTU - IP_HLEN];
	size_t hlen = TCP_HLEN + (mss_opt ? 4 : 0);

	if (hlen + len > sizeof(seg))
		return;
	put16(seg, sport);
	put16(seg + 2, dport);
	put32(seg + 4, seq);
	put32(seg + 8, ack);
	seg[12] = (uint8_t)(hlen / 4 << 4);
	seg[13] = flags;
	put16(seg + 14, wnd);
	put16(seg + 16, 0);
	put16(seg + 18, 0);
	if (mss_opt) {
		seg[20] = 2;
		seg[21] = 4;
		put16(seg + 22, mss_opt);
	}
	if (len)
		memcpy(seg + hlen, data, len);
	put16(seg + 16,
	      inet_checksum(seg, hlen + len, inet_pseudo_sum(src, dst, IP_PROTO_TCP, hlen + len)));
	ipv4_output(st, dst, IP_PROTO_TCP, seg, hlen + len);
}

static void tcp_send(struct tcp_conn *c, uint32_t seq, uint8_t flags, uint32_t off, uint32_t len)
{
	uint8_t data[TCP_MSS];
	uint16_t wnd = tcp_window(c);

	if (len > sizeof(data))
		len = sizeof(data);
	if (len)
		ring_peek(&c->snd, off, data, len);
	if (flags & TCP_ACK)
		c->rcv_adv = c->rcv_nxt + wnd;
	tcp_emit(c->st, c->local_ip, c->remote_ip, c->local_port, c->remote_port, seq,
	         (flags & TCP_ACK) ? c->rcv_nxt : 0, flags, wnd, (flags & TCP_SYN) ? TCP_MSS : 0,
	         data, len);
}

static void tcp_send_ack(struct tcp_conn *c)
{
	tcp_send(c, c->snd_nxt, TCP_ACK, 0, 0);
	c->ack_now = false;
}

static void tcp_send_syn(struct tcp_conn *c)
{
	tcp_send(c, c->iss, c->state == TCP_SYN_RECEIVED ? TCP_SYN | TCP_ACK : TCP_SYN, 0, 0);
}

/* The answer to a segment that no connection takes (RFC 9293 §3.10.7.1). */
static void tcp_reset_reply(struct net_stack *st, uint32_t src, uint32_t dst, const uint8_t *p,
                            uint32_t seg_len)
{
	uint8_t flags = p[13];

	if (flags & TCP_RST)
		return;
	st->count.tcp_resets_out++;
	if (flags & TCP_ACK)
		tcp_emit(st, dst, src, get16(p + 2), get16(p), get32(p + 8), 0, TCP_RST, 0, 0, NULL,
		         0);
	else
		tcp_emit(st, dst, src, get16(p + 2), get16(p), 0, get32(p + 4) + seg_len,
		         TCP_RST | TCP_ACK, 0, 0, NULL, 0);
}

/* The estimate doubled for each retransmission of the same data (backoff);
 * an ACK of new data starts again from the estimate. */
static void tcp_arm_rto(struct tcp_conn *c)
{
	uint64_t rto = (uint64_t)c->rto_ms << (c->retries < 16 ? c->retries : 16);

	c->rto_deadline = c->st->now + (rto < TCP_RTO_MAX_MS ? rto : TCP_RTO_MAX_MS);
}

/* Send what the peer's window allows; `probe`: at least one byte even into
 * a zero window (the persist timer's probe). */
static void tcp_output(struct tcp_conn *c, bool probe)
{
	bool sent = false;

	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED || c->state == TCP_CLOSED ||
	    c->state == TCP_TIME_WAIT || c->state == TCP_FIN_WAIT_2) {
		if (c->ack_now && c->state != TCP_CLOSED && c->state != TCP_SYN_SENT)
			tcp_send_ack(c);
		return;
	}
	for (;;) {
		uint32_t off = c->snd_nxt - c->snd_una;
		if (off > c->snd.len)
			break; /* our FIN is out */
		uint32_t avail = c->snd.len - off;
		uint32_t wnd = c->snd_wnd;
		if (probe && wnd <= off)
			wnd = off + 1;
		uint32_t n = wnd > off ? wnd - off : 0;
		if (n > avail)
			n = avail;
		if (n > c->mss)
			n = c->mss;
		bool fin = c->fin_queued && n == avail;
		if (n == 0 && !fin)
			break;
		uint8_t flags = TCP_ACK | (n ? TCP_PSH : 0) | (fin ? TCP_FIN : 0);
		if (SEQ_LT(c->snd_nxt, c->snd_max))
			c->st->count.tcp_retransmits++;
		else if (!c->rtt_timing && n) {
			c->rtt_timing = true;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start = c->st->now;
		}
		tcp_send(c, c->snd_nxt, flags, off, n);
		c->snd_nxt += n + (fin ? 1 : 0);
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->rto_deadline)
			tcp_arm_rto(c);
		sent = true;
		probe = false;
	}
	if (!sent && c->ack_now)
		tcp_send_ack(c);
	c->ack_now = false;
	/* persist: data waits for a window that the peer has not opened */
	if (!c->rto_deadline && c->snd_nxt - c->snd_una < c->snd.len)
		tcp_arm_rto(c);
}

/* ---- connections -------------------------------------------------------- */

static struct tcp_conn *tcp_conn_new(struct net_stack *st)
{
	if (st->nconns >= CONFIG_NET_TCP_MAX_CONNS)
		return NULL;
	struct tcp_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->snd.buf = malloc(NET_TCP_BUF);
	c->rcv.buf = malloc(NET_TCP_BUF);
	if (!c->snd.buf || !c->rcv.buf) {
		free(c->snd.buf);
		free(c->rcv.buf);
		free(c);
		return NULL;
	}
	c->snd.size = c->rcv.size = NET_TCP_BUF;
	c->st = st;
	c->mss = TCP_DEFAULT_MSS;
	c->rto_ms = TCP_RTO_INITIAL_MS;
	/* ISS: the seed, the clock and a counter (RFC 6528 without the hash) */
	c->iss = st->seed * 2654435761u + (uint32_t)st->now * 250 + st->nconns * 64000;
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->next = st->conns;
	st->conns = c;
	st->nconns++;
	return c;
}

static void tcp_conn_free(struct tcp_conn *c)
{
	struct net_stack *st = c->st;

	for (struct tcp_conn **pp = &st->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->listener)
		c->listener->pending--;
	st->nconns--;
	free(c->snd.buf);
	free(c->rcv.buf);
	free(c);
}

static void tcp_enter_closed(struct tcp_conn *c)
{
	c->state = TCP_CLOSED;
	c->rto_deadline = 0;
}

/* Free a CLOSED connection that nobody holds; true if freed. */
static bool tcp_maybe_free(struct tcp_conn *c)
{
	if (c->state != TCP_CLOSED ||
	    (c->owner != TCP_OWNER_STACK && c->owner != TCP_OWNER_RELEASED))
		return false;
	tcp_conn_free(c);
	return true;
}

static void tcp_abort(struct tcp_conn *c)
{
	c->reset = true;
	tcp_enter_closed(c);
}

/* Unused while lab 7's SYN-RECEIVED transition is a stub. */
__attribute__((unused)) static void tcp_listener_enqueue(struct tcp_conn *c)
{
	struct tcp_listener *l = c->listener;

	c->owner = TCP_OWNER_QUEUED;
	c->accept_next = NULL;
	if (l->queue_tail)
		l->queue_tail->accept_next = c;
	else
		l->queue_head = c;
	l->queue_tail = c;
}

static struct tcp_conn *tcp_find(struct net_stack *st, uint32_t rip, uint16_t rport, uint16_t lport)
{
	for (struct tcp_conn *c = st->conns; c; c = c->next)
		if (c->state != TCP_CLOSED && c->remote_ip == rip && c->remote_port == rport &&
		    c->local_port == lport)
			return c;
	return NULL;
}

static uint16_t tcp_parse_mss(const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || opt[i + 1] > len - i)
			break;
		if (opt[i] == 2 && opt[i + 1] == 4)
			return get16(opt + i + 2);
		i += opt[i + 1];
	}
	return 0;
}

static void tcp_set_mss(struct tcp_conn *c, uint16_t peer_mss)
{
	if (peer_mss == 0)
		peer_mss = TCP_DEFAULT_MSS;
	c->mss = peer_mss < TCP_MSS ? peer_mss : TCP_MSS;
	if (c->mss < 64)
		c->mss = 64;
}

static void tcp_rtt_sample(struct tcp_conn *c)
{
	uint32_t r = (uint32_t)(c->st->now - c->rtt_start);

	c->rtt_timing = false;
	if (!c->srtt_ms) {
		c->srtt_ms = r ? r : 1;
		c->rttvar_ms = r / 2;
	} else {
		uint32_t d = r > c->srtt_ms ? r - c->srtt_ms : c->srtt_ms - r;
		c->rttvar_ms = (3 * c->rttvar_ms + d) / 4;
		c->srtt_ms = (7 * c->srtt_ms + r) / 8;
	}
	c->rto_ms = c->srtt_ms + 4 * c->rttvar_ms;
	if (c->rto_ms < TCP_RTO_MIN_MS)
		c->rto_ms = TCP_RTO_MIN_MS;
	if (c->rto_ms > TCP_RTO_MAX_MS)
		c->rto_ms = TCP_RTO_MAX_MS;
}

/* ---- segments in -------------------------------------------------------- */

struct tcp_seg {
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	const uint8_t *data;
	uint32_t len; /* data bytes */
};

static void tcp_listen_input(struct net_stack *st, struct tcp_listener *l, uint32_t src,
                             uint32_t dst, const uint8_t *p, size_t hlen, const struct tcp_seg *s)
{
	if (s->flags & TCP_RST)
		return;
	if (s->flags & TCP_ACK) {
		tcp_reset_reply(st, src, dst, p,
		                s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN));
		return;
	}
	if (!(s->flags & TCP_SYN) || l->pending >= l->backlog)
		return; /* a full backlog: the peer's SYN retransmission retries */
	struct tcp_conn *c = tcp_conn_new(st);
	if (!c)
		return;
	c->listener = l;
	l->pending++;
	c->owner = TCP_OWNER_STACK;
	c->local_ip = dst;
	c->remote_ip = src;
	c->local_port = l->port;
	c->remote_port = get16(p);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->snd_wnd = s->wnd;
	tcp_set_mss(c, tcp_parse_mss(p + TCP_HLEN, hlen - TCP_HLEN));
	c->state = TCP_SYN_RECEIVED;
	tcp_send_syn(c);
	c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_arm_rto(c);
}

static void tcp_syn_sent_input(struct tcp_conn *c, const uint8_t *p, size_t hlen,
                               const struct tcp_seg *s)
{
	bool ack_ok = (s->flags & TCP_ACK) && SEQ_GT(s->ack, c->iss) && SEQ_LEQ(s->ack, c->snd_nxt);

	if ((s->flags & TCP_ACK) && !ack_ok) {
		if (!(s->flags & TCP_RST))
			tcp_emit(c->st, c->local_ip, c->remote_ip, c->local_port, c->remote_port,
			         s->ack, 0, TCP_RST, 0, 0, NULL, 0);
		return;
	}
	if (s->flags & TCP_RST) {
		if (ack_ok)
			tcp_abort(c); /* connection refused */
		return;
	}
	if (!(s->flags & TCP_SYN) || !ack_ok)
		return; /* simultaneous open is not supported: the peer retries */
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->snd_una = s->ack;
	c->snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	tcp_set_mss(c, tcp_parse_mss(p + TCP_HLEN, hlen - TCP_HLEN));
	c->rto_deadline = 0;
	c->retries = 0;
	c->state = TCP_ESTABLISHED;
	c->ack_now = true;
}

static bool tcp_acceptable(const struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t wnd = ring_free(&c->rcv);
	uint32_t seg_len = s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);

	if (seg_len == 0)
		return SEQ_LEQ(c->rcv_nxt, s->seq) && SEQ_LEQ(s->seq, c->rcv_nxt + wnd);
	if (wnd == 0)
		return false;
	bool first_in = SEQ_LEQ(c->rcv_nxt, s->seq) && SEQ_LT(s->seq, c->rcv_nxt + wnd);
	uint32_t last = s->seq + seg_len - 1;
	bool last_in = SEQ_LEQ(c->rcv_nxt, last) && SEQ_LT(last, c->rcv_nxt + wnd);
	return first_in || last_in;
}

/* The ACK field of a segment on a synchronized connection; false: drop it. */
static bool tcp_ack_input(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (SEQ_GT(s->ack, c->snd_max)) {
		c->ack_now = true; /* acknowledges what we never sent */
		return false;
	}
	if (SEQ_GT(s->ack, c->snd_una)) {
		uint32_t acked = s->ack - c->snd_una;
		uint32_t data = acked < c->snd.len ? acked : c->snd.len;
		ring_drop(&c->snd, data);
		if (acked > data && c->fin_queued)
			c->fin_acked = true;
		c->snd_una = s->ack;
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		if (c->rtt_timing && SEQ_GT(s->ack, c->rtt_seq))
			tcp_rtt_sample(c);
		c->retries = 0;
		c->dupacks = 0;
		c->rto_deadline = 0;
		if (c->snd_una != c->snd_max)
			tcp_arm_rto(c);
	} else if (s->ack == c->snd_una && s->len == 0 && !(s->flags & (TCP_SYN | TCP_FIN)) &&
	           c->snd_max != c->snd_una && s->wnd == c->snd_wnd) {
		if (++c->dupacks == TCP_DUPACK_THRESH) {
			c->snd_nxt = c->snd_una; /* fast retransmit */
			c->rtt_timing = false;
		}
	}
	if (SEQ_LT(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack))) {
		c->snd_wnd = s->wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
	}
	return true;
}

static void tcp_fin_input(struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->fin_received = true;
	c->ack_now = true;
	switch (c->state) {
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		c->state = c->fin_acked ? TCP_TIME_WAIT : TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		c->state = TCP_TIME_WAIT;
		break;
	default:
		break;
	}
	if (c->state == TCP_TIME_WAIT) {
		c->rto_deadline = 0;
		c->timewait_deadline = c->st->now + TCP_TIME_WAIT_MS;
	}
}

static void tcp_data_input(struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t seq = s->seq, len = s->len;
	const uint8_t *data = s->data;

	if (SEQ_GT(seq + len, c->rcv_adv + 1))
		c->st->count.tcp_beyond_window++; /* more than a 1-byte probe past the edge */
	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t skip = c->rcv_nxt - seq;
		if (skip > len)
			return; /* all old (a FIN included): acknowledged below */
		data += skip;
		len -= skip;
		seq = c->rcv_nxt;
	}
	if (seq != c->rcv_nxt) {
		c->ack_now = true; /* out of order: dropped, a duplicate ACK asks again */
		return;
	}
	uint32_t n = 0;
	if (c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
	    c->state == TCP_FIN_WAIT_2) {
		n = ring_put(&c->rcv, data, len);
		c->rcv_nxt += n;
	} else {
		n = len; /* after the peer's FIN: nothing more to take */
	}
	if (len)
		c->ack_now = true;
	if ((s->flags & TCP_FIN) && n == len && !c->fin_received)
		tcp_fin_input(c);
}

static void tcp_conn_input(struct tcp_conn *c, const uint8_t *p, size_t hlen,
                           const struct tcp_seg *s)
{
	if (c->state == TCP_SYN_SENT) {
		tcp_syn_sent_input(c, p, hlen, s);
		return;
	}
	if (c->state == TCP_SYN_RECEIVED && (s->flags & TCP_SYN) && !(s->flags & TCP_ACK) &&
	    s->seq == c->irs) {
		tcp_send_syn(c); /* our SYN-ACK was lost */
		return;
	}
	if (!tcp_acceptable(c, s)) {
		if (!(s->flags & TCP_RST))
			c->ack_now = true;
		return;
	}
	if (s->flags & TCP_RST) {
		if (s->seq == c->rcv_nxt)
			tcp_abort(c);
		else
			c->ack_now = true; /* challenge ACK (RFC 5961 §3) */
		return;
	}
	if (s->flags & TCP_SYN) {
		c->ack_now = true; /* challenge ACK (RFC 5961 §4) */
		return;
	}
	if (!(s->flags & TCP_ACK))
		return;
	/* LAB 7 BEGIN: SYN-RECEIVED -> ESTABLISHED: the ACK of our SYN (RFC 9293 3.10.7.4) */
	if (c->state == TCP_SYN_RECEIVED) {
		if (SEQ_LT(c->snd_una, s->ack) && SEQ_LEQ(s->ack, c->snd_nxt)) {
			c->snd_una = s->ack; /* our SYN's sequence number is acknowledged */
			c->snd_wnd = s->wnd;
			c->snd_wl1 = s->seq;
			c->snd_wl2 = s->ack;
			c->rto_deadline = 0;
			c->retries = 0;
			c->state = TCP_ESTABLISHED;
			tcp_listener_enqueue(c);
		} else {
			tcp_reset_reply(c->st, c->remote_ip, c->local_ip, p, s->len);
			return;
		}
	}
	/* LAB 7 END */
	if (!tcp_ack_input(c, s))
		return;
	if (c->fin_acked) {
		if (c->state == TCP_FIN_WAIT_1) {
			c->state = TCP_FIN_WAIT_2;
		} else if (c->state == TCP_CLOSING) {
			c->state = TCP_TIME_WAIT;
			c->timewait_deadline = c->st->now + TCP_TIME_WAIT_MS;
		} else if (c->state == TCP_LAST_ACK) {
			tcp_enter_closed(c);
			return;
		}
	}
	if (c->state == TCP_TIME_WAIT) {
		if (s->flags & TCP_FIN) {
			c->ack_now = true; /* the peer lost our ACK of its FIN */
			c->timewait_deadline = c->st->now + TCP_TIME_WAIT_MS;
		}
		return;
	}
	tcp_data_input(c, s);
}

void tcp_input(struct net_stack *st, uint32_t src, uint32_t dst, const uint8_t *p, size_t len)
{
	if (len < TCP_HLEN ||
	    inet_checksum(p, len, inet_pseudo_sum(src, dst, IP_PROTO_TCP, len)) != 0) {
		st->count.dropped++;
		return;
	}
	size_t hlen = (size_t)(p[12] >> 4) * 4;
	if (hlen < TCP_HLEN || hlen > len) {
		st->count.dropped++;
		return;
	}
	struct tcp_seg s = {
	    .seq = get32(p + 4),
	    .ack = get32(p + 8),
	    .flags = p[13],
	    .wnd = get16(p + 14),
	    .data = p + hlen,
	    .len = (uint32_t)(len - hlen),
	};
	uint16_t sport = get16(p), dport = get16(p + 2);
	struct tcp_conn *c = tcp_find(st, src, sport, dport);

	if (!c) {
		for (struct tcp_listener *l = st->listeners; l; l = l->next) {
			if (l->port == dport) {
				tcp_listen_input(st, l, src, dst, p, hlen, &s);
				return;
			}
		}
		tcp_reset_reply(st, src, dst, p,
		                s.len + !!(s.flags & TCP_SYN) + !!(s.flags & TCP_FIN));
		return;
	}
	tcp_conn_input(c, p, hlen, &s);
	tcp_output(c, false);
	tcp_maybe_free(c);
}

/* ---- time --------------------------------------------------------------- */

static void tcp_rto_expired(struct tcp_conn *c)
{
	bool persist = c->snd_wnd == 0; /* the peer answers: it has no room yet */

	c->rto_deadline = 0;
	if (!persist && ++c->retries > TCP_MAX_RETRIES) {
		tcp_abort(c);
		return;
	}
	c->rtt_timing = false;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		c->st->count.tcp_retransmits++;
		tcp_send_syn(c);
		tcp_arm_rto(c);
		return;
	}
	c->snd_nxt = c->snd_una; /* go back to the first unacknowledged byte */
	c->dupacks = 0;
	tcp_output(c, true);
	if (!c->rto_deadline)
		tcp_arm_rto(c);
}

void tcp_timer(struct net_stack *st)
{
	struct tcp_conn *next;

	for (struct tcp_conn *c = st->conns; c; c = next) {
		next = c->next;
		if (c->state == TCP_TIME_WAIT && st->now >= c->timewait_deadline)
			tcp_enter_closed(c);
		else if (c->rto_deadline && st->now >= c->rto_deadline)
			tcp_rto_expired(c);
		tcp_maybe_free(c);
	}
}

uint64_t tcp_next_deadline(const struct net_stack *st)
{
	uint64_t next = UINT64_MAX;

	for (const struct tcp_conn *c = st->conns; c; c = c->next) {
		if (c->rto_deadline && c->rto_deadline < next)
			next = c->rto_deadline;
		if (c->state == TCP_TIME_WAIT && c->timewait_deadline < next)
			next = c->timewait_deadline;
	}
	return next;
}

/* ---- the app's side ----------------------------------------------------- */

struct tcp_listener *tcp_listener_open(struct net_stack *st, uint16_t port, int backlog)
{
	for (struct tcp_listener *l = st->listeners; l; l = l->next)
		if (l->port == port)
			return NULL;
	struct tcp_listener *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->st = st;
	l->port = port;
	l->backlog = backlog > 0 ? backlog : 1;
	l->next = st->listeners;
	st->listeners = l;
	return l;
}

struct tcp_conn *tcp_listener_take(struct tcp_listener *l)
{
	struct tcp_conn *c = l->queue_head;

	if (!c)
		return NULL;
	l->queue_head = c->accept_next;
	if (!l->queue_head)
		l->queue_tail = NULL;
	c->accept_next = NULL;
	c->listener = NULL;
	l->pending--;
	c->owner = TCP_OWNER_APP;
	return c;
}

struct tcp_conn *tcp_conn_open(struct net_stack *st, uint32_t ip, uint16_t port)
{
	struct tcp_conn *c = tcp_conn_new(st);

	if (!c)
		return NULL;
	c->owner = TCP_OWNER_APP;
	c->local_ip = st->ip;
	c->remote_ip = ip;
	c->remote_port = port;
	c->local_port = st->next_port;
	st->next_port = (uint16_t)(st->next_port == 65535 ? 49152 : st->next_port + 1);
	c->state = TCP_SYN_SENT;
	tcp_send_syn(c);
	c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_arm_rto(c);
	return c;
}

bool tcp_conn_readable(const struct tcp_conn *c)
{
	return c->rcv.len || c->fin_received || c->reset || c->state == TCP_CLOSED;
}

bool tcp_conn_writable(const struct tcp_conn *c)
{
	return ring_free(&c->snd) || c->reset || c->fin_queued ||
	       (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT);
}

long tcp_conn_read(struct tcp_conn *c, void *buf, size_t len)
{
	if (c->rcv.len == 0) {
		if (c->reset)
			return TCP_ERROR;
		if (c->fin_received || c->state == TCP_CLOSED)
			return 0;
		return TCP_WOULD_BLOCK;
	}
	uint32_t n = len < c->rcv.len ? (uint32_t)len : c->rcv.len;
	ring_peek(&c->rcv, 0, buf, n);
	ring_drop(&c->rcv, n);
	/* tell the peer when the window opened by a segment or half the buffer */
	uint32_t advertised = c->rcv_adv - c->rcv_nxt;
	uint32_t open = ring_free(&c->rcv);
	uint32_t step = c->rcv.size / 2 < c->mss ? c->rcv.size / 2 : c->mss;
	if (open > advertised && open - advertised >= step && c->state != TCP_CLOSED &&
	    !c->fin_received) {
		c->ack_now = true;
		tcp_output(c, false);
	}
	return n;
}

long tcp_conn_write(struct tcp_conn *c, const void *buf, size_t len)
{
	if (c->reset || c->fin_queued ||
	    (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return TCP_ERROR;
	uint32_t n = ring_put(&c->snd, buf, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
	if (n == 0)
		return TCP_WOULD_BLOCK;
	tcp_output(c, false);
	return n;
}

void tcp_conn_close(struct tcp_conn *c)
{
	c->owner = TCP_OWNER_RELEASED;
	switch (c->state) {
	case TCP_ESTABLISHED:
		c->fin_queued = true;
		c->state = TCP_FIN_WAIT_1;
		break;
	case TCP_CLOSE_WAIT:
		c->fin_queued = true;
		c->state = TCP_LAST_ACK;
		break;
	case TCP_SYN_SENT:
		tcp_enter_closed(c);
		break;
	default:
		break;
	}
	if (c->state != TCP_CLOSED)
		tcp_output(c, false);
	tcp_maybe_free(c);
}

void tcp_release_all(struct net_stack *st)
{
	while (st->conns)
		tcp_conn_free(st->conns);
	while (st->listeners) {
		struct tcp_listener *l = st->listeners;
		st->listeners = l->next;
		free(l);
	}
}

const char *tcp_state_name(enum tcp_state s)
{
	static const char *const names[] = {
	    "CLOSED",     "SYN-SENT",   "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
	    "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",      "LAST-ACK",    "TIME-WAIT",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
