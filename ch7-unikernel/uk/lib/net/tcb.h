/* TCP's connection records (transmission control blocks) and the core's
 * non-blocking calls on them; socket.c builds tcp.h's blocking calls on
 * these, the host harness calls them directly. */
#ifndef NET_TCB_H
#define NET_TCB_H

#include "net/stack.h"

#define TCP_WOULD_BLOCK (-2)
#define TCP_ERROR       (-1)

/* RFC 9293 §3.3.2 */
enum tcp_state {
	TCP_CLOSED,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

/* Who may free a connection once it is CLOSED. */
enum tcp_owner {
	TCP_OWNER_STACK,    /* half-open, from a listener: the stack */
	TCP_OWNER_QUEUED,   /* waiting in a listener's accept queue */
	TCP_OWNER_APP,      /* accepted or connected: the app holds it */
	TCP_OWNER_RELEASED, /* the app closed it: the stack finishes and frees */
};

struct tcp_ring {
	uint8_t *buf;
	uint32_t size, head, len;
};

struct tcp_conn {
	struct tcp_conn *next; /* the stack's list */
	struct tcp_conn *accept_next;
	struct net_stack *st;
	struct tcp_listener *listener; /* until accepted */
	enum tcp_state state;
	enum tcp_owner owner;
	uint32_t local_ip, remote_ip;
	uint16_t local_port, remote_port;
	/* send side: snd_una..snd_nxt in flight, snd_max the highest sent */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	/* receive side: rcv_adv the right edge of the window we advertised */
	uint32_t irs, rcv_nxt, rcv_adv;
	uint16_t mss;
	struct tcp_ring snd, rcv;
	bool fin_queued, fin_acked, fin_received, reset, ack_now;
	/* retransmission (RFC 6298): 0 when the timer is off */
	uint64_t rto_deadline;
	uint32_t rto_ms, srtt_ms, rttvar_ms;
	bool rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start;
	uint8_t retries, dupacks;
	uint64_t timewait_deadline;
};

struct tcp_listener {
	struct tcp_listener *next;
	struct net_stack *st;
	uint16_t port;
	int backlog, pending; /* pending: half-open and queued connections */
	struct tcp_conn *queue_head, *queue_tail;
};

struct tcp_listener *tcp_listener_open(struct net_stack *st, uint16_t port, int backlog);
/* The next established connection, or NULL; the app owns it then. */
struct tcp_conn *tcp_listener_take(struct tcp_listener *l);
/* Active open (the harness's client side); NULL when out of connections. */
struct tcp_conn *tcp_conn_open(struct net_stack *st, uint32_t ip, uint16_t port);
/* Bytes read; 0 at the peer's FIN; TCP_WOULD_BLOCK; TCP_ERROR when reset. */
long tcp_conn_read(struct tcp_conn *c, void *buf, size_t len);
/* Bytes queued (maybe fewer than len, or TCP_WOULD_BLOCK); TCP_ERROR when
 * the connection can no longer send. */
long tcp_conn_write(struct tcp_conn *c, const void *buf, size_t len);
/* The app is done: FIN after the queued data; the stack frees it later. */
void tcp_conn_close(struct tcp_conn *c);
bool tcp_conn_readable(const struct tcp_conn *c);
bool tcp_conn_writable(const struct tcp_conn *c);
const char *tcp_state_name(enum tcp_state s);

#endif
