/* The network stack's core: one instance per interface, driven from
 * outside by frames (net_input) and time (net_timer), sending through a
 * callback. It knows nothing of threads or devices, so the same code runs
 * in the unikernel (netif.c, socket.c) and on the host (test/, fuzz/). */
#ifndef NET_STACK_H
#define NET_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/netcfg.h"

#define ETH_HLEN      14
#define ETH_MTU       1500
#define ETH_FRAME_MAX (ETH_HLEN + ETH_MTU)
#define ETH_P_IP      0x0800
#define ETH_P_ARP     0x0806
#define IP_HLEN       20
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP  6
#define IP_PROTO_UDP  17
#define TCP_HLEN      20
#define UDP_HLEN      8
#define TCP_MSS       (ETH_MTU - IP_HLEN - TCP_HLEN)
#define NET_UDP_BINDS 4

struct net_stack;
struct tcp_conn;
struct tcp_listener;

typedef void (*net_tx_fn)(void *ctx, const void *frame, size_t len);
typedef void (*udp_recv_fn)(struct net_stack *st, void *arg, uint32_t src_ip, uint16_t src_port,
                            const uint8_t *data, size_t len);

/* An ARP cache entry; `pending` holds the last frame that waits for it. */
struct arp_entry {
	uint32_t ip;
	uint8_t mac[6];
	bool resolved;
	uint8_t tries;
	uint64_t deadline; /* next request, or expiry when resolved */
	uint16_t pending_len;
	uint8_t pending[ETH_FRAME_MAX];
};

struct udp_binding {
	uint16_t port;
	udp_recv_fn fn;
	void *arg;
};

enum dhcp_state { DHCP_OFF, DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND };

struct dhcp_client {
	enum dhcp_state state;
	uint32_t xid;
	uint32_t offered_ip, server_id;
	uint64_t deadline;
	uint32_t timeout_ms;
	unsigned tries;
};

/* What the stack counts: the tests read these to prove a path ran. */
struct net_counters {
	uint32_t frames_in, frames_out, dropped;
	uint32_t arp_requests, arp_replies;
	uint32_t echo_replies_in;
	uint32_t tcp_retransmits, tcp_resets_out, tcp_beyond_window;
	uint32_t udp_no_port;
};

struct net_stack {
	uint8_t mac[6];
	uint32_t ip, netmask, gateway; /* host order; ip 0 until configured */
	net_tx_fn tx;
	void *tx_ctx;
	uint64_t now; /* milliseconds, from the caller */
	uint32_t seed;
	uint16_t ip_id;
	uint16_t next_port;
	struct arp_entry arp[CONFIG_NET_ARP_ENTRIES];
	struct udp_binding udp[NET_UDP_BINDS];
	struct dhcp_client dhcp;
	struct tcp_conn *conns;
	struct tcp_listener *listeners;
	unsigned nconns;
	uint16_t last_echo_id, last_echo_seq;
	struct net_counters count;
};

void net_init(struct net_stack *st, const uint8_t mac[6], uint32_t seed, net_tx_fn tx,
              void *tx_ctx);
void net_set_addr(struct net_stack *st, uint32_t ip, uint32_t netmask, uint32_t gateway);
/* Frees every connection and listener (the host harness between checks). */
void net_release(struct net_stack *st);
/* One received Ethernet frame (any bytes: it is untrusted). */
void net_input(struct net_stack *st, const void *frame, size_t len, uint64_t now_ms);
/* Retransmissions and expiries due at now_ms. */
void net_timer(struct net_stack *st, uint64_t now_ms);
/* The next time net_timer has something to do (UINT64_MAX: nothing). */
uint64_t net_next_deadline(const struct net_stack *st);

/* Ethernet + ARP: send an IPv4 packet (ip header first) to next hop by
 * address, resolving it (the frame waits in the ARP entry meanwhile). */
void eth_send(struct net_stack *st, const uint8_t dst[6], uint16_t type, const void *payload,
              size_t len);
void arp_input(struct net_stack *st, const uint8_t *p, size_t len);
void arp_send_ip(struct net_stack *st, uint32_t next_hop, uint8_t *frame, size_t len);
void arp_timer(struct net_stack *st);
const uint8_t *arp_lookup(const struct net_stack *st, uint32_t ip);

/* IPv4 */
void ipv4_input(struct net_stack *st, const uint8_t *p, size_t len);
int ipv4_output(struct net_stack *st, uint32_t dst, uint8_t proto, const void *l4, size_t len);
uint16_t inet_checksum(const void *data, size_t len, uint32_t sum);
uint32_t inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len);

/* ICMP */
void icmp_input(struct net_stack *st, uint32_t src, const uint8_t *p, size_t len);
int icmp_echo_request(struct net_stack *st, uint32_t dst, uint16_t id, uint16_t seq);

/* UDP */
void udp_input(struct net_stack *st, uint32_t src, uint32_t dst, const uint8_t *p, size_t len);
int udp_bind_port(struct net_stack *st, uint16_t port, udp_recv_fn fn, void *arg);
int udp_output(struct net_stack *st, uint16_t src_port, uint32_t dst, uint16_t dst_port,
               const void *data, size_t len);

/* DHCP client */
void dhcp_begin(struct net_stack *st);
void dhcp_timer(struct net_stack *st);

/* TCP (tcp.c); the blocking calls of tcp.h are in socket.c. */
void tcp_input(struct net_stack *st, uint32_t src, uint32_t dst, const uint8_t *p, size_t len);
void tcp_timer(struct net_stack *st);
uint64_t tcp_next_deadline(const struct net_stack *st);
void tcp_release_all(struct net_stack *st);

/* Byte order: frames are read and written byte by byte (no alignment). */
static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
