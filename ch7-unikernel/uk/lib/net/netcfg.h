/* The stack's sizes: from the app's Kconfig when built as a uk component,
 * defaults when the core is compiled on the host (test harness, fuzzer). */
#ifndef NET_NETCFG_H
#define NET_NETCFG_H

#if __has_include("uk/config.h")
#include "uk/config.h"
#endif

#ifndef CONFIG_NET_TCP_MAX_CONNS
#define CONFIG_NET_TCP_MAX_CONNS 32
#endif
#ifndef CONFIG_NET_TCP_BUF_KIB
#define CONFIG_NET_TCP_BUF_KIB 16
#endif
#ifndef CONFIG_NET_ARP_ENTRIES
#define CONFIG_NET_ARP_ENTRIES 8
#endif

#define NET_TCP_BUF (CONFIG_NET_TCP_BUF_KIB * 1024u)

#endif
