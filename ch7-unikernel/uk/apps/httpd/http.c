/* request-line = method SP request-target SP HTTP-version, then header
 * fields "name: value", each line ended by CRLF (a bare LF is taken too). */
#include <string.h>
#include <strings.h>

#include "http.h"

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The next line of [*p, end): its start and length, *p past its end. */
static bool next_line(const char **p, const char *end, const char **line, size_t *len)
{
	if (*p >= end)
		return false;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *stop = nl ? nl : end;
	*line = *p;
	*len = (size_t)(stop - *p);
	if (*len && (*line)[*len - 1] == '\r')
		(*len)--;
	*p = nl ? nl + 1 : end;
	return true;
}

static int parse_request_line(const char *s, size_t len, struct http_request *req)
{
	const char *sp1 = memchr(s, ' ', len);
	if (!sp1 || sp1 == s)
		return 400;
	size_t mlen = (size_t)(sp1 - s);
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar(s[i]))
			return 400;
	if (mlen >= sizeof(req->method))
		return 501;
	memcpy(req->method, s, mlen);
	req->method[mlen] = 0;
	const char *t = sp1 + 1, *end = s + len;
	const char *sp2 = memchr(t, ' ', (size_t)(end - t));
	if (!sp2 || sp2 == t || t[0] != '/')
		return 400;
	size_t tlen = (size_t)(sp2 - t);
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 127)
			return 400;
	if (tlen >= sizeof(req->target))
		return 414;
	memcpy(req->target, t, tlen);
	req->target[tlen] = 0;
	const char *v = sp2 + 1;
	if ((size_t)(end - v) != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' ||
	    v[5] > '9' || v[7] < '0' || v[7] > '9')
		return 400;
	if (v[5] != '1')
		return 505;
	req->minor = v[7] - '0';
	req->keep_alive = req->minor >= 1;
	return 0;
}

static bool token_in(const char *v, size_t len, const char *token)
{
	size_t n = strlen(token);
	for (size_t i = 0; i + n <= len; i++)
		if (!strncasecmp(v + i, token, n) &&
		    (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
		    (i + n == len || v[i + n] == ',' || v[i + n] == ' '))
			return true;
	return false;
}

static int parse_header(const char *s, size_t len, struct http_request *req)
{
	const char *colon = memchr(s, ':', len);
	if (!colon || colon == s)
		return 400;
	size_t nlen = (size_t)(colon - s);
	for (size_t i = 0; i < nlen; i++)
		if (!is_tchar(s[i]))
			return 400; /* no space before the colon either (RFC 9112 §5.1) */
	const char *v = colon + 1, *end = s + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vlen = (size_t)(end - v);
	for (size_t i = 0; i < vlen; i++)
		if ((unsigned char)v[i] < ' ' && v[i] != '\t')
			return 400;
	if (nlen == 10 && !strncasecmp(s, "connection", 10)) {
		if (token_in(v, vlen, "close"))
			req->keep_alive = false;
		else if (token_in(v, vlen, "keep-alive"))
			req->keep_alive = true;
	} else if (nlen == 14 && !strncasecmp(s, "content-length", 14)) {
		uint64_t n = 0;
		if (vlen == 0 || vlen > 15)
			return 400;
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return 400;
			n = n * 10 + (uint64_t)(v[i] - '0');
		}
		req->content_length = n;
	} else if (nlen == 17 && !strncasecmp(s, "transfer-encoding", 17)) {
		return 501; /* no chunked bodies here */
	}
	return 0;
}

int http_parse(const char *head, size_t len, struct http_request *req)
{
	const char *p = head, *end = head + len, *line;
	size_t llen;

	memset(req, 0, sizeof(*req));
	if (!next_line(&p, end, &line, &llen))
		return 400;
	int r = parse_request_line(line, llen, req);
	if (r)
		return r;
	while (next_line(&p, end, &line, &llen)) {
		if (llen == 0 || line[0] == ' ' || line[0] == '\t')
			return 400; /* an empty line inside, or an obsolete folded line */
		r = parse_header(line, llen, req);
		if (r)
			return r;
	}
	return 0;
}
