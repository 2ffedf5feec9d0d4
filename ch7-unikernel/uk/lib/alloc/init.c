/* The backend gets the RAM that the platform leaves, before any init of a
 * later level can allocate. */
#include "alloc/alloc.h"
#include "plat/init.h"
#include "plat/plat.h"
#include "uk/config.h"

#if CONFIG_LIBALLOC_BUMP && CONFIG_LIBALLOC_TLSF
#error "two allocator backends selected: keep one of LIBALLOC_BUMP and LIBALLOC_TLSF"
#endif
#if !CONFIG_LIBALLOC_BUMP && !CONFIG_LIBALLOC_TLSF
#error "LIBALLOC without a backend: select LIBALLOC_TLSF or LIBALLOC_BUMP instead"
#endif

static int alloc_init(void)
{
	uintptr_t start, end;
	plat_free_ram(&start, &end);
	if (end - start < 4096)
		return -1;
	uk_alloc_init((void *)start, end - start);
	return 0;
}
UK_INIT(alloc_init, UK_INIT_ALLOC);
