/* Symbolised backtraces by frame pointers. With -fno-omit-frame-pointer,
 * GCC keeps s0 (fp) at the frame's top: the return address at fp - 8, the
 * caller's fp at fp - 16. Function names come from a table that the build
 * links into the image (tools/gen-symtab.sh). */
#ifndef LIB_BACKTRACE_H
#define LIB_BACKTRACE_H

/* The function containing `addr` and the offset into it; "??" when unknown. */
const char *symbol_lookup(unsigned long addr, unsigned long *offset);
/* Prints frames from `pc`, walking the fp chain on this hart's stack. */
void backtrace_print(unsigned long pc, unsigned long fp);

#endif
