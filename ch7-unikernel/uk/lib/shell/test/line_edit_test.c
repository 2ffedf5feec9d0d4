/* Host test of the line editor: keys in, the line and the echo checked.
 * Prints "line_edit: ok" or the first failure (exit 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell/line_edit.h"

static char echo[4096];
static size_t echo_len;

static void capture(const char *s, size_t n)
{
	if (echo_len + n < sizeof(echo)) {
		memcpy(echo + echo_len, s, n);
		echo_len += n;
		echo[echo_len] = '\0';
	}
}

static int failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			printf("line_edit: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                  \
		}                                                                    \
	} while (0)

/* Types keys; returns the result of the last one. */
static enum line_edit_result type(struct line_edit *ed, const char *keys)
{
	enum line_edit_result r = LINE_EDIT_MORE;
	for (const char *k = keys; *k; k++)
		r = line_edit_key(ed, (unsigned char)*k);
	return r;
}

int main(void)
{
	struct line_edit ed;
	line_edit_init(&ed, capture);

	CHECK(type(&ed, "vm lisx\x7ft\r") == LINE_EDIT_DONE);
	CHECK(!strcmp(ed.line, "vm list"));
	CHECK(strstr(echo, "vm lisx\b \bt\r\n") != NULL);
	line_edit_remember(&ed, ed.line);

	/* CR LF is one Enter: the LF neither ends an empty line nor shows. */
	line_edit_reset(&ed);
	CHECK(type(&ed, "\nab\x15"
	                "cd\bx\r") == LINE_EDIT_DONE);
	CHECK(!strcmp(ed.line, "cx"));
	line_edit_remember(&ed, ed.line);

	line_edit_reset(&ed);
	CHECK(type(&ed, "vm boot 1\x17"
	                "2\r") == LINE_EDIT_DONE);
	CHECK(!strcmp(ed.line, "vm boot 2"));
	line_edit_remember(&ed, ed.line);

	/* Up twice, Down once: the line before last, then the last. */
	line_edit_reset(&ed);
	type(&ed, "dra");
	type(&ed, "\x1b[A\x1b[A");
	CHECK(!strcmp(ed.line, "cx"));
	type(&ed, "\x1b[B");
	CHECK(!strcmp(ed.line, "vm boot 2"));
	type(&ed, "\x1bOB");
	CHECK(!strcmp(ed.line, "dra"));
	/* Keys we do not edit with are swallowed whole (Left: ESC [ D, Del: ESC [ 3 ~). */
	type(&ed, "\x1b[D\x1b[3~w");
	CHECK(!strcmp(ed.line, "draw"));

	/* Ctrl-C abandons the line. */
	CHECK(type(&ed, "\x03") == LINE_EDIT_CANCELLED);

	/* A line longer than the room keeps what fits; controls are ignored. */
	line_edit_reset(&ed);
	for (int i = 0; i < 2 * LINE_EDIT_MAX; i++)
		line_edit_key(&ed, 'a');
	line_edit_key(&ed, 0x01);
	CHECK(ed.len == LINE_EDIT_MAX - 1 && strlen(ed.line) == LINE_EDIT_MAX - 1);
	CHECK(type(&ed, "\x7f\x7f\r") == LINE_EDIT_DONE && ed.len == LINE_EDIT_MAX - 3);

	/* Backspace on an empty line echoes nothing. */
	line_edit_reset(&ed);
	echo_len = 0;
	echo[0] = '\0';
	type(&ed, "\x7f\b");
	CHECK(echo_len == 0);

	if (failures)
		return 1;
	printf("line_edit: ok\n");
	return 0;
}
