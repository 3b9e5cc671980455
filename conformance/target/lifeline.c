/* SPDX-License-Identifier: MIT */
/* lifeline.c - children that die with the runner (see lifeline.h). */
#include "target/lifeline.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define GROUPS_MAX 256 /* the run's target, and an instance per case in flight */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pid_t groups[GROUPS_MAX];
static size_t ngroups;
static int lifeline[2] = {-1, -1};

void lifeline_add_group(pid_t pgid)
{
	pthread_mutex_lock(&mu);
	if (ngroups < GROUPS_MAX)
		groups[ngroups++] = pgid;
	pthread_mutex_unlock(&mu);
}

void lifeline_remove_group(pid_t pgid)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < ngroups; i++) {
		if (groups[i] == pgid) {
			groups[i] = groups[--ngroups];
			break;
		}
	}
	pthread_mutex_unlock(&mu);
}

int lifeline_fd(void)
{
	pthread_mutex_lock(&mu);
	if (lifeline[0] < 0 && pipe2(lifeline, O_CLOEXEC) < 0)
		lifeline[0] = lifeline[1] = -1;
	int fd = lifeline[0];
	pthread_mutex_unlock(&mu);
	return fd;
}

void lifeline_child_watchdog(int watch_fd)
{
	if (watch_fd < 0)
		return;
	/* Forked twice, the middle one waited for: the watchdog is no child of
	 * the target (a server that waits for all its children must not wait
	 * for it), yet stays in the target's process group. */
	pid_t pid = fork();
	if (pid != 0) {
		while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return; /* the child goes on to exec (or fork failed: no watchdog) */
	}
	if (fork() != 0)
		_exit(0);
	/* The watchdog: the lifeline as fd 0, nothing else (the target's
	 * output pipe must end when the target does). */
	if (dup2(watch_fd, 0) < 0)
		_exit(0);
	syscall(SYS_close_range, 1U, ~0U, 0U);
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL); /* a SIGINT to the terminal's group is not ours */
	char b;
	while (read(0, &b, 1) < 0 && errno == EINTR)
		;
	/* The runner is gone (nothing is ever written): the target goes too. */
	kill(0, SIGKILL);
	_exit(0);
}

void lifeline_stop_groups(int grace_ms)
{
	pid_t copy[GROUPS_MAX];
	pthread_mutex_lock(&mu);
	size_t n = ngroups;
	memcpy(copy, groups, n * sizeof(pid_t));
	pthread_mutex_unlock(&mu);
	for (size_t i = 0; i < n; i++)
		kill(-copy[i], SIGTERM);
	for (int waited = 0; waited < grace_ms; waited += 20) {
		size_t alive = 0;
		for (size_t i = 0; i < n; i++)
			alive += kill(-copy[i], 0) == 0;
		if (alive == 0)
			break;
		poll(NULL, 0, 20);
	}
	for (size_t i = 0; i < n; i++)
		kill(-copy[i], SIGKILL);
}

