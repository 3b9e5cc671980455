/* SPDX-License-Identifier: MIT */
/* target.c - the target under test, as the scheduler sees it: is it alive,
 * how did it die, what did it print, bring it back, and the bytes that killed
 * it. A remote target (--target) is only ever asked over the network; a
 * target the runner runs itself (--exec, supervisor.c) is also watched as a
 * process, restarted, and its output kept. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "target/target.h"
#include "core/runner.h"
#include "server.h"
#include "target/crashdir.h"
#include "target/instance.h"
#include "target/supervisor.h"

#define BACK_POLL_MS 250 /* a remote target is asked this often whether it is back */
#define SURVIVED_RETRY_MS 200

int target_process_running(struct runner *r)
{
	return r->tp == NULL || tp_running(r->tp);
}

/* One question on a scratch context aimed at the run's target or at own. */
static int ask(struct runner *r, const struct instance *own, int (*question)(struct ctx *),
               const char *id, char *why, size_t whylen)
{
	struct scratch s;
	scratch_init(&s, r, id);
	if (own != NULL)
		ctx_aim(&s.c, own);
	int yes = question(&s.c);
	if (!yes && why != NULL)
		snprintf(why, whylen, "%s", s.res.actual[0] ? s.res.actual : "no answer");
	scratch_finish(&s);
	return yes;
}

/* It must answer a SOCKS4 CONNECT with 8 octets carrying a SOCKS4 code (VN 0,
 * or the 4 some servers send). A target that answers wrongly is judged by the
 * cases; only one that refuses connections, closes or hangs is gone. */
int target_answers(struct runner *r, const struct instance *own, char *why, size_t whylen)
{
	return ask(r, own, t_target_answers, "answers", why, whylen);
}

int target_serves(struct runner *r, const struct instance *own, char *why, size_t whylen)
{
	return ask(r, own, t_target_serves, "serves", why, whylen);
}

/* The process of the run's target or of an instance: NULL when there is none. */
static struct target_proc *proc_of(struct runner *r, const struct instance *own)
{
	return own != NULL ? own->tp : r->tp;
}

int target_survived(struct runner *r, const struct instance *own, char *why, size_t whylen)
{
	struct target_proc *tp = proc_of(r, own);
	if (tp != NULL && !tp_running(tp)) {
		tp_exit(tp, why, whylen);
		return 0;
	}
	if (target_answers(r, own, why, whylen))
		return 1;
	poll(NULL, 0, SURVIVED_RETRY_MS);
	if (target_answers(r, own, why, whylen))
		return 1;
	if (tp != NULL && !tp_running(tp))
		tp_exit(tp, why, whylen);
	return 0;
}

void target_note_unconfirmed(struct runner *r, const char *how, const char *suspects,
                             const char *why)
{
	pthread_mutex_lock(&r->mu);
	size_t k = strlen(r->death);
	snprintf(r->death + k, sizeof(r->death) - k,
	         "%sthe target stopped serving (%.200s); suspect%s: %s; %s", k ? " | " : "", how,
	         strstr(suspects, ", ") != NULL ? "s" : "", suspects, why);
	pthread_mutex_unlock(&r->mu);
}

uint64_t target_log_mark(struct runner *r)
{
	return r->tp != NULL ? tp_log_mark(r->tp) : 0;
}

void target_record_death(struct runner *r, const struct instance *own, struct result *res,
                         const char *how)
{
	struct target_proc *tp = proc_of(r, own);
	char seen[sizeof(res->target_exit)];
	snprintf(seen, sizeof(seen), "%s", how); /* how may be res->target_exit itself */
	res->exit_code = res->exit_signal = -1;
	if (tp != NULL && !tp_running(tp)) {
		int st = tp_exit(tp, res->target_exit, sizeof(res->target_exit));
		if (st >= 0 && WIFEXITED(st))
			res->exit_code = WEXITSTATUS(st);
		else if (st >= 0 && WIFSIGNALED(st))
			res->exit_signal = WTERMSIG(st);
	} else {
		snprintf(res->target_exit, sizeof(res->target_exit), "stopped serving (%.200s)",
		         seen);
	}
	if (tp != NULL) {
		free(res->target_log);
		res->target_log = malloc(TARGET_LOG_MAX);
		if (res->target_log != NULL) /* an instance's log is all this case's */
			tp_log_since(tp, own != NULL ? 0 : res->log_mark, res->target_log,
			             TARGET_LOG_MAX);
	}
}

/* "request/userid/256" -> "request_userid_256" */
static void file_safe(const char *id, char *out, size_t cap)
{
	size_t k = 0;
	for (; id[k] != '\0' && k + 1 < cap; k++)
		out[k] = (id[k] == '/' || id[k] == ' ') ? '_' : id[k];
	out[k] = '\0';
}

void target_save_reproducer(struct runner *r, const struct s4case *cs, struct result *res)
{
	char name[128], stem[256], path[512], err[600];
	if (res->nsent == 0)
		return;
	char proxy[NET_ADDRSTR_MAX];
	net_addr_str((struct sockaddr *)&r->target, proxy, sizeof(proxy));
	file_safe(cs->id, name, sizeof(name));
	size_t used = 0;
	res->replay[0] = '\0';
	for (size_t k = 0; k < res->nsent; k++) {
		const struct sent_log *l = &res->sent[k];
		static const char *const bin[] = {"bin"};
		FILE *f;
		snprintf(stem, sizeof(stem), "%s-%s", name, l->who);
		if (crashdir_create(r->o.crash_dir, stem, bin, 1, &f, path, sizeof(path) - 4, err,
		                    sizeof(err)) < 0) {
			snprintf(res->reproducer, sizeof(res->reproducer), "(%.500s)", err);
			return;
		}
		strcat(path, ".bin");
		int bad = fwrite(l->bytes, 1, l->len, f) != l->len;
		bad |= fclose(f) != 0;
		if (bad)
			continue;
		if (k == 0 || res->reproducer[0] == '\0')
			snprintf(res->reproducer, sizeof(res->reproducer), "%s", path);
		/* One replay line per connection the case opened. */
		int n = snprintf(res->replay + used, sizeof(res->replay) - used,
		                 "%ssocks4-client --proxy %s --raw-file %s", used ? "\n" : "",
		                 proxy, path);
		if (n < 0 || (size_t)n >= sizeof(res->replay) - used)
			break;
		used += (size_t)n;
	}
}

/* The built-in server: a fresh instance replaces the one that stopped serving. */
static int restart_builtin(struct runner *r, char *why, size_t whylen)
{
	struct instance in;
	if (r->server != NULL)
		s4srv_stop(r->server, 0);
	r->server = NULL;
	if (instance_start(r, &in, why, whylen) < 0)
		return 0;
	r->server = in.server;
	r->target = in.addr;
	r->target_len = in.addr_len;
	r->target_port = in.port;
	return target_survived(r, NULL, why, whylen);
}

int target_bring_back(struct runner *r, char *why, size_t whylen)
{
	if (r->in_process)
		return restart_builtin(r, why, whylen);
	if (r->tp != NULL) {
		if (tp_restart(r->tp, why, whylen) < 0)
			return 0;
		if (runner_retarget(r, why, whylen) < 0)
			return 0;
		return target_survived(r, NULL, why, whylen);
	}
	/* Remote: it may come back by itself (a supervisor of its own), within
	 * --timeout. */
	int64_t deadline = net_deadline(r->o.timeout_ms);
	do {
		if (target_answers(r, NULL, why, whylen))
			return 1;
		poll(NULL, 0, BACK_POLL_MS);
	} while (net_remaining_ms(deadline) > 0);
	return 0;
}
