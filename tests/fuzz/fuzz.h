/* fuzz.h — what every fuzz target shares.
 *
 * Each fuzz_*.c defines LLVMFuzzerTestOneInput and is built twice: with
 * clang's libFuzzer by `make fuzz` (tests/fuzz/run.sh), and with the normal
 * compiler against replay.c, so `make check` (and its sanitizer build) feeds
 * every committed seed and every regression input in tests/regress/ through
 * the same code.  A target reports a finding by crashing: fuzz_fail() aborts,
 * which both libFuzzer and the replay test count as a failure.
 */
#ifndef HEED_FUZZ_H
#define HEED_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the parser promised was broken: a finding. */
#define fuzz_fail(...) \
	do { \
		fprintf(stderr, "fuzz invariant: " __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} while (0)

#define fuzz_check(cond) \
	do { \
		if (!(cond)) \
			fuzz_fail("%s (%s:%d)", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
