/* SPDX-License-Identifier: MIT */
/* crashdir.h - where socks4-test writes the bytes that killed a target
 * (reproducers of cases, crash files of --fuzz), made so that a hostile or
 * careless environment cannot turn a write into damage:
 *   - --crash-dir DIR: DIR is created (0700) when missing; an existing one
 *     must be a real directory (not a symlink) owned by the user, or
 *     nothing is written and the error says why;
 *   - by default: a fresh directory per run, $TMPDIR/socks4-test-XXXXXX
 *     (/tmp without TMPDIR), created when the first file is written and
 *     named on stderr then; never the current directory, which may be a
 *     source tree;
 *   - every file is created with O_CREAT|O_EXCL|O_NOFOLLOW relative to the
 *     directory opened once: never through a symlink, never over a file of
 *     an earlier run (a taken name gets "-2", "-3", ... instead).
 * Thread-safe: cases run in parallel. */
#ifndef SOCKS4KIT_CRASHDIR_H
#define SOCKS4KIT_CRASHDIR_H

#include <stddef.h>
#include <stdio.h>

/* Creates one file per extension in exts ("bin", "txt"), all with the same
 * free base name derived from base ("crash-1-slug", then "crash-1-slug-2",
 * ...), in the directory chosen by dir_opt (--crash-dir, or NULL for the
 * default). files[i] are open for writing ("wb"); path gets "DIR/BASE"
 * (without an extension). Returns 0, or -1 with err set and nothing
 * created. */
int crashdir_create(const char *dir_opt, const char *base, const char *const *exts, size_t next,
                    FILE **files, char *path, size_t pathcap, char *err, size_t errlen);

/* For messages before anything is written: dir_opt, or "a fresh directory
 * under $TMPDIR" in words. */
const char *crashdir_describe(const char *dir_opt, char *buf, size_t cap);

#endif
