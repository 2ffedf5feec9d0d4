/* What every harness uses: reading the fuzzer's input field by field, and
 * checks that turn a violated property into a crash that libFuzzer keeps. */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct input {
	const uint8_t *data;
	size_t size;
};

/* An input that runs out reads as zeros: every byte string is a valid input. */
static inline uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && in->size; i++, in->size--)
		v |= (uint64_t)*in->data++ << (8 * i);
	return v;
}

static inline uint8_t take8(struct input *in)
{
	return (uint8_t)take(in, 1);
}

static inline uint16_t take16(struct input *in)
{
	return (uint16_t)take(in, 2);
}

static inline uint32_t take32(struct input *in)
{
	return (uint32_t)take(in, 4);
}

static inline uint64_t take64(struct input *in)
{
	return take(in, 8);
}

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, \
			        #cond);                                                       \
			abort();                                                              \
		}                                                                             \
	} while (0)

#endif
