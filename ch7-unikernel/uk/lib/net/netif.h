/* What netif.c (the stack's thread) shares with socket.c (the threads'
 * calls): the one stack, and the lock and condition around it. Every
 * access to the stack holds the lock; the stack's thread broadcasts the
 * condition after each round of frames and timers, and waiters recheck. */
#ifndef NET_NETIF_H
#define NET_NETIF_H

#include "net/stack.h"

extern struct net_stack netif_stack;

void netif_lock(void);
void netif_unlock(void);
/* Wait (the lock held) for the next round of the stack's thread. */
void netif_wait(void);
uint64_t netif_now_ms(void);

#endif
