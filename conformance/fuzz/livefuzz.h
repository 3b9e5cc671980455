/* SPDX-License-Identifier: MIT */
/* fuzz/: live fuzzing, a job: mutated requests against a live target
 * (livefuzz.c), what a crash leads to (fuzzcrash.c), and coverage-guided
 * fuzzing on top of them (covmap.c AFL++'s map, corpus.c the corpus,
 * mutate.c byte-level mutations, finding.c wrong answers as findings,
 * coverage.c the loop, fuzzstats.c the figures). May use core/, target/,
 * engine/ and services/, never another job. */
/* livefuzz.h - the live fuzzer's insides, shared by livefuzz.c (requests,
 * judging, the workers) and fuzzcrash.c (what happens when an --exec target
 * dies: which iteration killed it, the minimized reproducer, the summary).
 * The entry point is livefuzz_run() in runner.h. */
#ifndef SOCKS4KIT_LIVEFUZZ_H
#define SOCKS4KIT_LIVEFUZZ_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "core/runner.h"

#define FUZZ_MAX 2048  /* bytes of one mutated request */
#define REPORT_MAX 10  /* failures printed in full */
#define MAX_CUTS 4
#define SUSPECTS_MAX 200 /* iterations in flight at once: every worker and stall lane */
#define CHECK_EVERY 8      /* a thread's "still serves" check: after every 8th iteration */
#define UNVERIFIED_MAX 1024 /* iterations done since the last passing check, kept */
#define SIGS_MAX 32      /* distinct crash signatures kept */
#define SIG_LEN 400

struct rng {
	uint64_t s;
};

struct sample {
	uint8_t bytes[FUZZ_MAX];
	size_t len;
	size_t cuts[MAX_CUTS]; /* the writes end at these offsets, ascending, then at len */
	size_t ncuts;
	int gap_ms; /* pause between writes */
	char what[256]; /* the mutations, in words */
};

/* One crash signature (crashsig.h) and how often it came. */
struct crash_kind {
	char sig[SIG_LEN];
	long count;
	long first; /* the iteration that showed it first, -1: none alone */
	char path[512]; /* the reproducer's files, without .bin / .txt */
	size_t len, min_len;
};

/* An iteration that was running when the target died. */
struct suspect {
	long i;
	uint64_t mark; /* the target's output offset when it began */
	int counted;   /* already judged and counted (done since the last passing check) */
};

struct fuzz_run {
	struct runner *r;
	struct target_proc *tp; /* --exec: the target's process, else NULL */
	long first, n;
	uint64_t seed;
	uint16_t refused; /* a port held bound, not listening: CONNECTs there are refused */
	int refused_fd;
	FILE *out;
	int progress; /* stderr is a terminal */
	int64_t t0, shown_ms;

	/* under r->mu */
	long next;    /* the next iteration to hand out */
	long pending; /* handed out and not judged yet (also queued for a stall lane) */
	int running;  /* being sent right now */
	long done, failures;
	long inconclusive; /* TRY_INCONCLUSIVE iterations */
	int local_names;   /* this host's resolver is slow: made-up names are "localhost" */
	char names_why[200];
	int stop; /* no more iterations: a target that no longer serves, or restarts ran out */
	char stop_why[1100];
	int halt; /* the --exec target died: no iteration starts until fuzz_recover() */
	int64_t deadline; /* --duration: no iteration is handed out after it (0: none) */
	int64_t duration_ms; /* --duration (0: none) */
	/* coverage.c: the samples it ran, by iteration % nrecent (fuzz_generate()
	 * gives them back to fuzzcrash.c); its failures are findings, not reports */
	struct sample *recent;
	long nrecent;
	struct suspect suspects[SUSPECTS_MAX];
	int nsuspects;
	/* Iterations done since the last passing "still serves" check: when a
	 * check fails, one of them (or of those in flight) is to blame. */
	long unverified[UNVERIFIED_MAX]; /* by done_seq % UNVERIFIED_MAX */
	uint64_t done_seq;     /* iterations counted so far */
	uint64_t verified_seq; /* the first done_seq[] not covered by a passing check */
	uint64_t verified_mark; /* --exec: the target's output offset before that check */
	long *stall_q; /* iterations waiting for a stall lane (those that pause between writes) */
	int stall_cap, stall_len;
	int workers; /* threads still running */
	int senders; /* of them, those that hand out iterations (not stall lanes) */
	pthread_cond_t lane_cv; /* an iteration queued for a stall lane; a halt's end */
	pthread_cond_t main_cv; /* the coordinator's: a halt with nothing running; a thread ended */

	struct crash_kind kinds[SIGS_MAX];
	int nkinds;
	long crashes;
};

/* livefuzz.c */
/* Iteration i's request. */
void fuzz_generate(struct fuzz_run *fr, long i, struct sample *s);
/* A request made with live fuzzing's mutations: from NULL, a new one (with
 * g = fuzz_rng(seed, i), iteration i's); else from's request mutated the
 * same ways (fields, USERID, VN, raw bytes, names, split and stalls). */
void fuzz_make(struct fuzz_run *fr, struct rng *g, const struct sample *from, struct sample *s);
/* The random draws: iteration i's generator, and a number below n. */
struct rng fuzz_rng(uint64_t seed, long i);
uint32_t fuzz_below(struct rng *g, uint32_t n);
/* The run's state, with the target serving and the banner printed (NULL
 * when it does not serve); fuzz_close() frees it. */
struct fuzz_run *fuzz_open(struct runner *r, long first, long n, uint64_t seed,
                           int64_t duration_ms, FILE *out);
void fuzz_close(struct fuzz_run *fr);
/* A 4a name made up by mutations (or a shrink) becomes a reserved one of
 * at most its length, so that no lookup leaves this host. */
void fuzz_keep_names_local(struct sample *s);
/* Where DSTIP sits in the header (bytes 4-7). */
#define FUZZ_DSTIP_AT 4
/* A DSTIP live fuzzing draws (pick_ip()): one that keeps the target on this
 * host (0.0.0.0, a 4a marker, the broadcast address, loopback, dest-addr). */
int fuzz_ip_drawn(const struct runner *r, uint32_t ip);
/* The header's fields (VN, CD, DSTPORT, DSTIP) of s, whatever follows them,
 * read by lib (s4_parse_header): 0, or -1 when s is shorter than a header. */
int fuzz_header_get(const struct sample *s, struct s4_request *h);
/* h's header fields written over s's first 8 bytes, through lib's writer
 * (s must hold a header). */
void fuzz_header_put(struct sample *s, const struct s4_request *h);
enum try_result {
	TRY_OK,   /* answered as allowed (and the target still serves, when checked) */
	TRY_FAIL, /* a wrong answer; the target still serves */
	TRY_INCONCLUSIVE, /* no answer to a SOCKS4a name this host cannot look up in time
	                     either: the resolver's silence, not the target's (counted apart) */
	TRY_DOWN, /* the target stopped serving (no valid CONNECT), or its process died */
};
/* Sends one sample and judges the answer; then, when check is set or the
 * answer was wrong, checks that the target still grants a valid CONNECT.
 * With --exec the process is looked at after every sample. */
enum try_result fuzz_try(struct fuzz_run *fr, const struct sample *s, int check, char *why,
                         size_t whylen);
/* An iteration's verdict, counted and shown (under r->mu). checked: a
 * passing "still serves" check followed it, which also covers the
 * iterations done before it began (done_seq was then `before`). */
void fuzz_count(struct fuzz_run *fr, long i, const struct sample *s, enum try_result t,
                const char *why, int checked, uint64_t before);
/* "fuzz: N requests in T s ...", and the crashes by signature. */
void fuzz_summary(struct fuzz_run *fr);
/* Prints a failed iteration with its reproducers (under r->mu). */
void fuzz_report(struct fuzz_run *fr, long i, const struct sample *s, const char *why);
/* "sent in writes ending at 3 9 and 20, 5 ms apart" or "in one write". */
void fuzz_split_str(const struct sample *s, char *out, size_t cap);

/* fuzzcrash.c */
/* The target stopped serving: with no iteration running, finds the one
 * after which it does (each suspect again, alone, each followed by its own
 * check; an --exec target restarted first), reports it (--exec: a crash,
 * with a minimized reproducer per new signature), counts the others'
 * verdicts, and leaves the target serving again or sets fr->stop. */
void fuzz_recover(struct fuzz_run *fr);
/* Crashes by signature, with their reproducers. */
void fuzz_crash_summary(struct fuzz_run *fr);
/* Shrinks *best while same(arg, candidate) says it still does what it did:
 * the split first (one write, no pause), then bytes from the end in halving
 * chunks, never moving DSTIP; at most attempts sends and ms milliseconds.
 * Returns the sends made. */
int fuzz_shrink(struct sample *best, int attempts, int ms,
                int (*same)(void *arg, const struct sample *cand), void *arg);
/* Creates BASE.bin (s's bytes, written) and BASE.txt in --crash-dir; path
 * gets DIR/BASE. Returns BASE.txt open for writing, or NULL (said on fr->out,
 * path ""). */
FILE *fuzz_save_bin(struct fuzz_run *fr, const char *base, const struct sample *s, char *path,
                    size_t cap);
/* A sample's bytes in hex. */
void fuzz_hex(FILE *f, const struct sample *s);
/* "NAME: N bytes, in one write, then end of file: HEX". */
void fuzz_describe(FILE *f, const char *label, const struct sample *s);

#endif
