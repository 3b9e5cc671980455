/* SPDX-License-Identifier: MIT */
/* guard.h - test inputs placed right before an inaccessible page, so that
 * any read past the end crashes at once, with or without ASan
 * (picohttpparser's trick). */
#ifndef SOCKS4KIT_TEST_GUARD_H
#define SOCKS4KIT_TEST_GUARD_H

#include <stddef.h>
#include <stdint.h>

/* Returns a copy of src[0..n) that ends exactly where a PROT_NONE page
 * starts. Release it with guard_free(p, n). Fails the test on error. */
const uint8_t *guard_copy(const void *src, size_t n);
void guard_free(const uint8_t *p, size_t n);

#endif
