/* The guest's machine: the devices that every VM has, a row a device
 * (struct vdev_slot, vm/vdev.h). They sit where QEMU's virt machine has
 * its own, on the same interrupt lines, so that a guest built for virt
 * finds its console and its PLIC where it expects them. vm_create sets
 * them up in this order (the vPLIC first: the others' interrupts go to
 * it), and the guest's device tree lists them in this order. */
#include "vdev/vblk.h"
#include "vdev/vnet.h"
#include "vdev/vplic.h"
#include "vdev/vtestdev.h"
#include "vdev/vuart.h"
#include "vm/vdev.h"

/* clang-format off */
const struct vdev_slot guest_machine[] = {
	/* name                   gpa          size            irq  model */
	{"interrupt-controller",  0x0c000000,  VPLIC_SIZE,     0,   &vplic_model},
	{"serial",                0x10000000,  VUART_SIZE,     10,  &vuart_model},
	{"test",                  0x10100000,  VTESTDEV_SIZE,  1,   &vtestdev_model},
	{"virtio_mmio",           0x10001000,  VIRTIO_MMIO_SIZE, 16, &vblk_model},
	{"virtio_mmio",           0x10002000,  VIRTIO_MMIO_SIZE, 17, &vnet_model},
};
/* clang-format on */
const unsigned guest_machine_size = sizeof(guest_machine) / sizeof(guest_machine[0]);
