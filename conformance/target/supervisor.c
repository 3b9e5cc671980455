/* SPDX-License-Identifier: MIT */
/* supervisor.c - the target's process (see supervisor.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target/supervisor.h"
#include "net.h"
#include "target/lifeline.h"

#define CMD_MAX 4096        /* the command with {port} and {addr} filled in */
#define STOP_GRACE_MS 3000  /* after SIGTERM, before SIGKILL */
#define FLUSH_WAIT_MS 500   /* after a death: the pipe's last bytes */
#define READ_CHUNK 4096
#define TAIL_LINES 6        /* output lines quoted in an error */

extern char **environ;

struct target_proc {
	char tmpl[CMD_MAX];
	char cmd[CMD_MAX];
	int via_shell; /* compound command: the shell stays, and reports signals as 128+N */
	char addr[32];
	uint16_t port;
	struct tp_opts o;
	int restarts;
	int extra_restarts; /* tp_allow_restarts() */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* the current process, under mu */
	pid_t pid;
	int ended, status;
	/* its output pipe and the thread reading it */
	int rfd;
	pthread_t reader;
	int reader_running, reader_stop, eof;
	/* the ring: byte k of the output is at ring[k % cap] while k >= total - cap */
	uint8_t *ring;
	uint64_t total;
	int exited_early; /* the last launch: the process ended before it listened */
};

/* ---- the output ring ------------------------------------------------------ */

static void ring_add(struct target_proc *tp, const uint8_t *p, size_t n)
{
	size_t cap = tp->o.ring_bytes;
	if (n > cap) { /* only the last cap bytes can stay */
		tp->total += n - cap;
		p += n - cap;
		n = cap;
	}
	size_t at = (size_t)(tp->total % cap);
	size_t first = n < cap - at ? n : cap - at;
	memcpy(tp->ring + at, p, first);
	memcpy(tp->ring, p + first, n - first);
	tp->total += n;
}

static void *reader_main(void *arg)
{
	struct target_proc *tp = arg;
	uint8_t buf[READ_CHUNK];
	for (;;) {
		struct pollfd pfd = {.fd = tp->rfd, .events = POLLIN};
		int rc = poll(&pfd, 1, 100); /* wakes up to see reader_stop */
		pthread_mutex_lock(&tp->mu);
		int stop = tp->reader_stop;
		pthread_mutex_unlock(&tp->mu);
		if (rc < 0 && errno != EINTR)
			break;
		ssize_t n = rc > 0 ? read(tp->rfd, buf, sizeof(buf)) : -1;
		if (n < 0 && (rc <= 0 || errno == EINTR || errno == EAGAIN)) {
			if (stop)
				break;
			continue;
		}
		pthread_mutex_lock(&tp->mu);
		if (n > 0)
			ring_add(tp, buf, (size_t)n);
		else
			tp->eof = 1;
		pthread_cond_broadcast(&tp->cv);
		pthread_mutex_unlock(&tp->mu);
		if (n <= 0)
			return NULL;
	}
	pthread_mutex_lock(&tp->mu);
	tp->eof = 1;
	pthread_cond_broadcast(&tp->cv);
	pthread_mutex_unlock(&tp->mu);
	return NULL;
}

/* Waits (under mu) until the reader saw the end of the pipe, at most ms. */
static void wait_eof_locked(struct target_proc *tp, int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (tp->reader_running && !tp->eof)
		if (pthread_cond_timedwait(&tp->cv, &tp->mu, &ts) == ETIMEDOUT)
			break;
}

uint64_t tp_log_mark(struct target_proc *tp)
{
	pthread_mutex_lock(&tp->mu);
	uint64_t m = tp->total;
	pthread_mutex_unlock(&tp->mu);
	return m;
}

static int alive_locked(struct target_proc *tp)
{
	if (!tp->ended && tp->pid > 0) {
		int st;
		pid_t w = waitpid(tp->pid, &st, WNOHANG);
		if (w == tp->pid || (w < 0 && errno == ECHILD)) {
			tp->ended = 1;
			tp->status = w == tp->pid ? st : 0;
		}
	}
	return !tp->ended;
}

size_t tp_log_since(struct target_proc *tp, uint64_t mark, char *buf, size_t cap)
{
	if (cap == 0)
		return 0;
	pthread_mutex_lock(&tp->mu);
	if (!alive_locked(tp))
		wait_eof_locked(tp, FLUSH_WAIT_MS);
	size_t rcap = tp->o.ring_bytes;
	uint64_t oldest = tp->total > rcap ? tp->total - rcap : 0;
	uint64_t from = mark < oldest ? oldest : mark;
	size_t o = 0;
	if (mark < oldest) { /* said when there is room for it, else the bytes matter more */
		char head[64];
		size_t h = (size_t)snprintf(head, sizeof(head),
		                            "[... %llu bytes of output not kept ...]\n",
		                            (unsigned long long)(oldest - mark));
		if (h < cap / 2) {
			memcpy(buf, head, h);
			o = h;
		}
	}
	if (from < tp->total) {
		uint64_t n = tp->total - from;
		if (n > cap - 1 - o) { /* the last bytes matter most: a report ends there */
			from = tp->total - (cap - 1 - o);
			n = cap - 1 - o;
		}
		for (uint64_t k = 0; k < n; k++) {
			char ch = (char)tp->ring[(from + k) % rcap];
			buf[o++] = ch == '\0' ? '?' : ch;
		}
	}
	buf[o] = '\0';
	pthread_mutex_unlock(&tp->mu);
	return o;
}

/* The last TAIL_LINES lines of output, for an error message. */
static void output_tail(struct target_proc *tp, char *out, size_t cap)
{
	char all[2048];
	size_t n = tp_log_since(tp, 0, all, sizeof(all));
	while (n > 0 && all[n - 1] == '\n')
		all[--n] = '\0';
	size_t start = n;
	for (int lines = 0; start > 0; start--)
		if (all[start - 1] == '\n' && ++lines == TAIL_LINES)
			break;
	if (n == 0)
		snprintf(out, cap, "(it printed nothing)");
	else
		snprintf(out, cap, "its last output:\n%s", all + start);
}

/* ---- the process ---------------------------------------------------------- */

static int is_reserved_word(const char *w, size_t n)
{
	static const char *const words[] = {"if", "then", "else", "elif", "fi", "do", "done",
	                                    "case", "esac", "while", "until", "for", "in",
	                                    "function", "exec"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0)
			return 1;
	return 0;
}

/* A command `exec` can replace the shell with: no list or pipeline, and a
 * first word that is a program (not a reserved word, a group or an
 * assignment). */
static int is_simple_command(const char *cmd)
{
	if (strpbrk(cmd, ";&|\n`") != NULL)
		return 0;
	while (*cmd == ' ' || *cmd == '\t')
		cmd++;
	size_t n = strcspn(cmd, " \t");
	if (n == 0 || strchr("({!", cmd[0]) != NULL || memchr(cmd, '=', n) != NULL)
		return 0;
	return !is_reserved_word(cmd, n);
}

/* The template with {port} and {addr} filled in, behind "exec " when simple. */
int tp_fill(const char *tmpl, uint16_t port, const char *prefix, char *out, size_t cap)
{
	char num[8], addr[32];
	snprintf(num, sizeof(num), "%u", port);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	size_t o = (size_t)snprintf(out, cap, "%s", prefix);
	for (const char *p = tmpl; *p != '\0';) {
		const char *put = NULL;
		size_t skip = 1;
		if (strncmp(p, "{port}", 6) == 0)
			put = num, skip = 6;
		else if (strncmp(p, "{addr}", 6) == 0)
			put = addr, skip = 6;
		size_t len = put != NULL ? strlen(put) : 1;
		if (o + len >= cap)
			return -1;
		memcpy(out + o, put != NULL ? put : p, len);
		o += len;
		p += skip;
	}
	out[o] = '\0';
	return 0;
}

static int fill_command(struct target_proc *tp, char *err, size_t errlen)
{
	tp->via_shell = !is_simple_command(tp->tmpl);
	if (tp_fill(tp->tmpl, tp->port, tp->via_shell ? "" : "exec ", tp->cmd, sizeof(tp->cmd)) < 0) {
		snprintf(err, errlen, "--exec command longer than %d bytes", CMD_MAX - 1);
		return -1;
	}
	return 0;
}

/* A loopback port nothing is bound to right now. */
static int free_port(uint16_t *port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	net_sockaddr4(&ss, &len, INADDR_LOOPBACK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(err, errlen, "picking a free port: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

static int spawn(struct target_proc *tp, uint16_t port, char *err, size_t errlen)
{
	tp->port = port;
	snprintf(tp->addr, sizeof(tp->addr), "127.0.0.1:%u", port);
	if (fill_command(tp, err, errlen) < 0)
		return -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	/* fork, not posix_spawn: the child also starts the watchdog that takes
	 * the target's group down when the runner dies, even by SIGKILL
	 * (lifeline.h). Only async-signal-safe calls between fork and exec. The
	 * command runs under the wrapper of tp->o.wrap when there is one (a
	 * private resolv.conf, nsexec.h). */
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int watch = lifeline_fd();
	char *argv[4 + 4] = {NULL};
	size_t k = 0;
	for (size_t i = 0; i < 4 && tp->o.wrap[i] != NULL; i++)
		argv[k++] = (char *)tp->o.wrap[i];
	const char *prog = k > 0 ? argv[0] : "/bin/sh";
	argv[k++] = "sh";
	argv[k++] = "-c";
	argv[k++] = tp->cmd;
	pid_t pid = null_fd < 0 ? -1 : fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		setpgid(0, 0);
		lifeline_child_watchdog(watch);
		signal(SIGPIPE, SIG_DFL); /* socks4-test ignores it; the target must not inherit that */
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(null_fd, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execve(prog, argv, environ);
		_exit(127);
	}
	int rc = pid < 0 ? errno : 0;
	if (pid > 0) {
		setpgid(pid, pid); /* also here: no race with a kill of the group */
		lifeline_add_group(pid);
	}
	if (null_fd >= 0)
		close(null_fd);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		snprintf(err, errlen, "starting /bin/sh: %s", strerror(rc));
		return -1;
	}
	pthread_mutex_lock(&tp->mu);
	tp->pid = pid;
	tp->ended = tp->status = 0;
	tp->rfd = p[0];
	tp->eof = tp->reader_stop = 0;
	tp->reader_running = pthread_create(&tp->reader, NULL, reader_main, tp) == 0;
	pthread_mutex_unlock(&tp->mu);
	return 0;
}

/* Waits until the port accepts a connection, the process ends, or the time
 * is up (the process is then stopped by the caller). */
static int wait_ready(struct target_proc *tp, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	net_sockaddr4(&ss, &len, INADDR_LOOPBACK, tp->port);
	int64_t deadline = net_deadline(tp->o.ready_timeout_ms);
	int pause_ms = 1;
	char why[160] = "", tail[1024], how[160];
	for (;;) {
		if (!tp_running(tp)) {
			tp->exited_early = 1;
			tp_exit(tp, how, sizeof(how));
			output_tail(tp, tail, sizeof(tail));
			snprintf(err, errlen, "target '%s' %s before it accepted connections on %s; %s",
			         tp->cmd, how, tp->addr, tail);
			return -1;
		}
		int fd;
		if (net_connect((struct sockaddr *)&ss, len, NULL, net_deadline(200), &fd, why,
		                sizeof(why)) == 0) {
			close(fd);
			return 0;
		}
		if (net_remaining_ms(deadline) == 0)
			break;
		poll(NULL, 0, pause_ms); /* not yet listening: look again shortly */
		pause_ms = pause_ms < 50 ? pause_ms * 2 : 50;
	}
	output_tail(tp, tail, sizeof(tail));
	snprintf(err, errlen, "target '%s' did not accept connections on %s within %d ms (%s); %s",
	         tp->cmd, tp->addr, tp->o.ready_timeout_ms, why, tail);
	return -1;
}

/* Ends the current process and its whole group, and the pipe's reader. */
static void end_process(struct target_proc *tp)
{
	if (tp->pid <= 0)
		return;
	if (tp_running(tp)) {
		if (tp->o.stop_grace_ms > 0) { /* none: straight to SIGKILL */
			kill(-tp->pid, SIGTERM);
			int64_t deadline = net_deadline(tp->o.stop_grace_ms);
			while (tp_running(tp) && net_remaining_ms(deadline) > 0)
				poll(NULL, 0, 5);
		}
		if (tp_running(tp)) {
			kill(-tp->pid, SIGKILL);
			int st;
			if (waitpid(tp->pid, &st, 0) == tp->pid) {
				pthread_mutex_lock(&tp->mu);
				tp->ended = 1;
				tp->status = st;
				pthread_mutex_unlock(&tp->mu);
			}
		}
	}
	kill(-tp->pid, SIGKILL); /* whatever it started and left behind */
	lifeline_remove_group(tp->pid);
	pthread_mutex_lock(&tp->mu);
	wait_eof_locked(tp, FLUSH_WAIT_MS);
	tp->reader_stop = 1;
	int joinable = tp->reader_running;
	tp->reader_running = 0;
	pthread_mutex_unlock(&tp->mu);
	if (joinable)
		pthread_join(tp->reader, NULL);
	close(tp->rfd);
	tp->rfd = -1;
}

/* Tries with a port picked free: other programs pick free ports too, and
 * one may bind it between the pick and the command's bind. */
#define PICKED_PORT_TRIES 3

/* Starts on port (0: a free one) and waits for it to listen. On a picked
 * port, a command that ends before it listens (perhaps: address in use) is
 * started again on another, PICKED_PORT_TRIES times in all; err is then the
 * last try's. */
static int launch(struct target_proc *tp, uint16_t port, char *err, size_t errlen)
{
	int picked = port == 0;
	for (int tries = 0; tries < (picked ? PICKED_PORT_TRIES : 1); tries++) {
		if (tries > 0)
			end_process(tp);
		if (picked && free_port(&port, err, errlen) < 0)
			return -1;
		if (spawn(tp, port, err, errlen) < 0)
			return -1;
		tp->exited_early = 0;
		if (wait_ready(tp, err, errlen) == 0)
			return 0;
		if (!tp->exited_early)
			break; /* it runs and does not listen: another port will not help */
	}
	end_process(tp);
	return -1;
}

struct target_proc *tp_start(const char *cmd_template, const struct tp_opts *opts, char *err,
                             size_t errlen)
{
	if (strlen(cmd_template) >= CMD_MAX) {
		snprintf(err, errlen, "--exec command longer than %d bytes", CMD_MAX - 1);
		return NULL;
	}
	struct target_proc *tp = calloc(1, sizeof(*tp));
	if (tp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(tp->tmpl, sizeof(tp->tmpl), "%s", cmd_template);
	if (opts != NULL)
		tp->o = *opts;
	if (tp->o.ring_bytes == 0)
		tp->o.ring_bytes = TP_RING_DEFAULT;
	if (tp->o.ready_timeout_ms <= 0)
		tp->o.ready_timeout_ms = TP_READY_DEFAULT_MS;
	if (tp->o.max_restarts == 0)
		tp->o.max_restarts = TP_MAX_RESTARTS_DEFAULT;
	else if (tp->o.max_restarts < 0)
		tp->o.max_restarts = 0;
	if (tp->o.stop_grace_ms == 0)
		tp->o.stop_grace_ms = STOP_GRACE_MS;
	else if (tp->o.stop_grace_ms < 0)
		tp->o.stop_grace_ms = 0;
	tp->rfd = -1;
	pthread_mutex_init(&tp->mu, NULL);
	pthread_cond_init(&tp->cv, NULL);
	tp->ring = malloc(tp->o.ring_bytes);
	if (tp->ring == NULL || launch(tp, 0, err, errlen) < 0) {
		if (tp->ring == NULL)
			snprintf(err, errlen, "out of memory");
		tp_stop(tp);
		return NULL;
	}
	return tp;
}

const char *tp_addr(struct target_proc *tp)
{
	return tp->addr;
}

uint16_t tp_port(struct target_proc *tp)
{
	return tp->port;
}

const char *tp_command(struct target_proc *tp)
{
	return tp->cmd;
}

int tp_running(struct target_proc *tp)
{
	pthread_mutex_lock(&tp->mu);
	int alive = alive_locked(tp);
	pthread_mutex_unlock(&tp->mu);
	return alive;
}

int tp_exit(struct target_proc *tp, char *text, size_t cap)
{
	pthread_mutex_lock(&tp->mu);
	int ended = !alive_locked(tp), st = tp->status;
	pthread_mutex_unlock(&tp->mu);
	char buf[160];
	if (!ended) {
		snprintf(buf, sizeof(buf), "still running");
	} else if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		const char *name = sigabbrev_np(sig);
		snprintf(buf, sizeof(buf), "killed by signal %d (SIG%s)%s", sig, name ? name : "?",
		         WCOREDUMP(st) ? ", core dumped" : "");
	} else {
		int code = WEXITSTATUS(st);
		const char *name = code > 128 ? sigabbrev_np(code - 128) : NULL;
		if (tp->via_shell && name != NULL)
			snprintf(buf, sizeof(buf),
			         "exited with status %d (the shell's way of saying: killed by signal "
			         "%d, SIG%s)",
			         code, code - 128, name);
		else
			snprintf(buf, sizeof(buf), "exited with status %d", code);
	}
	if (text != NULL)
		snprintf(text, cap, "%s", buf);
	return ended ? st : -1;
}

int tp_restarts(struct target_proc *tp)
{
	return tp->restarts;
}

void tp_allow_restarts(struct target_proc *tp, int n)
{
	tp->extra_restarts += n;
}

int tp_restart(struct target_proc *tp, char *err, size_t errlen)
{
	if (tp->restarts >= tp->o.max_restarts + tp->extra_restarts) {
		snprintf(err, errlen, "not restarting the target again: %d restarts is the limit "
		                      "(--max-restarts)",
		         tp->o.max_restarts);
		return -1;
	}
	tp->restarts++;
	end_process(tp);
	char first[512];
	if (launch(tp, tp->port, first, sizeof(first)) == 0)
		return 0;
	end_process(tp);
	if (launch(tp, 0, err, errlen) == 0)
		return 0;
	end_process(tp);
	return -1;
}

void tp_stop(struct target_proc *tp)
{
	if (tp == NULL)
		return;
	end_process(tp);
	pthread_cond_destroy(&tp->cv);
	pthread_mutex_destroy(&tp->mu);
	free(tp->ring);
	free(tp);
}
