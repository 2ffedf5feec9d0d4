/* Which VMs to run, from the kernel command line:
 *
 *   vm=IMAGE[:MEM[:VCPUS]]    one VM per vm= (MEM like 16M, default 16M; VCPUS default 1)
 *   vmN.KEY=VALUE              KEY=VALUE goes into the bootargs of the N-th VM (from 1)
 *   vmN.initrd=@ADDR+SIZE      the N-th VM's initial RAM disk, staged in host memory
 *                              by QEMU's loader (for the hypervisor: not in the bootargs)
 *   vmN.disk=SLICE             the N-th VM's virtio disk (vdev/vblk.h; not in the bootargs)
 *   vmN.mac=XX:XX:XX:XX:XX:XX  its virtio-net address (vdev/vnet.h; not in the bootargs)
 *   mvm=N                      the N-th VM is the management VM (vm/sbi_mgmt.c)
 *
 * IMAGE is the name of a guest built into the hypervisor (guest/ in this
 * chapter: `make run APPEND="vm=hello"`), or @ADDR+SIZE for a raw image that
 * QEMU's loader placed in host memory (what `make run GUEST=file` does; with
 * GUEST_INITRD=file it adds vmN.initrd= for each). */
#ifndef VM_CONFIG_H
#define VM_CONFIG_H

#include "vm/vm.h"

/* A raw image (@ADDR+SIZE) is loaded and entered this far into guest RAM;
 * the built-in guests, linked at the start of RAM, at offset 0. */
#define RAW_IMAGE_OFFSET 0x200000UL

/* Parses the command line into cfg[]; returns how many VMs it asks for.
 * Host memory that holds loaded images is added to the reserved regions,
 * so call it before frame_init. */
int vm_config_parse(struct vm_config *cfg, int max);

#endif
