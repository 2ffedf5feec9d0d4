/* The client of the hypervisor's management extension (the ABI is
 * hv/regmap/hvmgmt.h, shared with the hypervisor): one function a call.
 * Every call returns the SBI error (0: success); addresses are the MVM's
 * own, which are its guest-physical ones (satp = 0). */
#ifndef UK_HVMGMT_H
#define UK_HVMGMT_H

#include <stddef.h>
#include <stdint.h>

#include "../../../hv/regmap/hvmgmt.h"

/* The SBI errors the calls answer (SBI specification, "Binary Encoding"). */
#define HVMGMT_ERR_NOT_SUPPORTED   (-2) /* not under hvlab */
#define HVMGMT_ERR_INVALID_PARAM   (-3) /* the hypervisor prints which field */
#define HVMGMT_ERR_DENIED          (-4) /* not the management VM, or itself */
#define HVMGMT_ERR_INVALID_ADDRESS (-5)

long hvmgmt_version(unsigned long *version);
/* Writes as many entries as fit into infos; *count: how many VMs there are. */
long hvmgmt_vm_list(struct hvmgmt_vm_info *infos, size_t capacity, unsigned long *count);
long hvmgmt_vm_create(const struct hvmgmt_vm_desc *desc, unsigned long *id);
long hvmgmt_vm_start(unsigned long id);
long hvmgmt_vm_stop(unsigned long id);
long hvmgmt_vm_destroy(unsigned long id);
/* The VM's console log from byte offset `from` (or the oldest kept) into
 * buf, a struct hvmgmt_console followed by its bytes; *len: how many. */
long hvmgmt_vm_console(unsigned long id, void *buf, size_t size, uint64_t from, unsigned long *len);

/* "SBI_ERR_DENIED"...: for messages (hvmgmt_names.c, also on the host). */
const char *hvmgmt_error_name(long error);
/* "created", "running", "stopped", "failed". */
const char *hvmgmt_state_name(uint32_t state);

#endif
