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

#include "net.h"
#include "suite.h"

#define TRACE_MAX 80   /* events kept per case; later ones are counted only */
#define TRACE_BYTES 48 /* bytes shown per event */
#define CTX_FDS 32     /* sockets one case may have open */
#define IDENT_SCRIPTS 256

struct runner_opts {
	const char *target;      /* "HOST:PORT", or NULL for the in-process server */
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
	int timeout_ms;
	int stall_wait_ms;
	int timer_wait_ms;
	size_t relay_bytes;
	int strict;
	int verbose;
	const char *exec_cmd;  /* --exec: the target is this command's process (supervisor.h) */
	int max_restarts;      /* --max-restarts (0: the default, -1: none), as in tp_opts */
	int exec_wait_ms;      /* --exec-wait: until it accepts connections (0: the default) */
	const char *crash_dir; /* --crash-dir: where the live fuzzer saves crash reproducers */
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

struct result {
	enum verdict v;
	char expected[512];
	char actual[512];
	int64_t duration_ms;
	struct trace_ev *trace;
	size_t ntrace, dropped;
	int done;
};

/* An echo listener: the shared destination, and the one on --deny-port. */
struct echo_service {
	struct runner *r;
	int lfd; /* -1: not running */
	pthread_t tid;
};

struct runner {
	struct runner_opts o;
	char target_text[NET_ADDRSTR_MAX];
	struct sockaddr_storage target;
	socklen_t target_len;
	uint16_t target_port;
	int in_process;
	void *server; /* struct s4srv * when in-process */
	struct target_proc *tp; /* --exec: the target's process */

	uint32_t dest_ip;
	uint32_t alt_ip; /* 0: none */
	char dest_name[256];

	struct echo_service echo, deny;
	uint16_t echo_port;
	int service_conns; /* echo and identd connections alive */

	int ident_lfd;     /* -1: no identd */
	int ident_queries; /* queries received, scripted or not */
	uint16_t ident_port;
	pthread_t ident_tid;
	struct ident_script scripts[IDENT_SCRIPTS];

	unsigned have;       /* NEED_* the target has */
	char lacks[16][160]; /* why a capability is missing, by bit */

	const struct s4case **cases;
	size_t ncases;
	struct result *results;
	size_t next_case; /* scheduling cursor for fast cases */
	int dead;         /* the target stopped serving */
	char dead_after[96];
	int not_socks4; /* preflight found no SOCKS4 server */
	char not_socks4_why[256];

	int64_t elapsed_ms; /* the whole run */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
};

struct ctx {
	struct runner *r;
	const struct s4case *cs;
	struct result *res;
	int64_t t0;
	int fds[CTX_FDS];
	char names[CTX_FDS][16];
	int nconn, ndest;
	int echo_fd;
	pthread_t echo_tid;
	int echo_running;
	uint16_t script_ports[CTX_FDS]; /* identd scripts this case made */
	int nscripts;
	void *allocs[8]; /* t_alloc() */
	int nallocs;
};

/* A context outside the catalogue: capability probes, health checks, the
 * live fuzzer's iterations. */
struct scratch {
	struct s4case cs;
	struct result res;
	struct trace_ev trace[TRACE_MAX];
	struct ctx c;
};

/* harness.c */
int harness_start(struct runner *r, char *err, size_t errlen);
void harness_stop(struct runner *r);
void ctx_init(struct ctx *c, struct runner *r, const struct s4case *cs, struct result *res);
void ctx_finish(struct ctx *c);
void scratch_init(struct scratch *s, struct runner *r, const char *id);
/* A CONNECT to the echo service and a round trip: 0 when the target serves. */
int health_check(struct runner *r, char *why, size_t whylen);

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
void runner_mark_not_socks4(struct runner *r, const char *why);
/* Every case of every table, in catalogue order; returns the count (the
 * first cap are stored). */
size_t catalogue(const struct s4case **out, size_t cap);
/* Selection by id prefix ("bind", "request/vn") or glob ("*userid*"). */
int case_selected(const char *id, char **patterns, size_t n);

/* livefuzz.c: iterations first..first+n-1 of seed against the target (after
 * runner_setup). Prints failures (with reproducers) and a summary to out;
 * returns the number of failures, or -1 when the target does not grant a
 * valid CONNECT to begin with. */
long livefuzz_run(struct runner *r, long first, long n, uint64_t seed, int jobs, FILE *out);

/* requirements.c: the sentence behind a requirement id, or NULL. */
const char *requirement_text(const char *id);

#endif
