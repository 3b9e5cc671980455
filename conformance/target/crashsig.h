/* SPDX-License-Identifier: MIT */
/* crashsig.h - what killed a target, in one line: how its process ended and,
 * when it printed a report before dying, the report's kind and where in its
 * own code it happened. Crashes with the same signature are taken to be the
 * same defect: the live fuzzer counts them together and minimizes an input
 * only while it still gives that signature.
 *
 * Reports recognized (the first one in the output counts):
 *   AddressSanitizer and the other sanitizers' "ERROR: XSanitizer: KIND ..."
 *     with the first stack frame "#N 0x... in FUNC FILE:LINE" outside the
 *     sanitizer runtime and the C library: "AddressSanitizer: heap-buffer-
 *     overflow in parse_userid ref-server/session.c:508";
 *   UBSan's "FILE:LINE:COL: runtime error: ...": "UndefinedBehaviorSanitizer:
 *     runtime error at FILE:LINE:COL";
 *   a Python traceback: "Python ValueError in FUNC (FILE:LINE)", its last frame;
 *   a Node.js exception: "Node TypeError at FUNC (FILE:LINE:COL)", its first frame.
 * Values that change from run to run (addresses, thread ids, the message
 * after the kind) are left out. */
#ifndef SOCKS4KIT_CRASHSIG_H
#define SOCKS4KIT_CRASHSIG_H

#include <stddef.h>

/* how: the process's end in words ("killed by signal 6 (SIGABRT)"); output:
 * what it printed (may be NULL). Writes "HOW" or "HOW; REPORT" to out and
 * returns its length. */
size_t crash_signature(const char *how, const char *output, char *out, size_t cap);

/* Where the first recognized report starts in output, or NULL. */
const char *crash_report(const char *output);

#endif
