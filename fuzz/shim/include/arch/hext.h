/* Host build of arch/hext.h: the real constants; fences do nothing, and
 * the guest-virtual accesses (hlv, hlvx, hsv) go to the harness. */
#ifndef FUZZ_SHIM_ARCH_HEXT_H
#define FUZZ_SHIM_ARCH_HEXT_H

#define hfence_gvma_all target_hfence_gvma_all
#define hfence_gvma_gpa target_hfence_gvma_gpa
#define hfence_vvma_all target_hfence_vvma_all
#define guest_read8     target_guest_read8
#define guest_read16    target_guest_read16
#define guest_read32    target_guest_read32
#define guest_read64    target_guest_read64
#define guest_fetch16   target_guest_fetch16
#define guest_write8    target_guest_write8
#define guest_write16   target_guest_write16
#define guest_write32   target_guest_write32
#define guest_write64   target_guest_write64
#include_next "arch/hext.h"
#undef hfence_gvma_all
#undef hfence_gvma_gpa
#undef hfence_vvma_all
#undef guest_read8
#undef guest_read16
#undef guest_read32
#undef guest_read64
#undef guest_fetch16
#undef guest_write8
#undef guest_write16
#undef guest_write32
#undef guest_write64

#ifndef __ASSEMBLY__
#include <stdbool.h>

static inline void hfence_gvma_all(void)
{
}

static inline void hfence_gvma_gpa(uint64_t gpa)
{
	(void)gpa;
}

static inline void hfence_vvma_all(void)
{
}

/* An access through the guest's own translation, as the hart would make
 * it: `size` bytes at gva into *out (little-endian). Returns PROBE_OK or
 * PROBE_FAULT. Defined by the harnesses whose code makes such accesses. */
int fuzz_guest_load(uint64_t gva, void *out, unsigned size, bool execute);
int fuzz_guest_store(uint64_t gva, uint64_t value, unsigned size);

#define FUZZ_GUEST_READ(name, type, execute)                             \
	static inline int name(uint64_t gva, type *out)                  \
	{                                                                \
		return fuzz_guest_load(gva, out, sizeof(*out), execute); \
	}
#define FUZZ_GUEST_WRITE(name, type)                        \
	static inline int name(uint64_t gva, type v)        \
	{                                                   \
		return fuzz_guest_store(gva, v, sizeof(v)); \
	}

FUZZ_GUEST_READ(guest_read8, uint8_t, false)
FUZZ_GUEST_READ(guest_read16, uint16_t, false)
FUZZ_GUEST_READ(guest_read32, uint32_t, false)
FUZZ_GUEST_READ(guest_read64, uint64_t, false)
FUZZ_GUEST_READ(guest_fetch16, uint16_t, true)
FUZZ_GUEST_WRITE(guest_write8, uint8_t)
FUZZ_GUEST_WRITE(guest_write16, uint16_t)
FUZZ_GUEST_WRITE(guest_write32, uint32_t)
FUZZ_GUEST_WRITE(guest_write64, uint64_t)
#endif

#endif
