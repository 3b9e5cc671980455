/* SPDX-License-Identifier: MIT */
/* replay.c - runs a fuzz target over files, without any fuzzing engine.
 *
 *   fuzz_<name> PATH...   each PATH a file or a directory of files (read in
 *                         name order, subdirectories too, dot files skipped)
 *   fuzz_<name> < FILE    no PATH: one input from stdin
 *
 * Each input is copied into a heap block of exactly its size, so ASan sees a
 * read past its end, and passed to LLVMFuzzerTestOneInput. `make fuzz-replay`
 * (part of `make check`) builds it with the normal compiler under ASan/UBSan
 * and replays the whole corpus, so every input that once crashed stays fixed.
 * Prints "replayed N inputs for <target>"; exits 1 when a path cannot be
 * read or nothing was replayed. A crash names the input it was running. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

/* Optional in a target, as with libFuzzer. */
extern int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Present when a sanitizer runtime is linked in. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static const char *current = "(none)"; /* the input being run, for crash reports */
static size_t replayed;

static void say_current(void)
{
	static volatile sig_atomic_t said;
	if (said)
		return;
	said = 1;
	const char *msg = "replay: crashed on input ";
	if (write(STDERR_FILENO, msg, strlen(msg)) < 0 ||
	    write(STDERR_FILENO, current, strlen(current)) < 0 || write(STDERR_FILENO, "\n", 1) < 0)
		return;
}

static void on_abort(int sig)
{
	say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void run(const char *name, const uint8_t *data, size_t n)
{
	uint8_t *copy = fuzz_dup(data, n);
	current = name;
	LLVMFuzzerTestOneInput(copy, n);
	current = "(none)";
	free(copy);
	replayed++;
}

/* Reads all of fd into a growing buffer. Returns 0, or -1 with errno. */
static int slurp(int fd, uint8_t **data, size_t *n)
{
	size_t cap = 4096;
	*n = 0;
	*data = malloc(cap);
	if (*data == NULL)
		return -1;
	for (;;) {
		if (*n == cap) {
			uint8_t *bigger = realloc(*data, cap *= 2);
			if (bigger == NULL)
				return -1;
			*data = bigger;
		}
		ssize_t r = read(fd, *data + *n, cap - *n);
		if (r == 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			*n += (size_t)r;
	}
}

static int replay_path(const char *path);

static int skip_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static int replay_dir(const char *path)
{
	struct dirent **names;
	int count = scandir(path, &names, skip_dot, alphasort);
	if (count < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < count; i++) {
		size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
		char *sub = malloc(len);
		if (sub == NULL)
			abort();
		snprintf(sub, len, "%s/%s", path, names[i]->d_name);
		if (rc == 0)
			rc = replay_path(sub);
		free(sub);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int replay_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path);

	uint8_t *data = NULL;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || slurp(fd, &data, &n) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(data);
		return -1;
	}
	close(fd);
	run(path, data, n);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGABRT, on_abort);
	if (__sanitizer_set_death_callback != NULL)
		__sanitizer_set_death_callback(say_current);
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);

	const char *target = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0];
	int rc = 0;
	if (argc < 2) {
		uint8_t *data;
		size_t n;
		if (slurp(STDIN_FILENO, &data, &n) < 0) {
			fprintf(stderr, "replay: stdin: %s\n", strerror(errno));
			return 1;
		}
		run("(stdin)", data, n);
		free(data);
	}
	for (int i = 1; i < argc && rc == 0; i++)
		rc = replay_path(argv[i]);
	printf("replayed %zu inputs for %s\n", replayed, target);
	if (rc == 0 && replayed == 0)
		fprintf(stderr, "replay: no inputs found\n");
	return rc == 0 && replayed > 0 ? 0 : 1;
}
