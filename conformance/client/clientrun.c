/* SPDX-License-Identifier: MIT */
/* clientrun.c - the client under test as a child process: template expansion,
 * then sh -c in a process group of its own, stdin fed on a plan, stdout and
 * stderr captured within bounds, a bounded wait for the exit, and a kill of the
 * whole group when the time is up. Every descriptor is close-on-exec, so
 * clients of cases running at the same time never inherit each other's pipes
 * or sockets (an inherited socket would hold a connection open after the
 * runner closed it). */
#include "client/clientrun.h"
#include "target/lifeline.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net.h"

#define READ_CHUNK 65536
#define AFTER_EXIT_MS 1000 /* pipes a leftover grandchild holds are read this long */

static int append(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
	if (*at + n >= cap)
		return -1;
	memcpy(out + *at, s, n);
	*at += n;
	out[*at] = '\0';
	return 0;
}

int client_expand(const char *tmpl, const struct client_vars *v, char *out, size_t cap)
{
	char num[16], proxy[96], url[400];
	size_t at = 0;
	snprintf(proxy, sizeof(proxy), "%s:%u", v->proxy_host, v->proxy_port);
	snprintf(url, sizeof(url), "http://%s:%u/%s", v->host, v->port, v->path);
	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (const char *p = tmpl; *p != '\0';) {
		const char *val = NULL;
		size_t skip = 0;
		static const char *const names[] = {"{proxy_host}", "{proxy_port}", "{proxy}",
		                                    "{host}",       "{port}",       "{url}"};
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && val == NULL; i++) {
			if (strncmp(p, names[i], strlen(names[i])) != 0)
				continue;
			skip = strlen(names[i]);
			switch (i) {
			case 0:
				val = v->proxy_host;
				break;
			case 1:
				snprintf(num, sizeof(num), "%u", v->proxy_port);
				val = num;
				break;
			case 2:
				val = proxy;
				break;
			case 3:
				val = v->host;
				break;
			case 4:
				snprintf(num, sizeof(num), "%u", v->port);
				val = num;
				break;
			default:
				val = url;
			}
		}
		if (val != NULL) {
			if (append(out, cap, &at, val, strlen(val)) < 0)
				return -1;
			p += skip;
		} else if (append(out, cap, &at, p++, 1) < 0) {
			return -1;
		}
	}
	return 0;
}

int client_wants_url(const char *tmpl)
{
	return strstr(tmpl, "{url}") != NULL;
}

static void set_nonblocking(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* The child: its own process group, default signal dispositions (the runner
 * ignores SIGPIPE, and ignored signals survive exec), the pipes as 0, 1, 2. */
static void child(const char *cmd, const char *const *wrap, int in, int out, int err, int watch)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	lifeline_child_watchdog(watch); /* gone with the runner, even a SIGKILLed one */
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	if (wrap != NULL && wrap[0] != NULL) {
		char *argv[8];
		size_t k = 0;
		for (; k < 4 && wrap[k] != NULL; k++)
			argv[k] = (char *)wrap[k];
		argv[k++] = "sh";
		argv[k++] = "-c";
		argv[k++] = (char *)cmd;
		argv[k] = NULL;
		execv(argv[0], argv);
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

struct pump {
	const struct client_plan *plan;
	struct client_result *res;
	int in, out, err; /* parent ends; -1 once closed */
	int64_t rest_at;  /* hold_ms: when the rest of stdin is due (-1: not yet known) */
};

/* May the rest of stdin (after in_now) go? Once stdout has write_after_out
 * bytes, and with hold_ms once the client has had time to act on them. */
static int rest_due(struct pump *p)
{
	const struct client_plan *pl = p->plan;
	if (p->res->out_seen < pl->write_after_out)
		return 0;
	if (pl->hold_ms <= 0 || p->out < 0)
		return 1; /* no hold, or its stdout is closed: it acted */
	int64_t now = net_now_ms();
	if (p->rest_at < 0)
		p->rest_at = now + pl->hold_ms;
	return now >= p->rest_at;
}

static void read_out(struct pump *p)
{
	uint8_t buf[READ_CHUNK];
	ssize_t n = read(p->out, buf, sizeof(buf));
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(p->out);
			p->out = -1;
		}
		return;
	}
	size_t room = p->plan->out_cap - p->res->out_len;
	size_t keep = (size_t)n < room ? (size_t)n : room;
	memcpy(p->res->out + p->res->out_len, buf, keep);
	p->res->out_len += keep;
	p->res->out_seen += (size_t)n;
}

static void read_err(struct pump *p)
{
	char buf[4096];
	ssize_t n = read(p->err, buf, sizeof(buf));
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(p->err);
			p->err = -1;
		}
		return;
	}
	for (ssize_t i = 0; i < n && p->res->err_len < CLIENT_STDERR_CAP; i++)
		p->res->err[p->res->err_len++] = buf[i] != '\0' ? buf[i] : '.';
	p->res->err[p->res->err_len] = '\0';
}

/* Writes what the plan allows now; closes stdin when the plan says so. */
static void feed_in(struct pump *p)
{
	const struct client_plan *pl = p->plan;
	struct client_result *res = p->res;
	if (p->in < 0)
		return;
	size_t allowed = rest_due(p) ? pl->in_len : pl->in_now;
	if (allowed > pl->in_len)
		allowed = pl->in_len;
	while (res->in_written < allowed) {
		ssize_t n = write(p->in, pl->in + res->in_written, allowed - res->in_written);
		if (n > 0) {
			res->in_written += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close(p->in); /* the client closed its stdin: EPIPE */
		p->in = -1;
		return;
	}
	if (res->in_written == pl->in_len && pl->close_after_out != CLIENT_KEEP_STDIN &&
	    res->out_seen >= pl->close_after_out) {
		close(p->in);
		p->in = -1;
	}
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

static void reap(struct client_result *res, int status)
{
	if (WIFEXITED(status)) {
		res->exited = 1;
		res->status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signaled = 1;
		res->sig = WTERMSIG(status);
	}
}

/* Three pipes, for the child's stdin, stdout and stderr: 0, or -1 with res->err. */
static int open_pipes(int pipes[3][2], struct client_result *res)
{
	for (int i = 0; i < 3; i++) {
		if (pipe2(pipes[i], O_CLOEXEC) == 0)
			continue;
		snprintf(res->err, sizeof(res->err), "pipe: %s", strerror(errno));
		for (int k = 0; k < i; k++) {
			close(pipes[k][0]);
			close(pipes[k][1]);
		}
		return -1;
	}
	return 0;
}

/* One wait for the child's output, its stdin's room and its exit, until `until`
 * at most; reads what came. -1 when poll itself fails. */
static int poll_pipes(struct pump *p, int pidfd, int gone, int64_t until, int64_t now)
{
	const struct client_plan *plan = p->plan;
	struct client_result *res = p->res;
	struct pollfd fds[4];
	nfds_t n = 0;
	if (p->out >= 0)
		fds[n++] = (struct pollfd){.fd = p->out, .events = POLLIN};
	if (p->err >= 0)
		fds[n++] = (struct pollfd){.fd = p->err, .events = POLLIN};
	size_t allowed = rest_due(p) ? plan->in_len : plan->in_now;
	if (p->in >= 0 && res->in_written < allowed)
		fds[n++] = (struct pollfd){.fd = p->in, .events = POLLOUT};
	if (!gone && pidfd >= 0)
		fds[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
	int wait = (int)(until - now);
	if (!gone && pidfd < 0 && wait > 20)
		wait = 20; /* no pidfd: look at the child now and then */
	if (p->in >= 0 && p->rest_at >= 0 && res->in_written < plan->in_len && p->rest_at - now < wait)
		wait = p->rest_at > now ? (int)(p->rest_at - now) : 0; /* the hold ends */
	if (poll(fds, n, wait) < 0 && errno != EINTR)
		return -1;
	for (nfds_t i = 0; i < n; i++) {
		if (fds[i].revents == 0 || (fds[i].fd != p->out && fds[i].fd != p->err))
			continue;
		if (fds[i].fd == p->out)
			read_out(p);
		else
			read_err(p);
		if (plan->on_output != NULL)
			plan->on_output(plan->arg, res);
	}
	return 0;
}

/* Feeds stdin and reads stdout and stderr until the child has exited and its
 * output is drained (AFTER_EXIT_MS at most), or the plan's time is up. */
static void pump_until_done(struct pump *p, pid_t pid, int pidfd, int64_t t0, int *status,
                            int *gone)
{
	struct client_result *res = p->res;
	int64_t deadline = t0 + p->plan->timeout_ms, drain_until = -1;
	for (;;) {
		feed_in(p);
		if (!*gone && waitpid(pid, status, WNOHANG) == pid) {
			*gone = 1;
			res->ms = net_now_ms() - t0;
			reap(res, *status);
			drain_until = net_now_ms() + AFTER_EXIT_MS;
			if (p->in >= 0) {
				close(p->in);
				p->in = -1;
			}
		}
		int64_t now = net_now_ms();
		if (*gone && ((p->out < 0 && p->err < 0) || now >= drain_until))
			break;
		if (!*gone && now >= deadline) {
			res->timed_out = 1;
			res->ms = now - t0;
			break;
		}
		if (poll_pipes(p, pidfd, *gone, *gone ? drain_until : deadline, now) < 0)
			break;
	}
}

/* The group goes in any case: a client that forked and exited may leave a
 * child behind holding the connection. */
static void end_child(struct pump *p, pid_t pid, int pidfd, int status, int gone)
{
	struct client_result *res = p->res;
	kill(-pid, SIGKILL);
	lifeline_remove_group(pid);
	if (!gone) {
		waitpid(pid, &status, 0);
		reap(res, status);
		res->exited = 0;
		res->signaled = 0;
		res->sig = SIGKILL;
	}
	int fds[] = {pidfd, p->in, p->out, p->err};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	res->out[res->out_len] = 0;
}

int client_run_cmd(const char *cmd, const struct client_plan *plan, struct client_result *res)
{
	int pipes[3][2]; /* stdin, stdout, stderr */
	memset(res, 0, sizeof(*res));
	res->out = plan->out;
	res->out[0] = 0;
	if (open_pipes(pipes, res) < 0)
		return -1;
	int64_t t0 = net_now_ms();
	int watch = lifeline_fd();
	pid_t pid = fork();
	if (pid == 0)
		child(cmd, plan->wrap, pipes[0][0], pipes[1][1], pipes[2][1], watch);
	close(pipes[0][0]);
	close(pipes[1][1]);
	close(pipes[2][1]);
	if (pid < 0) {
		snprintf(res->err, sizeof(res->err), "fork: %s", strerror(errno));
		close(pipes[0][1]);
		close(pipes[1][0]);
		close(pipes[2][0]);
		return -1;
	}
	setpgid(pid, pid); /* also here: no race with the kill in end_child */
	lifeline_add_group(pid);
	res->started = 1;
	struct pump p = {plan, res, pipes[0][1], pipes[1][0], pipes[2][0], -1};
	set_nonblocking(p.in);
	set_nonblocking(p.out);
	set_nonblocking(p.err);
	int pidfd = pidfd_of(pid);
	int status = 0, gone = 0;
	pump_until_done(&p, pid, pidfd, t0, &status, &gone);
	end_child(&p, pid, pidfd, status, gone);
	return 0;
}

const char *client_first_line(const struct client_result *res, char *buf, size_t cap)
{
	size_t i = 0;
	const char *s = res->err;
	while (*s == '\n')
		s++;
	for (; s[i] != '\0' && s[i] != '\n' && i + 1 < cap; i++)
		buf[i] = s[i];
	buf[i] = '\0';
	return buf;
}
