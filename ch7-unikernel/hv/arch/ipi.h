/* Inter-processor interrupts between the hypervisor's harts. */
#ifndef ARCH_IPI_H
#define ARCH_IPI_H

#include <stdbool.h>

void ipi_enable(void);
/* Sends a supervisor software interrupt to the hart with this index. */
bool ipi_send(unsigned index);
void ipi_interrupt(void);

#endif
