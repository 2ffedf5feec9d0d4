/* The guest's machine: the devices that every VM has, a row a device
 * (struct vdev_slot, vm/vdev.h). They sit where QEMU's virt machine has
 * its own, so that a guest built for virt finds its console where it
 * expects it. vm_create sets them up in this order, and the guest's device
 * tree lists them in this order. */
#include "vdev/vtestdev.h"
#include "vdev/vuart.h"
#include "vm/vdev.h"

/* clang-format off */
const struct vdev_slot guest_machine[] = {
	/* name      gpa          size            model */
	{"serial",   0x10000000,  VUART_SIZE,     &vuart_model},
	{"test",     0x10100000,  VTESTDEV_SIZE,  &vtestdev_model},
};
/* clang-format on */
const unsigned guest_machine_size = sizeof(guest_machine) / sizeof(guest_machine[0]);
