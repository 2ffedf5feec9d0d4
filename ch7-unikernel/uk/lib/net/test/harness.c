/* Host harness for the network stack's core: two stacks joined by an
 * in-memory link that loses, duplicates and reorders frames as a seed
 * says, under a fake millisecond clock. Each check prints "ok NAME" or
 * "FAIL NAME: why" and the run's status says whether all passed.
 *
 *   harness SEED
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/stack.h"
#include "net/tcb.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct frame {
	struct frame *next;
	uint64_t at;
	int to;
	size_t len;
	uint8_t data[ETH_FRAME_MAX];
};

struct world {
	struct net_stack st[2];
	struct frame *queue;
	uint64_t now;
	uint64_t rng;
	unsigned loss_pct, dup_pct, max_delay;
	bool cut;
	/* what went over the link, for the checks */
	uint64_t data_tx_times[32];
	unsigned data_tx_count;
	int watch_from;
};

static unsigned failures;
static uint64_t base_seed;

static void fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static unsigned roll(struct world *w, unsigned n)
{
	return (unsigned)(splitmix64(&w->rng) % n);
}

static void link_enqueue(struct world *w, int to, const void *data, size_t len, uint64_t at)
{
	struct frame *f = calloc(1, sizeof(*f));
	f->at = at;
	f->to = to;
	f->len = len;
	memcpy(f->data, data, len);
	struct frame **pp = &w->queue;
	while (*pp)
		pp = &(*pp)->next;
	*pp = f;
}

static void world_tx(void *ctx, const void *frame, size_t len)
{
	struct world *w = ctx;
	/* which stack sent it: by the source MAC */
	int from = memcmp((const uint8_t *)frame + 6, w->st[0].mac, 6) == 0 ? 0 : 1;
	const uint8_t *f = frame;

	if (from == w->watch_from && len > ETH_HLEN + IP_HLEN + TCP_HLEN &&
	    get16(f + 12) == ETH_P_IP && f[ETH_HLEN + 9] == IP_PROTO_TCP) {
		size_t ip_len = get16(f + ETH_HLEN + 2);
		size_t thl = (size_t)(f[ETH_HLEN + IP_HLEN + 12] >> 4) * 4;
		if (ip_len > IP_HLEN + thl && w->data_tx_count < 32)
			w->data_tx_times[w->data_tx_count++] = w->now;
	}
	if (w->cut || roll(w, 100) < w->loss_pct)
		return;
	unsigned copies = roll(w, 100) < w->dup_pct ? 2 : 1;
	for (unsigned i = 0; i < copies; i++)
		link_enqueue(w, 1 - from, frame, len, w->now + 1 + roll(w, w->max_delay));
}

static void world_init(struct world *w, uint64_t seed, unsigned loss, unsigned dup, unsigned delay)
{
	static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
	static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
	memset(w, 0, sizeof(*w));
	w->rng = seed;
	w->loss_pct = loss;
	w->dup_pct = dup;
	w->max_delay = delay ? delay : 1;
	w->watch_from = -1;
	net_init(&w->st[0], mac_a, (uint32_t)seed, world_tx, w);
	net_init(&w->st[1], mac_b, (uint32_t)(seed >> 32) + 7, world_tx, w);
	net_set_addr(&w->st[0], IP(10, 0, 0, 1), IP(255, 255, 255, 0), 0);
	net_set_addr(&w->st[1], IP(10, 0, 0, 2), IP(255, 255, 255, 0), 0);
}

static void world_free(struct world *w)
{
	net_release(&w->st[0]);
	net_release(&w->st[1]);
	while (w->queue) {
		struct frame *f = w->queue;
		w->queue = f->next;
		free(f);
	}
}

/* One millisecond: deliver what is due (in the order of its due time),
 * then the timers. */
static void world_step(struct world *w)
{
	w->now++;
	for (;;) {
		struct frame **best = NULL;
		for (struct frame **pp = &w->queue; *pp; pp = &(*pp)->next)
			if ((*pp)->at <= w->now && (!best || (*pp)->at < (*best)->at))
				best = pp;
		if (!best)
			break;
		struct frame *f = *best;
		*best = f->next;
		net_input(&w->st[f->to], f->data, f->len, w->now);
		free(f);
	}
	net_timer(&w->st[0], w->now);
	net_timer(&w->st[1], w->now);
}

typedef bool (*app_fn)(struct world *w, void *arg); /* true: done */

static bool world_run(struct world *w, app_fn app, void *arg, uint64_t max_ms)
{
	for (uint64_t t = 0; t < max_ms; t++) {
		if (app(w, arg))
			return true;
		world_step(w);
	}
	return app(w, arg);
}

static bool idle(struct world *w, void *arg)
{
	(void)w;
	(void)arg;
	return false;
}

/* ---- stream endpoints: write a pattern, read and check one ------------- */

static uint8_t pattern_byte(uint32_t stream, uint32_t i)
{
	uint64_t x = (uint64_t)stream << 32 ^ (i / 8) ^ base_seed << 40;
	return (uint8_t)(splitmix64(&x) >> (i % 8 * 8));
}

struct stream {
	struct tcp_conn *c;
	uint32_t id_out, id_in;
	uint32_t to_send, sent;
	uint32_t to_recv, received;
	bool bad, eof, reading;
};

static void stream_pump(struct stream *s)
{
	uint8_t buf[3000];

	if (!s->c)
		return;
	while (s->sent < s->to_send) {
		uint32_t n = s->to_send - s->sent;
		if (n > sizeof(buf))
			n = sizeof(buf);
		for (uint32_t i = 0; i < n; i++)
			buf[i] = pattern_byte(s->id_out, s->sent + i);
		long r = tcp_conn_write(s->c, buf, n);
		if (r <= 0)
			break;
		s->sent += (uint32_t)r;
	}
	while (s->reading) {
		long r = tcp_conn_read(s->c, buf, sizeof(buf));
		if (r == 0)
			s->eof = true;
		if (r <= 0)
			break;
		for (long i = 0; i < r; i++)
			if (buf[i] != pattern_byte(s->id_in, s->received + (uint32_t)i))
				s->bad = true;
		s->received += (uint32_t)r;
	}
}

static bool stream_done(const struct stream *s)
{
	return s->sent == s->to_send && s->received >= s->to_recv;
}

/* ---- the checks --------------------------------------------------------- */

static bool ping_answered(struct world *w, void *arg)
{
	(void)arg;
	return w->st[0].count.echo_replies_in > 0;
}

static void check_arp_and_ping(void)
{
	struct world w;
	world_init(&w, base_seed, 0, 0, 3);
	icmp_echo_request(&w.st[0], w.st[1].ip, 0x1234, 7);
	bool ok = world_run(&w, ping_answered, NULL, 500);
	const uint8_t *mac = arp_lookup(&w.st[0], w.st[1].ip);
	if (!ok)
		fail("arp_icmp", "no echo reply");
	else if (!mac || memcmp(mac, w.st[1].mac, 6) != 0)
		fail("arp_icmp", "B's address not learned");
	else if (!arp_lookup(&w.st[1], w.st[0].ip))
		fail("arp_icmp", "B did not learn A from its request");
	else if (w.st[0].last_echo_id != 0x1234 || w.st[0].last_echo_seq != 7)
		fail("arp_icmp", "the reply names id %x seq %u", w.st[0].last_echo_id,
		     w.st[0].last_echo_seq);
	else if (w.st[0].count.arp_requests != 1 || w.st[1].count.arp_replies != 1)
		fail("arp_icmp", "%u requests, %u replies", w.st[0].count.arp_requests,
		     w.st[1].count.arp_replies);
	else
		printf("ok arp_icmp\n");
	/* an unanswered resolution gives up after its tries */
	icmp_echo_request(&w.st[0], IP(10, 0, 0, 99), 1, 1);
	world_run(&w, idle, NULL, 10000);
	if (w.st[0].count.arp_requests != 5)
		fail("arp_retry", "%u requests for an absent host (4 expected + 1)",
		     w.st[0].count.arp_requests);
	else
		printf("ok arp_retry\n");
	world_free(&w);
}

struct pair {
	struct tcp_listener *l;
	struct tcp_conn *client, *server;
};

static bool pair_established(struct world *w, void *arg)
{
	struct pair *p = arg;
	(void)w;
	if (!p->server)
		p->server = tcp_listener_take(p->l);
	return p->server && p->client->state == TCP_ESTABLISHED;
}

static void check_handshake(void)
{
	struct world w;
	struct pair p = {0};
	world_init(&w, base_seed, 0, 0, 2);
	p.l = tcp_listener_open(&w.st[1], 80, 4);
	p.client = tcp_conn_open(&w.st[0], w.st[1].ip, 80);
	if (!world_run(&w, pair_established, &p, 3000)) {
		fail("handshake", "not established (client %s)", tcp_state_name(p.client->state));
	} else if (p.server->state != TCP_ESTABLISHED || p.server->irs != p.client->iss ||
	           p.client->irs != p.server->iss || p.server->snd_una != p.server->iss + 1 ||
	           p.client->snd_una != p.client->iss + 1 || p.server->mss != TCP_MSS) {
		fail("handshake", "server %s, sequence numbers disagree",
		     tcp_state_name(p.server->state));
	} else {
		printf("ok handshake\n");
	}
	world_free(&w);
}

/* A crafted segment from a host that the stack has never heard of. */
static void inject_tcp(struct world *w, struct net_stack *st, uint32_t src, uint16_t sport,
                       uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t f[ETH_HLEN + IP_HLEN + TCP_HLEN] = {0};
	uint8_t *ip = f + ETH_HLEN, *t = ip + IP_HLEN;
	memcpy(f, st->mac, 6);
	memcpy(f + 6, (const uint8_t[6]){0x02, 0, 0, 0, 0, 0x99}, 6);
	put16(f + 12, ETH_P_IP);
	ip[0] = 0x45;
	put16(ip + 2, IP_HLEN + TCP_HLEN);
	ip[8] = 64;
	ip[9] = IP_PROTO_TCP;
	put32(ip + 12, src);
	put32(ip + 16, st->ip);
	put16(ip + 10, inet_checksum(ip, IP_HLEN, 0));
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 8192);
	put16(t + 16,
	      inet_checksum(t, TCP_HLEN, inet_pseudo_sum(src, st->ip, IP_PROTO_TCP, TCP_HLEN)));
	net_input(st, f, sizeof(f), w->now);
}

static void check_syn_received_ack(void)
{
	struct world w;
	world_init(&w, base_seed, 0, 0, 1);
	struct net_stack *b = &w.st[1];
	struct tcp_listener *l = tcp_listener_open(b, 8080, 2);
	uint32_t peer = IP(10, 0, 0, 9), iss = 1000;
	inject_tcp(&w, b, peer, 4000, 8080, iss, 0, 0x02 /* SYN */);
	struct tcp_conn *c = b->conns;
	if (!c || c->state != TCP_SYN_RECEIVED) {
		fail("syn_received", "no half-open connection after a SYN");
		world_free(&w);
		return;
	}
	uint32_t resets = b->count.tcp_resets_out;
	/* an ACK of something we never sent: a reset, and no connection */
	inject_tcp(&w, b, peer, 4000, 8080, iss + 1, c->iss + 2, 0x10);
	bool bad_refused = c->state == TCP_SYN_RECEIVED && !tcp_listener_take(l) &&
	                   b->count.tcp_resets_out == resets + 1;
	/* an ACK of a sequence number before our SYN: the same */
	inject_tcp(&w, b, peer, 4000, 8080, iss + 1, c->iss, 0x10);
	bad_refused = bad_refused && c->state == TCP_SYN_RECEIVED && !tcp_listener_take(l) &&
	              b->count.tcp_resets_out == resets + 2;
	inject_tcp(&w, b, peer, 4000, 8080, iss + 1, c->iss + 1, 0x10);
	struct tcp_conn *taken = tcp_listener_take(l);
	if (!bad_refused)
		fail("syn_received", "a wrong ACK was taken in SYN-RECEIVED (%s)",
		     tcp_state_name(c->state));
	else if (taken != c || c->state != TCP_ESTABLISHED || c->snd_una != c->iss + 1)
		fail("syn_received", "the right ACK did not establish (%s)",
		     tcp_state_name(c->state));
	else
		printf("ok syn_received\n");
	world_free(&w);
}

struct streams {
	unsigned n;
	struct stream a[8], b[8];
	struct tcp_listener *l;
};

static bool streams_progress(struct world *w, void *arg)
{
	struct streams *s = arg;
	bool done = true;
	(void)w;
	for (unsigned i = 0; i < s->n; i++) {
		if (!s->b[i].c && s->l) {
			struct tcp_conn *c = tcp_listener_take(s->l);
			/* accepted in any order: match by the client's port */
			for (unsigned j = 0; c && j < s->n; j++) {
				if (s->a[j].c && s->a[j].c->local_port == c->remote_port) {
					s->b[j].c = c;
					c = NULL;
				}
			}
		}
		stream_pump(&s->a[i]);
		stream_pump(&s->b[i]);
		done = done && stream_done(&s->a[i]) && stream_done(&s->b[i]);
	}
	return done;
}

static void streams_open(struct world *w, struct streams *s, unsigned n, uint32_t a_to_b,
                         uint32_t b_to_a)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->l = tcp_listener_open(&w->st[1], 80, 8);
	for (unsigned i = 0; i < n; i++) {
		s->a[i] = (struct stream){.c = tcp_conn_open(&w->st[0], w->st[1].ip, 80),
		                          .id_out = 2 * i,
		                          .id_in = 2 * i + 1,
		                          .to_send = a_to_b + i * 1000,
		                          .to_recv = b_to_a + i * 777,
		                          .reading = true};
		s->b[i] = (struct stream){.id_out = 2 * i + 1,
		                          .id_in = 2 * i,
		                          .to_send = b_to_a + i * 777,
		                          .to_recv = a_to_b + i * 1000,
		                          .reading = true};
	}
}

static bool streams_check(const char *name, struct streams *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		if (s->a[i].bad || s->b[i].bad) {
			fail(name, "connection %u: wrong bytes", i);
			return false;
		}
		if (s->a[i].received != s->a[i].to_recv || s->b[i].received != s->b[i].to_recv) {
			fail(name, "connection %u: %u/%u and %u/%u bytes", i, s->a[i].received,
			     s->a[i].to_recv, s->b[i].received, s->b[i].to_recv);
			return false;
		}
	}
	return true;
}

struct closing {
	struct streams *s;
};

static bool all_freed(struct world *w, void *arg)
{
	(void)arg;
	return w->st[0].nconns == 0 && w->st[1].nconns == 0;
}

/* Both sides close after the data; every byte read to the FIN. */
static bool close_both(struct world *w, void *arg)
{
	struct streams *s = arg;
	for (unsigned i = 0; i < s->n; i++) {
		stream_pump(&s->a[i]);
		stream_pump(&s->b[i]);
		if (s->a[i].c && s->a[i].eof) {
			tcp_conn_close(s->a[i].c);
			s->a[i].c = NULL;
		}
		if (s->b[i].c && s->b[i].eof) {
			tcp_conn_close(s->b[i].c);
			s->b[i].c = NULL;
		}
	}
	return all_freed(w, NULL);
}

static void check_lossy_transfer(void)
{
	struct world w;
	struct streams s;
	world_init(&w, base_seed ^ 0x5a5a, 10, 5, 20);
	streams_open(&w, &s, 1, 300000, 200000);
	bool ok = world_run(&w, streams_progress, &s, 600000);
	if (!ok)
		fail("lossy_transfer", "not done: %u/%u and %u/%u bytes (%s %s)", s.b[0].received,
		     s.b[0].to_recv, s.a[0].received, s.a[0].to_recv,
		     tcp_state_name(s.a[0].c->state),
		     s.b[0].c ? tcp_state_name(s.b[0].c->state) : "none");
	if (!ok) {
		struct tcp_conn *a = s.a[0].c, *b = s.b[0].c;
		printf("A una %u nxt %u max %u len %u wnd %u rto %llu now %llu retries %u rcv_nxt "
		       "%u\n",
		       a->snd_una - a->iss, a->snd_nxt - a->iss, a->snd_max - a->iss, a->snd.len,
		       a->snd_wnd, (unsigned long long)a->rto_deadline, (unsigned long long)w.now,
		       a->retries, a->rcv_nxt - a->irs);
		printf("B rcv_nxt %u rcv.len %u adv %u una %u max %u\n", b->rcv_nxt - b->irs,
		       b->rcv.len, b->rcv_adv - b->irs, b->snd_una - b->iss, b->snd_max - b->iss);
	} else if (streams_check("lossy_transfer", &s)) {
		if (w.st[0].count.tcp_retransmits == 0 || w.st[1].count.tcp_retransmits == 0)
			fail("lossy_transfer", "no retransmission on a lossy link");
		else
			printf("ok lossy_transfer (%u and %u retransmissions)\n",
			       w.st[0].count.tcp_retransmits, w.st[1].count.tcp_retransmits);
	}
	/* the client closes first: FIN both ways, every connection freed */
	tcp_conn_close(s.a[0].c);
	s.a[0].c = NULL;
	ok = world_run(&w, close_both, &s, 120000);
	if (!ok)
		fail("fin_both_ways", "connections left: %u and %u", w.st[0].nconns,
		     w.st[1].nconns);
	else if (!s.b[0].eof)
		fail("fin_both_ways", "the server never read the end");
	else
		printf("ok fin_both_ways\n");
	world_free(&w);
}

static void check_window(void)
{
	struct world w;
	struct streams s;
	world_init(&w, base_seed, 0, 0, 5);
	streams_open(&w, &s, 1, 5 * NET_TCP_BUF, 0);
	s.b[0].reading = false; /* the server's app does not read yet */
	world_run(&w, streams_progress, &s, 5000);
	struct tcp_conn *ca = s.a[0].c, *cb = s.b[0].c;
	if (!cb) {
		fail("window", "no connection");
		world_free(&w);
		return;
	}
	uint32_t queued = ca->snd.len - (ca->snd_nxt - ca->snd_una);
	if (cb->rcv.len != cb->rcv.size || ca->snd_wnd != 0 || queued == 0 ||
	    w.st[1].count.tcp_beyond_window) {
		fail("window", "receiver %u/%u, sender's window %u, %u unsent, %u beyond",
		     cb->rcv.len, cb->rcv.size, ca->snd_wnd, queued,
		     w.st[1].count.tcp_beyond_window);
		world_free(&w);
		return;
	}
	/* the window stays shut while nobody reads (probes only) */
	uint32_t before = s.b[0].received;
	world_run(&w, streams_progress, &s, 20000);
	uint32_t nxt = cb->rcv_nxt;
	s.b[0].reading = true;
	bool ok = world_run(&w, streams_progress, &s, 60000);
	if (before != 0 || nxt != cb->irs + 1 + cb->rcv.size)
		fail("window", "data past a full receive buffer");
	else if (!ok || !streams_check("window", &s))
		fail("window", "stalled after the window opened: %u/%u", s.b[0].received,
		     s.b[0].to_recv);
	else if (w.st[1].count.tcp_beyond_window)
		fail("window", "the sender went past the window %u times",
		     w.st[1].count.tcp_beyond_window);
	else
		printf("ok window\n");
	world_free(&w);
}

static void check_many_connections(void)
{
	struct world w;
	struct streams s;
	world_init(&w, base_seed ^ 0xc0ffee, 5, 2, 10);
	streams_open(&w, &s, 6, 40000, 30000);
	bool ok = world_run(&w, streams_progress, &s, 600000);
	if (!ok)
		fail("many_connections", "not done");
	else if (streams_check("many_connections", &s)) {
		if (w.st[1].nconns != 6)
			fail("many_connections", "%u connections on the server", w.st[1].nconns);
		else
			printf("ok many_connections\n");
	}
	/* both sides close at once: simultaneous close */
	for (unsigned i = 0; i < s.n; i++) {
		tcp_conn_close(s.a[i].c);
		tcp_conn_close(s.b[i].c);
		s.a[i].c = s.b[i].c = NULL;
	}
	if (!world_run(&w, all_freed, NULL, 120000))
		fail("simultaneous_close", "connections left: %u and %u", w.st[0].nconns,
		     w.st[1].nconns);
	else
		printf("ok simultaneous_close\n");
	world_free(&w);
}

static bool conn_closed(struct world *w, void *arg)
{
	(void)w;
	return ((struct tcp_conn *)arg)->state == TCP_CLOSED;
}

static void check_reset(void)
{
	struct world w;
	world_init(&w, base_seed, 0, 0, 2);
	struct tcp_conn *c = tcp_conn_open(&w.st[0], w.st[1].ip, 81);
	bool ok = world_run(&w, conn_closed, c, 3000);
	if (!ok || !c->reset || tcp_conn_read(c, NULL, 0) != TCP_ERROR ||
	    w.st[1].count.tcp_resets_out != 1)
		fail("rst_closed_port", "connect to a closed port: %s, reset %d, %u resets sent",
		     tcp_state_name(c->state), c->reset, w.st[1].count.tcp_resets_out);
	else
		printf("ok rst_closed_port\n");
	tcp_conn_close(c);
	world_free(&w);
}

static bool conn_dead(struct world *w, void *arg)
{
	(void)w;
	return ((struct tcp_conn *)arg)->reset;
}

static void check_backoff(void)
{
	struct world w;
	struct pair p = {0};
	world_init(&w, base_seed, 0, 0, 1);
	p.l = tcp_listener_open(&w.st[1], 80, 4);
	p.client = tcp_conn_open(&w.st[0], w.st[1].ip, 80);
	world_run(&w, pair_established, &p, 3000);
	w.cut = true;
	w.watch_from = 0;
	tcp_conn_write(p.client, "hello", 5);
	bool dead = world_run(&w, conn_dead, p.client, 3600000);
	bool doubling = w.data_tx_count >= 6;
	for (unsigned i = 2; doubling && i < 6; i++) {
		uint64_t d1 = w.data_tx_times[i - 1] - w.data_tx_times[i - 2];
		uint64_t d2 = w.data_tx_times[i] - w.data_tx_times[i - 1];
		doubling = d2 == 2 * d1 || d2 == 60000;
	}
	if (!doubling)
		fail("rto_backoff", "%u sends; intervals do not double", w.data_tx_count);
	else if (!dead)
		fail("rto_backoff", "the connection outlived its retries");
	else
		printf("ok rto_backoff (%u sends)\n", w.data_tx_count);
	world_free(&w);
}

/* ---- DHCP against a scripted server -------------------------------------- */

struct dhcp_script {
	unsigned discovers, requests;
	bool wrong_xid_sent;
};

static void dhcp_reply(struct net_stack *st, const uint8_t *req, uint8_t type, uint32_t xid)
{
	uint8_t m[300] = {0};
	m[0] = 2;
	m[1] = 1;
	m[2] = 6;
	put32(m + 4, xid);
	put32(m + 16, IP(10, 0, 2, 15));
	memcpy(m + 28, req + 28, 16);
	put32(m + 236, 0x63825363);
	uint8_t *o = m + 240;
	*o++ = 53, *o++ = 1, *o++ = type;
	*o++ = 54, *o++ = 4, put32(o, st->ip), o += 4;
	*o++ = 1, *o++ = 4, put32(o, IP(255, 255, 255, 0)), o += 4;
	*o++ = 3, *o++ = 4, put32(o, IP(10, 0, 2, 2)), o += 4;
	*o++ = 255;
	udp_output(st, 67, 0xffffffff, 68, m, (size_t)(o - m));
}

static void dhcp_server(struct net_stack *st, void *arg, uint32_t src, uint16_t sport,
                        const uint8_t *m, size_t len)
{
	struct dhcp_script *d = arg;
	(void)src;
	if (sport != 68 || len < 243 || m[0] != 1 || m[240] != 53)
		return;
	uint32_t xid = get32(m + 4);
	if (m[242] == 1 && ++d->discovers == 1)
		return; /* the first DISCOVER goes unanswered: the client repeats */
	if (m[242] == 1) {
		dhcp_reply(st, m, 2, xid ^ 1); /* an offer for someone else first */
		dhcp_reply(st, m, 2, xid);
	} else if (m[242] == 3) {
		d->requests++;
		dhcp_reply(st, m, 5, xid);
	}
}

static bool bound(struct world *w, void *arg)
{
	(void)arg;
	return w->st[0].dhcp.state == DHCP_BOUND;
}

static void check_dhcp(void)
{
	struct world w;
	struct dhcp_script d = {0};
	world_init(&w, base_seed, 0, 0, 3);
	net_set_addr(&w.st[0], 0, 0, 0);
	net_set_addr(&w.st[1], IP(10, 0, 2, 2), IP(255, 255, 255, 0), 0);
	udp_bind_port(&w.st[1], 67, dhcp_server, &d);
	dhcp_begin(&w.st[0]);
	bool ok = world_run(&w, bound, NULL, 30000);
	if (!ok || w.st[0].ip != IP(10, 0, 2, 15) || w.st[0].netmask != IP(255, 255, 255, 0) ||
	    w.st[0].gateway != IP(10, 0, 2, 2)) {
		fail("dhcp", "state %d, address %08x", w.st[0].dhcp.state, w.st[0].ip);
	} else if (d.discovers != 2 || d.requests != 1) {
		fail("dhcp", "%u discovers, %u requests", d.discovers, d.requests);
	} else {
		icmp_echo_request(&w.st[0], IP(10, 0, 2, 2), 5, 5);
		if (!world_run(&w, ping_answered, NULL, 1000))
			fail("dhcp", "the leased address does not answer");
		else
			printf("ok dhcp\n");
	}
	world_free(&w);
}

int main(int argc, char **argv)
{
	base_seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	check_arp_and_ping();
	check_handshake();
	check_syn_received_ack();
	check_reset();
	check_window();
	check_lossy_transfer();
	check_many_connections();
	check_backoff();
	check_dhcp();
	printf("%s: %u failures (seed %llu)\n", failures ? "FAILED" : "passed", failures,
	       (unsigned long long)base_seed);
	return failures != 0;
}
