/* The management calls: an ecall to the vendor extension HVMGMT_EID with
 * the function in a6, as SBI's calling convention has it. */
#include "hvmgmt/hvmgmt.h"

struct sbiret {
	long error;
	unsigned long value;
};

static struct sbiret hvmgmt_call(unsigned long fid, unsigned long a0, unsigned long a1,
                                 unsigned long a2, unsigned long a3)
{
	register unsigned long r0 asm("a0") = a0;
	register unsigned long r1 asm("a1") = a1;
	register unsigned long r2 asm("a2") = a2;
	register unsigned long r3 asm("a3") = a3;
	register unsigned long r6 asm("a6") = fid;
	register unsigned long r7 asm("a7") = HVMGMT_EID;
	/* The hypervisor reads and writes the buffers we pass: memory clobber. */
	asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){.error = (long)r0, .value = r1};
}

static long with_value(struct sbiret r, unsigned long *value)
{
	if (r.error == 0 && value)
		*value = r.value;
	return r.error;
}

long hvmgmt_version(unsigned long *version)
{
	return with_value(hvmgmt_call(HVMGMT_GET_VERSION, 0, 0, 0, 0), version);
}

long hvmgmt_vm_list(struct hvmgmt_vm_info *infos, size_t capacity, unsigned long *count)
{
	return with_value(
	    hvmgmt_call(HVMGMT_VM_LIST, (unsigned long)infos, capacity * sizeof(*infos), 0, 0),
	    count);
}

long hvmgmt_vm_create(const struct hvmgmt_vm_desc *desc, unsigned long *id)
{
	return with_value(hvmgmt_call(HVMGMT_VM_CREATE, (unsigned long)desc, sizeof(*desc), 0, 0),
	                  id);
}

long hvmgmt_vm_start(unsigned long id)
{
	return hvmgmt_call(HVMGMT_VM_START, id, 0, 0, 0).error;
}

long hvmgmt_vm_stop(unsigned long id)
{
	return hvmgmt_call(HVMGMT_VM_STOP, id, 0, 0, 0).error;
}

long hvmgmt_vm_destroy(unsigned long id)
{
	return hvmgmt_call(HVMGMT_VM_DESTROY, id, 0, 0, 0).error;
}

long hvmgmt_vm_console(unsigned long id, void *buf, size_t size, uint64_t from, unsigned long *len)
{
	return with_value(hvmgmt_call(HVMGMT_VM_CONSOLE, id, (unsigned long)buf, size, from), len);
}
