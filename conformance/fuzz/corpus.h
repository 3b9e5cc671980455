/* SPDX-License-Identifier: MIT */
/* corpus.h - coverage-guided fuzzing's corpus: the inputs that reached
 * something new in the target, kept in memory with the edges each one hit,
 * and on disk in --corpus DIR, one file per input holding the bytes as sent,
 * with AFL's kind of name ("id:000012,src:000003,op:mutate"); the dictionary
 * (--dict: AFL's and libFuzzer's name="\xNN" form); and which entry to fuzz
 * next, for how many inputs.
 *
 * The schedule is AFL++'s, cut down to what pays here (inputs cost a
 * connection each, not a fork):
 *   - top rated: for every edge, the shortest entry that hits it;
 *   - favoured: a greedy cover of every edge seen by top-rated entries
 *     (AFL's cull_queue), redone when an entry joins;
 *   - path counts: how many inputs took each path (a hash of the bucketed
 *     map), as AFL++'s n_fuzz for its "fast" power schedule;
 *   - the pick: a favoured entry never fuzzed first (the newest: it is
 *     where coverage just moved); else nine times in ten the rarest path
 *     of three favoured entries drawn at random, else any entry;
 *   - energy: inputs per pick, more for an entry never fuzzed, a favoured
 *     one, one whose mutations found new entries before, and most for one
 *     whose path few inputs took (the frontier of a multi-byte check). */
#ifndef SOCKS4KIT_CORPUS_H
#define SOCKS4KIT_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz/livefuzz.h"

#define DICT_TOKEN_MAX 128 /* AFL's MAX_DICT_FILE */
#define DICT_MAX 512

struct cov_entry {
	uint8_t *bytes; /* malloc'd */
	size_t len;
	uint32_t *edges; /* the map indices it hit (malloc'd) */
	size_t nedges;
	long id;     /* in file names */
	long parent; /* the entry it was mutated from (an index), -1: a seed */
	int favoured;
	long picked; /* times fuzzed */
	uint64_t path; /* the hash of its bucketed map */
	long found;  /* entries its mutations brought */
};

struct dict_token {
	uint8_t b[DICT_TOKEN_MAX];
	size_t len;
};

struct corpus {
	struct cov_entry *e;
	size_t n, cap;
	uint32_t *top; /* per map index: the top-rated entry + 1 (0: none) */
	uint8_t *seen; /* cull's scratch, one byte per map index */
	size_t map_size;
	size_t *fav; /* the favoured entries */
	size_t nfav;
	int dirty; /* top changed since the last cull */
	const char *dir;
	long next_id;
	struct dict_token *dict;
	size_t ndict;
	uint64_t *paths; /* open addressing: path hashes (0: free) ... */
	uint32_t *path_n; /* ... and how many inputs took each */
};

/* An empty corpus for a map of map_size; dir (NULL: memory only) is made
 * when missing. 0, or -1 with why. */
int corpus_open(struct corpus *c, const char *dir, size_t map_size, char *err, size_t errlen);
void corpus_free(struct corpus *c);
/* Calls each() with every regular file of c->dir, in name order (files over
 * FUZZ_MAX bytes are skipped); returns how many. */
int corpus_each_file(struct corpus *c,
                     void (*each)(void *arg, const uint8_t *b, size_t len, const char *name),
                     void *arg);
/* Reads a dictionary file into c->dict. 0, or -1 with why. */
int corpus_load_dict(struct corpus *c, const char *path, char *err, size_t errlen);
/* Adds an entry with the edges it hit; the file is written in c->dir unless
 * it came from there (name != NULL). Returns its index, -1 when out of memory. */
long corpus_add(struct corpus *c, const uint8_t *b, size_t len, const uint32_t *edges,
                size_t nedges, uint64_t path, long parent, const char *op, const char *name);
/* One more input took path (the hash of its bucketed map). */
void corpus_saw(struct corpus *c, uint64_t path);
/* The entry to fuzz next, and how many inputs to make from it. */
size_t corpus_pick(struct corpus *c, struct rng *g);
int corpus_energy(struct corpus *c, size_t k);

#endif
