/* UDP for threads: a handler per bound port, called from the stack's
 * thread (it must not block); sends from any thread. */
#ifndef NET_UDP_H
#define NET_UDP_H

#include <stddef.h>
#include <stdint.h>

typedef void (*udp_handler)(void *arg, uint32_t src_ip, uint16_t src_port, const uint8_t *data,
                            size_t len);

int udp_bind(uint16_t port, udp_handler fn, void *arg);
int udp_send(uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, const void *data, size_t len);

#endif
