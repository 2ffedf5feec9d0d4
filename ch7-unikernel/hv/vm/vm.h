/* A virtual machine: its guest-physical address space, its vCPUs, its
 * emulated devices (those of the guest's machine, vm/vdev.h) and the device
 * tree it boots with. */
#ifndef VM_VM_H
#define VM_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/spinlock.h"
#include "mm/gstage.h"
#include "vm/mmio.h"
#include "vm/vcpu.h"

#define MAX_VMS       8
#define MAX_VCPUS     8
#define GUEST_RAM_GPA 0x80000000UL
#define GUEST_FDT_MAX 0x4000UL /* room for the guest's device tree */

/* VM_CREATED: loaded by the management VM, not started (vm_start); it
 * counts neither as running nor as stopped. VM_GOING_AWAY: vm_destroy is
 * freeing it; every lookup treats it as gone (vm_present). */
enum vm_state { VM_FREE, VM_RUNNING, VM_STOPPED, VM_CREATED, VM_GOING_AWAY };

#define VM_LOG_SIZE 4096 /* bytes of its console output kept (VM_CONSOLE) */

/* What the user asks for (vm= on the command line, see vm/config.c). */
struct vm_config {
	char name[16];
	const void *image; /* raw S-mode image, loaded at the start of RAM */
	unsigned long image_size;
	unsigned long load_offset; /* where in RAM the image goes, and vCPU 0 starts */
	const void *initrd;        /* vmN.initrd=@ADDR+SIZE: an initial RAM disk, or NULL */
	unsigned long initrd_size;
	unsigned long mem; /* bytes of guest RAM */
	unsigned vcpus;
	/* A Linux command line (console=, earlycon=, its init's words) is longer
	 * than a test guest's nonce. */
	char bootargs[256];
	/* vmN.disk=: its virtio disk, a slice of the host's (vdev/vblk.c
	 * parses it); empty: none. Not in the bootargs. */
	char disk[64];
	/* vmN.mac=: its virtio-net address, 6 hex bytes with colons
	 * (vdev/vnet.c parses it); empty: derived from its id. */
	char mac[18];
	bool no_net; /* no virtio-net card (an empty slot) */
	bool is_mvm; /* mvm=N names it: it may make management calls */
	/* Set for a VM that the management VM creates: image and initrd are
	 * GPAs in this VM's RAM, copied from there (checked: vm/sbi_mgmt.c). */
	struct vm *source;
	unsigned long entry_offset; /* where vCPU 0 starts, if not at load_offset */
};

struct vm {
	int id; /* 1..MAX_VMS: prints as [vmN] */
	char name[16];
	volatile enum vm_state state;
	bool failed; /* stopped by a fault rather than by its own request */
	struct gstage gs;
	uint64_t ram_gpa, ram_size;
	uint64_t fdt_gpa;
	uint64_t initrd_start, initrd_end; /* GPAs of its initial RAM disk; 0, 0 if none */
	unsigned nvcpus;
	const struct vm_config *config; /* what it was created from (vdev/ reads it) */
	struct vcpu vcpus[MAX_VCPUS];
	struct mmio_region mmio[MAX_MMIO_REGIONS]; /* its devices' windows */
	int nmmio;
	void *vdev_state; /* its devices' state, in frames of its own */
	unsigned long vdev_frames;
	struct spinlock lock; /* its state, for vm_stop */
	bool is_mvm;
	/* Management calls refused to it (vm/sbi_mgmt.c): a VM of its own
	 * count, zero again for the next VM in the slot. */
	unsigned long mgmt_denials;
	/* What it printed, without prefixes: the last VM_LOG_SIZE bytes of
	 * log_total, byte i at log[i % VM_LOG_SIZE]; under log_lock. */
	struct spinlock log_lock;
	uint64_t log_total;
	char log[VM_LOG_SIZE];
};

extern struct vm vms[MAX_VMS];

/* The slot holds a VM that lookups may name: not free, not being freed. */
static inline bool vm_present(const struct vm *vm)
{
	enum vm_state s = __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE);
	return s != VM_FREE && s != VM_GOING_AWAY;
}

/* Creates and loads a VM and starts it; returns it, or NULL with the
 * reason printed. */
struct vm *vm_create(const struct vm_config *cfg);
/* The same, but the VM stays VM_CREATED until vm_start. */
struct vm *vm_create_loaded(const struct vm_config *cfg);
/* Starts a VM_CREATED VM: false if it is in another state. */
bool vm_start(struct vm *vm);
/* Gives back everything a stopped or created VM holds, and its slot,
 * once no hart runs its vCPUs. False, with the reason in *why, when it cannot be now. */
bool vm_destroy(struct vm *vm, const char **why);
/* Called by vm_destroy once the VM is VM_GOING_AWAY, before it is freed:
 * what a layer above vm/ holds of it (the console's focus, vdev/) is let
 * go there. One hook, set at boot. */
void vm_set_destroy_hook(void (*hook)(struct vm *vm));
/* Copies up to `len` bytes of the VM's console log from byte `from` of its
 * output (or the oldest byte kept); returns how many, *first where they
 * start. */
uint32_t vm_log_read(struct vm *vm, uint64_t from, char *buf, uint32_t len, uint64_t *first);
/* Stops every vCPU of the VM and prints why; the other VMs go on. */
void vm_stop(struct vm *vm, bool failed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Console output from the guest's vCPU v, by byte. */
void vm_console_putc(struct vcpu *v, char c);
/* Prints v's unfinished line now (a prompt, say), leaving it open. */
void vm_console_flush(struct vcpu *v);
/* How many VMs run, and how many stopped with a failure. The machine
 * powers off when none runs (vm/sched.c): the management VM keeps it up
 * while it runs; a VM that it created and never started does not. */
int vm_running_count(void);
int vm_failed_count(void);

#endif
