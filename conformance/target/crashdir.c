/* SPDX-License-Identifier: MIT */
/* crashdir.c - crash and reproducer files (see crashdir.h). */
#include "target/crashdir.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUFFIX_MAX 1000 /* "-2" .. "-999": then the directory is given up on */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int dir_fd = -1;
static char dir_path[4096];
static const char *dir_for; /* the dir_opt dir_fd was opened for (NULL: default) */
static int dir_opened;

static int fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	snprintf(err, errlen, fmt, a, b);
	return -1;
}

/* Opens --crash-dir DIR: created when missing, else checked. */
static int open_given(const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fail(err, errlen, "cannot create the crash directory %s: %s", dir,
		            strerror(errno));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "crash directory %s: %s", dir,
		            errno == ELOOP || errno == ENOTDIR
		                    ? "not a directory (a symlink or a file), refused"
		                    : strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return fail(err, errlen, "crash directory %s: %s", dir, "not a directory");
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		return fail(err, errlen, "crash directory %s: %s", dir,
		            "owned by another user, refused (files there could be replaced or "
		            "read by them)");
	}
	snprintf(dir_path, sizeof(dir_path), "%s", dir);
	return fd;
}

/* The default: a fresh directory of this run under $TMPDIR. */
static int open_fresh(char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	snprintf(dir_path, sizeof(dir_path), "%s/socks4-test-XXXXXX", tmp);
	if (mkdtemp(dir_path) == NULL)
		return fail(err, errlen, "cannot create a crash directory under %s: %s", tmp,
		            strerror(errno));
	int fd = open(dir_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "%s: %s", dir_path, strerror(errno));
	fprintf(stderr, "socks4-test: crash files of this run go to %s/ (--crash-dir DIR to "
	                "choose)\n",
	        dir_path);
	return fd;
}

static int ensure_dir(const char *dir_opt, char *err, size_t errlen)
{
	int same = dir_opened && (dir_for == dir_opt ||
	                          (dir_for != NULL && dir_opt != NULL && strcmp(dir_for, dir_opt) == 0));
	if (same && dir_fd >= 0)
		return 0;
	if (dir_fd >= 0)
		close(dir_fd);
	dir_fd = dir_opt != NULL ? open_given(dir_opt, err, errlen) : open_fresh(err, errlen);
	dir_for = dir_opt;
	dir_opened = dir_fd >= 0;
	return dir_fd >= 0 ? 0 : -1;
}

int crashdir_create(const char *dir_opt, const char *base, const char *const *exts, size_t next,
                    FILE **files, char *path, size_t pathcap, char *err, size_t errlen)
{
	pthread_mutex_lock(&mu);
	if (ensure_dir(dir_opt, err, errlen) < 0) {
		pthread_mutex_unlock(&mu);
		return -1;
	}
	int rc = -1;
	int fds[8];
	char name[512];
	if (next > 8)
		next = 8;
	snprintf(err, errlen, "no free name for %s in %s", base, dir_path);
	for (int n = 1; n < SUFFIX_MAX && rc < 0; n++) {
		char stem[400];
		if (n == 1)
			snprintf(stem, sizeof(stem), "%s", base);
		else
			snprintf(stem, sizeof(stem), "%s-%d", base, n);
		size_t made = 0;
		int taken = 0;
		for (; made < next; made++) {
			snprintf(name, sizeof(name), "%s.%s", stem, exts[made]);
			fds[made] = openat(dir_fd, name,
			                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fds[made] < 0) {
				taken = errno == EEXIST;
				if (!taken)
					snprintf(err, errlen, "%s/%s: %s", dir_path, name,
					         strerror(errno));
				break;
			}
		}
		if (made == next) {
			for (size_t i = 0; i < next; i++)
				files[i] = fdopen(fds[i], "wb");
			snprintf(path, pathcap, "%s/%s", dir_path, stem);
			rc = 0;
			break;
		}
		for (size_t i = 0; i < made; i++) { /* undo this name: it is not whole */
			close(fds[i]);
			snprintf(name, sizeof(name), "%s.%s", stem, exts[i]);
			unlinkat(dir_fd, name, 0);
		}
		if (!taken)
			break;
	}
	pthread_mutex_unlock(&mu);
	for (size_t i = 0; rc == 0 && i < next; i++) {
		if (files[i] == NULL) {
			for (size_t j = 0; j < next; j++)
				if (files[j] != NULL)
					fclose(files[j]);
			snprintf(err, errlen, "fdopen: %s", strerror(errno));
			return -1;
		}
	}
	return rc;
}

const char *crashdir_describe(const char *dir_opt, char *buf, size_t cap)
{
	pthread_mutex_lock(&mu);
	if (dir_opt != NULL)
		snprintf(buf, cap, "%s/", dir_opt);
	else if (dir_opened && dir_for == NULL)
		snprintf(buf, cap, "%s/", dir_path);
	else
		snprintf(buf, cap, "a fresh directory under %s (named when the first is written)",
		         getenv("TMPDIR") != NULL && getenv("TMPDIR")[0] != '\0' ? "$TMPDIR"
		                                                                 : "/tmp");
	pthread_mutex_unlock(&mu);
	return buf;
}
