/* A VM's JSON config (in the style of Rust-Shyper's vm-config.json) into
 * the hypervisor's binary description. Pure: no files, no calls, so that
 * it compiles and is tested on the host (test/). */
#ifndef MVM_VM_CONFIG_H
#define MVM_VM_CONFIG_H

#include <stddef.h>

#include "hvmgmt/hvmgmt.h"

#define VM_CONFIG_PATH_MAX 64

struct vm_config {
	/* Complete but for image_addr/image_size and initrd_addr/initrd_size:
	 * the caller loads the files named below and fills them in. */
	struct hvmgmt_vm_desc desc;
	char kernel_file[VM_CONFIG_PATH_MAX];
	char ramdisk_file[VM_CONFIG_PATH_MAX]; /* "": none */
};

/* 0, or -1 with a message in err ("vm config: memory.region: ..."): a
 * malformed document, a field of the wrong type or out of range, an
 * unknown field, and a field for something hvlab does not have (named:
 * "passthrough_device: not supported by hvlab"). */
int vm_config_parse(const char *text, size_t len, struct vm_config *cfg, char *err,
                    size_t err_size);

#endif
