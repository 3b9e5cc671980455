/* SPDX-License-Identifier: MIT */
/* finding.h - coverage-guided fuzzing's wrong answers as findings, the way
 * fuzzcrash.c treats crashes. An input the oracle fails (livefuzz.c's
 * judge: a reply that is not 8 bytes with VN 0 and CD 90-93, no close after
 * a refusal, no answer or close within --timeout) gets a signature: the
 * failure in words with its numbers taken out. A new signature's input is
 * minimized (cut while the same signature comes back) and saved to
 * --crash-dir as wrong-answer-N.bin (the bytes) and .txt (the failure, both
 * requests, the replay commands); one seen before is counted. */
#ifndef SOCKS4KIT_FINDING_H
#define SOCKS4KIT_FINDING_H

#include "fuzz/livefuzz.h"

#define FAIL_KINDS_MAX 32

struct fail_kind {
	char sig[SIG_LEN];
	long count;
	long first; /* the input that showed it first */
	char path[512]; /* the files, without .bin / .txt ("": not saved) */
	size_t len, min_len;
};

struct findings {
	struct fail_kind kinds[FAIL_KINDS_MAX];
	int nkinds;
};

/* Input i failed the oracle with why: counted under its signature; a new
 * one is minimized, saved and printed. The target serves on return, or the
 * next input finds out it does not. */
void finding_record(struct fuzz_run *fr, struct findings *fs, long i, const struct sample *s,
                    const char *why);
/* Wrong answers by signature, with their reproducers. */
void finding_summary(struct fuzz_run *fr, const struct findings *fs);

#endif
