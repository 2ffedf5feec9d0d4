/* Emulated devices: a guest-physical window that the G-stage table leaves
 * unmapped, so that every access faults and is emulated here. */
#ifndef VM_MMIO_H
#define VM_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_MMIO_REGIONS 8

struct vm;
struct vcpu;
struct vdev_slot;

/* An emulated device's handlers, as KVM's kvm_io_device_ops: v is the vCPU
 * that made the access, dev the device's state, offset into the region,
 * width in bytes (1, 2, 4, 8). Return false for an access the device does
 * not accept: the VM is then stopped. */
struct mmio_ops {
	bool (*read)(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t *value);
	bool (*write)(struct vcpu *v, void *dev, uint64_t offset, unsigned width, uint64_t value);
};

/* A device's window in a VM: base and size are its slot's, copied here so
 * that the search of a fault's address reads only this array. */
struct mmio_region {
	uint64_t base, size;
	const struct mmio_ops *ops;
	void *dev; /* the device's state */
	const struct vdev_slot *slot;
};

/* The window of the slot's device, whose state is dev (vm/vdev.h). */
void mmio_add(struct vm *vm, const struct vdev_slot *slot, void *dev);
/* A load or store guest-page fault: emulate the access, or stop the VM. */
void mmio_handle_fault(struct vcpu *v);

#endif
