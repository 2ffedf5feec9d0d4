/* The hypervisor console: the SBI legacy console until the UART is known
 * from the device tree, then the UART itself. Every line that goes out is
 * prefixed "[hv] ", and one lock keeps lines from different harts whole. */
#ifndef LIB_CONSOLE_H
#define LIB_CONSOLE_H

#include <stdbool.h>

/* From now on, lines go out through putc (the UART driver's, which boot
 * passes: the console knows no device). */
void console_set_output(void (*putc)(char c));
void console_lock(void);
void console_unlock(void);
/* For panic: from now on this hart prints without the lock, which it keeps,
 * so that the other harts wait at it and the report comes out whole. */
void console_take_over(void);
/* With the lock held. */
void console_putc_locked(char c);
void console_puts(const char *s);
/* Text from vCPU `vcpu` of guest `vm_id`, printed as "[vmN] text". With
 * end_of_line false the line stays open on the screen (a prompt, an echo)
 * and the next text of the same vCPU continues it, unless someone else
 * printed in between: then it starts again on a new prefixed line. */
void console_write_prefixed(int vm_id, unsigned vcpu, const char *text, unsigned len,
                            bool end_of_line);

#endif
