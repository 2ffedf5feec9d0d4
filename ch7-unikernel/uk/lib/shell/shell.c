/* The shell's loop and its command tables. */
#include "shell/shell.h"

#include <stdio.h>
#include <string.h>

#include "plat/plat.h"
#include "shell/line_edit.h"
#include "uart/uart.h"

/* Splits line in place at blanks; "..." keeps blanks inside one word. */
static int split(char *line, char **argv)
{
	int argc = 0;
	char *p = line;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (argc == SHELL_MAX_ARGS)
			return -1;
		if (*p == '"') {
			argv[argc++] = ++p;
			while (*p && *p != '"')
				p++;
		} else {
			argv[argc++] = p;
			while (*p && *p != ' ')
				p++;
		}
		if (*p)
			*p++ = '\0';
	}
	return argc;
}

static const struct shell_command *find(const struct shell_command *table, const char *name)
{
	for (; table && table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

static void help_table(const struct shell_command *table, const char *prefix)
{
	for (; table && table->name; table++) {
		char usage[48];
		if (table->sub) {
			char sub_prefix[24];
			snprintf(sub_prefix, sizeof(sub_prefix), "%s%s ", prefix, table->name);
			help_table(table->sub, sub_prefix);
			continue;
		}
		snprintf(usage, sizeof(usage), "%s%s%s%s", prefix, table->name,
		         table->args[0] ? " " : "", table->args);
		printf("  %-24s %s\n", usage, table->help);
	}
}

void shell_help(const struct shell_command *commands)
{
	help_table(commands, "");
	printf("  %-24s %s\n", "help", "this list");
}

int shell_execute(const struct shell_command *commands, char *line)
{
	char *words[SHELL_MAX_ARGS];
	char **argv = words;
	int argc = split(line, words);
	if (argc < 0) {
		printf("too many words (at most %d)\n", SHELL_MAX_ARGS);
		return 1;
	}
	if (argc == 0)
		return 0;
	if (!strcmp(argv[0], "help")) {
		shell_help(commands);
		return 0;
	}
	const struct shell_command *cmd = find(commands, argv[0]);
	/* Down the subcommand tables: "vm boot 2" runs boot with argv "boot 2". */
	while (cmd && cmd->sub && argc > 1) {
		const struct shell_command *sub = find(cmd->sub, argv[1]);
		if (!sub) {
			printf("%s: unknown subcommand %s (help lists them)\n", argv[0], argv[1]);
			return 1;
		}
		cmd = sub;
		argv++;
		argc--;
	}
	if (!cmd) {
		printf("%s: unknown command (help lists them)\n", argv[0]);
		return 1;
	}
	if (cmd->sub) {
		char prefix[24];
		snprintf(prefix, sizeof(prefix), "%s ", argv[0]);
		help_table(cmd->sub, prefix);
		return 1;
	}
	return cmd->run(argc, argv);
}

static void echo(const char *s, size_t n)
{
	plat_console_write(s, n);
}

void shell_run(const char *prompt, const struct shell_command *commands)
{
	static struct line_edit ed;
	line_edit_init(&ed, echo);
	for (;;) {
		fflush(stdout);
		plat_console_write(prompt, strlen(prompt));
		line_edit_reset(&ed);
		enum line_edit_result r;
		do
			r = line_edit_key(&ed, uart_getc_wait());
		while (r == LINE_EDIT_MORE);
		if (r != LINE_EDIT_DONE)
			continue;
		line_edit_remember(&ed, ed.line);
		if (shell_execute(commands, ed.line) == SHELL_EXIT)
			return;
	}
}
