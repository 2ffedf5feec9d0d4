/* A line-editing shell on the console: reads keys with uart_getc_wait,
 * edits the line (line_edit.h), splits it into words and runs the command
 * of a table. A command may have subcommands (a table of its own: "vm
 * list", "vm boot N"); `help` lists them all with their arguments. */
#ifndef UK_SHELL_H
#define UK_SHELL_H

#include <stddef.h>

#define SHELL_MAX_ARGS 8

struct shell_command {
	const char *name;
	const char *args; /* for help: "FILE.json", "N", or "" */
	const char *help; /* one line */
	/* argv[0] is the command's own name (the subcommand's, for one). */
	int (*run)(int argc, char **argv);
	const struct shell_command *sub; /* NULL-name-terminated, or NULL */
};

/* Runs the shell until a command returns SHELL_EXIT; commands is a table
 * ended by an entry whose name is NULL. */
#define SHELL_EXIT (-1000)
void shell_run(const char *prompt, const struct shell_command *commands);

/* For the shell's own tests and for callers with their own input: runs one
 * line's command (0, or what it returned; unknown: 1 with a message). */
int shell_execute(const struct shell_command *commands, char *line);
void shell_help(const struct shell_command *commands);

#endif
