/* Fuzz target: the library OS's network stack (uk/lib/net) fed untrusted
 * Ethernet frames through its input path, as a NIC would give them.
 *
 * Input: a mode byte (bit 0: the address from DHCP, which then parses
 * the replies; else 10.0.2.15/24 with a listener on port 80), then frames
 * as [length: 2 bytes LE][bytes], each followed by 0-255 ms of time (one
 * byte) so that the timers run too. After each frame the app's side
 * accepts, reads, answers and closes, as httpd would. What the stack
 * sends goes nowhere; every frame must leave it consistent. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/stack.h"
#include "net/tcb.h"

static void drop_frame(void *ctx, const void *frame, size_t len)
{
	(void)ctx;
	/* a frame the stack built must at least be a frame */
	if (len < ETH_HLEN || len > ETH_FRAME_MAX || !frame)
		__builtin_trap();
}

static void app_side(struct tcp_listener *l, struct tcp_conn **held)
{
	uint8_t buf[512];

	if (!*held && l)
		*held = tcp_listener_take(l);
	if (!*held)
		return;
	long n = tcp_conn_read(*held, buf, sizeof(buf));
	if (n > 0)
		tcp_conn_write(*held, buf, (size_t)n);
	if (n == 0 || n == TCP_ERROR) {
		tcp_conn_close(*held);
		*held = NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct net_stack st;
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	struct tcp_listener *l = NULL;
	struct tcp_conn *held = NULL;
	uint64_t now = 1000;

	if (size < 1)
		return 0;
	net_init(&st, mac, 0x1234, drop_frame, NULL);
	if (data[0] & 1) {
		dhcp_begin(&st);
	} else {
		net_set_addr(&st, 0x0a00020f, 0xffffff00, 0x0a000202);
		l = tcp_listener_open(&st, 80, 4);
	}
	size_t i = 1;
	while (i + 2 <= size) {
		size_t len = (size_t)data[i] | (size_t)data[i + 1] << 8;
		i += 2;
		if (len > size - i)
			len = size - i;
		net_input(&st, data + i, len, now);
		i += len;
		if (i < size)
			now += data[i++];
		net_timer(&st, now);
		app_side(l, &held);
	}
	/* let every timer run out: retransmissions, backoff, TIME-WAIT */
	for (int k = 0; k < 40; k++) {
		now += 4000;
		net_timer(&st, now);
		app_side(l, &held);
	}
	net_release(&st);
	return 0;
}
