/* Emulated devices as the VM layer sees them. A model is a kind of device
 * (vdev/vuart.c, vdev/vplic.c...): the size of its state, how that state
 * starts, the handlers of its registers, its device-tree node. A slot puts
 * one device of a model into the guest's machine: its name, its window of
 * guest-physical addresses and its interrupt lines. The machine is a table
 * of slots, vdev/machine.c, that vm_create and the device-tree builder loop
 * over.
 * The models and the table live in vdev/, the layer above this one, which
 * vm/ knows only through these types: a new device is a file in vdev/ that
 * defines its model, and a row in the table.
 *
 * hv/'s layers, bottom up: regmap/; arch/, lib/ and boot/'s headers; mm/;
 * dev/; vm/; vdev/; selftest/ and boot/'s code. A file includes headers of
 * its own layer and of those below (the chapter README's Layout). */
#ifndef VM_VDEV_H
#define VM_VDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/mmio.h"

struct vm;
struct vm_config;
struct vdev_slot;

struct vdev_model {
	const char *compatible; /* of its device-tree node */
	bool console;           /* the guest's console: /chosen's stdout-path */
	unsigned irqs;          /* its interrupt lines: vPLIC sources from its slot's irq on */
	size_t state_size;      /* bytes of state a device keeps, zeroed at first */
	/* Sets up the state of the slot's device in vm (whose vCPUs exist);
	 * NULL when zeroes will do. Returns 0, or -1 with the reason printed. */
	int (*init)(struct vm *vm, void *state, const struct vdev_slot *slot);
	/* Gives back what the device took beyond the state (frames, a switch
	 * port), when the VM's creation fails after its init or when the VM is
	 * destroyed: called only for a device whose init succeeded, in a VM
	 * whose vCPUs no hart runs, and not while busy says so. NULL when it
	 * holds nothing. */
	void (*release)(struct vm *vm, void *state, const struct vdev_slot *slot);
	/* Whether requests of the device are still out on the host's (their
	 * completions would find its state gone); NULL: never. */
	bool (*busy)(struct vm *vm, void *state, const struct vdev_slot *slot);
	/* Before a VM is created at run time: whether its configuration's
	 * device would clash with those of the VMs that exist (a disk slice
	 * over another's, say); then why, in why[len]. NULL: never. */
	bool (*conflicts)(const struct vm_config *cfg, char *why, size_t len);
	struct mmio_ops mmio;
	/* Writes its node's properties besides compatible, reg and
	 * interrupts; NULL when it has none. Returns 0 or a libfdt error. */
	int (*fdt_props)(void *fdt, const struct vm *vm, const struct vdev_slot *slot);
	/* ch8 adds how a device's state is saved and restored. */
};

struct vdev_slot {
	const char *name; /* of its device-tree node, before the @address */
	uint64_t gpa, size;
	unsigned irq; /* its first vPLIC source, when its model has lines */
	const struct vdev_model *model;
};

/* The guest's machine: every VM has these devices (vdev/machine.c). */
extern const struct vdev_slot guest_machine[];
extern const unsigned guest_machine_size;

/* The state of vm's first device of `model`, or NULL when it has none. */
void *vdev_state(struct vm *vm, const struct vdev_model *model);

#endif
