/* JSON documents (jsmn's tokens) read through typed getters that check
 * every token: a member by key, a string, a number written as a decimal
 * number or as a "0x..."/"0b..." string (Rust-Shyper's configs write
 * addresses that way), a boolean, an array's elements. Depends on nothing
 * but the C library, so that it compiles on the host too. */
#ifndef UK_JSON_H
#define UK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for one jsmn token (jsmntok_t, which only json.c sees: jsmn.h
 * defines its functions static in whoever includes it). */
#define JSON_TOKEN_SIZE          16
/* An array of count tokens for json_parse. */
#define JSON_TOKENS(name, count) _Alignas(8) unsigned char name[(count)*JSON_TOKEN_SIZE]

struct json_doc {
	const char *text;
	size_t len;
	void *tok; /* jsmntok_t[] */
	int ntok;
	char error[80]; /* why json_parse failed, with the line and column */
};

/* Parses text into the caller's tokens (JSON_TOKENS) and checks the
 * whole document against JSON's grammar (jsmn alone lets some errors
 * through): one object at the top, keys that are strings each with one
 * value, commas and colons where they belong, literals that are numbers,
 * true, false or null. 0, or -1 with doc->error set. */
int json_parse(struct json_doc *doc, const char *text, size_t len, void *tokens,
               size_t tokens_size);

#define JSON_ROOT 0

/* Token indexes: -1 (JSON_NONE) when absent or of the wrong type. */
#define JSON_NONE (-1)
bool json_is_object(const struct json_doc *doc, int tok);
bool json_is_array(const struct json_doc *doc, int tok);
bool json_is_string(const struct json_doc *doc, int tok);
/* Members of an object, elements of an array (-1 for anything else). */
int json_count(const struct json_doc *doc, int tok);
/* The n-th key token of an object (its value is key + 1). */
int json_key_at(const struct json_doc *doc, int obj, int n);
/* The value of an object's member named key. */
int json_member(const struct json_doc *doc, int obj, const char *key);
/* The n-th element of an array. */
int json_element(const struct json_doc *doc, int arr, int n);
/* Whether a string token reads exactly s. */
bool json_equals(const struct json_doc *doc, int tok, const char *s);

/* Getters: 0, or -1 when the token is of another type or does not fit. */
int json_string(const struct json_doc *doc, int tok, char *buf, size_t cap);
int json_u64(const struct json_doc *doc, int tok, uint64_t *out);
int json_bool(const struct json_doc *doc, int tok, bool *out);

/* A token's text as written (a string's without its quotes): its length,
 * and *start; -1 for no token. For messages. */
int json_raw(const struct json_doc *doc, int tok, const char **start);

/* "object", "array", "string", "number", "true"/"false"/"null": for messages. */
const char *json_kind(const struct json_doc *doc, int tok);

#endif
