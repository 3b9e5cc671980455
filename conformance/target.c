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

#include "crashdir.h"
#include "runner.h"
#include "supervisor.h"

#define BACK_POLL_MS 250 /* a remote target is asked this often whether it is back */
#define HEALTH_RETRY_MS 200

int target_process_alive(struct runner *r)
{
	return r->tp == NULL || tp_alive(r->tp);
}

int target_alive(struct runner *r, char *why, size_t whylen)
{
	if (!target_process_alive(r)) {
		tp_exit(r->tp, why, whylen);
		return 0;
	}
	/* Twice, a moment apart: one refused connection under load is no death. */
	if (alive_check(r, why, whylen) == 0)
		return 1;
	poll(NULL, 0, HEALTH_RETRY_MS);
	if (alive_check(r, why, whylen) == 0)
		return 1;
	if (!target_process_alive(r))
		tp_exit(r->tp, why, whylen);
	return 0;
}

uint64_t target_log_mark(struct runner *r)
{
	return r->tp != NULL ? tp_log_mark(r->tp) : 0;
}

void target_record_death(struct runner *r, struct result *res, const char *how)
{
	res->exit_code = res->exit_signal = -1;
	if (r->tp != NULL && !tp_alive(r->tp)) {
		int st = tp_exit(r->tp, res->target_exit, sizeof(res->target_exit));
		if (st >= 0 && WIFEXITED(st))
			res->exit_code = WEXITSTATUS(st);
		else if (st >= 0 && WIFSIGNALED(st))
			res->exit_signal = WTERMSIG(st);
	} else {
		snprintf(res->target_exit, sizeof(res->target_exit), "stopped serving (%s)", how);
	}
	if (r->tp != NULL) {
		free(res->target_log);
		res->target_log = malloc(TARGET_LOG_MAX);
		if (res->target_log != NULL)
			tp_log_since(r->tp, res->log_mark, res->target_log, TARGET_LOG_MAX);
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

int target_bring_back(struct runner *r, char *why, size_t whylen)
{
	if (r->tp != NULL) {
		if (tp_restart(r->tp, why, whylen) < 0)
			return 0;
		if (runner_retarget(r, why, whylen) < 0)
			return 0;
		return target_alive(r, why, whylen);
	}
	/* Remote: it may come back by itself (a supervisor of its own). */
	int64_t deadline = net_deadline(r->o.timeout_ms);
	do {
		if (alive_check(r, why, whylen) == 0)
			return 1;
		poll(NULL, 0, BACK_POLL_MS);
	} while (net_remaining_ms(deadline) > 0);
	return 0;
}
