/* TCP for threads: calls that block until they can complete (the stack's
 * thread wakes them), on the single stack that net_start started. */
#ifndef NET_TCP_H
#define NET_TCP_H

#include <stddef.h>
#include <stdint.h>

struct tcp_listener;
struct tcp_conn;

/* NULL when the port is taken or memory is short. */
struct tcp_listener *tcp_listen(uint16_t port, int backlog);
/* The next connection that completed its handshake. */
struct tcp_conn *tcp_accept(struct tcp_listener *l);
/* Bytes read (some, up to len); 0: the peer closed; -1: reset or gone. */
long tcp_recv(struct tcp_conn *c, void *buf, size_t len);
/* The same, giving up after timeout_ms with -2 (TCP_WOULD_BLOCK). */
long tcp_recv_timeout(struct tcp_conn *c, void *buf, size_t len, uint64_t timeout_ms);
/* Queues all of buf (waiting for room): len, or -1 when the connection
 * can no longer send. */
long tcp_send(struct tcp_conn *c, const void *buf, size_t len);
/* Ends the app's use of c: FIN after what was queued; the stack frees it. */
void tcp_close(struct tcp_conn *c);
/* The peer's address and port. */
void tcp_peer(struct tcp_conn *c, uint32_t *ip, uint16_t *port);

#endif
