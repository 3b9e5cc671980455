/* SPDX-License-Identifier: MIT */
/* nsexec.c - a private mount namespace with the runner's resolv.conf (see
 * nsexec.h). What runs in a forked child uses system calls only. */
#include "services/nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#define RESOLV "/etc/resolv.conf"

struct ids {
	char uid_map[32], gid_map[32];
};

static void ids_init(struct ids *ids)
{
	snprintf(ids->uid_map, sizeof(ids->uid_map), "%u %u 1\n", (unsigned)getuid(),
	         (unsigned)getuid());
	snprintf(ids->gid_map, sizeof(ids->gid_map), "%u %u 1\n", (unsigned)getgid(),
	         (unsigned)getgid());
}

static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* 0, or the step that failed (errno kept). */
static const char *private_resolv(const char *path, const struct ids *ids)
{
	if (unshare(CLONE_NEWNS) < 0) {
		if (errno != EPERM)
			return "unshare(CLONE_NEWNS)";
		/* Unprivileged: a user namespace of our own, mapping our ids. */
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			return "unshare(CLONE_NEWUSER|CLONE_NEWNS)";
		if (put("/proc/self/setgroups", "deny") < 0 ||
		    put("/proc/self/uid_map", ids->uid_map) < 0 ||
		    put("/proc/self/gid_map", ids->gid_map) < 0)
			return "writing the user namespace's id maps";
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return "making / private";
	if (mount(path, RESOLV, NULL, MS_BIND, NULL) < 0)
		return "bind-mounting over " RESOLV;
	return NULL;
}

int nsexec_probe(const char *resolv_conf, char *why, size_t whylen)
{
	char want[512], got[512];
	int fd = open(resolv_conf, O_RDONLY | O_CLOEXEC);
	ssize_t wn = fd >= 0 ? read(fd, want, sizeof(want)) : -1;
	if (fd >= 0)
		close(fd);
	if (wn <= 0) {
		snprintf(why, whylen, "%s: cannot read", resolv_conf);
		return -1;
	}
	struct ids ids;
	ids_init(&ids);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		const char *step = private_resolv(resolv_conf, &ids);
		int e = errno;
		if (step != NULL) {
			if (write(p[1], step, strlen(step)) < 0 || write(p[1], "\n", 1) < 0)
				_exit(2);
			if (write(p[1], &e, sizeof(e)) < 0)
				_exit(2);
			_exit(1);
		}
		int r = open(RESOLV, O_RDONLY | O_CLOEXEC);
		ssize_t n = r >= 0 ? read(r, got, sizeof(got)) : -1;
		_exit(n == wn && memcmp(got, want, (size_t)n) == 0 ? 0 : 3);
	}
	close(p[1]);
	char msg[200] = "";
	ssize_t mn = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (mn > 0) {
		msg[mn] = '\0';
		char *nl = strchr(msg, '\n');
		int e = 0;
		if (nl != NULL && (size_t)(msg + mn - nl - 1) >= sizeof(e)) {
			memcpy(&e, nl + 1, sizeof(e));
			*nl = '\0';
		}
		snprintf(why, whylen, "%s: %s", msg, strerror(e));
	} else {
		snprintf(why, whylen, "%s in the namespace is not the runner's", RESOLV);
	}
	return -1;
}

int nsexec_main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "%s: usage: %s RESOLV_CONF PROGRAM [ARG...]\n", argv[0], NSEXEC_FLAG);
		return 127;
	}
	struct ids ids;
	ids_init(&ids);
	const char *step = private_resolv(argv[2], &ids);
	if (step != NULL) {
		/* The runner probed this: it should not happen; the target then
		 * runs with the machine's resolver, and says so. */
		fprintf(stderr, "socks4-test: %s: %s (the machine's resolver is used)\n", step,
		        strerror(errno));
	}
	const char *prog = strcmp(argv[3], "sh") == 0 ? "/bin/sh" : argv[3];
	execv(prog, argv + 3);
	fprintf(stderr, "socks4-test: %s: %s\n", prog, strerror(errno));
	return 127;
}
