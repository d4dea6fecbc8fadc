/* fuzz.h: the entry point every target defines, for libFuzzer and replay.c. */
#ifndef SOLAR_FUZZ_H
#define SOLAR_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
