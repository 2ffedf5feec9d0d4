/* The MVM's commands, in the style of Rust-Shyper's shyper-cli. */
#ifndef MVM_COMMANDS_H
#define MVM_COMMANDS_H

#include "shell/shell.h"

/* vm list, vm config FILE.json, vm boot/stop/console/rm N (vm_commands.c). */
extern const struct shell_command vm_subcommands[];
/* ls [DIR], cat FILE (file_commands.c). */
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);

#endif
