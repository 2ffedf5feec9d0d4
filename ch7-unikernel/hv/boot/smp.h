/* Bringing up the other harts with SBI HSM. */
#ifndef BOOT_SMP_H
#define BOOT_SMP_H

/* Sets up the boot hart's struct hart (index 0). */
void smp_init_boot_hart(unsigned long hartid);
/* Starts every other hart in the device tree and waits until each reports
 * itself online; returns the number of harts online, the boot hart included. */
int smp_start_secondaries(void);
/* harts[0 .. smp_hart_slots()-1] were started (check .online). */
int smp_hart_slots(void);

#endif
