/* httpd: HTTP/1.1 on port 80, the files of the ext2 disk, and dynamic
 * endpoints (/mix?x=N: splitmix64(nonce ^ N); /stats for make bench). A pool of threads each
 * serves one connection at a time, as many requests as it sends
 * (keep-alive); a request head longer than CONFIG_HTTPD_HEADER_MAX is
 * refused (431) and the connection closed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext2/ext2.h"
#include "http.h"
#include "net/net.h"
#include "net/tcp.h"
#include "plat/plat.h"
#include "sched/sched.h"
#include "sync/sync.h"
#include "uk/config.h"
#include "virtio_blk/blk.h"
#include "virtio_net/netdev.h"

#define HTTPD_PORT        80
#define HTTPD_BACKLOG     16
#define HTTPD_STACK       (16 * 1024)
#define HTTPD_CHUNK       4096
#define HTTPD_DISCARD_MAX (64 * 1024) /* largest request body read and ignored */
#define HTTPD_REPLY_HEAD  256

static struct ext2_fs fs;
static struct uk_mutex fs_mutex; /* ext2's caches are shared */
static struct tcp_listener *listener;
static uint64_t nonce;
static uint64_t requests_served; /* well-formed requests, /stats included */

struct conn_state {
	struct tcp_conn *c;
	char buf[CONFIG_HTTPD_HEADER_MAX + 1]; /* received, not yet used */
	size_t used;
	char head[CONFIG_HTTPD_HEADER_MAX + 1]; /* the request being served */
	char chunk[HTTPD_CHUNK];
};

static uint64_t splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".html") || !strcmp(dot, ".htm"))
		return "text/html";
	if (!strcmp(dot, ".txt"))
		return "text/plain";
	if (!strcmp(dot, ".css"))
		return "text/css";
	if (!strcmp(dot, ".js"))
		return "text/javascript";
	if (!strcmp(dot, ".json"))
		return "application/json";
	if (!strcmp(dot, ".png"))
		return "image/png";
	return "application/octet-stream";
}

static bool send_head(struct tcp_conn *c, int status, const char *type, uint64_t length,
                      bool keep_alive)
{
	char head[HTTPD_REPLY_HEAD];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d %s\r\nServer: hvlab-uk\r\nContent-Type: %s\r\n"
	                 "Content-Length: %" PRIu64 "\r\nConnection: %s\r\n\r\n",
	                 status, reason(status), type, length, keep_alive ? "keep-alive" : "close");
	return tcp_send(c, head, (size_t)n) == n;
}

static bool send_text(struct tcp_conn *c, int status, const char *body, bool keep_alive,
                      bool head_only)
{
	size_t len = strlen(body);
	return send_head(c, status, "text/plain", len, keep_alive) &&
	       (head_only || tcp_send(c, body, len) == (long)len);
}

static bool send_error(struct tcp_conn *c, int status, bool keep_alive, bool head_only)
{
	char body[64];
	snprintf(body, sizeof(body), "%d %s\n", status, reason(status));
	return send_text(c, status, body, keep_alive, head_only);
}

/* /mix?x=N, N decimal or 0x hexadecimal */
static bool serve_mix(struct conn_state *s, const char *query, bool keep_alive, bool head_only)
{
	char *end;
	if (strncmp(query, "x=", 2) != 0 || !query[2])
		return send_error(s->c, 400, keep_alive, head_only);
	uint64_t x = strtoull(query + 2, &end, 0);
	if (*end)
		return send_error(s->c, 400, keep_alive, head_only);
	char body[32];
	snprintf(body, sizeof(body), "0x%016" PRIx64 "\n", splitmix64(nonce ^ x));
	return send_text(s->c, 200, body, keep_alive, head_only);
}

/* /stats: the requests served and the hart's counters, as plain text;
 * make bench reads it before and after a run of requests (one hart, so
 * instret counts everything the machine executed between the two). */
static bool serve_stats(struct conn_state *s, bool keep_alive, bool head_only)
{
	uint64_t instret;
	asm volatile("rdinstret %0" : "=r"(instret));
	char body[96];
	snprintf(body, sizeof(body),
	         "requests %" PRIu64 "\ninstret %" PRIu64 "\ntime %" PRIu64 "\n", requests_served,
	         instret, plat_ticks());
	return send_text(s->c, 200, body, keep_alive, head_only);
}

static bool serve_file(struct conn_state *s, const char *path, bool keep_alive, bool head_only)
{
	struct ext2_file f;
	char full[HTTP_TARGET_MAX + 16];

	if (strstr(path, "/../") || strstr(path, "//") ||
	    (strlen(path) >= 3 && !strcmp(path + strlen(path) - 3, "/..")))
		return send_error(s->c, 404, keep_alive, head_only);
	snprintf(full, sizeof(full), "%s%s", path,
	         path[strlen(path) - 1] == '/' ? "index.html" : "");
	uk_mutex_lock(&fs_mutex);
	int r = ext2_open(&fs, full, &f);
	uk_mutex_unlock(&fs_mutex);
	if (r != 0 || ext2_is_dir(&f))
		return send_error(s->c, 404, keep_alive, head_only);
	if (!send_head(s->c, 200, content_type(full), f.size, keep_alive))
		return false;
	if (head_only)
		return true;
	for (uint64_t off = 0; off < f.size;) {
		size_t want = f.size - off < HTTPD_CHUNK ? (size_t)(f.size - off) : HTTPD_CHUNK;
		uk_mutex_lock(&fs_mutex);
		long n = ext2_read(&f, off, s->chunk, want);
		uk_mutex_unlock(&fs_mutex);
		if (n <= 0) {
			printf("httpd: %s: read error at %" PRIu64 "\n", full, off);
			return false; /* the length is promised: only closing tells */
		}
		if (tcp_send(s->c, s->chunk, (size_t)n) != n)
			return false;
		off += (uint64_t)n;
	}
	return true;
}

/* One request whose head is s->head[0, head_len); false: close. */
static bool serve_request(struct conn_state *s, size_t head_len)
{
	struct http_request req;
	int status = http_parse(s->head, head_len, &req);

	if (status) {
		printf("httpd: malformed request: %d\n", status);
		send_error(s->c, status, false, false);
		return false;
	}
	requests_served++;
	bool head_only = !strcmp(req.method, "HEAD");
	printf("httpd: %s %s\n", req.method, req.target);
	if (strcmp(req.method, "GET") != 0 && !head_only) {
		send_error(s->c, 501, false, false);
		return false;
	}
	if (req.content_length > HTTPD_DISCARD_MAX) {
		send_error(s->c, 413, false, head_only);
		return false;
	}
	/* a body with a GET means nothing here: read past it */
	for (uint64_t left = req.content_length; left;) {
		size_t have = s->used < left ? s->used : (size_t)left;
		memmove(s->buf, s->buf + have, s->used - have);
		s->used -= have;
		left -= have;
		if (left) {
			long n = tcp_recv_timeout(s->c, s->buf, sizeof(s->buf) - 1,
			                          CONFIG_HTTPD_IDLE_MS);
			if (n <= 0)
				return false;
			s->used = (size_t)n;
		}
	}
	char *query = strchr(req.target, '?');
	if (query)
		*query++ = 0;
	if (!strcmp(req.target, "/mix"))
		return serve_mix(s, query ? query : "", req.keep_alive, head_only) &&
		       req.keep_alive;
	if (!strcmp(req.target, "/stats"))
		return serve_stats(s, req.keep_alive, head_only) && req.keep_alive;
	return serve_file(s, req.target, req.keep_alive, head_only) && req.keep_alive;
}

/* The end of a head ("\r\n\r\n", or "\n\n") in buf[0, used): the head's
 * length without it, and *after the offset of what follows; -1 if none. */
static long find_head_end(const char *buf, size_t used, size_t *after)
{
	for (size_t i = 0; i + 1 < used; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n') {
			*after = i + 2;
			return (long)i;
		}
		if (i + 2 < used && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
			*after = i + 3;
			return (long)(i > 0 && buf[i - 1] == '\r' ? i - 1 : i);
		}
	}
	return -1;
}

static void serve_connection(struct conn_state *s)
{
	s->used = 0;
	for (;;) {
		size_t after;
		long head = find_head_end(s->buf, s->used, &after);
		if (head < 0) {
			if (s->used >= CONFIG_HTTPD_HEADER_MAX) {
				printf("httpd: request head over %d bytes\n",
				       CONFIG_HTTPD_HEADER_MAX);
				send_error(s->c, 431, false, false);
				return;
			}
			long n = tcp_recv_timeout(s->c, s->buf + s->used,
			                          CONFIG_HTTPD_HEADER_MAX - s->used,
			                          CONFIG_HTTPD_IDLE_MS);
			if (n <= 0)
				return; /* closed, reset or idle */
			s->used += (size_t)n;
			continue;
		}
		/* the head goes; what follows (pipelined requests) stays */
		memcpy(s->head, s->buf, (size_t)head);
		memmove(s->buf, s->buf + after, s->used - after);
		s->used -= after;
		if (!serve_request(s, (size_t)head))
			return;
	}
}

static void worker(void *arg)
{
	struct conn_state *s = arg;
	for (;;) {
		s->c = tcp_accept(listener);
		serve_connection(s);
		tcp_close(s->c);
	}
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	nonce = plat_arg_u64("nonce", 0);
	uk_mutex_init(&fs_mutex);
	struct blkdev *disk = blkdev_get(0);
	if (!disk || ext2_mount(&fs, disk, 0) != 0) {
		printf("httpd: no ext2 file system on the first disk\n");
		return 1;
	}
	if (net_start(netdev_get(0)) != 0)
		return 1;
	listener = tcp_listen(HTTPD_PORT, HTTPD_BACKLOG);
	if (!listener) {
		printf("httpd: cannot listen on port %d\n", HTTPD_PORT);
		return 1;
	}
	struct conn_state *states = calloc(CONFIG_HTTPD_WORKERS, sizeof(*states));
	if (!states) {
		printf("httpd: no memory for %d workers\n", CONFIG_HTTPD_WORKERS);
		return 1;
	}
	for (int i = 1; i < CONFIG_HTTPD_WORKERS; i++) {
		if (!uk_thread_create("httpd", worker, &states[i], HTTPD_STACK)) {
			printf("httpd: no memory for worker %d\n", i);
			return 1;
		}
	}
	char ip[16];
	printf("httpd: serving http://%s:%d/ with %d workers, nonce %#" PRIx64 "\n",
	       net_ip_string(net_ip(), ip), HTTPD_PORT, CONFIG_HTTPD_WORKERS, nonce);
	worker(&states[0]);
	return 0;
}
