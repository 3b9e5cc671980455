/* SPDX-License-Identifier: MIT */
/* baseline.c - reading and writing baselines, and classifying results. */
#include "report/baseline.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define MAX_CASES 512

static int add_id(struct baseline *b, const char *id, size_t len, char *err, size_t errlen,
                  const char *where)
{
	if (len > BASELINE_ID_MAX) {
		snprintf(err, errlen, "%s: a case id longer than %d octets", where,
		         BASELINE_ID_MAX);
		return -1;
	}
	if (b->n == BASELINE_IDS_MAX) {
		snprintf(err, errlen, "%s: more than %d case ids", where, BASELINE_IDS_MAX);
		return -1;
	}
	if (b->n % 64 == 0) {
		char **more = realloc(b->ids, (b->n + 64) * sizeof(*more));
		if (more == NULL) {
			snprintf(err, errlen, "%s: out of memory", where);
			return -1;
		}
		b->ids = more;
	}
	b->ids[b->n] = strndup(id, len);
	if (b->ids[b->n] == NULL) {
		snprintf(err, errlen, "%s: out of memory", where);
		return -1;
	}
	b->n++;
	return 0;
}

/* ---- the plain list ------------------------------------------------------- */

static int parse_list(struct baseline *b, const char *s, size_t len, char *err, size_t errlen)
{
	size_t pos = 0;
	for (int line = 1; pos < len; line++) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - s) : len;
		const char *hash = memchr(s + pos, '#', end - pos);
		size_t stop = hash != NULL ? (size_t)(hash - s) : end;
		char where[600];
		snprintf(where, sizeof(where), "%s:%d", b->path, line);
		while (pos < stop && isspace((unsigned char)s[pos]))
			pos++;
		while (stop > pos && isspace((unsigned char)s[stop - 1]))
			stop--;
		for (size_t i = pos; i < stop; i++) {
			if (!isgraph((unsigned char)s[i])) {
				snprintf(err, errlen,
				         "%s: not a case id (one id per line, # for comments): '%.*s'",
				         where, (int)(stop - pos < 60 ? stop - pos : 60), s + pos);
				return -1;
			}
		}
		if (stop > pos && add_id(b, s + pos, stop - pos, err, errlen, where) < 0)
			return -1;
		pos = end + 1;
	}
	return 0;
}

/* ---- a JSON report ---------------------------------------------------------
 * Just enough JSON to walk any document and collect, from every object with
 * string members "id" and "result", the ids whose result is "fail". */

struct json {
	const char *s;
	size_t len, pos;
	int cases; /* objects with an id and a result */
	struct baseline *b;
	char *err;
	size_t errlen;
};

static int json_error(struct json *j, const char *what)
{
	int line = 1;
	for (size_t i = 0; i < j->pos && i < j->len; i++)
		line += j->s[i] == '\n';
	snprintf(j->err, j->errlen, "%s:%d: not a socks4-test JSON report: %s", j->b->path, line,
	         what);
	return -1;
}

static void json_ws(struct json *j)
{
	while (j->pos < j->len && strchr(" \t\r\n", j->s[j->pos]) != NULL)
		j->pos++;
}

static int json_peek(struct json *j)
{
	json_ws(j);
	return j->pos < j->len ? (unsigned char)j->s[j->pos] : -1;
}

/* A string at pos into out (NUL-terminated, at most cap - 1 octets kept;
 * *full set when more were there). \uXXXX outside ASCII becomes '?'. */
static int json_string(struct json *j, char *out, size_t cap, int *full)
{
	size_t n = 0;
	*full = 0;
	j->pos++; /* the opening quote */
	while (j->pos < j->len) {
		unsigned char ch = (unsigned char)j->s[j->pos++];
		if (ch == '"') {
			out[n] = '\0';
			return 0;
		}
		if (ch < 0x20)
			return json_error(j, "a control character inside a string");
		if (ch == '\\') {
			if (j->pos >= j->len)
				break;
			ch = (unsigned char)j->s[j->pos++];
			const char *esc = strchr("\"\\/bfnrt", ch);
			if (ch == 'u') {
				unsigned v = 0;
				for (int k = 0; k < 4; k++, j->pos++) {
					if (j->pos >= j->len || !isxdigit((unsigned char)j->s[j->pos]))
						return json_error(j, "a bad \\u escape");
					char hex[2] = {j->s[j->pos], '\0'};
					v = v * 16 + (unsigned)strtoul(hex, NULL, 16);
				}
				ch = v < 0x80 ? (unsigned char)v : '?';
			} else if (esc != NULL && ch != '\0') {
				ch = (unsigned char)"\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"];
			} else {
				return json_error(j, "a bad escape in a string");
			}
		}
		if (n + 1 < cap)
			out[n++] = (char)ch;
		else
			*full = 1;
	}
	return json_error(j, "a string without its closing quote");
}

static int json_value(struct json *j, int depth);

static int json_object(struct json *j, int depth)
{
	char id[BASELINE_ID_MAX + 2] = "", result[16] = "", key[16];
	int have_id = 0, have_result = 0, full = 0, id_full = 0;
	j->pos++;
	if (json_peek(j) == '}') {
		j->pos++;
		return 0;
	}
	for (;;) {
		if (json_peek(j) != '"')
			return json_error(j, "expected a member name");
		if (json_string(j, key, sizeof(key), &full) < 0)
			return -1;
		if (json_peek(j) != ':')
			return json_error(j, "expected ':'");
		j->pos++;
		int is_string = json_peek(j) == '"';
		if (is_string && !full && strcmp(key, "id") == 0) {
			if (json_string(j, id, sizeof(id), &id_full) < 0)
				return -1;
			have_id = 1;
		} else if (is_string && !full && strcmp(key, "result") == 0) {
			if (json_string(j, result, sizeof(result), &full) < 0)
				return -1;
			have_result = 1;
		} else if (json_value(j, depth + 1) < 0) {
			return -1;
		}
		int ch = json_peek(j);
		j->pos++;
		if (ch == '}')
			break;
		if (ch != ',')
			return json_error(j, "expected ',' or '}'");
	}
	if (!have_id || !have_result)
		return 0;
	j->cases++;
	if (strcmp(result, "fail") != 0)
		return 0;
	char where[600];
	snprintf(where, sizeof(where), "%s: case \"%.40s\"", j->b->path, id);
	return add_id(j->b, id, id_full ? sizeof(id) : strlen(id), j->err, j->errlen, where);
}

static int json_array(struct json *j, int depth)
{
	j->pos++;
	if (json_peek(j) == ']') {
		j->pos++;
		return 0;
	}
	for (;;) {
		if (json_value(j, depth + 1) < 0)
			return -1;
		int ch = json_peek(j);
		j->pos++;
		if (ch == ']')
			return 0;
		if (ch != ',')
			return json_error(j, "expected ',' or ']'");
	}
}

static int json_value(struct json *j, int depth)
{
	char skip[2];
	int full;
	if (depth > BASELINE_JSON_DEPTH)
		return json_error(j, "nested too deeply");
	switch (json_peek(j)) {
	case '{':
		return json_object(j, depth);
	case '[':
		return json_array(j, depth);
	case '"':
		return json_string(j, skip, sizeof(skip), &full);
	case -1:
		return json_error(j, "unexpected end of file");
	default: {
		/* a number, true, false or null */
		size_t start = j->pos;
		while (j->pos < j->len && strchr("+-.0123456789eEaflnrstu", j->s[j->pos]) != NULL &&
		       j->s[j->pos] != '\0')
			j->pos++;
		return j->pos > start ? 0 : json_error(j, "unexpected character");
	}
	}
}

static int parse_json(struct baseline *b, const char *s, size_t len, char *err, size_t errlen)
{
	struct json j = {.s = s, .len = len, .b = b, .err = err, .errlen = errlen};
	if (json_value(&j, 0) < 0)
		return -1;
	if (json_peek(&j) != -1)
		return json_error(&j, "text after the report");
	if (j.cases == 0) {
		snprintf(err, errlen, "%s: a JSON file without cases (not a socks4-test report)",
		         b->path);
		return -1;
	}
	return 0;
}

/* ---- loading ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap || cap > BASELINE_FILE_MAX)
			break;
		char *more = realloc(buf, cap * 2);
		if (more == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = more;
		cap *= 2;
	}
	if (buf == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (ferror(f))
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (n > BASELINE_FILE_MAX)
		snprintf(err, errlen, "%s: larger than %u MiB", path, BASELINE_FILE_MAX >> 20);
	else if (memchr(buf, '\0', n) != NULL)
		snprintf(err, errlen, "%s: a binary file (NUL bytes), not a baseline", path);
	else {
		fclose(f);
		*len = n;
		return buf;
	}
	free(buf);
	fclose(f);
	return NULL;
}

int baseline_load(struct baseline *b, const char *path, FILE *warn, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->path, sizeof(b->path), "%s", path);
	size_t len;
	char *text = read_file(path, &len, err, errlen);
	if (text == NULL)
		return -1;
	size_t first = strspn(text, " \t\r\n");
	int rc = first < len && (text[first] == '{' || text[first] == '[')
	                 ? parse_json(b, text, len, err, errlen)
	                 : parse_list(b, text, len, err, errlen);
	free(text);
	if (rc < 0) {
		baseline_free(b);
		return -1;
	}
	if (b->n > 0)
		qsort(b->ids, b->n, sizeof(*b->ids), cmp_str);
	size_t kept = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (kept > 0 && strcmp(b->ids[kept - 1], b->ids[i]) == 0)
			free(b->ids[i]);
		else
			b->ids[kept++] = b->ids[i];
	}
	b->n = kept;

	static const struct s4case *all[MAX_CASES];
	size_t nall = catalogue(all, MAX_CASES);
	for (size_t i = 0; i < b->n; i++) {
		size_t c = 0;
		while (c < nall && c < MAX_CASES && strcmp(all[c]->id, b->ids[i]) != 0)
			c++;
		if (c == nall || c == MAX_CASES)
			fprintf(warn, "socks4-test: %s: warning: no case '%s' in the catalogue\n", path,
			        b->ids[i]);
	}
	return 0;
}

void baseline_free(struct baseline *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->ids[i]);
	free(b->ids);
	b->ids = NULL;
	b->n = 0;
}

int baseline_has(const struct baseline *b, const char *id)
{
	return b->n > 0 && bsearch(&id, b->ids, b->n, sizeof(*b->ids), cmp_str) != NULL;
}

/* ---- classifying ------------------------------------------------------------ */

enum bl_mark baseline_mark(const struct runner *r, size_t i)
{
	const struct baseline *b = r->o.baseline;
	if (b == NULL)
		return BL_NONE;
	int listed = baseline_has(b, r->cases[i]->id);
	switch (r->results[i].v) {
	case V_FAIL:
	case V_FLAKY: /* failed in some runs: a failure for the baseline too */
		return listed ? BL_KNOWN : BL_NEW;
	case V_PASS:
	case V_INFO:
		return listed ? BL_FIXED : BL_NONE;
	default:
		return BL_NONE;
	}
}

const char *bl_mark_str(enum bl_mark m)
{
	static const char *const names[] = {"", "NEW", "KNOWN", "FIXED"};
	return names[m];
}

const char *bl_mark_lower(enum bl_mark m)
{
	static const char *const names[] = {"", "new", "known", "fixed"};
	return names[m];
}

void baseline_count(const struct runner *r, struct bl_counts *k)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < r->ncases; i++) {
		switch (baseline_mark(r, i)) {
		case BL_NEW:
			k->new_++;
			break;
		case BL_KNOWN:
			k->known++;
			break;
		case BL_FIXED:
			k->fixed++;
			break;
		case BL_NONE:
			break;
		}
	}
}

static void list_marked(FILE *f, const struct runner *r, enum bl_mark want, const char *what)
{
	for (size_t i = 0; i < r->ncases; i++)
		if (baseline_mark(r, i) == want)
			fprintf(f, "%s %s\n", what, r->cases[i]->id);
}

void baseline_summary(FILE *f, const struct runner *r)
{
	struct bl_counts k;
	baseline_count(r, &k);
	fprintf(f, "baseline %s: %d new, %d known, %d fixed\n", r->o.baseline->path, k.new_,
	        k.known, k.fixed);
	list_marked(f, r, BL_NEW, "NEW (a failure the baseline does not list):");
	list_marked(f, r, BL_FIXED, "FIXED (listed in the baseline, passes now: delete its line):");
}

/* ---- writing ------------------------------------------------------------------ */

int baseline_write(const char *path, struct runner *const *runs, size_t nruns, char *err,
                   size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# socks4-test baseline: the cases that failed against");
	for (size_t t = 0; t < nruns; t++)
		fprintf(f, "%s %s", t ? "," : "", runs[t]->target_text);
	fprintf(f, ".\n# socks4-test --baseline %s exits 0 while no other case fails;\n"
	           "# a case listed here that passes is reported FIXED: delete its line.\n",
	        path);
	size_t written = 0;
	for (size_t i = 0; nruns > 0 && i < runs[0]->ncases; i++) {
		const struct s4case *cs = runs[0]->cases[i];
		int failed = 0;
		for (size_t t = 0; t < nruns; t++)
			failed |= is_failure((int)runs[t]->results[i].v);
		if (!failed)
			continue;
		fprintf(f, "%-36s # %s: %s\n", cs->id, level_str(cs->level), cs->title);
		written++;
	}
	if (written == 0)
		fprintf(f, "# (no case failed)\n");
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
