/* SPDX-License-Identifier: MIT */
/* covmap.c - AFL++'s shared coverage map: made, sized, read in buckets. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz/covmap.h"
#include "net.h"
#include "target/supervisor.h"

#define PROBE_OUT 4096 /* what the probe may print before its number */

/* AFL's count_class_lookup8: a counter's bucket. */
static uint8_t bucket(uint8_t n)
{
	if (n <= 3)
		return n == 3 ? 4 : n;
	if (n <= 7)
		return 8;
	if (n <= 15)
		return 16;
	if (n <= 31)
		return 32;
	return n <= 127 ? 64 : 128;
}

/* Reads the probe's stdout until its end or the deadline. */
static size_t read_probe(int fd, char *out, size_t cap, int timeout_ms)
{
	int64_t deadline = net_deadline(timeout_ms);
	size_t len = 0;
	for (;;) {
		int left = net_remaining_ms(deadline);
		struct pollfd p = {fd, POLLIN, 0};
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t n = read(fd, out + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) == cap - 1)
			break;
	}
	out[len] = '\0';
	return len;
}

/* Runs the command with AFL_DUMP_MAP_SIZE=1 and returns the number on the
 * last line it printed: 0 when there is none. */
static size_t probe_size(const char *tmpl, int timeout_ms, char *err, size_t errlen)
{
	char cmd[4096], out[PROBE_OUT];
	int p[2];
	if (tp_fill(tmpl, 0, "", cmd, sizeof(cmd)) < 0 || pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot run the --exec command to ask its map size");
		return 0;
	}
	setenv("AFL_DUMP_MAP_SIZE", "1", 1); /* no thread reads the environment yet */
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		dup2(p[1], STDOUT_FILENO);
		int null_fd = open("/dev/null", O_RDWR);
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDERR_FILENO);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	unsetenv("AFL_DUMP_MAP_SIZE");
	close(p[1]);
	size_t len = pid > 0 ? read_probe(p[0], out, sizeof(out), timeout_ms) : 0;
	close(p[0]);
	if (pid > 0) {
		kill(-pid, SIGKILL); /* an uninstrumented server would be serving by now */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	const char *last = strrchr(out, '\n');
	last = last != NULL ? last + 1 : out;
	char *end;
	unsigned long n = strtoul(last, &end, 10);
	if (*last == '\0' || *end != '\0' || n == 0 || n > COVMAP_MAX) {
		snprintf(err, errlen,
		         "the --exec command printed no map size with AFL_DUMP_MAP_SIZE=1 "
		         "within %d ms: --coverage needs a target built with AFL++'s afl-clang-fast "
		         "(or afl-cc)",
		         timeout_ms);
		return 0;
	}
	return n;
}

int covmap_create(struct covmap *m, const char *cmd_template, int timeout_ms, char *err,
                  size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->shmid = -1;
	size_t need = probe_size(cmd_template, timeout_ms, err, errlen);
	if (need == 0)
		return -1;
	m->size = (need + 63) & ~(size_t)63; /* whole words for the scans */
	m->virgin = malloc(m->size);
	m->ever = calloc(m->size, 1);
	m->variable = calloc(m->size, 1);
	m->shmid = shmget(IPC_PRIVATE, m->size, IPC_CREAT | IPC_EXCL | 0600);
	if (m->virgin == NULL || m->ever == NULL || m->variable == NULL || m->shmid < 0) {
		snprintf(err, errlen, "coverage map of %zu bytes: %s", m->size,
		         m->virgin == NULL ? "out of memory" : strerror(errno));
		covmap_free(m);
		return -1;
	}
	void *at = shmat(m->shmid, NULL, 0);
	/* Marked for removal at once: it lives while attached (Linux lets the
	 * target attach it still), and goes when the last process detaches. */
	shmctl(m->shmid, IPC_RMID, NULL);
	if (at == (void *)-1) {
		snprintf(err, errlen, "shmat: %s", strerror(errno));
		covmap_free(m);
		return -1;
	}
	m->map = at;
	memset(m->virgin, 0xff, m->size);
	char id[24], size[24];
	snprintf(id, sizeof(id), "%d", m->shmid);
	snprintf(size, sizeof(size), "%zu", m->size);
	setenv("__AFL_SHM_ID", id, 1);
	setenv("AFL_MAP_SIZE", size, 1);
	return 0;
}

void covmap_free(struct covmap *m)
{
	if (m->map != NULL)
		shmdt(m->map);
	free(m->virgin);
	free(m->ever);
	free(m->variable);
	m->map = m->virgin = m->ever = m->variable = NULL;
	if (m->shmid >= 0) {
		unsetenv("__AFL_SHM_ID");
		unsetenv("AFL_MAP_SIZE");
	}
	m->shmid = -1;
}

/* What the map holds now goes into m->ever. */
static void fold(struct covmap *m)
{
	const volatile uint64_t *words = (const volatile uint64_t *)(void *)m->map;
	for (size_t w = 0; w < m->size / 8; w++) {
		if (words[w] == 0)
			continue;
		for (size_t i = w * 8; i < w * 8 + 8; i++)
			m->ever[i] |= ((const volatile uint8_t *)m->map)[i] != 0;
	}
}

void covmap_clear(struct covmap *m)
{
	fold(m);
	memset(m->map, 0, m->size);
}

void covmap_classify(struct covmap *m)
{
	const uint64_t *words = (const uint64_t *)(const void *)m->map;
	for (size_t w = 0; w < m->size / 8; w++)
		if (words[w] != 0) /* most of the map: skipped a word at a time */
			for (size_t i = w * 8; i < w * 8 + 8; i++)
				m->map[i] = bucket(m->map[i]);
}

enum cov_news covmap_news(struct covmap *m, int update)
{
	enum cov_news news = COV_NOTHING;
	const uint64_t *words = (const uint64_t *)(const void *)m->map;
	for (size_t w = 0; w < m->size / 8; w++) {
		if (words[w] == 0)
			continue;
		for (size_t i = w * 8; i < w * 8 + 8; i++) {
			uint8_t b = m->map[i];
			if ((b & m->virgin[i]) == 0 || m->variable[i])
				continue;
			if (news < COV_NEW_EDGE)
				news = m->virgin[i] == 0xff ? COV_NEW_EDGE : COV_NEW_COUNT;
			if (update)
				m->virgin[i] &= (uint8_t)~b;
		}
	}
	return news;
}

size_t covmap_calibrate(struct covmap *m, const uint8_t *first)
{
	size_t n = 0;
	for (size_t i = 0; i < m->size; i++)
		if (m->map[i] != first[i] && !m->variable[i]) {
			m->variable[i] = 1;
			n++;
		}
	m->nvariable += n;
	return n;
}

uint64_t covmap_hash(const struct covmap *m)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a over the edges hit, with their buckets */
	for (size_t i = 0; i < m->size; i++)
		if (m->map[i] != 0 && !m->variable[i])
			h = (h ^ ((uint64_t)i << 8 | m->map[i])) * 1099511628211ull;
	return h;
}

size_t covmap_reached(struct covmap *m)
{
	fold(m);
	size_t n = 0;
	for (size_t i = 1; i < m->size; i++) /* 0 is no edge: the runtime sets it on attach */
		n += m->ever[i];
	return n;
}

size_t covmap_hits(const struct covmap *m, uint32_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < m->size; i++)
		if (m->map[i] != 0 && !m->variable[i] && n < cap)
			out[n++] = (uint32_t)i;
	return n;
}

