/* jsmn's tokens, checked once (json_parse) and then read through getters
 * that check each token's type again: the text is a file on a disk, and a
 * malformed one must end in a message, never in a wrong value. */
#include "json/json.h"

#define JSMN_STATIC
#define JSMN_STRICT
/* Debian's libjsmn-dev puts jsmn.h in /usr/include, which the cross
 * compiler (picolibc's specs) does not search; adding all of /usr/include
 * would let the host's libc headers in, so only this one file is named. */
#if __has_include(<jsmn.h>)
#include <jsmn.h>
#else
#include "/usr/include/jsmn.h"
#endif

#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(jsmntok_t) <= JSON_TOKEN_SIZE, "JSON_TOKEN_SIZE holds no jsmntok_t");

static const jsmntok_t *token(const struct json_doc *doc, int i)
{
	return &((const jsmntok_t *)doc->tok)[i];
}

/* Where an offset of the text is, for messages: line and column from 1. */
static void locate(const char *text, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
}

static int fail_at(struct json_doc *doc, size_t off, const char *why)
{
	unsigned line, col;
	locate(doc->text, off > doc->len ? doc->len : off, &line, &col);
	snprintf(doc->error, sizeof(doc->error), "line %u column %u: %s", line, col, why);
	return -1;
}

/* The index just after token i and everything inside it: every token
 * stands for itself plus `size` children (an object's keys, a key's value,
 * an array's elements). */
static int skip(const struct json_doc *doc, int i)
{
	int pending = 1;
	while (pending > 0 && i < doc->ntok) {
		pending += token(doc, i)->size - 1;
		i++;
	}
	return i;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 8259's number grammar, or one of the three literal names. */
static bool valid_literal(const char *s, size_t n)
{
	if ((n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5)) ||
	    (n == 4 && !memcmp(s, "null", 4)))
		return true;
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && is_digit(s[i])) {
		while (i < n && is_digit(s[i]))
			i++;
	} else {
		return false;
	}
	if (i < n && s[i] == '.') {
		size_t start = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		if (i == start)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t start = i;
		while (i < n && is_digit(s[i]))
			i++;
		if (i == start)
			return false;
	}
	return i == n;
}

static bool valid_string(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return true;
}

/* A token's extent in the text with its quotes (jsmn's string tokens
 * leave them out). */
static size_t outer_start(const jsmntok_t *t)
{
	return (size_t)t->start - (t->type == JSMN_STRING);
}

static size_t outer_end(const jsmntok_t *t)
{
	return (size_t)t->end + (t->type == JSMN_STRING);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The text from *pos to end: blanks around one separator sep (0: none).
 * jsmn alone lets ",," and "1 2" through; this makes the grammar whole. */
static int check_gap(struct json_doc *doc, size_t from, size_t to, char sep)
{
	bool seen = false;
	for (size_t i = from; i < to; i++) {
		char c = doc->text[i];
		if (is_space(c))
			continue;
		if (c == sep && seen)
			return fail_at(doc, i, sep == ':' ? "two colons" : "two commas");
		if (!sep || c != sep)
			return fail_at(doc, i,
			               sep == ':'   ? "expected a colon"
			               : sep == ',' ? "expected a comma"
			               : c == ','   ? "a comma before nothing"
			                            : "unexpected character");
		seen = true;
	}
	if (sep && !seen)
		return fail_at(doc, to, sep == ':' ? "expected a colon" : "expected a comma");
	return 0;
}

/* An object's or array's children and the separators between them. */
static int check_container(struct json_doc *doc, int i)
{
	const jsmntok_t *t = token(doc, i);
	bool object = t->type == JSMN_OBJECT;
	size_t pos = (size_t)t->start + 1;
	int k = i + 1;
	for (int m = 0; m < t->size; m++) {
		if (k >= doc->ntok)
			return fail_at(doc, pos, "bad token");
		const jsmntok_t *child = token(doc, k);
		if (object && (child->type != JSMN_STRING || child->size != 1))
			return fail_at(doc, outer_start(child),
			               "an object's member is not \"key\": value");
		if (!object && child->type == JSMN_STRING && child->size != 0)
			return fail_at(doc, outer_start(child), "\"key\": value inside an array");
		if (check_gap(doc, pos, outer_start(child), m ? ',' : 0) < 0)
			return -1;
		pos = outer_end(child);
		if (object) {
			const jsmntok_t *value = token(doc, k + 1);
			if (k + 1 >= doc->ntok || check_gap(doc, pos, outer_start(value), ':') < 0)
				return -1;
			pos = outer_end(value);
		}
		k = skip(doc, k);
	}
	if (t->end < 1 || (size_t)t->end - 1 < pos)
		return fail_at(doc, pos, "bad token");
	return check_gap(doc, pos, (size_t)t->end - 1, 0);
}

static int check_tokens(struct json_doc *doc)
{
	if (doc->ntok < 1 || token(doc, 0)->type != JSMN_OBJECT)
		return fail_at(doc, 0, "the document is not an object");
	if (skip(doc, 0) != doc->ntok)
		return fail_at(doc, token(doc, 0)->end, "text after the top object");
	for (int i = 0; i < doc->ntok; i++) {
		const jsmntok_t *t = token(doc, i);
		if (t->start < 1 - (t->type != JSMN_STRING) || t->end < t->start ||
		    outer_end(t) > doc->len)
			return fail_at(doc, 0, "bad token");
	}
	if (check_gap(doc, 0, outer_start(token(doc, 0)), 0) < 0 ||
	    check_gap(doc, outer_end(token(doc, 0)), doc->len, 0) < 0)
		return -1;
	for (int i = 0; i < doc->ntok; i++) {
		const jsmntok_t *t = token(doc, i);
		const char *s = doc->text + t->start;
		size_t n = (size_t)(t->end - t->start);
		if (t->type == JSMN_PRIMITIVE && !valid_literal(s, n))
			return fail_at(doc, (size_t)t->start, "not a number, true, false or null");
		if (t->type == JSMN_STRING && !valid_string(s, n))
			return fail_at(doc, (size_t)t->start, "control character in a string");
		if ((t->type == JSMN_OBJECT || t->type == JSMN_ARRAY) &&
		    check_container(doc, i) < 0)
			return -1;
	}
	return 0;
}

int json_parse(struct json_doc *doc, const char *text, size_t len, void *tokens, size_t tokens_size)
{
	jsmn_parser parser;
	doc->text = text;
	doc->len = len;
	doc->tok = tokens;
	doc->ntok = 0;
	doc->error[0] = '\0';
	jsmn_init(&parser);
	int n = jsmn_parse(&parser, text, len, tokens, tokens_size / sizeof(jsmntok_t));
	switch (n) {
	case JSMN_ERROR_NOMEM:
		return fail_at(doc, parser.pos, "too many values (the file is too big)");
	case JSMN_ERROR_INVAL:
		return fail_at(doc, parser.pos, "invalid character");
	case JSMN_ERROR_PART:
		return fail_at(doc, len, "the text ends inside a value");
	}
	if (n < 0)
		return fail_at(doc, parser.pos, "cannot parse");
	doc->ntok = n;
	return check_tokens(doc);
}

static bool valid_index(const struct json_doc *doc, int tok)
{
	return tok >= 0 && tok < doc->ntok;
}

bool json_is_object(const struct json_doc *doc, int tok)
{
	return valid_index(doc, tok) && token(doc, tok)->type == JSMN_OBJECT;
}

bool json_is_array(const struct json_doc *doc, int tok)
{
	return valid_index(doc, tok) && token(doc, tok)->type == JSMN_ARRAY;
}

bool json_is_string(const struct json_doc *doc, int tok)
{
	return valid_index(doc, tok) && token(doc, tok)->type == JSMN_STRING;
}

int json_count(const struct json_doc *doc, int tok)
{
	if (!json_is_object(doc, tok) && !json_is_array(doc, tok))
		return JSON_NONE;
	return token(doc, tok)->size;
}

/* The n-th child (key or element) of an object or array. */
static int child(const struct json_doc *doc, int tok, int n)
{
	if (n < 0 || n >= json_count(doc, tok))
		return JSON_NONE;
	int k = tok + 1;
	for (int m = 0; m < n; m++)
		k = skip(doc, k);
	return valid_index(doc, k) ? k : JSON_NONE;
}

int json_key_at(const struct json_doc *doc, int obj, int n)
{
	return json_is_object(doc, obj) ? child(doc, obj, n) : JSON_NONE;
}

int json_element(const struct json_doc *doc, int arr, int n)
{
	return json_is_array(doc, arr) ? child(doc, arr, n) : JSON_NONE;
}

bool json_equals(const struct json_doc *doc, int tok, const char *s)
{
	if (!json_is_string(doc, tok))
		return false;
	size_t n = (size_t)(token(doc, tok)->end - token(doc, tok)->start);
	return strlen(s) == n && !memcmp(doc->text + token(doc, tok)->start, s, n);
}

int json_member(const struct json_doc *doc, int obj, const char *key)
{
	int members = json_count(doc, obj);
	if (!json_is_object(doc, obj))
		return JSON_NONE;
	int k = obj + 1;
	for (int m = 0; m < members && valid_index(doc, k + 1); m++) {
		if (json_equals(doc, k, key))
			return k + 1;
		k = skip(doc, k);
	}
	return JSON_NONE;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int json_string(const struct json_doc *doc, int tok, char *buf, size_t cap)
{
	if (!json_is_string(doc, tok) || cap == 0)
		return -1;
	const char *s = doc->text + token(doc, tok)->start;
	const char *end = doc->text + token(doc, tok)->end;
	size_t out = 0;
	while (s < end) {
		char c = *s++;
		if (c == '\\') {
			if (s >= end)
				return -1;
			char e = *s++;
			switch (e) {
			case '"':
			case '\\':
			case '/':
				c = e;
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u': {
				/* ASCII only: the strings here are names, paths and
				 * command lines. */
				unsigned v = 0;
				for (int i = 0; i < 4; i++) {
					int h = s < end ? hex_value(*s++) : -1;
					if (h < 0)
						return -1;
					v = v << 4 | (unsigned)h;
				}
				if (v == 0 || v >= 0x80)
					return -1;
				c = (char)v;
				break;
			}
			default:
				return -1;
			}
		}
		if (out + 1 >= cap)
			return -1;
		buf[out++] = c;
	}
	buf[out] = '\0';
	return 0;
}

/* Digits of one base into *out, refusing an empty run and overflow. */
static int parse_digits(const char *s, size_t n, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d = hex_value(s[i]);
		if (d < 0 || (unsigned)d >= base)
			return -1;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return -1;
		v = v * base + (unsigned)d;
	}
	*out = v;
	return 0;
}

int json_u64(const struct json_doc *doc, int tok, uint64_t *out)
{
	if (!valid_index(doc, tok))
		return -1;
	const jsmntok_t *t = token(doc, tok);
	const char *s = doc->text + t->start;
	size_t n = (size_t)(t->end - t->start);
	if (t->type == JSMN_PRIMITIVE)
		return parse_digits(s, n, 10, out); /* refuses -1, 1.5, 1e3, true */
	if (t->type != JSMN_STRING)
		return -1;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_digits(s + 2, n - 2, 16, out);
	if (n > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		return parse_digits(s + 2, n - 2, 2, out);
	return parse_digits(s, n, 10, out);
}

int json_bool(const struct json_doc *doc, int tok, bool *out)
{
	if (!valid_index(doc, tok) || token(doc, tok)->type != JSMN_PRIMITIVE)
		return -1;
	const char *s = doc->text + token(doc, tok)->start;
	size_t n = (size_t)(token(doc, tok)->end - token(doc, tok)->start);
	if (n == 4 && !memcmp(s, "true", 4))
		*out = true;
	else if (n == 5 && !memcmp(s, "false", 5))
		*out = false;
	else
		return -1;
	return 0;
}

int json_raw(const struct json_doc *doc, int tok, const char **start)
{
	if (!valid_index(doc, tok))
		return -1;
	*start = doc->text + token(doc, tok)->start;
	return token(doc, tok)->end - token(doc, tok)->start;
}

const char *json_kind(const struct json_doc *doc, int tok)
{
	if (!valid_index(doc, tok))
		return "nothing";
	const jsmntok_t *t = token(doc, tok);
	switch (t->type) {
	case JSMN_OBJECT:
		return "an object";
	case JSMN_ARRAY:
		return "an array";
	case JSMN_STRING:
		return "a string";
	default:
		break;
	}
	switch (doc->text[t->start]) {
	case 't':
	case 'f':
		return "a boolean";
	case 'n':
		return "null";
	default:
		return "a number";
	}
}
