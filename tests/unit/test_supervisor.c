/* SPDX-License-Identifier: MIT */
/* test_supervisor.c - the target's process (conformance/supervisor.c): a
 * small Python TCP server stands in for a server under test. */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net.h"
#include "suites.h"
#include "target/supervisor.h"

/* argv: PORT MODE. Prints "listening", then "conn N" for each connection.
 * MODE segv: kills itself with SIGSEGV on the second connection (the first is
 * the supervisor's readiness probe); flood: prints 200 KiB before listening;
 * child: starts a background sleep and prints its pid. */
static const char server_py[] =
        "import os, signal, socket, subprocess, sys\n"
        "port, mode = int(sys.argv[1]), sys.argv[2]\n"
        "if mode == 'flood':\n"
        "    for _ in range(200): sys.stdout.write('x' * 1023 + '\\n')\n"
        "if mode == 'child':\n"
        "    print('child %d' % subprocess.Popen(['sleep', '300']).pid)\n"
        "s = socket.create_server(('127.0.0.1', port))\n"
        "print('listening', flush=True)\n"
        "n = 0\n"
        "while True:\n"
        "    c, _ = s.accept()\n"
        "    n += 1\n"
        "    print('conn %d' % n, flush=True)\n"
        "    if mode == 'segv' and n >= 2:\n"
        "        os.kill(os.getpid(), signal.SIGSEGV)\n"
        "    c.close()\n";

static char script[64];

static void write_script(void)
{
	snprintf(script, sizeof(script), "/tmp/s4kit-tp-XXXXXX");
	int fd = mkstemp(script);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, server_py, sizeof(server_py) - 1), (ssize_t)sizeof(server_py) - 1);
	close(fd);
}

static void remove_script(void)
{
	unlink(script);
}

/* The command for MODE: "exec" is added by the supervisor (a simple command). */
static const char *cmd(const char *mode)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "/usr/bin/python3 %s {port} %s", script, mode);
	return buf;
}

static int connect_to(struct target_proc *tp)
{
	char host[64], err[128];
	uint16_t port;
	ck_assert_int_eq(net_split_hostport(tp_addr(tp), 0, host, sizeof(host), &port, err,
	                                    sizeof(err)),
	                 0);
	ck_assert_str_eq(host, "127.0.0.1");
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = -1;
	net_sockaddr4(&ss, &len, INADDR_LOOPBACK, port);
	if (net_connect((struct sockaddr *)&ss, len, NULL, net_deadline(2000), &fd, err,
	                sizeof(err)) < 0)
		return -1;
	return fd;
}

/* Waits (bounded) until the output since mark contains want. */
static int output_has(struct target_proc *tp, uint64_t mark, const char *want)
{
	static char buf[8192];
	int64_t deadline = net_deadline(5000);
	do {
		tp_log_since(tp, mark, buf, sizeof(buf));
		if (strstr(buf, want) != NULL)
			return 1;
	} while (net_remaining_ms(deadline) > 0 && usleep(10000) == 0);
	return 0;
}

static void wait_dead(struct target_proc *tp)
{
	int64_t deadline = net_deadline(5000);
	while (tp_running(tp) && net_remaining_ms(deadline) > 0)
		usleep(5000);
	ck_assert_int_eq(tp_running(tp), 0);
}

START_TEST(starts_and_listens)
{
	char err[512];
	struct target_proc *tp = tp_start(cmd("plain"), NULL, err, sizeof(err));
	ck_assert_msg(tp != NULL, "%s", err);
	ck_assert(strncmp(tp_addr(tp), "127.0.0.1:", 10) == 0);
	ck_assert(strncmp(tp_command(tp), "exec /usr/bin/python3 ", 22) == 0);
	ck_assert(strstr(tp_command(tp), "{port}") == NULL);
	ck_assert_int_eq(tp_running(tp), 1);
	ck_assert_int_eq(tp_exit(tp, NULL, 0), -1);
	int fd = connect_to(tp);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert(output_has(tp, 0, "listening"));
	ck_assert(output_has(tp, 0, "conn 2"));
	tp_stop(tp);
}
END_TEST

START_TEST(never_listens)
{
	char err[512];
	struct tp_opts o = {.ready_timeout_ms = 300};
	int64_t t0 = net_now_ms();
	struct target_proc *tp = tp_start("echo starting; exec sleep 30", &o, err, sizeof(err));
	ck_assert(tp == NULL);
	ck_assert_int_lt(net_now_ms() - t0, 5000); /* 300 ms, then SIGTERM ends the sleep */
	ck_assert_msg(strstr(err, "did not accept connections on 127.0.0.1:") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "within 300 ms") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "starting") != NULL, "%s", err);
}
END_TEST

START_TEST(exits_at_once)
{
	char err[512];
	struct target_proc *tp = tp_start("echo 'bad flag --listen {addr}' >&2; exit 3", NULL, err,
	                                  sizeof(err));
	ck_assert(tp == NULL);
	ck_assert_msg(strstr(err, "exited with status 3 before it accepted connections") != NULL,
	              "%s", err);
	ck_assert_msg(strstr(err, "bad flag --listen 127.0.0.1:") != NULL, "%s", err);
}
END_TEST

START_TEST(death_by_signal)
{
	char err[512], how[160];
	struct target_proc *tp = tp_start(cmd("segv"), NULL, err, sizeof(err));
	ck_assert_msg(tp != NULL, "%s", err);
	uint64_t mark = tp_log_mark(tp);
	int fd = connect_to(tp);
	if (fd >= 0)
		close(fd);
	wait_dead(tp);
	int st = tp_exit(tp, how, sizeof(how));
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	ck_assert_str_eq(how, "killed by signal 11 (SIGSEGV)");
	ck_assert(output_has(tp, mark, "conn 2"));
	tp_stop(tp);
}
END_TEST

START_TEST(death_through_a_shell)
{
	char err[512], how[200];
	char compound[300];
	snprintf(compound, sizeof(compound), "true && %s", cmd("segv"));
	struct target_proc *tp = tp_start(compound, NULL, err, sizeof(err));
	ck_assert_msg(tp != NULL, "%s", err);
	ck_assert(strncmp(tp_command(tp), "true && ", 8) == 0);
	int fd = connect_to(tp);
	if (fd >= 0)
		close(fd);
	wait_dead(tp);
	int st = tp_exit(tp, how, sizeof(how));
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 139);
	ck_assert_msg(strstr(how, "killed by signal 11, SIGSEGV") != NULL, "%s", how);
	tp_stop(tp);
}
END_TEST

START_TEST(ring_keeps_the_last_bytes)
{
	char err[512];
	static char buf[16384];
	struct tp_opts o = {.ring_bytes = 4096};
	struct target_proc *tp = tp_start(cmd("flood"), &o, err, sizeof(err));
	ck_assert_msg(tp != NULL, "%s", err);
	ck_assert(output_has(tp, 0, "conn 1\n")); /* the readiness probe's */
	ck_assert_uint_gt(tp_log_mark(tp), 200 * 1024);
	size_t n = tp_log_since(tp, 0, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "[... ", 5) == 0, "%.80s", buf);
	ck_assert(strstr(buf, "bytes of output not kept ...]\n") != NULL);
	ck_assert_uint_le(n, 4096 + 64);
	ck_assert(strstr(buf, "xxxx\nlistening\nconn 1\n") != NULL);
	/* a small buffer gets the last bytes */
	char small[16];
	ck_assert_uint_eq(tp_log_since(tp, 0, small, sizeof(small)), 15);
	ck_assert_str_eq(small, "stening\nconn 1\n");

	/* since a mark: only what came after it */
	uint64_t mark = tp_log_mark(tp);
	int fd = connect_to(tp);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert(output_has(tp, mark, "conn 2\n"));
	tp_log_since(tp, mark, buf, sizeof(buf));
	ck_assert_str_eq(buf, "conn 2\n");
	tp_stop(tp);
}
END_TEST

START_TEST(restart_after_death)
{
	char err[512];
	struct tp_opts o = {.max_restarts = 1};
	struct target_proc *tp = tp_start(cmd("segv"), &o, err, sizeof(err));
	ck_assert_msg(tp != NULL, "%s", err);
	int fd = connect_to(tp);
	if (fd >= 0)
		close(fd);
	wait_dead(tp);
	uint64_t mark = tp_log_mark(tp);
	ck_assert_msg(tp_restart(tp, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(tp_restarts(tp), 1);
	ck_assert_int_eq(tp_running(tp), 1);
	ck_assert_int_eq(tp_exit(tp, NULL, 0), -1);
	ck_assert(output_has(tp, mark, "listening")); /* the new process's output */
	ck_assert(output_has(tp, 0, "conn 2"));       /* the old one's is still there */
	fd = connect_to(tp);
	ck_assert_int_ge(fd, 0);
	close(fd);
	wait_dead(tp);
	/* the limit */
	ck_assert_int_eq(tp_restart(tp, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "1 restarts is the limit") != NULL, "%s", err);
	tp_stop(tp);
}
END_TEST

/* A process alive and not a zombie. */
static int running(pid_t pid)
{
	char path[64], stat[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	const char *p = strrchr(stat, ')');
	return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

START_TEST(stop_ends_the_group)
{
	char err[512], buf[4096];
	struct target_proc *tp = tp_start(cmd("child"), NULL, err, sizeof(err));
	ck_assert_msg(tp != NULL, "%s", err);
	ck_assert(output_has(tp, 0, "listening"));
	tp_log_since(tp, 0, buf, sizeof(buf));
	const char *p = strstr(buf, "child ");
	ck_assert(p != NULL);
	pid_t child = (pid_t)atoi(p + 6);
	ck_assert_int_gt(child, 0);
	ck_assert(running(child));
	tp_stop(tp);
	int64_t deadline = net_deadline(5000); /* SIGKILL is delivered, not awaited */
	while (running(child) && net_remaining_ms(deadline) > 0)
		usleep(5000);
	ck_assert_msg(!running(child), "the target's child %d survived tp_stop", (int)child);
}
END_TEST

Suite *supervisor_suite(void)
{
	Suite *s = suite_create("supervisor");
	TCase *tc = tcase_create("process");
	tcase_add_unchecked_fixture(tc, write_script, remove_script);
	tcase_add_test(tc, starts_and_listens);
	tcase_add_test(tc, never_listens);
	tcase_add_test(tc, exits_at_once);
	tcase_add_test(tc, death_by_signal);
	tcase_add_test(tc, death_through_a_shell);
	tcase_add_test(tc, ring_keeps_the_last_bytes);
	tcase_add_test(tc, restart_after_death);
	tcase_add_test(tc, stop_ends_the_group);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
