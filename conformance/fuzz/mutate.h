/* SPDX-License-Identifier: MIT */
/* mutate.h - coverage-guided fuzzing's mutation of a corpus entry: AFL's
 * byte-level havoc (bit flips, interesting 8/16/32-bit values, arithmetic,
 * random bytes, block deletes, clones and overwrites), dictionary tokens
 * written or inserted, and a splice with a second entry, stacked under live
 * fuzzing's own mutations (fuzz_make(): fields, USERID, VN, raw bytes,
 * splits, stalls; every input ends with a half-close). The stalls are cut
 * to 1-2 ms: inputs run one at a time, and on loopback that is enough for
 * the target to read the writes apart.
 *
 * livefuzz.c's rule holds: the target only ever connects to this host. The
 * byte-level mutations never touch DSTIP (bytes 4-7) nor move it (a length
 * changes only behind the header), and cov_tame() puts dest-addr in a DSTIP
 * that is not one the live fuzzer would send: in one from a file, and in
 * every input made (live fuzzing's appends to an entry shorter than the
 * header would write DSTIP). */
#ifndef SOCKS4KIT_MUTATE_H
#define SOCKS4KIT_MUTATE_H

#include "fuzz/corpus.h"
#include "fuzz/livefuzz.h"

/* An input made from entry k of c (tmp: the caller's scratch). */
void cov_mutate(struct fuzz_run *fr, struct rng *g, const struct corpus *c, size_t k,
                struct sample *out, struct sample *tmp);
/* A request that comes from a file: DSTIP made one the live fuzzer sends
 * (dest-addr unless loopback, 0.0.0.0, a SOCKS4a marker or the broadcast
 * address), names kept local; with seed, DSTPORT becomes the run's echo
 * service (the repository's seeds name port 80). */
void cov_tame(struct fuzz_run *fr, struct sample *s, int seed);

#endif
