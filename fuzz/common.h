/* SPDX-License-Identifier: MIT */
/* common.h - what every fuzz target shares.
 *
 * A target is one small file, fuzz/fuzz_<name>.c, that defines
 * LLVMFuzzerTestOneInput and only glues its input to lib/. The same file
 * links with libFuzzer (make fuzz), AFL++'s driver (make fuzz-afl), OSS-Fuzz
 * (fuzz/build.sh) and the plain replay driver (fuzz/replay.c, make check).
 *
 * A broken property is a crash: FUZZ_CHECK prints which one and aborts, so
 * every engine records the input as a reproducer.
 */
#ifndef SOCKS4KIT_FUZZ_COMMON_H
#define SOCKS4KIT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The entry points every engine calls (LLVMFuzzerInitialize is optional). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, __LINE__,        \
			        #cond);                                                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Returns a copy of data[0..n) in a heap block of exactly n bytes, so ASan
 * reports a read past the end. Release with free(). */
uint8_t *fuzz_dup(const uint8_t *data, size_t n);

/* One parser under test, seen through a common shape. `parse` parses
 * buf[0..len) into `out` (a struct of out_size bytes) and returns the
 * parser's result; `same` says whether two outputs hold the same fields,
 * pointers compared as offsets from their own buffers (abuf, bbuf). */
struct fuzz_parser {
	size_t out_size;
	int incomplete; /* the parser's "need more bytes" result */
	int (*parse)(const uint8_t *buf, size_t len, void *out);
	int (*same)(const void *a, const uint8_t *abuf, const void *b, const uint8_t *bbuf);
};

/* Checks the streaming contract of p on msg[0..len) (an exact-size block)
 * and returns the whole-buffer result, with its fields in *whole:
 *  - a reader that gets one byte at a time and parses again from offset 0
 *    after each, as a server does, stops at the first result that is not
 *    "incomplete"; that result and its fields equal the whole buffer's, and
 *    a success consumed exactly the bytes the reader had;
 *  - a prefix longer than that, its length chosen by `sel`, gives the whole
 *    result too (the bytes after a message are never needed);
 *  - the result never claims more bytes than it was given.
 * Every prefix is parsed where it ends at the end of a heap block, so an
 * over-read at any length is seen. */
int fuzz_stream(const struct fuzz_parser *p, const uint8_t *msg, size_t len, unsigned sel,
                void *whole);

/* True when n bytes at p (p may be NULL when n is 0) lie inside buf[0..len). */
int fuzz_within(const void *p, size_t n, const uint8_t *buf, size_t len);

/* True when two (pointer, length) fields are both NULL, or hold the same
 * bytes at the same offset from their own buffers. */
int fuzz_same_span(const char *a, size_t alen, const uint8_t *abuf, const char *b, size_t blen,
                   const uint8_t *bbuf);

/* True when all n bytes at p are v (what a writer that refused left alone). */
int fuzz_all(const uint8_t *p, size_t n, uint8_t v);

#endif
