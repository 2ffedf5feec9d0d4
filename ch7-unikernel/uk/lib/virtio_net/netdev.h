/* Network devices: the virtio-net NICs of the device tree, in the order of
 * their nodes, sending and receiving Ethernet frames (without the frame
 * check sequence). Receive buffers are posted at start and refilled as
 * frames are taken. Calls do not block.
 *
 * Arrival: with LIBINTC the device's interrupt calls the rx notify
 * function (in interrupt context: it may only wake a thread or up a
 * semaphore); without, nothing interrupts and the user polls, with
 * netdev_recv or netdev_poll (which calls the notify function when frames
 * wait). */
#ifndef VIRTIO_NET_NETDEV_H
#define VIRTIO_NET_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETDEV_MTU       1500
#define NETDEV_MAX_FRAME 1514 /* the MTU and the Ethernet header */

struct netdev;

struct netdev *netdev_get(unsigned index); /* NULL if none */
void netdev_mac(struct netdev *dev, uint8_t mac[6]);
/* Queues a frame (at most NETDEV_MAX_FRAME bytes): 0, or -1 when the send
 * ring is full (try again later) or the frame too long. */
int netdev_send(struct netdev *dev, const void *frame, size_t len);
/* The next received frame, copied into buf (cut at cap): its length, or
 * 0 when none waits. */
int netdev_recv(struct netdev *dev, void *buf, size_t cap);
/* fn(arg) is called when frames wait (see above). */
void netdev_set_rx_notify(struct netdev *dev, void (*fn)(void *), void *arg);
/* Whether frames wait; calls the notify function if so. */
bool netdev_poll(struct netdev *dev);

#endif
