/* The network stack as the unikernel's threads see it: started once on a
 * device, then used through tcp.h and udp.h from any thread. */
#ifndef NET_NET_H
#define NET_NET_H

#include <stddef.h>
#include <stdint.h>

struct netdev;

/* Starts the stack's thread on dev and configures the address: from
 * bootargs' ip=A.B.C.D/NN[,GATEWAY] when given, else by DHCP (waiting for
 * the lease). 0, or -1 (printed) when no address came. */
int net_start(struct netdev *dev);
/* The address, host order; 0 until configured. */
uint32_t net_ip(void);
/* "A.B.C.D" into buf (at least 16 bytes); returns buf. */
char *net_ip_string(uint32_t ip, char *buf);

#endif
