/* SPDX-License-Identifier: MIT */
/* covmap.h - AFL++'s coverage map, seen from socks4-test --coverage: the
 * System V shared memory that a target built with afl-clang-fast (or any
 * afl-cc mode) writes its edge counters into, and what one input did to it.
 *
 * AFL++'s runtime (afl-compiler-rt) attaches the segment named by
 * __AFL_SHM_ID in its environment from a constructor, before main(); with
 * no forkserver pipe (fd 198/199) open it runs as an ordinary process, so a
 * long-running server writes every connection's edges into the one map.
 * The size it needs is what it prints with AFL_DUMP_MAP_SIZE=1 (then it
 * exits): covmap_create() asks for it, makes the segment that size, and
 * puts __AFL_SHM_ID and AFL_MAP_SIZE into this process's environment, which
 * the target (started after it, and again after each restart) inherits.
 *
 * The segment is marked for removal (IPC_RMID) as soon as this process has
 * attached it: Linux lets the target attach it still, and the kernel frees
 * it when the last process detaches, so no segment outlives socks4-test,
 * whatever way it ends (SIGINT, SIGKILL, an error path).
 *
 * Reading follows AFL: each counter goes into its hit-count bucket (1, 2,
 * 3, 4-7, 8-15, 16-31, 32-127, 128+), and an input is new when it sets a
 * bucket no earlier input set ("virgin" bits, one map of them per run).
 * A server's threads make some edges vary from run to run of one input
 * (what the last connection's teardown does after the reply was read): as
 * AFL's calibration does, an input that looks new runs again, and the edges
 * whose buckets differ are "variable" and never count as new. */
#ifndef SOCKS4KIT_COVMAP_H
#define SOCKS4KIT_COVMAP_H

#include <stddef.h>
#include <stdint.h>

#define COVMAP_MAX (8u << 20) /* AFL++'s largest map (FS_OPT_MAX_MAPSIZE) */
#define COVMAP_PROBE_MS 3000 /* for the target to print its map size: AFL++'s runtime
                                does it from a constructor, before main() */

struct covmap {
	uint8_t *map;    /* the shared counters (what the target writes) */
	uint8_t *virgin; /* the buckets no input has set yet (0xff: none set) */
	uint8_t *ever;   /* edges the target hit since the map was made, inputs or not */
	uint8_t *variable; /* edges whose bucket changed when an input ran again: ignored */
	size_t nvariable;
	size_t size;
	int shmid;
};

enum cov_news {
	COV_NOTHING = 0,  /* nothing new */
	COV_NEW_COUNT = 1, /* a known edge in a new hit-count bucket */
	COV_NEW_EDGE = 2,  /* an edge never hit before */
};

/* Asks the command (sh -c, {port} and {addr} filled in with port 0) for its
 * map size with AFL_DUMP_MAP_SIZE=1, within timeout_ms; makes the segment,
 * attaches it and sets the environment. 0, or -1 with why in err (the
 * command is not built with AFL++, the segment cannot be made). */
int covmap_create(struct covmap *m, const char *cmd_template, int timeout_ms, char *err,
                  size_t errlen);
/* Detaches the map and frees the virgin bits; unsets the environment. */
void covmap_free(struct covmap *m);

/* Before an input: every counter to zero (what they held counts as reached). */
void covmap_clear(struct covmap *m);
/* After an input: the counters into their buckets, in place (once). */
void covmap_classify(struct covmap *m);
/* Whether the bucketed map sets a bucket no earlier input did (variable
 * edges aside); with update, the virgin bits learn it. */
enum cov_news covmap_news(struct covmap *m, int update);
/* The same input ran again: edges whose bucket differs from first (the
 * bucketed map of its first run) become variable. Returns how many did. */
size_t covmap_calibrate(struct covmap *m, const uint8_t *first);
/* A hash of the bucketed map, variable edges aside: equal maps, equal hashes. */
uint64_t covmap_hash(const struct covmap *m);
/* Edges the target reached since the map was made: in inputs, and between
 * them (its start, the "still serves" checks), whether the map was cleared
 * before each input (--coverage) or never (--coverage-measure: AFL++'s
 * counters skip zero, an edge hit once stays non-zero). The one figure both
 * kinds of run give. Reads the map without writing it. */
size_t covmap_reached(struct covmap *m);
/* The edges the map holds now (their indices, at most cap of them); the count. */
size_t covmap_hits(const struct covmap *m, uint32_t *out, size_t cap);


#endif
