/* The checks of a management call's arguments that need nothing of the
 * hypervisor's state but the figures below: a VM_CREATE description,
 * field by field, and a buffer the caller names. Apart from the SBI
 * handler (vm/sbi_mgmt.c) so that a host fuzzer builds them (fuzz/mgmt.c). */
#ifndef VM_MGMT_DESC_H
#define VM_MGMT_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include "regmap/hvmgmt.h"

/* What a description is checked against. */
struct mgmt_limits {
	uint64_t caller_ram_gpa, caller_ram_size; /* the management VM's RAM */
	uint64_t mem_max;      /* the most RAM a new VM may get (what frames are free) */
	unsigned vcpus_max;    /* MAX_VCPUS */
	uint64_t all_harts;    /* a bit for each hart the machine has */
	uint64_t disk_sectors; /* the host disk's; 0 when there is none */
	uint64_t fdt_room;     /* RAM the device tree takes at the top (GUEST_FDT_MAX) */
};

/* Why a description was refused: the field, the reason, the SBI error. */
struct mgmt_refusal {
	const char *field;
	char why[96];
	long error; /* SBI_ERR_INVALID_PARAM, or SBI_ERR_INVALID_ADDRESS for addresses */
};

/* 0 when every field of d (a copy in the hypervisor's memory) is
 * acceptable; else -1 with the first refusal in *r. */
int mgmt_desc_check(const struct hvmgmt_vm_desc *d, const struct mgmt_limits *lim,
                    struct mgmt_refusal *r);

/* Whether [gpa, gpa + size) lies inside [ram_gpa, ram_gpa + ram_size),
 * without overflowing; an empty buffer must still start inside. */
bool mgmt_range_inside(uint64_t gpa, uint64_t size, uint64_t ram_gpa, uint64_t ram_size);

#endif
