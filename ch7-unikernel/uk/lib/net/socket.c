/* tcp.h and udp.h: the stack's non-blocking calls under the stack's lock,
 * waiting for the stack's thread's next round when they cannot complete. */
#include "net/netif.h"
#include "net/tcb.h"
#include "net/tcp.h"
#include "net/udp.h"

struct tcp_listener *tcp_listen(uint16_t port, int backlog)
{
	netif_lock();
	struct tcp_listener *l = tcp_listener_open(&netif_stack, port, backlog);
	netif_unlock();
	return l;
}

struct tcp_conn *tcp_accept(struct tcp_listener *l)
{
	struct tcp_conn *c;

	netif_lock();
	while (!(c = tcp_listener_take(l)))
		netif_wait();
	netif_unlock();
	return c;
}

long tcp_recv_timeout(struct tcp_conn *c, void *buf, size_t len, uint64_t timeout_ms)
{
	uint64_t deadline = timeout_ms ? netif_now_ms() + timeout_ms : UINT64_MAX;
	long r;

	netif_lock();
	while ((r = tcp_conn_read(c, buf, len)) == TCP_WOULD_BLOCK && netif_now_ms() < deadline)
		netif_wait();
	netif_unlock();
	return r;
}

long tcp_recv(struct tcp_conn *c, void *buf, size_t len)
{
	return tcp_recv_timeout(c, buf, len, 0);
}

long tcp_send(struct tcp_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;

	netif_lock();
	while (done < len) {
		long r = tcp_conn_write(c, p + done, len - done);
		if (r == TCP_ERROR) {
			netif_unlock();
			return -1;
		}
		if (r == TCP_WOULD_BLOCK)
			netif_wait();
		else
			done += (size_t)r;
	}
	netif_unlock();
	return (long)len;
}

void tcp_close(struct tcp_conn *c)
{
	netif_lock();
	tcp_conn_close(c);
	netif_unlock();
}

void tcp_peer(struct tcp_conn *c, uint32_t *ip, uint16_t *port)
{
	*ip = c->remote_ip;
	*port = c->remote_port;
}

struct udp_thunk {
	udp_handler fn;
	void *arg;
};

static struct udp_thunk udp_thunks[NET_UDP_BINDS];

static void udp_deliver(struct net_stack *st, void *arg, uint32_t src_ip, uint16_t src_port,
                        const uint8_t *data, size_t len)
{
	struct udp_thunk *t = arg;
	(void)st;
	t->fn(t->arg, src_ip, src_port, data, len);
}

int udp_bind(uint16_t port, udp_handler fn, void *arg)
{
	int r = -1;

	netif_lock();
	for (unsigned i = 0; i < NET_UDP_BINDS; i++) {
		if (!udp_thunks[i].fn) {
			udp_thunks[i] = (struct udp_thunk){fn, arg};
			r = udp_bind_port(&netif_stack, port, udp_deliver, &udp_thunks[i]);
			if (r)
				udp_thunks[i].fn = NULL;
			break;
		}
	}
	netif_unlock();
	return r;
}

int udp_send(uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, const void *data, size_t len)
{
	netif_lock();
	int r = udp_output(&netif_stack, src_port, dst_ip, dst_port, data, len);
	netif_unlock();
	return r;
}
