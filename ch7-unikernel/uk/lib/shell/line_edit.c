/* The editing of one line; the echo erases with "\b \b", which every
 * terminal understands, rather than cursor motions. */
#include "shell/line_edit.h"

#include <string.h>

#define KEY_CTRL(c) ((c) - '@')
#define KEY_ESC     0x1b
#define KEY_DEL     0x7f

void line_edit_reset(struct line_edit *ed)
{
	ed->len = 0;
	ed->line[0] = '\0';
	ed->escape = 0;
	ed->browsing = 0;
}

void line_edit_init(struct line_edit *ed, void (*write)(const char *s, size_t n))
{
	memset(ed, 0, sizeof(*ed));
	ed->write = write;
	line_edit_reset(ed);
}

static void erase(struct line_edit *ed, size_t n)
{
	for (; n > 0 && ed->len > 0; n--) {
		ed->write("\b \b", 3);
		ed->len--;
	}
	ed->line[ed->len] = '\0';
}

/* Replaces what is typed by text (a line of the history). */
static void replace(struct line_edit *ed, const char *text)
{
	erase(ed, ed->len);
	size_t n = strlen(text);
	if (n >= LINE_EDIT_MAX)
		n = LINE_EDIT_MAX - 1;
	memcpy(ed->line, text, n);
	ed->line[n] = '\0';
	ed->len = n;
	ed->write(ed->line, n);
}

static const char *history_line(struct line_edit *ed, unsigned back)
{
	return ed->history[(ed->history_count - back) % LINE_EDIT_HISTORY];
}

static void browse(struct line_edit *ed, bool older)
{
	unsigned kept =
	    ed->history_count < LINE_EDIT_HISTORY ? ed->history_count : LINE_EDIT_HISTORY;
	if (older && ed->browsing < kept) {
		if (ed->browsing == 0)
			memcpy(ed->draft, ed->line, ed->len + 1);
		ed->browsing++;
		replace(ed, history_line(ed, ed->browsing));
	} else if (!older && ed->browsing > 0) {
		ed->browsing--;
		replace(ed, ed->browsing ? history_line(ed, ed->browsing) : ed->draft);
	}
}

void line_edit_remember(struct line_edit *ed, const char *line)
{
	if (!line[0] || (ed->history_count && !strcmp(history_line(ed, 1), line)))
		return;
	char *slot = ed->history[ed->history_count % LINE_EDIT_HISTORY];
	strncpy(slot, line, LINE_EDIT_MAX - 1);
	slot[LINE_EDIT_MAX - 1] = '\0';
	ed->history_count++;
}

static enum line_edit_result escape_key(struct line_edit *ed, int key)
{
	if (ed->escape == 1) {
		ed->escape = key == '[' || key == 'O' ? 2 : 0;
		return LINE_EDIT_MORE;
	}
	/* ESC [ digits ... final: a key we do not edit with (Left, Home...). */
	if (key >= '0' && key <= '9')
		return LINE_EDIT_MORE;
	ed->escape = 0;
	if (key == 'A')
		browse(ed, true);
	else if (key == 'B')
		browse(ed, false);
	return LINE_EDIT_MORE;
}

enum line_edit_result line_edit_key(struct line_edit *ed, int key)
{
	bool after_cr = ed->after_cr;
	ed->after_cr = false;
	if (ed->escape)
		return escape_key(ed, key);
	switch (key) {
	case '\n':
		if (after_cr)
			return LINE_EDIT_MORE;
		/* fall through */
	case '\r':
		ed->after_cr = key == '\r';
		ed->write("\r\n", 2);
		return LINE_EDIT_DONE;
	case KEY_CTRL('C'):
		ed->write("^C\r\n", 4);
		return LINE_EDIT_CANCELLED;
	case KEY_CTRL('U'):
		erase(ed, ed->len);
		return LINE_EDIT_MORE;
	case KEY_CTRL('W'): {
		size_t n = ed->len;
		while (n > 0 && ed->line[n - 1] == ' ')
			n--;
		while (n > 0 && ed->line[n - 1] != ' ')
			n--;
		erase(ed, ed->len - n);
		return LINE_EDIT_MORE;
	}
	case '\b':
	case KEY_DEL:
		erase(ed, 1);
		return LINE_EDIT_MORE;
	case KEY_ESC:
		ed->escape = 1;
		return LINE_EDIT_MORE;
	}
	if (key == '\t')
		key = ' ';
	if (key < ' ' || key > '~' || ed->len + 1 >= LINE_EDIT_MAX)
		return LINE_EDIT_MORE; /* other controls, and beyond the line's room */
	ed->line[ed->len++] = (char)key;
	ed->line[ed->len] = '\0';
	char c = (char)key;
	ed->write(&c, 1);
	return LINE_EDIT_MORE;
}
