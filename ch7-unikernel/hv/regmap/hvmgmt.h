/* The management extension: a vendor SBI extension through which the
 * management VM (the VM that the hypervisor word mvm=N names) lists,
 * creates, starts, stops and destroys VMs and reads their console output
 * (hv/vm/sbi_mgmt.c answers it). The hypervisor includes it, and so do the
 * guests that call it: fixed-width types, little-endian, no pointers.
 *
 * Calls: a7 = HVMGMT_EID, a6 = the function, a0.. its arguments; a0 comes
 * back as an SBI error (0, or SBI_ERR_*), a1 as the value.
 *   GET_VERSION()                          a1 = HVMGMT_VERSION
 *   VM_LIST(buf_gpa, buf_size)             a1 = how many VMs exist; writes
 *                                          as many struct hvmgmt_vm_info as fit
 *   VM_CREATE(desc_gpa, desc_size)         a1 = the new VM's id (CREATED)
 *   VM_START(id), VM_STOP(id), VM_DESTROY(id)
 *                                          VM_START: ALREADY_STARTED when it
 *                                          runs, INVALID_PARAM when it has
 *                                          stopped; VM_STOP: ALREADY_STOPPED
 *                                          when it has stopped,
 *                                          INVALID_PARAM when it was created
 *                                          and never started (destroy it)
 *   VM_CONSOLE(id, buf_gpa, buf_size, from) a1 = bytes of data; writes a
 *                                          struct hvmgmt_console then the data
 * Any other VM gets SBI_ERR_DENIED, and so does the management VM when it
 * would stop or destroy itself. Buffers must lie in the caller's RAM;
 * a bad address is SBI_ERR_INVALID_ADDRESS, a bad field
 * SBI_ERR_INVALID_PARAM, with the reason printed by the hypervisor. */
#ifndef REGMAP_HVMGMT_H
#define REGMAP_HVMGMT_H

#include <stdint.h>

#define HVMGMT_EID     0x0948564CUL /* vendor range 0x09000000-0x09FFFFFF; "HVL" */
#define HVMGMT_VERSION 1

#define HVMGMT_GET_VERSION 0
#define HVMGMT_VM_LIST     1
#define HVMGMT_VM_CREATE   2
#define HVMGMT_VM_START    3
#define HVMGMT_VM_STOP     4
#define HVMGMT_VM_DESTROY  5
#define HVMGMT_VM_CONSOLE  6

/* struct hvmgmt_vm_desc */
#define HVMGMT_DESC_MAGIC   0x444D5648u /* "HVMD" in memory */
#define HVMGMT_DESC_VERSION 1
#define HVMGMT_MEM_GPA      0x80000000UL /* where every VM's RAM starts */
#define HVMGMT_MEM_ALIGN    (2UL << 20)  /* mem_size is a multiple of it */

/* flags */
#define HVMGMT_DISK    (1u << 0) /* a virtio disk: disk_start/disk_sectors */
#define HVMGMT_DISK_RO (1u << 1) /* that disk read-only (with HVMGMT_DISK) */
#define HVMGMT_NET     (1u << 2) /* a virtio-net port (otherwise none) */
#define HVMGMT_MAC     (1u << 3) /* its address is mac[] (with HVMGMT_NET) */
#define HVMGMT_FLAGS   (HVMGMT_DISK | HVMGMT_DISK_RO | HVMGMT_NET | HVMGMT_MAC)

/* A VM to create. The image (and the initrd) are bytes in the caller's
 * RAM, copied by the hypervisor: the image to load_gpa, the initrd at the
 * top of RAM below the device tree; vCPU 0 starts at entry_gpa with
 * a0 = 0, a1 = the device tree, whose /chosen/bootargs is cmdline. */
struct hvmgmt_vm_desc {
	uint32_t magic;   /* HVMGMT_DESC_MAGIC */
	uint32_t version; /* HVMGMT_DESC_VERSION */
	uint32_t size;    /* sizeof(struct hvmgmt_vm_desc) */
	uint32_t flags;   /* HVMGMT_DISK... */
	char name[16];    /* [a-z0-9_-], 1 to 15 of them, NUL-terminated */
	uint64_t mem_gpa; /* HVMGMT_MEM_GPA */
	uint64_t mem_size;
	uint64_t load_gpa;    /* where the image goes, in the VM's RAM */
	uint64_t entry_gpa;   /* where vCPU 0 starts: inside the loaded image */
	uint64_t image_addr;  /* GPA in the caller's RAM */
	uint64_t image_size;  /* nonzero */
	uint64_t initrd_addr; /* GPA in the caller's RAM; 0 and 0: none */
	uint64_t initrd_size;
	uint32_t vcpus;        /* 1.. */
	uint32_t reserved0;    /* 0 */
	uint64_t hart_mask;    /* physical harts its vCPUs may run on; 0: any */
	uint64_t disk_start;   /* in 512-byte sectors of the host disk */
	uint64_t disk_sectors; /* nonzero with HVMGMT_DISK */
	uint8_t mac[6];        /* with HVMGMT_MAC: unicast */
	uint8_t reserved1[2];  /* 0 */
	uint64_t reserved2[3]; /* 0 */
	char cmdline[256];     /* NUL-terminated */
};

#define HVMGMT_STATE_CREATED 1 /* loaded, not started */
#define HVMGMT_STATE_RUNNING 2
#define HVMGMT_STATE_STOPPED 3 /* stopped by itself, or by VM_STOP */
#define HVMGMT_STATE_FAILED  4 /* stopped by a fault */

struct hvmgmt_vm_info {
	uint32_t id;    /* 1..: prints as [vmN] */
	uint32_t state; /* HVMGMT_STATE_* */
	char name[16];
	uint64_t mem_size;
	uint32_t vcpus;
	uint32_t is_mvm;
	uint64_t slices;        /* times its vCPUs were scheduled in */
	uint64_t exits;         /* traps from its vCPUs to the hypervisor */
	uint64_t console_bytes; /* bytes it printed since it was created */
};

/* VM_CONSOLE's answer: data[] is what the VM printed (its lines without
 * the [vmN] prefix) from byte `first` of its output on; the hypervisor
 * keeps the last few KiB, so first is `from`, or the oldest byte kept
 * when `from` is older; len bytes follow (as many as fit the buffer). */
struct hvmgmt_console {
	uint64_t first;
	uint32_t len;
	uint32_t reserved;
	char data[];
};

_Static_assert(sizeof(struct hvmgmt_vm_desc) == 416, "the ABI's size");
_Static_assert(sizeof(struct hvmgmt_vm_info) == 64, "the ABI's size");
_Static_assert(sizeof(struct hvmgmt_console) == 16, "the ABI's size");

#endif
