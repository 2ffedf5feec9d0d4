/* One console for the hypervisor and every VM: what is typed goes to the
 * VM that has the focus, or to the hypervisor's prompt. */
#ifndef VDEV_CONSOLE_MUX_H
#define VDEV_CONSOLE_MUX_H

#include <stdbool.h>

struct vm;

/* The escape key: Ctrl-] (telnet's), which QEMU's -nographic passes on. */
#define CONSOLE_ESCAPE 0x1d

/* Gives the focus to the first VM and takes the console's receive
 * interrupt on this hart (through the PLIC). */
void console_mux_start(bool have_plic);
/* A byte typed on the console. */
void console_mux_input(char c);
/* The VM is going away (destroyed): the focus leaves it. */
void console_mux_forget(struct vm *vm);

#endif
