/* The harnesses' view of the host frame allocator (fuzz/shim/frame.c). */
#ifndef FUZZ_SHIM_FUZZ_FRAME_H
#define FUZZ_SHIM_FUZZ_FRAME_H

#define LEVEL_2M (2UL << 20)

/* Frames handed out and not freed: 0 after a table is destroyed. */
unsigned long fuzz_frames_in_use(void);

#endif
