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

enum vm_state { VM_FREE, VM_RUNNING, VM_STOPPED };

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
};

extern struct vm vms[MAX_VMS];

/* Creates and loads a VM; returns it, or NULL with the reason printed. */
struct vm *vm_create(const struct vm_config *cfg);
/* Stops every vCPU of the VM and prints why; the other VMs go on. */
void vm_stop(struct vm *vm, bool failed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Console output from the guest's vCPU v, by byte. */
void vm_console_putc(struct vcpu *v, char c);
/* Prints v's unfinished line now (a prompt, say), leaving it open. */
void vm_console_flush(struct vcpu *v);
/* How many VMs have not stopped, and how many stopped with a failure. */
int vm_running_count(void);
int vm_failed_count(void);

#endif
