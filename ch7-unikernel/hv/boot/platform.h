/* What the hypervisor knows about the machine, all of it read from the
 * device tree that OpenSBI passes in a1 (Devicetree Specification v0.4;
 * the RISC-V bindings in Linux's Documentation/devicetree/bindings/riscv). */
#ifndef BOOT_PLATFORM_H
#define BOOT_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/hart.h"

#define MAX_MEM_REGIONS  4
#define MAX_RESERVED     8
#define MAX_VIRTIO_SLOTS 16

struct mem_range {
	uint64_t base;
	uint64_t size;
};

struct dt_device {
	bool present;
	const char *compatible; /* the first string of the node's compatible */
	uint64_t base;
	uint64_t size;
	uint32_t irq; /* first interrupt specifier; 0 when none */
};

struct platform {
	const void *fdt;
	uint32_t fdt_size;
	const char *model;

	struct mem_range ram[MAX_MEM_REGIONS];
	int ram_count;
	/* /reserved-memory children and the blob's memory reservation block */
	struct mem_range reserved[MAX_RESERVED];
	const char *reserved_name[MAX_RESERVED];
	bool reserved_nomap[MAX_RESERVED]; /* "no-map": not even to be mapped */
	int reserved_count;

	struct {
		unsigned long hartid;
		const char *isa;
		uint32_t intc_phandle; /* its interrupt controller's, for the PLIC's contexts */
	} hart[MAX_HARTS];
	int hart_count;
	int harts_ignored; /* present in the tree beyond MAX_HARTS */
	uint32_t timebase_frequency;

	struct dt_device uart;
	uint32_t uart_reg_shift;
	uint32_t uart_reg_io_width;
	uint32_t uart_clock;

	struct dt_device intc; /* the platform interrupt controller (PLIC or APLIC) */
	int intc_node;         /* its offset in the tree */
	uint32_t intc_sources;

	struct dt_device virtio[MAX_VIRTIO_SLOTS];
	int virtio_count;

	struct dt_device test_finisher; /* QEMU's "sifive,test0" exit device */

	const char *bootargs;
};

extern struct platform platform;

/* Fills `platform` from the blob; returns 0, or a negative libfdt error. */
int dt_discover(const void *fdt);

/* An address that no node of the tree claims (not RAM, no device's reg, no
 * bus's ranges): an access there is an access fault. */
uint64_t dt_unclaimed_address(void);

/* Whether a riscv,isa string names multi-letter extension `ext` ("sstc"). */
bool isa_has_multi_extension(const char *isa, const char *ext);

/* Whether a riscv,isa string names single-letter extension `ext` ('h' for
 * the hypervisor extension). */
bool isa_has_extension(const char *isa, char ext);

/* The value of `key=value` in the kernel command line, copied into buf;
 * returns false when the key is absent. A bare `key` yields "". */
bool bootarg(const char *key, char *buf, unsigned long size);

#endif
