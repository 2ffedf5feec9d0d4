/* Line editing, as a terminal user expects it, on keys in and echo out:
 * printable characters, Backspace/DEL, Ctrl-U (erase the line), Ctrl-W
 * (erase a word), Ctrl-C (abandon the line), Enter (CR, LF or CR LF), and
 * the history with the Up and Down arrows (ESC [ A / ESC [ B, or ESC O A).
 * The cursor stays at the end of the line. Pure: the caller reads the keys
 * and writes the echo, so that it is tested on the host. */
#ifndef UK_LINE_EDIT_H
#define UK_LINE_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_EDIT_MAX     128 /* bytes of a line, with its NUL */
#define LINE_EDIT_HISTORY 16  /* lines remembered */

enum line_edit_result {
	LINE_EDIT_MORE,      /* the line goes on */
	LINE_EDIT_DONE,      /* Enter: line_edit.line holds it */
	LINE_EDIT_CANCELLED, /* Ctrl-C: the line was abandoned */
};

struct line_edit {
	void (*write)(const char *s, size_t n); /* the echo */
	char line[LINE_EDIT_MAX];
	size_t len;
	int escape;    /* where in an escape sequence: 0 none, 1 after ESC, 2 after ESC [ or O */
	bool after_cr; /* a LF right after a CR ends nothing */
	char history[LINE_EDIT_HISTORY][LINE_EDIT_MAX];
	unsigned history_count;    /* lines ever added */
	unsigned browsing;         /* how far back Up has gone: 0 the line being typed */
	char draft[LINE_EDIT_MAX]; /* the line being typed, kept while browsing */
};

void line_edit_init(struct line_edit *ed, void (*write)(const char *s, size_t n));
/* Starts a new line (after DONE or CANCELLED). */
void line_edit_reset(struct line_edit *ed);
enum line_edit_result line_edit_key(struct line_edit *ed, int key);
/* Remembers a line for Up (not an empty one, nor the same as the last). */
void line_edit_remember(struct line_edit *ed, const char *line);

#endif
