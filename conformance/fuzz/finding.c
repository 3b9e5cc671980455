/* SPDX-License-Identifier: MIT */
/* finding.c - wrong answers of coverage-guided fuzzing: signature,
 * minimizing, the saved reproducer. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "fuzz/finding.h"

#define MINIMIZE_ATTEMPTS 48 /* sends of a shrunk input, per new signature */
#define MINIMIZE_MS 10000

/* The failure in words with every run of digits as "N": "reply code 17 is
 * none of 90-93" and "reply code 3 ..." are one signature. */
static void signature(const char *why, char *sig, size_t cap)
{
	size_t o = 0;
	for (const char *p = why; *p != '\0' && o + 2 < cap; p++) {
		if (isdigit((unsigned char)*p)) {
			while (isdigit((unsigned char)p[1]))
				p++;
			sig[o++] = 'N';
		} else {
			sig[o++] = *p;
		}
	}
	sig[o] = '\0';
}

struct fail_shrink {
	struct fuzz_run *fr;
	const char *sig;
};

/* 1 when cand fails with the same signature; -1 when the target stopped. */
static int same_failure(void *arg, const struct sample *cand)
{
	struct fail_shrink *fsh = arg;
	char why[640], sig[SIG_LEN];
	enum try_result t = fuzz_try(fsh->fr, cand, 0, why, sizeof(why));
	if (t == TRY_DOWN)
		return -1; /* the next input finds it down, and fuzz_recover() takes over */
	if (t != TRY_FAIL)
		return 0;
	signature(why, sig, sizeof(sig));
	return strcmp(sig, fsh->sig) == 0;
}

static void save(struct fuzz_run *fr, struct fail_kind *k, int n, const char *why,
                 const struct sample *orig, const struct sample *min, int attempts)
{
	char base[64];
	snprintf(base, sizeof(base), "wrong-answer-%d", n);
	FILE *f = fuzz_save_bin(fr, base, min, k->path, sizeof(k->path));
	if (f == NULL)
		return;
	fprintf(f, "socks4-test --fuzz --coverage: a wrong answer\n\nsignature: %s\n", k->sig);
	fprintf(f, "failure:   %s\n", why);
	fprintf(f, "expected:  an 8-byte reply with VN 0 and CD 90-93 (after anything but 90, a "
	           "close), or a close, within --timeout; then the target still grants a valid "
	           "CONNECT\n");
	fprintf(f, "target:    %s\n", fr->r->o.exec_cmd);
	fprintf(f, "input:     %ld of a coverage-guided run (%s)\n\n", k->first, orig->what);
	fuzz_describe(f, "request:   ", orig);
	fuzz_describe(f, "minimized: ", min);
	fprintf(f, "           (%d attempts)\n\nReplay against a target started as above "
	           "({addr}: where it listens):\n  socks4-client --proxy {addr} --raw-file %s.bin\n"
	           "  socks4-client --proxy {addr} --raw '",
	        attempts, k->path);
	fuzz_hex(f, min);
	fprintf(f, "'\n");
	if (min->ncuts > 0)
		fprintf(f, "  (socks4-client sends it in one write; this failure needs the writes "
		           "above)\n");
	if (ferror(f) | (fclose(f) != 0))
		fprintf(fr->out, "socks4-test: %s.txt: %s\n", k->path, strerror(errno));
}

void finding_record(struct fuzz_run *fr, struct findings *fs, long i, const struct sample *s,
                    const char *why)
{
	char sig[SIG_LEN];
	signature(why, sig, sizeof(sig));
	for (int n = 0; n < fs->nkinds; n++)
		if (strcmp(fs->kinds[n].sig, sig) == 0) {
			fs->kinds[n].count++;
			return;
		}
	if (fs->nkinds == FAIL_KINDS_MAX)
		return; /* counted as a failure only */
	struct fail_kind *k = &fs->kinds[fs->nkinds++];
	*k = (struct fail_kind){.count = 1, .first = i, .len = s->len};
	snprintf(k->sig, sizeof(k->sig), "%s", sig);
	struct sample *min = malloc(sizeof(*min));
	if (min == NULL)
		return;
	*min = *s;
	struct fail_shrink fsh = {fr, sig};
	int attempts = fuzz_shrink(min, MINIMIZE_ATTEMPTS, MINIMIZE_MS, same_failure, &fsh);
	k->min_len = min->len;
	save(fr, k, fs->nkinds, why, s, min, attempts);
	fprintf(fr->out, "\nWRONG ANSWER input %ld: ", i);
	esc_term(fr->out, why);
	fprintf(fr->out, "\n  request: %s; %zu bytes, minimized to %zu in %d attempts\n  bytes:   ",
	        s->what, s->len, min->len, attempts);
	fuzz_hex(fr->out, min);
	fprintf(fr->out, "\n");
	if (k->path[0] != '\0')
		fprintf(fr->out, "  saved:   %s.bin and %s.txt (replay: socks4-client --proxy ADDR "
		                 "--raw-file %s.bin)\n",
		        k->path, k->path, k->path);
	fflush(fr->out);
	free(min);
}

void finding_summary(struct fuzz_run *fr, const struct findings *fs)
{
	if (fs->nkinds == 0)
		return;
	fprintf(fr->out, "wrong answers by signature:\n");
	for (int n = 0; n < fs->nkinds; n++) {
		const struct fail_kind *k = &fs->kinds[n];
		fprintf(fr->out, "  %ldx ", k->count);
		esc_term(fr->out, k->sig);
		fprintf(fr->out, "\n      first at input %ld; reproducer %s.bin (%zu bytes, from %zu)\n",
		        k->first, k->path[0] ? k->path : "(not saved)", k->min_len, k->len);
	}
}
