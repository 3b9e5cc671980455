/* SPDX-License-Identifier: MIT */
/* corpus.c - the corpus of coverage-guided fuzzing: entries, files, the
 * dictionary, the schedule (favoured entries and energy, after AFL++). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/corpus.h"

#define ENERGY_BASE 32
#define ENERGY_MAX 512
#define FAVOURED_PERCENT 90 /* picks that go to a favoured entry while there are some */
#define TOURNAMENT 3        /* favoured entries drawn for a pick: the rarest path wins */
#define PATHS (1u << 16)    /* path hashes counted (AFL++: N_FUZZ_SIZE) */

int corpus_open(struct corpus *c, const char *dir, size_t map_size, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->dir = dir;
	c->map_size = map_size;
	c->top = calloc(map_size, sizeof(*c->top));
	c->seen = calloc(map_size, 1);
	c->dict = calloc(DICT_MAX, sizeof(*c->dict));
	c->paths = calloc(PATHS, sizeof(*c->paths));
	c->path_n = calloc(PATHS, sizeof(*c->path_n));
	if (c->top == NULL || c->seen == NULL || c->dict == NULL || c->paths == NULL ||
	    c->path_n == NULL) {
		snprintf(err, errlen, "out of memory");
		corpus_free(c);
		return -1;
	}
	if (dir != NULL && mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "--corpus %s: %s", dir, strerror(errno));
		corpus_free(c);
		return -1;
	}
	return 0;
}

void corpus_free(struct corpus *c)
{
	for (size_t k = 0; k < c->n; k++) {
		free(c->e[k].bytes);
		free(c->e[k].edges);
	}
	free(c->e);
	free(c->top);
	free(c->seen);
	free(c->fav);
	free(c->dict);
	free(c->paths);
	free(c->path_n);
	memset(c, 0, sizeof(*c));
}

/* A file's bytes into buf (at most cap): its length, or -1. */
static long read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, cap, f);
	int over = fgetc(f) != EOF;
	fclose(f);
	return over ? -1 : (long)n;
}

int corpus_each_file(struct corpus *c,
                     void (*each)(void *arg, const uint8_t *b, size_t len, const char *name),
                     void *arg)
{
	struct dirent **names;
	int n = c->dir != NULL ? scandir(c->dir, &names, NULL, alphasort) : -1;
	int used = 0;
	uint8_t *buf = malloc(FUZZ_MAX);
	for (int k = 0; k < n; k++) {
		char path[1024];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", c->dir, names[k]->d_name);
		long len = -1;
		if (buf != NULL && names[k]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode))
			len = read_file(path, buf, FUZZ_MAX);
		long id;
		if (sscanf(names[k]->d_name, "id:%ld", &id) == 1 && id >= c->next_id)
			c->next_id = id + 1; /* new files come after those */
		if (len >= 0) {
			each(arg, buf, (size_t)len, names[k]->d_name);
			used++;
		}
		free(names[k]);
	}
	if (n >= 0)
		free(names);
	free(buf);
	return used;
}

/* One "..." value with \xNN, \\ and \" escapes into t; 0, or -1. */
static int dict_value(const char *q, struct dict_token *t)
{
	t->len = 0;
	for (const char *p = q + 1; *p != '"'; p++) {
		unsigned v;
		if (*p == '\0' || t->len == DICT_TOKEN_MAX)
			return -1;
		if (p[0] == '\\' && p[1] == 'x' && sscanf(p + 2, "%2x", &v) == 1) {
			t->b[t->len++] = (uint8_t)v;
			p += 3;
		} else if (p[0] == '\\' && (p[1] == '\\' || p[1] == '"')) {
			t->b[t->len++] = (uint8_t)*++p;
		} else {
			t->b[t->len++] = (uint8_t)*p;
		}
	}
	return t->len > 0 ? 0 : -1;
}

int corpus_load_dict(struct corpus *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "--dict %s: %s", path, strerror(errno));
		return -1;
	}
	char line[1024];
	int lineno = 0;
	while (fgets(line, sizeof(line), f) != NULL && c->ndict < DICT_MAX) {
		lineno++;
		const char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		const char *q = strchr(p, '"');
		if (q == NULL || dict_value(q, &c->dict[c->ndict]) < 0) {
			snprintf(err, errlen, "--dict %s:%d: not name=\"value\"", path, lineno);
			fclose(f);
			return -1;
		}
		c->ndict++;
	}
	fclose(f);
	return 0;
}

static int write_entry(const struct corpus *c, const struct cov_entry *e, const char *op)
{
	char path[1024];
	if (e->parent >= 0)
		snprintf(path, sizeof(path), "%s/id:%06ld,src:%06ld,op:%s", c->dir, e->id,
		         c->e[e->parent].id, op);
	else
		snprintf(path, sizeof(path), "%s/id:%06ld,op:%s", c->dir, e->id, op);
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	size_t w = fwrite(e->bytes, 1, e->len, f);
	return (fclose(f) != 0 || w != e->len) ? -1 : 0;
}

/* AFL's update_bitmap_score: the entry becomes top rated for the edges
 * where it is shorter than the one that was. */
static void rate(struct corpus *c, size_t k)
{
	const struct cov_entry *e = &c->e[k];
	for (size_t j = 0; j < e->nedges; j++) {
		uint32_t *t = &c->top[e->edges[j]];
		if (*t == 0 || c->e[*t - 1].len > e->len) {
			*t = (uint32_t)k + 1;
			c->dirty = 1;
		}
	}
}

/* The count of path, in a new slot with add; NULL when absent or full. */
static uint32_t *path_count(struct corpus *c, uint64_t path, int add)
{
	path |= 1; /* 0 marks a free slot */
	for (size_t k = 0, i = (size_t)(path % PATHS); k < PATHS; k++, i = (i + 1) % PATHS) {
		if (c->paths[i] == path)
			return &c->path_n[i];
		if (c->paths[i] == 0) {
			if (!add)
				return NULL;
			c->paths[i] = path;
			return &c->path_n[i];
		}
	}
	return NULL;
}

void corpus_saw(struct corpus *c, uint64_t path)
{
	uint32_t *n = path_count(c, path, 1);
	if (n != NULL && *n < UINT32_MAX)
		(*n)++;
}

static uint32_t times_taken(struct corpus *c, size_t k)
{
	uint32_t *n = path_count(c, c->e[k].path, 0);
	return n != NULL ? *n : 1;
}

long corpus_add(struct corpus *c, const uint8_t *b, size_t len, const uint32_t *edges,
                size_t nedges, uint64_t path, long parent, const char *op, const char *name)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct cov_entry *e = realloc(c->e, cap * sizeof(*e));
		size_t *fav = realloc(c->fav, cap * sizeof(*fav));
		if (e != NULL)
			c->e = e;
		if (fav != NULL)
			c->fav = fav;
		if (e == NULL || fav == NULL)
			return -1;
		c->cap = cap;
	}
	struct cov_entry *e = &c->e[c->n];
	*e = (struct cov_entry){.len = len, .nedges = nedges, .parent = parent, .path = path};
	e->bytes = malloc(len ? len : 1);
	e->edges = malloc((nedges ? nedges : 1) * sizeof(*edges));
	if (e->bytes == NULL || e->edges == NULL) {
		free(e->bytes);
		free(e->edges);
		return -1;
	}
	memcpy(e->bytes, b, len);
	memcpy(e->edges, edges, nedges * sizeof(*edges));
	e->id = c->next_id++;
	if (c->dir != NULL && name == NULL && write_entry(c, e, op) < 0)
		fprintf(stderr, "socks4-test: --corpus %s: cannot write an entry: %s\n", c->dir,
		        strerror(errno));
	if (parent >= 0 && (size_t)parent < c->n)
		c->e[parent].found++;
	rate(c, c->n);
	return (long)c->n++;
}

/* AFL's cull_queue: walking the edges, each top-rated entry that hits an
 * edge no favoured entry hits yet becomes favoured. */
static void cull(struct corpus *c)
{
	memset(c->seen, 0, c->map_size);
	for (size_t k = 0; k < c->n; k++)
		c->e[k].favoured = 0;
	c->nfav = 0;
	for (size_t i = 0; i < c->map_size; i++) {
		if (c->top[i] == 0 || c->seen[i])
			continue;
		struct cov_entry *e = &c->e[c->top[i] - 1];
		for (size_t j = 0; j < e->nedges; j++)
			c->seen[e->edges[j]] = 1;
		e->favoured = 1;
		c->fav[c->nfav++] = c->top[i] - 1;
	}
	c->dirty = 0;
}

size_t corpus_pick(struct corpus *c, struct rng *g)
{
	if (c->dirty)
		cull(c);
	size_t best = c->n;
	for (size_t f = 0; f < c->nfav; f++) /* the newest favoured entry never fuzzed */
		if (c->e[c->fav[f]].picked == 0 && (best == c->n || c->fav[f] > best))
			best = c->fav[f];
	if (best == c->n && c->nfav > 0 && fuzz_below(g, 100) < FAVOURED_PERCENT) {
		for (int t = 0; t < TOURNAMENT; t++) {
			size_t k = c->fav[fuzz_below(g, (uint32_t)c->nfav)];
			if (best == c->n || times_taken(c, k) < times_taken(c, best))
				best = k;
		}
	}
	if (best == c->n)
		best = fuzz_below(g, (uint32_t)c->n);
	c->e[best].picked++;
	return best;
}

int corpus_energy(struct corpus *c, size_t k)
{
	const struct cov_entry *e = &c->e[k];
	uint32_t taken = times_taken(c, k);
	int energy = ENERGY_BASE;
	if (taken <= 512) /* a rare path: AFL++'s fast schedule, in steps */
		energy *= taken <= 8 ? 8 : taken <= 64 ? 4 : 2;
	if (e->picked <= 1)
		energy *= 4; /* its first round (picked counts this one) */
	if (e->favoured)
		energy *= 2;
	if (e->found > 0)
		energy *= 2;
	return energy < ENERGY_MAX ? energy : ENERGY_MAX;
}
