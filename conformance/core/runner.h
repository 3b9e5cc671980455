/* SPDX-License-Identifier: MIT */
/* core/: what every job of socks4-test shares: the run (struct runner), case
 * contexts, results and their traces, the case helpers (harness.c), output
 * escaping. It calls nothing above it. */
/* runner.h - the runner's insides: options, the services it hosts for the
 * cases (echo, identd), case contexts and their traces, scheduling, results.
 * Cases see only suite.h. */
#ifndef SOCKS4KIT_RUNNER_H
#define SOCKS4KIT_RUNNER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "core/suite.h"
#include "net.h"

#define TRACE_MAX 80   /* events kept per case; later ones are counted only */
#define TRACE_BYTES 48 /* bytes shown per event */
#define CTX_FDS 32     /* sockets one case may have open */
#define IDENT_SCRIPTS 256
#define SERVICE_MAX_CONNS 512 /* echo and identd connections at once */

/* r->lacks[] is indexed by a NEED_* flag's bit number. */
#define NEED_BIT_IDENTD 2
_Static_assert((1u << NEED_BIT_IDENTD) == NEED_IDENTD, "NEED_BIT_IDENTD is NEED_IDENTD's bit");

struct baseline;
struct instance;
struct dnsd;
struct tp_opts;

struct runner_opts {
	const char *target;      /* "HOST:PORT", or NULL for the in-process server */
	const char *exec_cmd;    /* --exec: the command that runs the target */
	const char *dest_addr;   /* where the target reaches our services (IPv4) */
	const char *alt_source;  /* a second local address for BIND peers */
	const char *dest_name;   /* a name the target resolves to dest_addr */
	const char *features;    /* "4a,bind,identd" overrides detection */
	const char *identd_mode; /* "strict" or "lenient": the target's identd mode */
	const char *deny_user;   /* a USERID the target denies */
	int deny_port;           /* or a destination port on dest_addr it denies */
	const char *user;        /* the USERID of ordinary cases */
	int identd_port;         /* our scripted identd's port (113 for external targets) */
	int jobs;
	int repeat;              /* --repeat N: failed cases run again alone N times */
	const char *crash_dir;   /* where reproducers go */
	int timeout_ms;
	int stall_wait_ms;
	int timer_wait_ms;
	size_t relay_bytes;
	int strict;
	int verbose;
	const struct baseline *baseline; /* --baseline: known failures (baseline.h), or NULL */
	/* client mode (clientmode.h): the client's command TEMPLATE, what it does */
	const char *client_cmd;
	int client_4a;         /* it lets the proxy resolve names (SOCKS4a) */
	int client_bind;       /* it is a BIND client */
	int client_timeout_ms; /* each run of the client must end within this */
	int client_judge_stdout; /* --client-judge stdout: success and failure by what reaches
	                            stdout (Y shown, or none of it), not by the exit status */
	int max_restarts;      /* --max-restarts (0: the default, -1: none), as in tp_opts */
	int exec_wait_ms;      /* --exec-wait: until it accepts connections (0: the default) */
	int exec_shared;       /* --exec-shared: hostile cases alone on the one process */
};

struct trace_ev {
	int64_t t_ms; /* since the case started */
	char who[16]; /* "c1", "d1", "p1", "*" */
	char dir;     /* '>' to the target, '<' from it, '*' a note */
	size_t len;   /* bytes in the event (data events) */
	uint8_t bytes[TRACE_BYTES];
	char text[160]; /* notes: "end of file", "connected from 127.0.0.2:4000" */
};

struct ident_script {
	int in_use;
	uint16_t port; /* the client's source port the query names */
	enum ident_answer kind;
	char arg[600];
	char query[128]; /* the query line received */
};

#define SENT_MAX (64 * 1024) /* bytes kept per connection for a reproducer */
#define SENT_CONNS 8          /* connections kept per case */
#define TARGET_LOG_MAX 16384  /* target output kept per case */

/* The bytes a case sent on one connection to the target (for reproducers). */
struct sent_log {
	char who[16];
	uint8_t *bytes; /* malloc'd, at most SENT_MAX */
	size_t len, cap;
	int truncated;
};

struct result {
	enum verdict v;
	char expected[512];
	char actual[512];
	int64_t duration_ms;
	struct trace_ev *trace;
	size_t ntrace, dropped;
	int done;
	/* scheduling */
	int suspect; /* in flight when the target died: judged again alone */
	int alone;   /* it holds r->exclusive (a F_HOSTILE case until t_sent_hostile) */
	uint64_t log_mark; /* the target's output offset when the case began */
	/* the target died during this case (the culprit) */
	char target_exit[256]; /* "" or "killed by signal 11 (SIGSEGV)", "stopped serving" */
	int exit_code, exit_signal; /* -1 when not known */
	char *target_log;           /* malloc'd, bounded: what the target printed */
	char reproducer[512];       /* path of the saved bytes, "" for none */
	char replay[1024];          /* the socks4-client --raw line */
	/* --repeat: runs and failures of a failed case */
	int runs, failures;
	/* client mode: the client was killed at its deadline (--client-timeout);
	 * a FAIL then waits for a second run (client/confirm.c) */
	int deadline_hit;
	struct sent_log sent[SENT_CONNS];
	size_t nsent;
};

/* An echo listener: the shared destination, and the one on --deny-port. */
struct echo_service {
	struct runner *r;
	int lfd; /* -1: not running */
	pthread_t tid;
};

struct runner {
	struct runner_opts o;
	char target_text[512]; /* "HOST:PORT", or in client mode the client's command */
	struct sockaddr_storage target;
	socklen_t target_len;
	uint16_t target_port;
	int in_process;
	void *server; /* struct s4srv * when in-process */
	struct target_proc *tp; /* --exec: the target's process */
	const char *exec_wrap[4]; /* --exec: the wrapper it was started under (tp_opts.wrap) */
	int exec_instances;       /* --exec: hostile cases get a process of their own */
	char exec_note[400];      /* --exec: how hostile cases run (the report's header) */

	uint32_t dest_ip;
	uint32_t src_ip; /* our address on connections to the target (identd's host) */
	uint32_t alt_ip; /* 0: none */
	char dest_name[256];

	struct echo_service echo, deny;
	uint16_t echo_port;
	uint8_t dest_ports_used[65536 / 8]; /* destination.c: ports cases have had (under mu) */
	int service_conns; /* echo and identd connections alive */
	int service_fds[SERVICE_MAX_CONNS]; /* their sockets (-1: free), shut at stop */

	int ident_lfd;     /* -1: no identd */
	int ident_queries; /* queries received, scripted or not */
	uint16_t ident_port;
	pthread_t ident_tid;
	struct ident_script scripts[IDENT_SCRIPTS];

	unsigned have;       /* NEED_* the target has */
	char lacks[NEED_BITS][256]; /* why a capability is missing, by bit (NEED_BIT_*) */

	const struct s4case **cases;
	size_t ncases;
	struct result *results;
	size_t next_case; /* scheduling cursor for fast cases */
	int dead;         /* the target stopped serving */
	char dead_after[96];
	int serial;       /* the target serves one client at a time */
	int dying;        /* a death is being handled: no case starts */
	int exclusive;    /* a case runs alone */
	int fast_inflight, slow_inflight;
	int workers_left;   /* client mode: workers not yet out of cases */
	int deadline_scale; /* client mode: the client's time, times this (1; 2 in a replay) */
	/* A death no single case could be blamed for (the target did not come
	 * back and several cases were in flight): a failure of the run. */
	char death[2048];
	int not_socks4; /* preflight found no SOCKS4 server */
	char not_socks4_why[256];
	/* preflight/destination: the target does not grant CONNECTs to our
	 * destinations (why; "" when it does); late: no answer rather than a refusal */
	char unreachable[384];
	int unreachable_late;

	int64_t elapsed_ms; /* the whole run */

	/* names.c: the runner's name service (dnsd.h), when the target uses it */
	struct dnsd *dns;
	uint32_t dns_ip;
	char names_note[256];  /* how the target resolves names (the report's header) */
	int names_ours;        /* the target asks dns (else its own resolver, unseen) */
	char resolv_dir[64];   /* a private resolv.conf for --exec, "" for none */
	char resolv_conf[96];
	const char *ns_wrap[4]; /* names_private(): the wrapper that gives a child it */


	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
};

struct ctx {
	struct runner *r;
	const struct s4case *cs;
	struct result *res;
	/* Where this case reaches the target: the run's, or (a hostile case when
	 * the runner owns the target) an instance of its own (instance.h). */
	struct sockaddr_storage target;
	socklen_t target_len;
	uint16_t target_port;
	int64_t t0;
	int fds[CTX_FDS];
	char names[CTX_FDS][16];
	int nconn, ndest;
	int echo_fd;
	pthread_t echo_tid;
	int echo_running;
	uint16_t script_ports[CTX_FDS]; /* identd scripts this case made */
	int nscripts;
	int trouble;     /* runner_trouble() was called: the verdict is a SKIP */
	struct sent_log sent[SENT_CONNS];
	size_t nsent;
	void *allocs[8]; /* t_alloc() */
	int nallocs;
	struct case_dest *dest;   /* its own echo destination (destination.c), or NULL */
	pthread_mutex_t trace_mu; /* the trace: the destination's thread adds to it too */
};

/* A context outside the catalogue: capability probes, health checks, the
 * live fuzzer's iterations. */
struct scratch {
	struct s4case cs;
	struct result res;
	struct trace_ev trace[TRACE_MAX];
	struct ctx c;
};

/* destination.c: the echo destination a case owns, and its side of the story */
uint16_t case_dest_port(struct ctx *c);
size_t case_dest_story(struct ctx *c, char *buf, size_t cap);
void case_dest_stop(struct ctx *c);
void trace_add_locked(struct ctx *c, const char *who, char dir, const void *bytes, size_t len,
                      const char *text);

/* harness.c */
int harness_start(struct runner *r, char *err, size_t errlen);
void harness_stop(struct runner *r);
void ctx_init(struct ctx *c, struct runner *r, const struct s4case *cs, struct result *res);
void ctx_finish(struct ctx *c);
void scratch_init(struct scratch *s, struct runner *r, const char *id);
void scratch_finish(struct scratch *s);
/* Frees what a result holds and clears it for another run (keeps the trace
 * buffer, the --repeat counts and the scheduler's marks). */
void result_reset(struct result *res);
/* One event in c's trace (who: "c1", "d1", "*"; dir '>' to the target, '<' from it,
 * '*' a note). Not for two threads of one case at once. */
void trace_add(struct ctx *c, const char *who, char dir, const void *bytes, size_t len,
               const char *text);
/* Aims c at an instance of its own (instance.h) instead of the run's target. */

/* schedule.c: running the selected cases: the preflight alone, hostile
 * cases alone, the rest on -j workers and slow cases beside them; a target
 * that dies is brought back (or waited for) and the cases in flight are run
 * again alone to name the one that killed it; --repeat. */
int schedule_run(struct runner *r, void (*on_result)(struct runner *, size_t, void *),
                 void *arg);
/* Did case i run (or start) with no other case beside it? */
int schedule_ran_alone(const struct runner *r, size_t i);


/* runner.c */
/* Reaches the target (or starts the built-in one) and starts the services;
 * runner_teardown() undoes it. runner_run() does both around the cases. */
int runner_setup(struct runner *r, char *err, size_t errlen);
void runner_teardown(struct runner *r);
/* After the --exec target restarted (its port may change): aims the
 * connections to the target at its new address. Call it while no case or
 * fuzz iteration runs (it rewrites r->target). */
int runner_retarget(struct runner *r, char *err, size_t errlen);
/* Runs the selected cases (r->cases); on_result gets each index in
 * catalogue order as soon as it and every earlier one are done. */
int runner_run(struct runner *r, void (*on_result)(struct runner *, size_t, void *), void *arg,
               char *err, size_t errlen);
void runner_free(struct runner *r);
/* Calls on_result for each case in catalogue order, as soon as it and every
 * earlier one are done. */
void runner_stream_results(struct runner *r, void (*on_result)(struct runner *, size_t, void *),
                           void *arg);
void runner_mark_not_socks4(struct runner *r, const char *why);
/* Why each capability bit in need is missing (r->lacks), for the SKIPs of the
 * cases that need it: fmt with one string argument (it may be one of r->lacks).
 * The one writer of r->lacks, for server and client mode. */
void runner_lack(struct runner *r, unsigned need, const char *fmt, const char *arg);
/* Takes the capabilities a target that grants nothing cannot show (NEED_GRANT,
 * and SOCKS4a and BIND unless a probe was granted) with r->unreachable as the
 * reason. */
void runner_lack_unreachable(struct runner *r);
/* Every case of every table, in catalogue order; returns the count (the
 * first cap are stored). */
size_t catalogue(const struct s4case **out, size_t cap);
/* A preflight case (preflight/...): runs first, alone, and decides whether
 * anything else can run. */
int case_is_preflight(const struct s4case *cs);
/* Selection by id prefix ("bind", "request/vn") or glob ("*userid*"). */
int case_selected(const char *id, char **patterns, size_t n);

struct covmap;
/* What --fuzz is asked to do. */
struct fuzz_opts {
	long first, n;       /* iterations first..first+n-1 (--fuzz-from, --fuzz) */
	uint64_t seed;
	int jobs;
	int64_t duration_ms; /* --duration: no input starts after it (0: no limit) */
	struct covmap *map;  /* --coverage, --coverage-measure: AFL++'s map, else NULL */
	const char *corpus_dir; /* --corpus DIR (coverage) */
	const char *dict;       /* --dict FILE (coverage) */
	const char *json;       /* the figures as JSON go there (NULL: nowhere) */
	int until_finding;      /* --until-finding (coverage) */
};

/* livefuzz.c: iterations first..first+n-1 of seed against the target (after
 * runner_setup), on o->jobs workers. Prints failures (with reproducers) and
 * a summary to out; returns the number of failures, or -1 when the target
 * does not grant a valid CONNECT to begin with. With o->map (attached to
 * the target) it reports the edges the run reached (--coverage-measure). */
long livefuzz_run(struct runner *r, const struct fuzz_opts *o, FILE *out);
/* coverage.c: --coverage: inputs picked from a corpus and mutated, one at a
 * time, kept when they reach something new in o->map; every input judged
 * as livefuzz_run's are, every failure a finding. Returns as livefuzz_run. */
long coverage_run(struct runner *r, const struct fuzz_opts *o, FILE *out);

/* names.c: the runner's name service for its targets. names_for_exec()
 * before the --exec target starts (fills to->wrap when the target can have a
 * private resolv.conf); names_for_builtin() before the built-in server;
 * names_add_destinations() once dest_name and dest_ip are known. */
void names_for_exec(struct runner *r, struct tp_opts *to);
/* The name service on 127.53.x.y:53 and a resolv.conf naming it that a child
 * can have (r->ns_wrap, nsexec.h): 0, or -1 (r->names_note says why). */
int names_private(struct runner *r);
int names_for_builtin(struct runner *r, char *err, size_t errlen);
void names_add_destinations(struct runner *r);
void names_stop(struct runner *r);
/* Notes in c's trace the queries the name service got while c ran for the
 * names c sent (ctx_finish calls it). */
void names_trace_case(struct ctx *c);
/* A target whose resolver the runner cannot see (--target, or --exec where no
 * private resolv.conf is allowed): is this host's resolver fast with lookups
 * at once? 0 with why when not. */
int names_fast(struct runner *r, char *why, size_t whylen);
/* A request got no answer in time: when it carries a SOCKS4a name that this
 * host cannot look up in time either (no answer, or a slow one), returns 1
 * (inconclusive: the resolver's silence, not the target's) and appends why;
 * else 0, and appends how fast this host's lookup was. */
int names_silent(struct ctx *c, const uint8_t *req_bytes, size_t len, char *why, size_t whylen);
/* A case that FAILed for want of an answer to a SOCKS4a name it sent: when
 * this host cannot look the name up in time either, its verdict becomes a SKIP
 * whose Actual starts with "inconclusive:" (returns 1). */
int names_case_inconclusive(struct ctx *c);
/* names.c: queries the runner's name service got for name since since_ms
 * (the client's local lookups; CNEED_NAMES); the first is described in first. */
size_t names_local_queries(struct ctx *c, const char *name, int64_t since_ms, char *first,
                           size_t cap);

/* requirements.c: the sentence behind a requirement id, or NULL. */
const char *requirement_text(const char *id);

#endif
