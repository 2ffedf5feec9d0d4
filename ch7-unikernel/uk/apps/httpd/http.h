/* Parsing of an HTTP/1.1 request head (RFC 9112), kept apart from the
 * server so that it reads as the grammar it checks. */
#ifndef HTTPD_HTTP_H
#define HTTPD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_TARGET_MAX 256

struct http_request {
	char method[8];
	char target[HTTP_TARGET_MAX];
	int minor;       /* HTTP/1.minor */
	bool keep_alive; /* HTTP/1.1 unless "Connection: close"; 1.0 only if asked */
	uint64_t content_length;
};

/* The head (without its final CRLF CRLF) parsed into req: 0, or the status
 * code to answer (400 malformed, 414 target too long, 505 version). */
int http_parse(const char *head, size_t len, struct http_request *req);

#endif
